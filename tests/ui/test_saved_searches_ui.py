"""Saved searches and hidden articles in the reader (issue 15): a saved search is a
sidebar node under its own heading with its unread count; A in it marks exactly its
articles read and u undoes it; V shows the articles rules hid."""

from __future__ import annotations

from pathlib import Path

from newsterm.core.models import View
from newsterm.ui.app import NewsApp
from newsterm.ui.widgets.article_list import ArticleList
from newsterm.ui.widgets.section_tree import SAVED_HEADING, SectionTree, saved_search_views
from sample import open_sample, settle

SIZE = (120, 40)
EXTRA = """
[[queries]]
name = "Council"
query = 'title:council'

[[rules]]
query = 'title:comet'
action = "hide"
"""


def titles(app: NewsApp) -> list[str]:
    return [row.title for row in app.library.rows(app.screen.query_one(ArticleList).ids)]


def labels(tree: SectionTree) -> list[str]:
    found: list[str] = []

    def walk(node) -> None:  # type: ignore[no-untyped-def]
        for child in node.children:
            found.append(str(child.label))
            walk(child)

    walk(tree.root)
    return found


async def test_a_saved_search_in_the_sidebar_marks_its_articles(
    sample: tuple[Path, Path],
) -> None:
    config, data = sample
    config.write_text(config.read_text() + EXTRA, encoding="utf-8")
    app = NewsApp(open_sample(config, data))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.screen.query_one(SectionTree)
        shown = labels(tree)
        heading = next(i for i, label in enumerate(shown) if label.startswith(SAVED_HEADING))
        assert shown[heading + 1].startswith("Council") and shown[heading + 1].rstrip()[-1] == "1"
        assert tree.select_view(View("search", query="title:council"))
        await settle(pilot)
        assert titles(app) == ["Council votes to plant ten thousand trees"]
        await pilot.press("A")
        await settle(pilot)
        assert app.library.query_count("title:council") == (0, 1)
        assert app.library.counts()["all"][0] > 0  # nothing else was marked
        await pilot.press("u")
        await settle(pilot)
        assert app.library.query_count("title:council") == (1, 1)


async def test_v_shows_the_hidden_articles(sample: tuple[Path, Path]) -> None:
    config, data = sample
    config.write_text(config.read_text() + EXTRA, encoding="utf-8")
    app = NewsApp(open_sample(config, data))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        hidden = app.library.search("title:comet", hidden=True)
        assert hidden and not app.library.search("title:comet")  # hidden at start
        assert not set(hidden) & set(app.screen.query_one(ArticleList).ids)
        await pilot.press("V")
        await settle(pilot)
        assert set(hidden) <= set(app.screen.query_one(ArticleList).ids)


def test_the_heading_of_overlapping_saved_searches_shows_no_sum() -> None:
    """Two saved searches that share an article: a sum (2 + 1) would count it twice."""
    views = saved_search_views([("Council", "title:council", 1, 1), ("Trees", "trees", 2, 2)])
    (heading, _), (name, unread) = next(iter(views.items()))
    assert (name, unread) == (SAVED_HEADING, 0)  # shown without a number
    assert [count for (_, parent), (_, count) in views.items() if parent == heading] == [1, 2]
