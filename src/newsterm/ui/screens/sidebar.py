"""The main screen's sidebar side: its width, hiding it, the folds it keeps between
sessions, and Enter in it going to the list. Mixed into :class:`MainScreen`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from newsterm.core.library import Library
from newsterm.core.models import SectionPath, SortOrder, View
from newsterm.ui.widgets.article_list import ArticleList
from newsterm.ui.widgets.section_tree import SectionTree
from newsterm.ui.workers import work

if TYPE_CHECKING:
    from textual.screen import Screen

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object

SAVED_KEY = "sidebar"
"""Where :meth:`Library.save` keeps the sidebar's folds and whether it is hidden."""

WIDEST = "60%"
"""A ``sidebar_width`` never takes more of the terminal than this."""


class SidebarActions(_ScreenBase):
    """The sidebar's keys and state, mixed into the main screen."""

    library: Library
    selected: View
    view: View
    show_read: bool
    sort: SortOrder

    def _set_view(self, view: View, select: int | None = None) -> None:
        """Show ``view`` in the list (the main screen's own)."""
        raise NotImplementedError

    def restore_sidebar(self) -> None:
        """At start, before the sidebar fills: ``sidebar_width``, and the folds and the
        hiding the last session left (a damaged value is ignored)."""
        sidebar = self.query_one("#sidebar")
        width = self.library.config.settings.sidebar_width
        if width:
            sidebar.styles.width = width
            sidebar.styles.min_width = 0
            sidebar.styles.max_width = WIDEST
        folded, hidden = _parse(self.library.saved(SAVED_KEY))
        self.query_one(SectionTree).folded = folded
        sidebar.display = not hidden

    def action_toggle_sidebar(self) -> None:
        """Hide the sidebar for full-width reading, or show it again."""
        sidebar = self.query_one("#sidebar")
        sidebar.display = not sidebar.display
        if not sidebar.display and self.focused is not None and sidebar in self.focused.ancestors:
            self.query_one(ArticleList).focus()
        self._save_sidebar()

    def on_section_tree_view_opened(self, message: SectionTree.ViewOpened) -> None:
        """Enter, ``l`` or → in the sidebar: its view in the list, and the focus there."""
        if message.view != self.selected or self.view.kind == "search":
            self.selected = message.view
            self._set_view(self.selected.shown(self.show_read, self.sort))
        self.query_one(ArticleList).focus()

    def on_section_tree_folds_changed(self, message: SectionTree.FoldsChanged) -> None:
        self._save_sidebar()

    def _save_sidebar(self) -> None:
        folded = sorted(list(path) for path in self.query_one(SectionTree).folded)
        hidden = not self.query_one("#sidebar").display
        self._keep_sidebar(json.dumps({"folded": folded, "hidden": hidden}))

    @work(thread=True, exclusive=True, group="sidebar-state")
    def _keep_sidebar(self, state: str) -> None:
        self.library.save(SAVED_KEY, state)


def _parse(raw: str | None) -> tuple[set[SectionPath], bool]:
    """(folded sections, hidden) from what :meth:`SidebarActions._save_sidebar` kept."""
    try:
        saved = json.loads(raw) if raw else {}
        folded = {
            tuple(path)
            for path in saved.get("folded", ())
            if isinstance(path, list) and path and all(isinstance(p, str) for p in path)
        }
        return folded, saved.get("hidden") is True
    except (ValueError, TypeError, AttributeError):
        return set(), False
