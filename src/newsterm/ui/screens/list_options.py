"""The list's options in the reader (mixed into the main screen): showing or hiding
read articles (``H``) and the sort order (``S``), each keeping the cursor's article."""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsterm.core.models import SORT_ORDERS, SortOrder, View
from newsterm.ui.widgets.article_list import ArticleList

if TYPE_CHECKING:
    from textual.screen import Screen

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object


class ListOptionsActions(_ScreenBase):
    """``H`` and ``S`` of the main screen."""

    show_read: bool
    sort: SortOrder
    selected: View

    def _set_view(self, view: View, select: int | None = None) -> None:
        raise NotImplementedError  # the main screen's

    def action_toggle_show_read(self) -> None:
        self.show_read = not self.show_read
        self.app.notify(
            "Showing read articles." if self.show_read else "Hiding read articles.", timeout=2
        )
        self._show_again()

    def action_cycle_sort(self) -> None:
        self.sort = SORT_ORDERS[(SORT_ORDERS.index(self.sort) + 1) % len(SORT_ORDERS)]
        self.app.notify(f"Sorted by {self.sort}.", timeout=2)
        self._show_again()

    def _show_again(self) -> None:
        """The view again with the options as they are now, on the same article."""
        current = self.query_one(ArticleList).current
        self._set_view(
            self.selected.shown(self.show_read, self.sort),
            select=current.rowid if current else None,
        )
