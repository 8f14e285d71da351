"""Where n and p go: the next unread article of the list, then of the next feed or
section in the order the sidebar shows them (the walk itself is core/navigation.py).
Mixed into the main screen, as its feed actions are."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual.widgets.tree import TreeNode

from newsterm.core.library import Library
from newsterm.core.models import SortOrder, View
from newsterm.core.navigation import WALKED
from newsterm.ui.widgets.article_list import ArticleList
from newsterm.ui.widgets.article_view import ArticleView
from newsterm.ui.widgets.section_tree import SectionTree
from newsterm.ui.workers import work

if TYPE_CHECKING:
    from textual.screen import Screen

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object


class WalkActions(_ScreenBase):
    """``n``/``p`` of the main screen.

    Within the list first (the row under the cursor counts when nothing is open);
    past its end, a feed or section goes on to the next in sidebar order, opening its
    first unread (``p``: its last); All, Unread, Starred, Today and a search keep
    ``n``/``p`` inside their list and say when nothing is left that way.
    """

    library: Library
    view: View
    """What the list shows (the main screen's)."""
    selected: View
    """What the sidebar selects (the main screen's)."""
    show_read: bool
    sort: SortOrder
    _open_on_load: int | None
    """An article to open once the list of the view being loaded is there."""

    def load_list(self, select: int | None = None) -> object:
        raise NotImplementedError  # the main screen's

    def _open_index(self, index: int) -> None:
        raise NotImplementedError  # the main screen's

    def action_next_unread(self) -> None:
        self._walk_unread(forward=True)

    def action_previous_unread(self) -> None:
        self._walk_unread(forward=False)

    def _walk_unread(self, forward: bool) -> None:
        article_list = self.query_one(ArticleList)
        ids, cursor = list(article_list.ids), article_list.cursor
        current = self.query_one(ArticleView).article
        start = cursor + 1 if forward else cursor - 1
        if current is None or (ids and ids[cursor] != current.row.rowid):
            start = cursor  # nothing open yet: the row under the cursor counts
        order = self._sidebar_order() if self.view.kind in WALKED else None
        self._find_unread(forward, ids, start, order)

    def _sidebar_order(self) -> list[View]:
        """The sections and feeds of the sidebar, top to bottom (collapsed ones too)."""
        tree = self.query_one(SectionTree)
        return [
            node.data
            for node in _tree_nodes(tree.root)
            if node.data is not None and node.data.kind in WALKED
        ]

    @work(thread=True, exclusive=True, group="find")
    def _find_unread(
        self, forward: bool, ids: list[int], start: int, order: list[View] | None
    ) -> None:
        index = self.library.find_unread(ids, start, forward)
        if index is not None:
            self.app.call_from_thread(self._open_index, index)
            return
        if order is None:  # a virtual view or a search: n/p stay in it
            where = "below" if forward else "above"
            name = "the results" if self.view.kind == "search" else self.view.kind.title()
            self.app.call_from_thread(
                self.app.notify, f"No more unread articles {where} in {name}.", timeout=3
            )
            return
        here = self.selected
        for _ in range(len(order) + 1):  # counts a moment old may name a list read since
            target = self.library.next_view_with_unread(here, forward, order)
            if target is None:
                break
            target_ids = self.library.article_ids(target.shown(self.show_read, self.sort))
            found = self.library.find_unread(
                target_ids, 0 if forward else len(target_ids) - 1, forward
            )
            if found is not None:
                self.app.call_from_thread(self._jump_to_view, target, target_ids[found])
                return
            here = target
        self.app.call_from_thread(self.app.notify, "No more unread articles.", timeout=3)

    def _jump_to_view(self, selection: View, rowid: int) -> None:
        """Show ``selection`` and open ``rowid`` once its list is there; the sidebar
        follows (its folded sections unfolded)."""
        self.selected = selection
        self.view = selection.shown(self.show_read, self.sort)
        self._open_on_load = rowid
        self.load_list(select=rowid)
        tree = self.query_one(SectionTree)
        node = next((n for n in _tree_nodes(tree.root) if n.data == selection), None)
        parent = node.parent if node is not None else None
        while parent is not None and not parent.is_root:
            if not parent.is_expanded:  # unfolding redraws the whole tree: only if needed
                parent.expand()
            parent = parent.parent
        self._show_in_sidebar(selection)

    def _show_in_sidebar(self, selection: View, tries: int = 10) -> None:
        """Put the sidebar's cursor on ``selection`` once its line is drawn: a node
        without a line yet (just unfolded) would put the cursor on the first line,
        and choose "All"."""
        tree = self.query_one(SectionTree)
        node = next((n for n in _tree_nodes(tree.root) if n.data == selection), None)
        if node is None or selection != self.selected:
            return  # gone, or the reader has moved on
        if node.line < 0:
            if tries:
                self.call_after_refresh(self._show_in_sidebar, selection, tries - 1)
            return
        tree.select_view(selection)


def _tree_nodes(node: TreeNode[View]) -> Iterator[TreeNode[View]]:
    """The nodes under ``node``, top to bottom as the sidebar lists them."""
    for child in node.children:
        yield child
        yield from _tree_nodes(child)
