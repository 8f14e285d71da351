"""Where n and p go once a list has no unread article left: every feed and section in
sidebar order (core/navigation.py, Library.next_view_with_unread)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsterm.core.library import Library
from newsterm.core.models import FeedNode, SectionNode, View
from newsterm.core.navigation import next_view, sidebar_order, unread_counts
from walk_sample import build_walk_sample, feed_view, open_walk_sample


@pytest.fixture
def library(tmp_path: Path):  # type: ignore[no-untyped-def]
    library = open_walk_sample(*build_walk_sample(tmp_path))
    yield library
    library.close()


def _label(library: Library, view: View | None) -> str | None:
    if view is None:
        return None
    if view.kind == "section":
        return "/".join(view.section)
    return next(f.label for f in library.feed_nodes() if f.key == view.source)


def test_from_a_feed_n_goes_to_the_next_feed_of_the_same_section(library: Library) -> None:
    walk = library.next_view_with_unread
    assert _label(library, walk(feed_view(library, "Local Post"))) == "Alpha Wire"
    # Beta Times has nothing unread: skipped, but Gamma Daily is in the same section
    assert _label(library, walk(feed_view(library, "Alpha Wire"))) == "Gamma Daily"
    # the last feed of News: on to the first feed of Tech, not to Tech as a whole
    assert _label(library, walk(feed_view(library, "Gamma Daily"))) == "Delta Dev"
    assert _label(library, walk(feed_view(library, "Delta Dev"))) == "Epsilon Ops"
    assert walk(feed_view(library, "Epsilon Ops")) is None


def test_from_a_feed_p_goes_to_the_previous_feed(library: Library) -> None:
    walk = library.next_view_with_unread
    assert _label(library, walk(feed_view(library, "Delta Dev"), False)) == "Gamma Daily"
    assert _label(library, walk(feed_view(library, "Gamma Daily"), False)) == "Alpha Wire"
    assert _label(library, walk(feed_view(library, "Alpha Wire"), False)) == "Local Post"
    assert walk(feed_view(library, "Local Post"), False) is None


def test_from_a_section_n_and_p_go_section_by_section(library: Library) -> None:
    walk = library.next_view_with_unread
    assert walk(View("section", ("News",))) == View("section", ("Tech",))
    assert walk(View("section", ("Tech",)), False) == View("section", ("News",))
    assert walk(View("section", ("Tech",))) is None
    # after everything under News/Local: the feeds of News that follow it
    assert _label(library, walk(View("section", ("News", "Local")))) == "Alpha Wire"


def test_a_read_feed_is_passed_over_and_marks_count(library: Library) -> None:
    gamma = feed_view(library, "Gamma Daily")
    library.set_read(library.article_ids(gamma), True)
    assert _label(library, library.next_view_with_unread(feed_view(library, "Alpha Wire"))) == (
        "Delta Dev"
    )


def test_the_walk_follows_the_order_it_is_given(library: Library) -> None:
    """The screen passes the sidebar's own order: the walk goes where the reader sees."""
    alpha, gamma = feed_view(library, "Alpha Wire"), feed_view(library, "Gamma Daily")
    delta = feed_view(library, "Delta Dev")
    order = [View("section", ("Tech",)), delta, View("section", ("News",)), gamma, alpha]
    assert library.next_view_with_unread(delta, True, order) == gamma
    assert library.next_view_with_unread(alpha, True, order) is None
    assert library.next_view_with_unread(gamma, False, order) == delta


# -- the pure walk -----------------------------------------------------------------------

SECTIONS = [
    SectionNode(("A",), 6, 6),
    SectionNode(("A", "x"), 3, 3),
    SectionNode(("B",), 1, 1),
]
FEEDS = [
    FeedNode("f-ax", "ax", ("A", "x"), 1, 1, None),
    FeedNode("f-a1", "a1", ("A",), 1, 1, None),
    FeedNode("f-a2", "a2", ("A",), 0, 1, None),
    FeedNode("f-root", "root", (), 4, 4, None),
]
"""A/x holds 2 unread articles of a local folder besides its feed's one; A holds 2 more
of its own; B holds one, from no feed."""


def _feed(key: str) -> View:
    node = next(f for f in FEEDS if f.key == key)
    return View("source", node.section, node.key)


def test_sidebar_order_is_sections_then_their_feeds_root_feeds_last() -> None:
    order = sidebar_order(SECTIONS, FEEDS)
    assert order == [
        View("section", ("A",)),
        View("section", ("A", "x")),
        _feed("f-ax"),
        _feed("f-a1"),
        _feed("f-a2"),
        View("section", ("B",)),
        _feed("f-root"),
    ]


def test_own_unread_is_what_no_feed_of_the_sidebar_holds() -> None:
    counts = unread_counts(SECTIONS, FEEDS)
    assert counts.own[View("section", ("A", "x"))] == 2
    assert counts.own[View("section", ("A",))] == 6 - 3 - 1 - 0
    assert counts.listed[View("section", ("A",))] == 6
    assert counts.own[_feed("f-root")] == 4


def test_from_a_feed_a_sections_own_articles_are_a_stop() -> None:
    order, counts = sidebar_order(SECTIONS, FEEDS), unread_counts(SECTIONS, FEEDS)
    assert next_view(order, _feed("f-a2"), counts) == View("section", ("B",))
    assert next_view(order, _feed("f-a1"), counts, forward=False) == _feed("f-ax")
    # backward from A/x's feed: A/x holds it (never the next), A too
    assert next_view(order, _feed("f-ax"), counts, forward=False) is None
    assert next_view(order, View("section", ("B",)), counts) == _feed("f-root")


def test_p_from_a_section_lands_on_the_previous_section_whole() -> None:
    order, counts = sidebar_order(SECTIONS, FEEDS), unread_counts(SECTIONS, FEEDS)
    assert next_view(order, View("section", ("B",)), counts, forward=False) == View(
        "section", ("A",)
    )
    assert next_view(order, _feed("f-root"), counts, forward=False) == View("section", ("B",))
