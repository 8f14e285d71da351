"""Marking in the reader (mixed into the main screen): read, starred, mark all, undo,
and the "store busy" status while marks wait for the store (core/marks.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

from newsterm.core.library import Library
from newsterm.ui.messages import MarksChanged, MarksToPush
from newsterm.ui.widgets.article_list import ArticleList
from newsterm.ui.widgets.article_view import ArticleView
from newsterm.ui.workers import work

if TYPE_CHECKING:
    from textual.screen import Screen

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object


PUSH_AFTER_SECONDS = 2.0
"""A burst of marks on a sync account's articles goes to the server this long after the
last one (the sync's own schedule is minutes)."""


class MarkActions(_ScreenBase):
    """``m``, ``s``, ``A``, ``u`` of the main screen."""

    library: Library
    _undo: list[tuple[str, dict[int, bool]]]
    _sidebar_timer: Timer | None
    _push_timer: Timer | None = None
    _busy_shown: bool

    def load_sidebar(self) -> object:
        raise NotImplementedError  # the main screen's

    def on_marks_changed(self, message: MarksChanged) -> None:
        article_list = self.query_one(ArticleList)
        if message.bulk:
            article_list.invalidate()
        else:
            for row in self.library.rows(list(message.ids)):
                article_list.update_row(row)
        # Counts over a big store take a while; let the frame that shows the change
        # be drawn first, and read them once for a burst of marks.
        if self._sidebar_timer is not None:
            self._sidebar_timer.stop()
        self._sidebar_timer = self.set_timer(0.15, self.load_sidebar)
        if self.library.config.accounts:  # a sync account's marks reach its server soon
            if self._push_timer is not None:
                self._push_timer.stop()
            self._push_timer = self.set_timer(
                PUSH_AFTER_SECONDS, lambda: self.post_message(MarksToPush())
            )

    def _marks_waiting(self, waiting: int) -> None:
        """From any thread: the mark queue's count changed (see core/marks.py)."""
        try:
            self.app.call_from_thread(self._show_marks_waiting, waiting)
        except RuntimeError:  # on the app's own thread already (or the app has stopped)
            if self.is_attached:
                self._show_marks_waiting(waiting)

    def _show_marks_waiting(self, waiting: int) -> None:
        status = self.query_one("#status", Static)
        if waiting:
            status.update(Text(f"store busy — {waiting} changes waiting", style="bold"))
            self._busy_shown = True
        elif self._busy_shown:
            self._busy_shown = False
            status.update(Text("all changes saved"))
            self.load_sidebar()

    def _target_ids(self) -> list[int]:
        """The article the user means: the open one when the pane has focus, else the row."""
        view = self.query_one(ArticleView)
        if isinstance(self.focused, ArticleView) and view.article is not None:
            return [view.article.row.rowid]
        row = self.query_one(ArticleList).current
        return [row.rowid] if row else []

    def action_toggle_read(self) -> None:
        ids = self._target_ids()
        if ids:
            row = self.library.rows(ids)[0]
            self._mark(ids, "read", not row.read)

    def action_toggle_starred(self) -> None:
        ids = self._target_ids()
        if ids:
            row = self.library.rows(ids)[0]
            self._mark(ids, "starred", not row.starred)

    def action_mark_all_read(self) -> None:
        ids = list(self.query_one(ArticleList).ids)
        if not ids:
            self.app.notify("Nothing to mark here.")
            return
        self._mark(ids, "read", True, bulk=True)

    @work(thread=True, group="marks")
    def _mark(self, ids: Sequence[int], flag: str, value: bool, bulk: bool = False) -> None:
        setter = self.library.set_read if flag == "read" else self.library.set_starred
        before = setter(ids, value)
        if bulk:
            changed = {k: v for k, v in before.items() if v != value}
            self._undo.append((flag, changed))
            self.app.call_from_thread(
                self.app.notify,
                f"Marked {len(changed)} articles read. Press u to undo.",
                markup=False,
            )
        self.post_message(MarksChanged(ids, bulk=bulk))

    @work(thread=True, group="marks")
    def action_undo(self) -> None:
        if not self._undo:
            self.app.call_from_thread(self.app.notify, "Nothing to undo.")
            return
        flag, previous = self._undo.pop()
        self.library.restore(flag, previous)
        self.app.call_from_thread(
            self.app.notify, f"Restored {len(previous)} articles.", markup=False
        )
        self.post_message(MarksChanged(list(previous), bulk=True))
