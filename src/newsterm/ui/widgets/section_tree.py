"""SectionTree: the sidebar. Virtual sections on top, then nested sections with feeds.

Labels are built as ``Text`` objects: section and feed names come from strangers and
are never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from newsterm.core.models import FeedNode, SectionNode, View, ViewKind
from newsterm.ui.keys import bindings

VIRTUAL: tuple[tuple[ViewKind, str], ...] = (
    ("all", "All"),
    ("unread", "Unread"),
    ("starred", "Starred"),
    ("today", "Today"),
)


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
        open="select_cursor",
        toggle_section="toggle_node",
        toggle_all_sections="toggle_expand_all",
        parent_section="cursor_parent",
        next_after_parent="cursor_parent_next_sibling",
        previous_sibling="cursor_previous_sibling",
        next_sibling="cursor_next_sibling",
    )

    DEFAULT_CSS = """
    SectionTree { background: $panel; }
    """

    class ViewChosen(Message):
        """The highlighted sidebar node changed: show its articles."""

        def __init__(self, tree: SectionTree, view: View) -> None:
            super().__init__()
            self.tree = tree
            self.view = view

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("newsterm", data=View("all"), id=id)
        self.show_root = False
        self.guide_depth = 2
        self._view_nodes: dict[View, TreeNode[View]] = {}
        self._errors: dict[str, str] = {}

    def process_label(self, label: str | Text) -> Text:  # type: ignore[override]
        # Never markup: a plain str from a feed stays literal.
        text = label if isinstance(label, Text) else Text(label)
        return text.split()[0] if "\n" in text.plain else text

    def update_views(
        self,
        counts: dict[str, tuple[int, int]],
        sections: Sequence[SectionNode],
        feeds: Sequence[FeedNode],
    ) -> None:
        """Add new nodes and refresh every label, keeping cursor and expansion."""
        for kind, name in VIRTUAL:
            unread, total = counts.get(kind, (0, 0))
            self._upsert(View(kind), self.root, _label(name, unread, total), leaf=True)
        for section in sections:
            parent = (
                self.root
                if len(section.path) == 1
                else self._view_nodes.get(View("section", section.path[:-1]), self.root)
            )
            label = _label(section.path[-1], section.unread, section.total)
            self._upsert(View("section", section.path), parent, label)
        for feed in feeds:
            parent = self._view_nodes.get(View("section", feed.section), self.root)
            label = _label(feed.label, feed.unread, feed.total, error=feed.error)
            self._upsert(View("source", feed.section, feed.key), parent, label, leaf=True)
        wanted = {View(k) for k, _ in VIRTUAL} | {View("section", n.path) for n in sections}
        wanted |= {View("source", f.section, f.key) for f in feeds}
        # children before their parents: removing a section removes what is under it
        gone = sorted(
            (p for p in self._view_nodes if p not in wanted),
            key=lambda p: (p.kind != "source", -len(p.section)),
        )
        for view in gone:
            node = self._view_nodes.pop(view)
            if node.tree is self and node.parent is not None:
                node.remove()
        self._errors = {f.key: f.error for f in feeds if f.error}

    def _upsert(self, view: View, parent: TreeNode[View], label: Text, leaf: bool = False) -> None:
        node = self._view_nodes.get(view)
        if node is None:
            node = parent.add(label, data=view, expand=True, allow_expand=not leaf)
            self._view_nodes[view] = node
        elif node.label != label:  # redraw only what changed: 200 feeds refresh often
            node.set_label(label)

    def select_view(self, view: View) -> bool:
        """Put the cursor on the node of ``view`` (its list options do not matter)."""
        node = self._view_nodes.get(view.selection)
        if node is None:
            return False
        self.move_cursor(node)
        return True

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[View]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.ViewChosen(self, event.node.data))

    @property
    def has_views(self) -> bool:
        return bool(self._view_nodes)

    @property
    def current_view(self) -> View | None:
        node = self.cursor_node
        return node.data if node is not None else None

    def error_of(self, key: str) -> str | None:
        return self._errors.get(key)


def _label(name: str, unread: int, total: int, error: str | None = None) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    if error:
        text.append("! ", "bold red")
    text.append(name, "bold" if unread else "")
    if unread:  # the count is of unread articles; a read-out section shows none
        text.append(f" {unread}", "bold")
    return text
