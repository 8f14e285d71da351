"""newsterm among the reader's other tools, in the TUI: ``|`` pipes the article to a
command, ``w`` saves it as Markdown, ctrl+o opens every unread article of the list in
the browser; feeds due by their own schedule are refreshed as they fall due; feeds.toml
edited elsewhere is followed; a failing hook is told. Mixed into the main screen.

Commands run as :mod:`newsterm.core.run` runs them (an argv, no shell, the article on
stdin only, output captured), in thread workers; one that needs the terminal (a pager)
runs with the reader suspended (``App.suspend``), never drawing over it.
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported

from newsterm.core import run
from newsterm.core.article_text import article_markdown
from newsterm.core.config_file import ConfigChange
from newsterm.core.export import save_markdown
from newsterm.core.library import Library
from newsterm.core.links import open_url, refusal
from newsterm.core.models import ArticleRow, StoredArticle
from newsterm.core.paths import documents_dir
from newsterm.core.text import clean_line
from newsterm.ui.messages import MarksChanged
from newsterm.ui.screens.tool_dialogs import ConfirmOpenDialog, PipeChoice, PipeDialog
from newsterm.ui.widgets.article_list import ArticleList
from newsterm.ui.widgets.article_view import ArticleView
from newsterm.ui.workers import work

if TYPE_CHECKING:
    from textual.screen import Screen

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object

log = logging.getLogger(__name__)

ASK_ABOVE = 10
"""Opening more articles than this at once asks first."""
PIPE_SECONDS = 120.0
"""How long a captured pipe command may run."""
SHOWN_LINES = 8
"""Lines of a pipe command's output the notification shows."""
SCHEDULE_SECONDS = 60.0
"""How often the TUI looks for feeds due by their own schedule."""
CONFIG_SECONDS = 2.0
"""How often the TUI looks whether feeds.toml changed on disk."""


class ToolsActions(_ScreenBase):
    """Pipe, save, open all unread; schedules, feeds.toml and hooks. See the module."""

    library: Library
    _refreshing: bool
    """A refresh is running (the main screen's)."""
    _last_pipe = ""

    def run_refresh(self, keys: list[str] | None) -> None:
        raise NotImplementedError  # the main screen's

    def reload(self) -> None:
        raise NotImplementedError  # the main screen's

    def start_tools(self) -> None:
        """After the first paint (the main screen's start-up): the timers and the
        library's callbacks."""
        self.library.on_hook_failed(self._from_thread(self._hook_failed))
        self.library.on_config_change(self._from_thread(self._config_changed))
        self.set_interval(SCHEDULE_SECONDS, self._look_for_due)
        self.set_interval(CONFIG_SECONDS, self._look_at_config)

    def _from_thread(self, method):  # type: ignore[no-untyped-def]
        """``method`` made callable from any thread (run on the app's)."""

        def call(*args):  # type: ignore[no-untyped-def]
            try:
                self.app.call_from_thread(method, *args)
            except RuntimeError:  # on the app's thread already, or the app has stopped
                if self.is_attached:
                    method(*args)

        return call

    # -- the article the keys mean --------------------------------------------------

    def _chosen_id(self) -> int | None:
        """The open article, else the row under the list's cursor."""
        article = self.query_one(ArticleView).article
        if article is not None:
            return article.row.rowid
        row = self.query_one(ArticleList).current
        return row.rowid if row is not None else None

    def _read_article(self, rowid: int) -> tuple[StoredArticle, str] | None:
        """(the article, its Markdown), in a worker thread."""
        article = self.library.article(rowid)
        if article is None:
            return None
        return article, article_markdown(article, self.library.rendered(article))

    # -- | pipe ----------------------------------------------------------------------

    def action_pipe_article(self) -> None:
        rowid = self._chosen_id()
        if rowid is None:
            self.app.notify("No article to pipe here.", timeout=3)
            return
        title = next((row.title for row in self.library.rows([rowid])), "")
        dialog = PipeDialog(title, self.library.config.pipes, self._last_pipe)
        self.app.push_screen(dialog, lambda choice: self._pipe_chosen(rowid, choice))

    def _pipe_chosen(self, rowid: int, choice: PipeChoice | None) -> None:
        if choice is None:
            return
        if choice.typed:
            self._last_pipe = choice.typed
        self._pipe_worker(rowid, choice)

    @work(thread=True, group="pipe")
    def _pipe_worker(self, rowid: int, choice: PipeChoice) -> None:
        found = self._read_article(rowid)
        if found is None:
            return
        article, markdown = found
        env = _article_env(article.row)
        if choice.terminal:
            self.app.call_from_thread(self._pipe_on_terminal, choice.argv, markdown, env)
            return
        finished = run.run(choice.argv, markdown.encode("utf-8"), timeout=PIPE_SECONDS, env=env)
        self.app.call_from_thread(self._pipe_done, finished)

    def _pipe_on_terminal(self, argv: tuple[str, ...], markdown: str, env: dict[str, str]) -> None:
        """A pager or an editor: the reader steps aside while it runs (the event loop
        waits: nothing is drawn meanwhile)."""
        name = clean_line(Path(argv[0]).name, 60)
        try:
            with self.app.suspend():
                done = subprocess.run(  # noqa: S603 - an argv list, never a shell
                    run.command_argv(argv),
                    input=markdown.encode("utf-8"),
                    env=run.command_env(env),
                    check=False,
                )
        except SuspendNotSupported:
            self.app.notify("This terminal cannot be handed to a command here.", severity="warning")
            return
        except OSError as exc:
            self.app.notify(f"{name}: cannot start it: {exc}", severity="error", markup=False)
            return
        if done.returncode:
            self.app.notify(
                f"{name}: exit status {done.returncode}", severity="warning", markup=False
            )

    def _pipe_done(self, finished: run.Finished) -> None:
        problem = finished.problem(PIPE_SECONDS)
        name = clean_line(Path(finished.argv[0]).name, 60)
        lines = [ln for ln in (finished.stdout or finished.stderr).splitlines() if ln.strip()]
        shown = "\n".join(clean_line(ln, 200) for ln in lines[:SHOWN_LINES])
        if len(lines) > SHOWN_LINES:
            shown += f"\n… {len(lines) - SHOWN_LINES} more lines"
        if problem is not None:
            self.app.notify(problem, severity="warning", markup=False, timeout=10)
        elif not shown:
            self.app.notify(f"{name}: done (no output)", markup=False, timeout=5)
        else:
            self.app.notify(f"{name}:\n{shown}", markup=False, timeout=10)

    # -- w save --------------------------------------------------------------------

    def action_save_article(self) -> None:
        rowid = self._chosen_id()
        if rowid is None:
            self.app.notify("No article to save here.", timeout=3)
            return
        self._save_worker(rowid)

    @work(thread=True, group="save")
    def _save_worker(self, rowid: int) -> None:
        article = self.library.article(rowid)
        if article is None:
            return
        folder = self.library.config.settings.save_dir or documents_dir()
        try:
            path = save_markdown(article, self.library.rendered(article), folder)
        except OSError as exc:
            message = f"Not saved: {folder}: {exc.strerror or exc}"
            self.app.call_from_thread(self.app.notify, message, severity="error", markup=False)
            return
        self.app.call_from_thread(self.app.notify, f"Saved to {path}", markup=False, timeout=6)

    # -- ctrl+o open all unread ----------------------------------------------------------

    def action_open_all_unread(self) -> None:
        ids = list(self.query_one(ArticleList).ids)
        if not ids:
            self.app.notify("Nothing to open here.", timeout=3)
            return
        self._unread_worker(ids)

    @work(thread=True, exclusive=True, group="open-all")
    def _unread_worker(self, ids: list[int]) -> None:
        cap = self.library.config.settings.open_unread_max
        rows, unread = self.library.unread_rows(ids, cap)
        self.app.call_from_thread(self._open_unread, rows, unread, cap)

    def _open_unread(self, rows: list[ArticleRow], unread: int, cap: int) -> None:
        if not rows:
            self.app.notify("No unread articles in this list.", timeout=3)
        elif len(rows) > ASK_ABOVE:
            dialog = ConfirmOpenDialog(len(rows), unread, cap)
            self.app.push_screen(dialog, lambda yes: self._open_answered(yes, rows, unread))
        else:
            self._open_worker(rows, unread)

    def _open_answered(self, yes: bool | None, rows: list[ArticleRow], unread: int) -> None:
        if yes:
            self._open_worker(rows, unread)

    @work(thread=True, group="open-all")
    def _open_worker(self, rows: list[ArticleRow], unread: int) -> None:
        opened: list[int] = []
        refused: list[str] = []
        for row in rows:
            reason = refusal(row.url) or open_url(row.url or "")
            if reason is None:
                opened.append(row.rowid)
            else:
                refused.append(reason)
        if opened:
            self.library.set_read(opened, True)
            self.post_message(MarksChanged(opened, bulk=True))
        notice = f"Opened {len(opened)} article{'s' if len(opened) != 1 else ''}"
        if unread > len(rows):
            notice += f" of {unread} unread (open_unread_max = {len(rows)})"
        if refused:
            notice += f"; {len(refused)} not opened ({refused[0]}), left unread"
        self.app.call_from_thread(
            self.app.notify, notice + ".", severity="warning" if refused else "information",
            markup=False,
        )  # fmt: skip

    # -- schedules, feeds.toml, hooks ---------------------------------------------------

    def _look_for_due(self) -> None:
        if not self._refreshing:
            self._due_worker()

    @work(thread=True, exclusive=True, group="due")
    def _due_worker(self) -> None:
        scheduled = self.library.scheduled_feeds()
        due = self.library.due_feeds(scheduled) if scheduled else []
        if due:
            self.app.call_from_thread(self._refresh_due, due)

    def _refresh_due(self, keys: list[str]) -> None:
        if not self._refreshing:  # a refresh of the reader's own came first
            self.run_refresh(keys)

    @work(thread=True, exclusive=True, group="config-file")
    def _look_at_config(self) -> None:
        self.library.follow_config()  # a change calls _config_changed

    def _config_changed(self, change: ConfigChange) -> None:
        if change.error is not None:
            self.app.notify(
                f"{change.error} — the settings before it stay in use",
                severity="error",
                markup=False,
                timeout=15,
            )
            return
        self.app.notify(f"{change.path.name} changed: read again.", markup=False, timeout=4)
        keys = dict(self.library.config.keys)
        rebound = getattr(self.app, "rebound_keys", None)
        if rebound is not None and keys != rebound:
            self.app.rebound_keys = keys  # type: ignore[attr-defined]
            self.app.set_keymap({action: ",".join(k) for action, k in keys.items()})
        self.reload()

    def _hook_failed(self, message: str) -> None:
        self.app.notify(message, severity="warning", markup=False, timeout=10)


def _article_env(row: ArticleRow) -> dict[str, str]:
    """What a pipe command may read of the article besides stdin: its id, title, link."""
    return {
        "NEWSTERM_ID": str(row.rowid),
        "NEWSTERM_TITLE": row.title,
        "NEWSTERM_URL": row.url or "",
    }
