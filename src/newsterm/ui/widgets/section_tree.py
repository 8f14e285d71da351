"""SectionTree: the sidebar. Virtual sections on top, then nested sections with feeds.

Labels are built as ``Text`` objects: section and feed names come from strangers and
are never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from newsterm.core.models import FeedNode, SectionNode, SectionPath, View
from newsterm.ui.keys import bindings

VIRTUAL = (("all", "All"), ("unread", "Unread"), ("starred", "Starred"), ("today", "Today"))


@dataclass(frozen=True, slots=True)
class Place:
    """What a sidebar node stands for."""

    kind: str
    """``all``/``unread``/``starred``/``today``, ``section`` or ``source``."""
    section: SectionPath = ()
    source: str | None = None

    def view(self, show_read: bool, sort: str) -> View:
        return View(self.kind, self.section, self.source, show_read=show_read, sort=sort)  # type: ignore[arg-type]


class SectionTree(Tree[Place]):
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

    class PlaceChosen(Message):
        """The highlighted sidebar node changed: show its articles."""

        def __init__(self, tree: SectionTree, place: Place) -> None:
            super().__init__()
            self.tree = tree
            self.place = place

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("newsterm", data=Place("all"), id=id)
        self.show_root = False
        self.guide_depth = 2
        self._place_nodes: dict[Place, TreeNode[Place]] = {}
        self._errors: dict[str, str] = {}

    def process_label(self, label: str | Text) -> Text:  # type: ignore[override]
        # Never markup: a plain str from a feed stays literal.
        text = label if isinstance(label, Text) else Text(label)
        return text.split()[0] if "\n" in text.plain else text

    def update_places(
        self,
        counts: dict[str, tuple[int, int]],
        sections: Sequence[SectionNode],
        feeds: Sequence[FeedNode],
    ) -> None:
        """Add new nodes and refresh every label, keeping cursor and expansion."""
        for kind, name in VIRTUAL:
            unread, total = counts.get(kind, (0, 0))
            self._upsert(Place(kind), self.root, _label(name, unread, total), leaf=True)
        for node in sections:
            parent = (
                self.root
                if len(node.path) == 1
                else self._place_nodes.get(Place("section", node.path[:-1]), self.root)
            )
            self._upsert(
                Place("section", node.path), parent, _label(node.path[-1], node.unread, node.total)
            )
        for feed in feeds:
            parent = self._place_nodes.get(Place("section", feed.section), self.root)
            label = _label(feed.label, feed.unread, feed.total, error=feed.error)
            self._upsert(Place("source", feed.section, feed.key), parent, label, leaf=True)
        wanted = {Place(k) for k, _ in VIRTUAL} | {Place("section", n.path) for n in sections}
        wanted |= {Place("source", f.section, f.key) for f in feeds}
        # children before their parents: removing a section removes what is under it
        gone = sorted(
            (p for p in self._place_nodes if p not in wanted),
            key=lambda p: (p.kind != "source", -len(p.section)),
        )
        for place in gone:
            node = self._place_nodes.pop(place)
            if node.tree is self and node.parent is not None:
                node.remove()
        self._errors = {f.key: f.error for f in feeds if f.error}

    def _upsert(
        self, place: Place, parent: TreeNode[Place], label: Text, leaf: bool = False
    ) -> None:
        node = self._place_nodes.get(place)
        if node is None:
            node = parent.add(label, data=place, expand=True, allow_expand=not leaf)
            self._place_nodes[place] = node
        elif node.label != label:  # redraw only what changed: 200 feeds refresh often
            node.set_label(label)

    def select_place(self, place: Place) -> bool:
        node = self._place_nodes.get(place)
        if node is None:
            return False
        self.move_cursor(node)
        return True

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[Place]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.PlaceChosen(self, event.node.data))

    @property
    def has_places(self) -> bool:
        return bool(self._place_nodes)

    @property
    def current_place(self) -> Place | None:
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
