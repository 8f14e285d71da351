"""The query language's side of the reader (mixed into the main screen, issue 15):
showing the articles rules hid. Saved searches are sidebar nodes of search views
(``SectionTree``), so ``A`` and ``u`` in one work as in any list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsterm.core.library import Library
from newsterm.core.models import View
from newsterm.ui.widgets.article_list import ArticleList

if TYPE_CHECKING:
    from textual.screen import Screen

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object


class QueryActions(_ScreenBase):
    """``V``: the lists show hidden articles too, or not."""

    library: Library
    view: View

    def _set_view(self, view: View, select: int | None = None) -> None:
        raise NotImplementedError  # the main screen's

    def action_toggle_hidden(self) -> None:
        self.library.show_hidden = not self.library.show_hidden
        self.app.notify(
            "Showing hidden articles."
            if self.library.show_hidden
            else "Leaving out hidden articles.",
            timeout=2,
        )
        current = self.query_one(ArticleList).current
        self._set_view(self.view, select=current.rowid if current else None)
