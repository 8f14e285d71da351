"""The search box (issue 12): the word being typed is a prefix, a space ends it, the
count is in the box's border, and a search that cannot run says why in the list."""

from __future__ import annotations

from textual.widgets import Input

from newsterm.ui.app import NewsApp
from newsterm.ui.widgets.article_list import ArticleList
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
