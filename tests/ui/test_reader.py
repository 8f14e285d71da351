"""Pilot tests of the reader: every key on the sample store, asserting the state."""

from __future__ import annotations

import json
import stat
import sys
import time
from pathlib import Path

import pytest
from textual.widgets import Input

from newsterm.core.models import View
from newsterm.ui.app import NewsApp
from newsterm.ui.screens.help import HelpScreen
from newsterm.ui.widgets.article_list import ArticleList
from newsterm.ui.widgets.article_view import ArticleView
from newsterm.ui.widgets.section_tree import SectionTree
from sample import settle

SIZE = (120, 40)


def article_list(app: NewsApp) -> ArticleList:
    return app.screen.query_one(ArticleList)


def article_view(app: NewsApp) -> ArticleView:
    return app.screen.query_one(ArticleView)


def titles(app: NewsApp) -> list[str]:
    lst = article_list(app)
    return [row.title for row in app.library.rows(lst.ids)]


def flags(app: NewsApp) -> dict[int, tuple[bool, bool]]:
    ids = app.library.article_ids(app.screen.view.__class__())
    return {r.rowid: (r.read, r.starred) for r in app.library.rows(ids)}


async def test_first_paint_lists_the_store_newest_first(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert titles(app)[:3] == [
            "Pocket phones learn to fold in half",
            "Batteries that last a week, at last?",
            "Council votes to plant ten thousand trees",
        ]
        assert len(article_list(app).ids) == 9
        assert isinstance(app.focused, ArticleList)


async def test_open_marks_read_and_survives_restart(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        view = article_view(app)
        assert view.article is not None
        assert view.article.row.title == "Pocket phones learn to fold in half"
        assert isinstance(app.focused, ArticleView)
        rowid = view.article.row.rowid
        assert app.library.rows([rowid])[0].read is True
        await pilot.press("q")
    again = make_app()
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.library.rows([rowid])[0].read is True
        # the open article comes back on the next start
        assert article_view(again).article is not None
        assert article_view(again).article.row.rowid == rowid


async def test_tab_moves_between_panes(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.focused, ArticleList)
        await pilot.press("tab")
        assert isinstance(app.focused, ArticleView)
        await pilot.press("tab")
        assert isinstance(app.focused, SectionTree)
        await pilot.press("shift+tab")
        assert isinstance(app.focused, ArticleView)


async def test_j_k_g_G_move_the_cursor(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        lst = article_list(app)
        await pilot.press("j", "j")
        assert lst.cursor == 2
        await pilot.press("k")
        assert lst.cursor == 1
        await pilot.press("G")
        assert lst.cursor == 8
        await pilot.press("g")
        assert lst.cursor == 0
        await pilot.press("end")
        assert lst.cursor == 8
        await pilot.press("home", "down")
        assert lst.cursor == 1


async def test_m_toggles_read_and_s_toggles_starred(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        row = article_list(app).current
        assert row is not None and not row.read and not row.starred
        await pilot.press("m")
        await settle(pilot)
        assert app.library.rows([row.rowid])[0].read is True
        await pilot.press("m")
        await settle(pilot)
        assert app.library.rows([row.rowid])[0].read is False
        await pilot.press("s")
        await settle(pilot)
        assert app.library.rows([row.rowid])[0].starred is True
        # the Starred section lists it
        app.screen.query_one(SectionTree).select_view(View("starred"))
        await settle(pilot)
        assert article_list(app).ids == [row.rowid]


async def test_mark_all_in_view_and_undo_restores_exactly(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # one article read before, so undo must not make it unread
        await pilot.press("j", "m")
        await settle(pilot)
        before = flags(app)
        tree = app.screen.query_one(SectionTree)
        tree.select_view(View("section", ("City",)))
        await settle(pilot)
        city = set(article_list(app).ids)
        assert len(city) == 4
        await pilot.press("A")
        await settle(pilot)
        after = flags(app)
        for rowid, (read, _) in after.items():
            if rowid in city:
                assert read is True
            else:
                assert read == before[rowid][0], "A must only mark the current view"
        await pilot.press("u")
        await settle(pilot)
        assert flags(app) == before


async def test_n_and_p_walk_unread_across_sections(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.screen.query_one(SectionTree)
        tree.select_view(View("section", ("Technology", "Mobiles")))
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        first = article_view(app).article
        assert first is not None and first.row.title == "Pocket phones learn to fold in half"
        await pilot.press("n")
        await settle(pilot)
        assert article_view(app).article.row.title == "Batteries that last a week, at last?"
        # Mobiles is exhausted: n moves on to the next section with unread articles
        await pilot.press("n")
        await settle(pilot)
        await settle(pilot)
        opened = article_view(app).article
        assert opened is not None
        assert opened.row.section != ("Technology", "Mobiles")
        assert app.screen.selected.kind == "section"
        assert opened.row.read is True


async def test_J_K_open_next_and_previous(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("J")
        await settle(pilot)
        assert article_view(app).article.row.title == titles(app)[1]
        await pilot.press("K")
        await settle(pilot)
        assert article_view(app).article.row.title == titles(app)[0]


async def test_space_pages_then_goes_to_next_unread(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space")  # nothing open: opens the first unread
        await settle(pilot)
        view = article_view(app)
        first = view.article.row.rowid
        for _ in range(30):
            if view.article.row.rowid != first:
                break
            await pilot.press("space")
            await settle(pilot)
        assert view.article.row.rowid != first
        assert app.library.rows([first])[0].read is True


async def test_h_and_escape_go_back_to_the_list(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.focused, ArticleView)
        await pilot.press("h")
        assert isinstance(app.focused, ArticleList)
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("escape")
        assert isinstance(app.focused, ArticleList)


def _fake_browser(tmp_path: Path) -> Path:
    """A $BROWSER that writes the arguments it got, as JSON, to a file."""
    out = tmp_path / "browser-args.json"
    script = tmp_path / "fake-browser"
    script.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"open({str(out)!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return out, script


def _wait_for(path: Path) -> list[str] | None:
    for _ in range(100):
        if path.exists() and path.read_text():
            return json.loads(path.read_text())
        time.sleep(0.05)
    return None


async def test_o_gives_the_browser_exactly_the_url(make_app, tmp_path, monkeypatch) -> None:
    out, script = _fake_browser(tmp_path)
    monkeypatch.setenv("BROWSER", str(script))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one(SectionTree).select_view(View("section", ("City",)))
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert _wait_for(out) == ["https://daily.example.org/trees"]


async def test_numbered_link_opens_link_n(make_app, tmp_path, monkeypatch) -> None:
    out, script = _fake_browser(tmp_path)
    monkeypatch.setenv("BROWSER", str(script))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one(SectionTree).select_view(View("section", ("City",)))
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        links = article_view(app).rendered.links
        assert "https://daily.example.org/trees/map" in links
        number = links.index("https://daily.example.org/trees/map") + 1
        await pilot.press(str(number), "o")
        await settle(pilot)
        assert _wait_for(out) == ["https://daily.example.org/trees/map"]


async def test_refused_scheme_never_reaches_the_browser(make_app, tmp_path, monkeypatch) -> None:
    out, script = _fake_browser(tmp_path)
    monkeypatch.setenv("BROWSER", str(script))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen._open("javascript:alert(1)") is False
        assert app.screen._open(" file:///etc/passwd") is False
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("Not opened" in m for m in messages)
    time.sleep(0.3)
    assert not out.exists()


async def test_y_copies_the_link(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one(SectionTree).select_view(View("section", ("City",)))
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")
        assert app.clipboard == "https://daily.example.org/trees"


async def test_search_as_you_type_enter_opens_escape_returns(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        search = app.screen.query_one("#search", Input)
        assert search.display and isinstance(app.focused, Input)
        await pilot.press(*"sleeper")  # a word only in a body
        await settle(pilot)
        assert titles(app) == ["Night trains return to the northern line"]
        await pilot.press("enter")
        await settle(pilot)
        assert article_view(app).article.row.title == "Night trains return to the northern line"
        await pilot.press("escape")  # back to the list from the article
        await pilot.press("slash")
        await pilot.press("escape")
        await settle(pilot)
        assert not search.display
        assert len(article_list(app).ids) == 9


async def test_H_hides_read_and_S_cycles_sort(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m")  # first row read
        await settle(pilot)
        await pilot.press("H")
        await settle(pilot)
        assert len(article_list(app).ids) == 8
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert len(article_list(app).ids) == 9
        await pilot.press("S")  # oldest
        await settle(pilot)
        assert titles(app)[0] == "A comet visible with the naked eye"
        await pilot.press("S", "S")  # source, then title
        await settle(pilot)
        assert titles(app) == sorted(titles(app), key=str.casefold)


async def test_help_opens_and_q_closes_it_then_quits(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("q")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == 0


async def test_clicking_a_row_opens_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click(ArticleList, offset=(10, 2))
        await settle(pilot)
        assert article_view(app).article.row.title == titles(app)[2]


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_layout_fits_small_and_large_terminals(make_app, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        body = app.screen.query_one("#article-body")
        assert 0 < body.size.width <= 100
        assert article_list(app).size.height >= 3
        assert app.screen.query_one(SectionTree).size.width >= 20


async def test_keys_table_rebinds_actions(sample) -> None:
    from sample import open_sample

    config, data = sample
    config.write_text(
        config.read_text() + '\n[keys]\nnext_unread = "x"\ntoggle_starred = ["z", "s"]\n'
    )
    app = NewsApp(open_sample(config, data))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        opened = article_view(app).article
        assert opened is not None and opened.row.title == "Pocket phones learn to fold in half"
        await pilot.press("h", "z")
        await settle(pilot)
        assert app.library.rows([opened.row.rowid])[0].starred is True
        await pilot.press("n")  # n is no longer bound to next unread
        await settle(pilot)
        assert article_view(app).article.row.rowid == opened.row.rowid


async def test_theme_choice_persists(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme != "gruvbox"
        app.theme = "gruvbox"
        await pilot.press("q")
    again = make_app()
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.theme == "gruvbox"


async def test_palette_lists_reader_actions(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in ("Refresh all feeds", "Search", "Mark all read", "Toggle starred", "Keys"):
            assert wanted in titles


async def test_scroll_position_is_kept_when_coming_back(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the first article, longer than the pane
        await settle(pilot)
        view = article_view(app)
        first = view.article.row.rowid
        assert view.max_scroll_y > 3
        # part of the way (a page would finish it, and a finished one opens at its top)
        await pilot.press("j", "j", "j")
        await settle(pilot)
        position = view.scroll_y
        assert position > 0
        await pilot.press("J")  # another article opens at its top
        await settle(pilot)
        assert view.article.row.rowid != first and view.scroll_y == 0
        await pilot.press("K")  # back: where it was left
        await settle(pilot)
        assert view.article.row.rowid == first
        assert view.scroll_y == position


async def test_sidebar_drops_a_section_and_its_last_feed_together(make_app) -> None:
    from newsterm.core.models import FeedNode, SectionNode

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.screen.query_one(SectionTree)
        feed = FeedNode("https://x.example/feed", "X", ("Gone", "Deep"), 1, 1)
        sections = [SectionNode(("Gone",), 1, 1), SectionNode(("Gone", "Deep"), 1, 1)]
        tree.update_views({}, sections, [feed])
        assert tree.select_view(View("source", ("Gone", "Deep"), feed.key))
        tree.update_views({}, [], [])  # section, sub-section and feed all go at once
        await pilot.pause()
        assert not tree.select_view(View("section", ("Gone",)))
        assert app.is_running


async def test_during_a_refresh_the_list_waits_while_keys_are_pressed(make_app) -> None:
    """New articles join the list once the reader stops moving, not under the cursor."""
    from datetime import UTC, datetime

    from newsterm.core.models import Article, ArticleKey
    from newsterm.ui.screens import refreshing as main
    from sample import FEED_URL

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        fresh = Article(
            ArticleKey(FEED_URL, "fresh-1"),
            "A fresh article arrives",
            section=("News",),
            published=datetime(2024, 3, 30, tzinfo=UTC),
        )
        app.library._store.save_articles(FEED_URL, [fresh])  # as a refresh stores it
        screen._stale_list = True  # as the refresh's progress notes it
        await pilot.press("j")
        screen._catch_up()
        await settle(pilot)
        assert "A fresh article arrives" not in titles(app)
        assert screen._stale_list  # still owed
        screen._key_at -= main.LIST_CALM_SECONDS  # the reader stopped a while ago
        screen._catch_up()
        await settle(pilot)
        assert titles(app)[0] == "A fresh article arrives"
        assert not screen._stale_list
