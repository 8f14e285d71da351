"""SectionTree: the sidebar. Virtual sections on top, then nested sections with feeds.

Each row is drawn to the sidebar's width: the name, cut with an ellipsis where it does
not fit, and its count right-aligned, so a long name never hides the count. The cursor
row has the cursor's background across the whole row (indentation included).

Labels are built as ``Text`` objects: section and feed names come from strangers and
are never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from newsterm.core.models import FeedNode, SectionNode, SectionPath, View, ViewKind
from newsterm.ui.keys import bindings

VIRTUAL: tuple[tuple[ViewKind, str], ...] = (
    ("all", "All"),
    ("unread", "Unread"),
    ("starred", "Starred"),
    ("today", "Today"),
)


@dataclass(frozen=True, slots=True)
class Entry:
    """What one row of the sidebar says; drawn to the sidebar's width when shown."""

    name: str
    count: int
    """The number shown at the right (unread articles; all of them for Starred)."""
    unread: bool
    """Whether it holds unread articles (the row is bold)."""
    error: bool = False
    """The feed's last fetch failed (a "!" before the name)."""

    @property
    def plain(self) -> str:
        """The row as it reads with room enough: the node's label."""
        count = f" {self.count}" if self.count else ""
        return f"{'! ' if self.error else ''}{self.name}{count}"


class SectionTree(Tree[View]):
    """The sidebar of sections with unread counts."""

    BINDINGS = bindings(
        "sidebar",
        next="cursor_down",
        previous="cursor_up",
        first="scroll_home",
        last="scroll_end",
        next_page="page_down",
        previous_page="page_up",
        toggle_section="toggle_node",
        toggle_all_sections="toggle_expand_all",
        parent_section="cursor_parent",
        next_after_parent="cursor_parent_next_sibling",
        previous_sibling="cursor_previous_sibling",
        next_sibling="cursor_next_sibling",
    )

    COMPONENT_CLASSES = {"section-tree--error"}

    DEFAULT_CSS = """
    SectionTree { background: $panel; overflow-x: hidden; }
    SectionTree > .section-tree--error { color: $error; text-style: bold; }
    """

    class ViewChosen(Message):
        """The highlighted sidebar node changed: show its articles."""

        def __init__(self, tree: SectionTree, view: View) -> None:
            super().__init__()
            self.tree = tree
            self.view = view

    class ViewOpened(Message):
        """Enter, ``l`` or → on a node: show its articles and move to the list."""

        def __init__(self, tree: SectionTree, view: View) -> None:
            super().__init__()
            self.tree = tree
            self.view = view

    class FoldsChanged(Message):
        """A section was folded or unfolded: the set of folded ones, to keep."""

        def __init__(self, tree: SectionTree, folded: frozenset[SectionPath]) -> None:
            super().__init__()
            self.tree = tree
            self.folded = folded

    def __init__(self, *, id: str | None = None) -> None:
        # before Tree's reactives below, which draw labels already
        self._view_nodes: dict[View, TreeNode[View]] = {}
        self._entries: dict[View, Entry] = {}
        self._errors: dict[str, str] = {}
        self._saved: list[tuple[str, str, int, int]] = []
        self.folded: set[SectionPath] = set()
        """Sections shown folded (set before the first :meth:`update_views` to restore)."""
        super().__init__("newsterm", data=View("all"), id=id)
        self.show_root = False
        self.guide_depth = 2
        self.auto_expand = False  # a click shows a section; its arrow folds it

    def process_label(self, label: str | Text) -> Text:  # type: ignore[override]
        # Never markup: a plain str from a feed stays literal.
        text = label if isinstance(label, Text) else Text(label)
        return text.split()[0] if "\n" in text.plain else text

    # -- what it shows -----------------------------------------------------------------

    def update_views(
        self,
        counts: dict[str, tuple[int, int]],
        sections: Sequence[SectionNode],
        feeds: Sequence[FeedNode],
        saved: Sequence[tuple[str, str, int, int]] | None = None,
    ) -> None:
        """Add new nodes and refresh every label, keeping cursor and expansion.

        The order is the one given (virtual sections, sections as sorted, feeds in
        feeds.toml's order) whenever a node arrives: a section whose articles are stored
        later takes its place among its siblings, not the end of the list, so the
        sidebar reads the same in every run."""
        placed: dict[int, TreeNode[View]] = {}  # parent node id -> last child placed
        for kind, name in VIRTUAL:
            unread, total = counts.get(kind, (0, 0))
            shown = total if kind == "starred" else unread  # Starred: all it holds
            self._upsert(View(kind), self.root, Entry(name, shown, bool(unread)), placed, True)
        self._saved = list(saved) if saved is not None else self._saved
        saved_views = saved_search_views(self._saved)
        for (view, parent_view), (name, unread) in saved_views.items():
            parent = self._view_nodes.get(parent_view, self.root) if parent_view else self.root
            self._upsert(view, parent, Entry(name, unread, bool(unread)), placed, bool(parent_view))
        for section in sections:
            parent = (
                self.root
                if len(section.path) == 1
                else self._view_nodes.get(View("section", section.path[:-1]), self.root)
            )
            entry = Entry(section.path[-1], section.unread, bool(section.unread))
            self._upsert(View("section", section.path), parent, entry, placed)
        for feed in feeds:
            parent = self._view_nodes.get(View("section", feed.section), self.root)
            entry = Entry(feed.label, feed.unread, bool(feed.unread), bool(feed.error))
            self._upsert(View("source", feed.section, feed.key), parent, entry, placed, True)
        wanted = {View(k) for k, _ in VIRTUAL} | {View("section", n.path) for n in sections}
        wanted |= {View("source", f.section, f.key) for f in feeds}
        wanted |= {view for view, _ in saved_views}
        # children before their parents: removing a section removes what is under it
        gone = sorted(
            (p for p in self._view_nodes if p not in wanted),
            key=lambda p: (p.kind != "source", -len(p.section)),
        )
        for view in gone:
            node = self._view_nodes.pop(view)
            self._entries.pop(view, None)
            if node.tree is self and node.parent is not None:
                node.remove()
        self._errors = {f.key: f.error for f in feeds if f.error}

    def _upsert(
        self,
        view: View,
        parent: TreeNode[View],
        entry: Entry,
        placed: dict[int, TreeNode[View]],
        leaf: bool = False,
    ) -> None:
        node = self._view_nodes.get(view)
        if node is None:
            after = placed.get(parent.id)
            expand = not leaf and view.section not in self.folded
            label = Text(entry.plain)
            if after is not None and after.parent is parent:
                node = parent.add(label, view, after=after, expand=expand, allow_expand=not leaf)
            elif parent.children:  # the first of this pass goes first
                node = parent.add(label, view, before=0, expand=expand, allow_expand=not leaf)
            else:
                node = parent.add(label, view, expand=expand, allow_expand=not leaf)
            self._view_nodes[view] = node
            self._entries[view] = entry
        elif self._entries.get(view) != entry:  # redraw only what changed: 200 feeds
            self._entries[view] = entry
            node.set_label(Text(entry.plain))
        placed[parent.id] = node

    def select_view(self, view: View) -> bool:
        """Put the cursor on the node of ``view`` (its list options do not matter),
        unfolding the sections it is in."""
        node = self._view_nodes.get(view.selection)
        if node is None:
            return False
        ancestor = node.parent
        while ancestor is not None and ancestor is not self.root:
            if not ancestor.is_expanded:
                ancestor.expand()
            ancestor = ancestor.parent
        if node.line < 0:
            # Nodes just added (or unfolded) have no line until the tree lays its lines
            # out, which reading last_line does; without it the cursor went to line 0
            # (All), and the list with it: a restart lost the reader's section.
            self.last_line  # noqa: B018
        self.move_cursor(node)
        return True

    @property
    def has_views(self) -> bool:
        return bool(self._view_nodes)

    @property
    def current_view(self) -> View | None:
        node = self.cursor_node
        return node.data if node is not None else None

    def error_of(self, key: str) -> str | None:
        return self._errors.get(key)

    def name_of(self, view: View) -> str | None:
        """The name its row shows for ``view`` (a feed's label, a saved search's name)."""
        entry = self._entries.get(view.selection)
        return entry.name if entry is not None else None

    # -- drawing -----------------------------------------------------------------------

    def render_label(self, node: TreeNode[View], base_style: Style, style: Style) -> Text:
        """The row of ``node``: its arrow, its name cut to fit, its count at the right."""
        drawn = super().render_label(node, base_style, style)
        entry = self._entries.get(node.data) if node.data is not None else None
        if entry is None:
            return drawn
        arrow = drawn[: max(0, len(drawn) - len(node.label))]  # Tree's own (it folds)
        depth = 0
        parent = node.parent
        while parent is not None and parent is not self.root:
            depth += 1
            parent = parent.parent
        width = self.scrollable_content_region.width - depth * self.guide_depth
        room = max(1, width - arrow.cell_len)
        row = Text(style=style, no_wrap=True, end="")
        count = f" {entry.count}" if entry.count else ""
        name_room = max(1, room - len(count))
        if entry.error:
            row.append("! ", self.get_component_rich_style("section-tree--error", partial=True))
            name_room = max(1, name_room - 2)
        weight = Style(bold=True) if entry.unread else Style()
        row.append(_fit(entry.name, name_room), weight)
        row.append(count, weight)
        return Text.assemble(arrow, row, no_wrap=True, end="")

    def render_line(self, y: int) -> Strip:
        """Tree's line, with the cursor's background across the whole row."""
        strip = super().render_line(y)
        if self.cursor_line < 0 or y + self.scroll_offset.y != self.cursor_line:
            return strip
        cursor = self.get_component_rich_style("tree--cursor")
        over = Style(bgcolor=cursor.bgcolor)
        return Strip(Segment.apply_style(strip, post_style=over), strip.cell_length)

    # -- keys and events ---------------------------------------------------------------

    def action_open(self) -> None:
        """Enter or ``l``: show the node's articles in the list, and go there."""
        view = self.current_view
        if view is not None:
            self.post_message(self.ViewOpened(self, view))

    def action_unfold_or_open(self) -> None:
        """→: unfold a folded section; on anything else, as Enter."""
        node = self.cursor_node
        if node is not None and node.allow_expand and not node.is_expanded:
            node.expand()
        else:
            self.action_open()

    def action_fold_or_parent(self) -> None:
        """← or ``h``: fold an unfolded section; from a folded one or a feed, go up."""
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[View]) -> None:
        event.stop()
        # The hidden root is "highlighted" once as the tree starts: that is not the
        # reader choosing All (it replaced the section restored from the last session).
        if event.node.data is not None and event.node is not self.root:
            self.post_message(self.ViewChosen(self, event.node.data))

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[View]) -> None:
        event.stop()
        self._fold(event.node, False)

    def on_tree_node_collapsed(self, event: Tree.NodeCollapsed[View]) -> None:
        event.stop()
        self._fold(event.node, True)

    def _fold(self, node: TreeNode[View], folded: bool) -> None:
        view = node.data
        if view is None or view.kind != "section" or (view.section in self.folded) == folded:
            return
        if folded:
            self.folded.add(view.section)
        else:
            self.folded.discard(view.section)
        self.post_message(self.FoldsChanged(self, frozenset(self.folded)))


SAVED_HEADING = "Saved searches"


def saved_search_views(
    saved: Sequence[tuple[str, str, int, int]],
) -> dict[tuple[View, View | None], tuple[str, int]]:
    """The sidebar's saved searches: a heading (a search of them all) and one leaf each
    (view, its parent's view) -> (name, unread), in feeds.toml's order. The heading
    shows no count: saved searches overlap, so the sum of theirs would count an article
    once for each search it is in (and counting their union would cost as much again)."""
    if not saved:
        return {}
    either = " or ".join(f"({query})" for _, query, _, _ in saved)
    heading = View("search", query=either)
    found: dict[tuple[View, View | None], tuple[str, int]] = {(heading, None): (SAVED_HEADING, 0)}
    seen: set[View] = {heading}
    for name, query, unread, _ in saved:
        view = View("search", query=query)
        if view not in seen:
            seen.add(view)
            found[(view, heading)] = (name, unread)
    return found


def _fit(text: str, width: int) -> str:
    """``text`` cut with an ellipsis, or padded, to exactly ``width`` cells."""
    if cell_len(text) > width:
        return set_cell_size(text, max(0, width - 1)) + "…"
    return set_cell_size(text, width)
