"""The search box (issue 12): the word being typed is a prefix, a space ends it, the
count is in the box's border, and a search that cannot run says why in the list; it
searches the view it opened in, which it shows, and ctrl+g everywhere (issue 15)."""

from __future__ import annotations

from textual.widgets import Input

from newsterm.core.models import View
from newsterm.ui.app import NewsApp
from newsterm.ui.widgets.article_list import ArticleList
from newsterm.ui.widgets.section_tree import SectionTree
from sample import settle

SIZE = (120, 40)


def titles(app: NewsApp) -> list[str]:
    return [row.title for row in app.library.rows(app.screen.query_one(ArticleList).ids)]


async def test_search_box_prefix_count_and_error(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"counc")  # the word being typed: a prefix
        await settle(pilot)
        search = app.screen.query_one("#search", Input)
        article_list = app.screen.query_one(ArticleList)
        assert titles(app) == ["Council votes to plant ten thousand trees"]
        assert search.border_title == "1 found"
        await pilot.press("space")  # the word is done: no longer a prefix
        await settle(pilot)
        assert titles(app) == []
        assert article_list.empty_text == "Nothing matches 'counc'."
        assert search.border_title == "0 found"
        for _ in range(6):
            await pilot.press("backspace")
        await pilot.press(*"*trees")  # a search that cannot run
        await settle(pilot)
        assert titles(app) == []
        assert article_list.empty_text == (  # as typed, not '*trees*'
            "cannot search for '*trees': a * can only end a word, as in malloc*"
        )
        assert "Nothing matches" not in article_list.empty_text
        assert search.border_title is None


async def test_the_box_searches_the_view_and_ctrl_g_everywhere(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.query_one(SectionTree).select_view(View("section", ("City",)))
        await settle(pilot)
        await pilot.press("slash")
        box = app.screen.query_one("#search", Input)
        assert box.placeholder == "Search in City…"  # the scope, while the box is empty
        assert box.border_subtitle == "in City · ctrl+g: everywhere"
        await pilot.press(*"city ")
        await settle(pilot)
        assert titles(app) == ["Council votes to plant ten thousand trees"]
        assert box.border_title == "1 found"
        await pilot.press("ctrl+g")  # everywhere: the other sections' articles too
        await settle(pilot)
        assert (
            app.main_screen.search_scope.view is None
            and box.border_subtitle == "everywhere · ctrl+g: in City"
        )
        assert set(titles(app)) == {
            "Council votes to plant ten thousand trees",
            "Harbour city opens its new tram line",
            "A comet visible with the naked eye",
        }
        assert box.border_title == "3 found"
        await pilot.press("ctrl+g")  # and back
        await settle(pilot)
        assert titles(app) == ["Council votes to plant ten thousand trees"]
        assert box.border_subtitle == "in City · ctrl+g: everywhere"


async def test_a_feed_and_a_query_scope_the_box_by_their_names(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.screen.query_one(SectionTree)
        assert tree.select_view(View("source", ("City",), "http://127.0.0.1:9/daily.xml"))
        await settle(pilot)
        await pilot.press("slash", *"the ")
        await settle(pilot)
        box = app.screen.query_one("#search", Input)
        assert app.main_screen.search_scope.text == "in The Sample Daily"
        assert len(titles(app)) == 4  # the feed's four; nine everywhere
        await pilot.press("escape")
        await settle(pilot)
        assert tree.select_view(View("all"))
        await settle(pilot)
        await pilot.press("slash")
        assert app.main_screen.search_scope.view is None and box.border_subtitle == "everywhere"
        assert box.placeholder == "Search everywhere…"
        await pilot.press("escape")
        assert tree.select_view(View("section", ("Technology",)))
        await settle(pilot)
        await pilot.press("ctrl+g")  # from the list: the box opens, everywhere
        await settle(pilot)
        assert box.display and box.has_focus and app.main_screen.search_scope.view is None
        assert box.border_subtitle == "everywhere · ctrl+g: in Technology"
