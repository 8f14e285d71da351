"""Where ``n`` and ``p`` go next: the sidebar's entries in order, and which hold unread
articles. Pure: the entries and their counts come in, a view goes out.

The walk, once the current list has no unread article left in that direction:

- **From a feed**, the next (previous) entry in sidebar order that holds unread
  articles of its own: the next feed, even in the same section; a section only for
  articles no feed of the sidebar holds (local folders).
- **From a section**, the next entry after everything under it (section by section;
  a feed when the parent's feeds come next). Backward, the previous entry at the
  outermost level that does not contain this section: the previous section as a whole,
  not the last feed inside it.
- An entry whose list contains the current one (the section a feed is in) is never
  the next: its articles are the ones just walked.

Virtual views (All, Unread, Starred, Today) and searches do not move on: the screen
keeps ``n``/``p`` inside them (All and Unread already hold every unread article;
Starred, Today and a search are lists the reader chose).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from newsterm.core.models import FeedNode, SectionNode, SectionPath, View

WALKED = ("section", "source")
"""The kinds of view the walk moves between; the others keep n/p inside their list."""


@dataclass(frozen=True, slots=True)
class UnreadCounts:
    """Unread articles of the sidebar's entries (sections and feeds)."""

    listed: Mapping[View, int]
    """What the entry's list holds: a section with everything under it."""
    own: Mapping[View, int]
    """What no deeper entry holds: a feed's all; a section's from no sidebar feed."""


def sidebar_order(sections: Sequence[SectionNode], feeds: Sequence[FeedNode]) -> list[View]:
    """The sections and feeds in the order the sidebar shows them: each section, then
    its sub-sections (in ``sections`` order), then its feeds (in ``feeds`` order);
    feeds without a section last."""
    children: dict[SectionPath, list[View]] = {}
    for node in sections:
        children.setdefault(node.path[:-1], []).append(View("section", node.path))
    known = {node.path for node in sections}
    for feed in feeds:
        parent = feed.section if feed.section in known else ()
        children.setdefault(parent, []).append(View("source", feed.section, feed.key))

    def walk(path: SectionPath) -> Iterator[View]:
        for view in children.get(path, ()):
            yield view
            if view.kind == "section":
                yield from walk(view.section)

    return list(walk(()))


def unread_counts(sections: Sequence[SectionNode], feeds: Sequence[FeedNode]) -> UnreadCounts:
    """:class:`UnreadCounts` from the Library's sections (counts include sub-sections)
    and feeds."""
    listed: dict[View, int] = {}
    own: dict[View, int] = {}
    by_path = {node.path: node.unread for node in sections}
    exact = dict(by_path)
    for path, unread in by_path.items():
        if len(path) > 1 and path[:-1] in exact:
            exact[path[:-1]] -= unread
    for feed in feeds:
        view = View("source", feed.section, feed.key)
        listed[view] = own[view] = feed.unread
        if feed.section in exact:
            exact[feed.section] -= feed.unread
    for path, unread in by_path.items():
        view = View("section", path)
        listed[view] = unread
        own[view] = max(0, exact[path])
    return UnreadCounts(listed, own)


def contains(outer: View, inner: View) -> bool:
    """Whether ``outer``'s list holds every article of ``inner``'s."""
    if outer.kind == "source":
        return outer == inner
    return outer.kind == "section" and inner.section[: len(outer.section)] == outer.section


def next_view(
    order: Sequence[View], here: View, counts: UnreadCounts, forward: bool = True
) -> View | None:
    """The entry of ``order`` the walk goes to from ``here`` (a section or a feed), or
    None when no entry that way holds unread articles."""
    here = here.selection
    position = order.index(here) if here in order else (-1 if forward else len(order))
    if here.kind == "source":
        ahead = order[position + 1 :] if forward else order[:position][::-1]
        return next(
            (v for v in ahead if counts.own.get(v, 0) and not contains(v, here)),
            None,
        )
    if forward:
        after = (v for v in order[position + 1 :] if not contains(here, v))
        return next((v for v in after if counts.listed.get(v, 0)), None)
    for view in order[:position][::-1]:
        if counts.listed.get(view, 0) and not contains(view, here):
            return _outermost(order, view, here)
    return None


def _outermost(order: Sequence[View], view: View, here: View) -> View:
    """The outermost entry holding ``view`` that does not also hold ``here``."""
    outer = [
        v
        for v in order
        if v.kind == "section" and contains(v, view) and v != view and not contains(v, here)
    ]
    return min(outer, key=lambda v: len(v.section)) if outer else view
