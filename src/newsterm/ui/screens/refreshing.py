"""Refreshing in the reader (mixed into the main screen): the keys, the worker, the
progress, and catching up with what this refresh or another program wrote."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.widgets import ProgressBar, Static

from newsterm.core.library import Library
from newsterm.core.models import SourceReport, View
from newsterm.ui.messages import MarksToPush, RefreshFinished, RefreshProgressed
from newsterm.ui.widgets.article_list import ArticleList
from newsterm.ui.widgets.section_tree import SectionTree
from newsterm.ui.workers import work

LIST_CALM_SECONDS = 1.0
"""During a refresh, the list catches up only after this long without a key."""
SYNC_SECONDS = 180.0
"""How often the accounts sync in the background (marks pushed, the server's pulled)."""

if TYPE_CHECKING:
    from textual.screen import Screen

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object


class RefreshActions(_ScreenBase):
    """``r``, ``R``, the refresh timer, and the screen catching up after writes."""

    library: Library
    view: View
    selected: View
    _refreshing: bool
    _stale_sidebar: bool
    _stale_list: bool
    _key_at: float

    def load_sidebar(self) -> object:
        raise NotImplementedError  # the main screen's

    def load_list(self, select: int | None = None) -> object:
        raise NotImplementedError  # the main screen's

    def reload(self) -> None:
        raise NotImplementedError  # the main screen's

    def action_refresh(self) -> None:
        selection = self.query_one(SectionTree).current_view or self.selected
        if self.library.is_account_view(selection):  # its server's, now
            self._sync_worker(force=True)
        elif selection.kind == "source" and selection.source:
            self.run_refresh([selection.source])
        elif selection.kind == "section":
            keys = [
                s.key
                for s in self.library.configured_feeds()
                if s.section[: len(selection.section)] == selection.section
            ]
            self.run_refresh(keys)
        else:
            self.run_refresh(None)

    def action_refresh_all(self) -> None:
        self.run_refresh(None)

    def run_refresh(self, keys: list[str] | None) -> None:
        if self._refreshing:
            self.app.notify("A refresh is already running.", timeout=2)
            return
        if not self.library.configured_feeds(keys) and not (keys is None and self._accounts):
            self.app.notify("No feeds to refresh here.", timeout=2)
            return
        self._refreshing = True
        self._stale_sidebar = self._stale_list = False
        self._refresh_worker(keys)

    @work(exclusive=True, group="refresh")
    async def _refresh_worker(self, keys: list[str] | None) -> None:
        total = len(self.library.configured_feeds(keys))
        self.post_message(RefreshProgressed(0, total, None))
        shown = time.monotonic()

        def progress(done: int, total: int, report) -> None:  # type: ignore[no-untyped-def]
            # Runs on the event loop, once per feed: note what changed, and show the
            # count at most ten times a second (each redraw competes with the keys).
            nonlocal shown
            if report.new or report.updated or report.error:
                self._stale_sidebar = True
                self._stale_list = self._stale_list or bool(report.new)
            now = time.monotonic()
            if done == total or now - shown >= 0.1:
                shown = now
                self.post_message(RefreshProgressed(done, total, report))

        reports: list[SourceReport] = []
        try:
            reports = await self.library.refresh(keys, progress)
        finally:  # a failed refresh ends too (and the error handler says why)
            self._refreshing = False
            self.post_message(RefreshFinished(reports))

    @property
    def _accounts(self) -> bool:
        return bool(self.library.config.accounts)

    @work(exclusive=True, group="sync")
    async def _sync_worker(self, force: bool = False) -> None:
        if self._refreshing:  # a refresh syncs the accounts too
            return
        if force:
            self.query_one("#status", Static).update(Text("syncing…"))
        reports = await self.library.sync_accounts(force=force)
        if force:
            self.query_one("#status", Static).update(Text(" · ".join(r.line() for r in reports)))
        if any(r.new or r.changed or r.pushed for r in reports):
            self.reload()
        self._show_account_status()

    def on_marks_to_push(self, message: MarksToPush) -> None:
        self._push_worker()

    @work(exclusive=True, group="push")
    async def _push_worker(self) -> None:
        """The accounts' queued marks, sent now (no pull): see MarkActions."""
        reports = await self.library.push_accounts()
        if any(r.error for r in reports):
            self._show_account_status()

    def _show_account_status(self) -> None:
        """ "home: offline, 12 changes queued" on the status line while an account is."""
        status = self.library.account_status()
        if status:
            self.query_one("#status", Static).update(Text(status))

    def on_refresh_progressed(self, message: RefreshProgressed) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.display = True
        bar.update(total=max(1, message.total), progress=message.done)
        # One short line: after the first, no need to lay the screen out again for it.
        status = Text(f"refreshing {message.done}/{message.total}")
        self.query_one("#status", Static).update(status, layout=message.done == 0)

    def on_key(self, event: events.Key) -> None:
        self._key_at = time.monotonic()

    @work(thread=True, exclusive=True, group="poll")
    def _poll_store(self) -> None:
        """Once a second: has another program (a cron refresh, a second newsterm) or
        this one's refresh workers written to the store? Then the sidebar and the list
        catch up, as during a refresh of our own."""
        if self.library.changed_elsewhere():
            self._stale_sidebar = self._stale_list = True
        self.app.call_from_thread(self._catch_up)

    def _catch_up(self) -> None:
        """During a refresh, redraw counts and the list at most once a second,
        not once per feed: 200 feeds finishing must not mean 400 reloads.

        The list waits while keys are being pressed: rows moving under the cursor
        would get in the reader's way, and reloading a big list costs the keys their
        frames. The end of the refresh reloads it anyway."""
        if self._stale_sidebar:
            self._stale_sidebar = False
            self.load_sidebar()
        if time.monotonic() - self._key_at < LIST_CALM_SECONDS:
            return
        if self._stale_list and self.view.kind != "search":
            self._stale_list = False
            current = self.query_one(ArticleList).current
            self.load_list(select=current.rowid if current else None)

    def on_refresh_finished(self, message: RefreshFinished) -> None:
        self.query_one("#progress", ProgressBar).display = False
        failed = sum(1 for r in message.reports if r.error)
        skipped = sum(1 for r in message.reports if r.skipped)
        new = sum(r.new for r in message.reports)
        summary = f"{new} new · {failed} failed" if failed else f"{new} new"
        if skipped:  # the other program's articles show when it is done (_poll_store)
            summary += f" · {skipped} left to another newsterm"
        if waiting := sum(1 for r in message.reports if r.waiting):
            summary += f" · {waiting} waiting (server floor)"
        if status := self.library.account_status():
            summary += f" · {status}"
        self.query_one("#status", Static).update(Text(summary))
        self.reload()
