"""Keys that go where they say (issue 12): n/p through every feed and section in sidebar
order, Esc out of a search step by step, End to the last line, PgDn that only pages, a
finished article that opens at its top."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from textual.widgets import Input

from newsterm.core.models import View
from newsterm.ui.app import NewsApp
from newsterm.ui.widgets.article_body import ArticleBody
from newsterm.ui.widgets.article_list import ArticleList
from newsterm.ui.widgets.article_view import ArticleView
from newsterm.ui.widgets.section_tree import SectionTree
from sample import settle
from walk_sample import LONG_LAST_LINE, LONG_TITLE, build_walk_sample, feed_view, open_walk_sample

SIZE = (120, 40)


@pytest.fixture
def make_walk_app(tmp_path: Path):  # type: ignore[no-untyped-def]
    config, data = build_walk_sample(tmp_path / "walk")
    return lambda: NewsApp(open_walk_sample(config, data))


def opened(app: NewsApp) -> str | None:
    article = app.screen.query_one(ArticleView).article
    return article.row.title if article else None


def notes(app: NewsApp) -> list[str]:
    return [n.message for n in app._notifications]


async def show(pilot, view: View) -> None:  # type: ignore[no-untyped-def]
    pilot.app.screen.query_one(SectionTree).select_view(view)
    await settle(pilot)


async def press(pilot, *keys: str) -> None:  # type: ignore[no-untyped-def]
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def node_of(tree: SectionTree, view: View):  # type: ignore[no-untyped-def]
    def walk(node):  # type: ignore[no-untyped-def]
        for child in node.children:
            yield child
            yield from walk(child)

    return next(n for n in walk(tree.root) if n.data == view)


# -- n and p -------------------------------------------------------------------------------


async def test_n_walks_feed_by_feed_in_sidebar_order(make_walk_app) -> None:
    app = make_walk_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.screen.query_one(SectionTree)
        node_of(tree, View("section", ("Tech",))).collapse()  # folded: n still goes in
        await show(pilot, feed_view(app.library, "Local Post"))
        seen = []
        for _ in range(8):
            await press(pilot, "n")
            seen.append((opened(app), tree.current_view))
        library = app.library
        assert [title for title, _ in seen] == [
            "Local 1", "Alpha 1", "Alpha 2", "Gamma 1", "Gamma 2",
            "Delta 1", LONG_TITLE, "Epsilon 1",
        ]  # fmt: skip
        assert seen[1][1] == feed_view(library, "Alpha Wire")
        assert seen[3][1] == feed_view(library, "Gamma Daily")  # Beta Times is all read
        assert seen[5][1] == feed_view(library, "Delta Dev")  # its section was folded
        assert app.screen.selected == feed_view(library, "Epsilon Ops")
        await press(pilot, "n")
        assert opened(app) == "Epsilon 1"
        assert "No more unread articles." in notes(app)


async def test_p_opens_the_last_unread_of_the_previous_feed(make_walk_app) -> None:
    app = make_walk_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await show(pilot, feed_view(app.library, "Delta Dev"))
        await press(pilot, "n")
        assert opened(app) == "Delta 1"
        await press(pilot, "p")
        assert opened(app) == "Gamma 2"  # the last unread of Gamma Daily, not its first
        assert app.screen.selected == feed_view(app.library, "Gamma Daily")
        await press(pilot, "p")
        assert opened(app) == "Gamma 1"
        await press(pilot, "p")
        assert opened(app) == "Alpha 2"


async def test_n_and_p_go_section_by_section_from_a_section(make_walk_app) -> None:
    app = make_walk_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await show(pilot, View("section", ("Tech",)))
        await press(pilot, "n")
        assert opened(app) == "Delta 1"
        await press(pilot, "p")  # nothing before it in Tech: the last unread of News
        assert opened(app) == "Local 1"
        assert app.screen.selected == View("section", ("News",))
        for _ in range(4):
            await press(pilot, "p")
        assert opened(app) == "Alpha 1"
        await press(pilot, "n")  # all of News read: Tech as a whole, its next unread
        assert opened(app) == LONG_TITLE
        assert app.screen.selected == View("section", ("Tech",))


async def test_n_stays_inside_a_virtual_view(make_walk_app) -> None:
    app = make_walk_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "G", "enter")
        assert opened(app) == "Epsilon 1"
        await press(pilot, "n")
        assert opened(app) == "Epsilon 1"
        assert app.screen.selected == View("all")
        assert "No more unread articles below in All." in notes(app)


# -- search and Esc ---------------------------------------------------------------------------


async def test_escape_steps_back_from_a_result_to_the_results_then_out(make_walk_app) -> None:
    app = make_walk_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await show(pilot, feed_view(app.library, "Gamma Daily"))
        search = app.screen.query_one("#search", Input)
        articles = app.screen.query_one(ArticleList)
        # / searches the feed shown; ctrl+g everywhere: Alpha Wire's two articles
        await press(pilot, "slash", *"alpha", "ctrl+g", "enter")
        results = list(articles.ids)
        assert len(results) == 2
        assert opened(app) == app.library.rows(results)[0].title
        await press(pilot, "escape")  # from the article: the results, box and all
        assert search.display and search.value == "alpha"
        assert app.screen.view.kind == "search" and list(articles.ids) == results
        assert isinstance(app.focused, ArticleList)
        await press(pilot, "escape")  # from the results: the view before the search
        assert not search.display
        assert app.screen.view.selection == feed_view(app.library, "Gamma Daily")
        assert [r.title for r in app.library.rows(articles.ids)] == ["Gamma 1", "Gamma 2"]
        assert articles.empty_text != "Type to search."


async def test_h_steps_back_out_of_a_search_like_escape(make_walk_app) -> None:
    app = make_walk_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        search = app.screen.query_one("#search", Input)
        everything = list(app.screen.query_one(ArticleList).ids)
        await press(pilot, "slash", *"gamma", "enter")
        results = app.library.rows(app.screen.query_one(ArticleList).ids)
        assert len(results) == 2 and opened(app) == results[0].title
        await press(pilot, "h")
        assert search.display and app.screen.view.kind == "search"
        await press(pilot, "j", "enter")  # the results still work
        assert opened(app) == results[1].title
        await press(pilot, "h", "h")
        assert not search.display and app.screen.view.kind == "all"
        assert list(app.screen.query_one(ArticleList).ids) == everything


# -- the article pane -----------------------------------------------------------------------


async def open_long(pilot) -> ArticleView:  # type: ignore[no-untyped-def]
    app = pilot.app
    await show(pilot, feed_view(app.library, "Delta Dev"))
    await press(pilot, "j", "enter")
    assert opened(app) == LONG_TITLE
    view = app.screen.query_one(ArticleView)
    assert view.max_scroll_y > 20
    return view


@pytest.mark.parametrize("key", ["end", "G"])
@pytest.mark.parametrize("size", [SIZE, (80, 24)])
async def test_end_shows_the_last_line_at_once(make_walk_app, key, size) -> None:
    app = make_walk_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        view = await open_long(pilot)
        app.animation_level = "full"  # as in a terminal
        positions: list[float] = []

        def moved(y: float) -> None:
            positions.append(y)

        view.watch(view, "scroll_y", moved, init=False)
        await press(pilot, key)
        # one jump: no scrolling animation a key pressed at once would stop short
        assert positions == [view.max_scroll_y]
        body = app.screen.query_one(ArticleBody)
        assert LONG_LAST_LINE in body.plain  # the attachment, the body's last block
        assert "audio/mpeg" in body.body.lines[-1][0]
        last_row = body.region.y + len(body.body.lines) - 1
        assert view.content_region.y <= last_row < view.content_region.bottom
        await press(pilot, "g" if key == "G" else "home")
        assert view.scroll_y == 0


async def test_pagedown_only_pages_space_reads_on(make_walk_app) -> None:
    app = make_walk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        view = await open_long(pilot)
        for _ in range(40):
            await press(pilot, "pagedown")
        assert view.scroll_y == view.max_scroll_y
        assert opened(app) == LONG_TITLE  # PgDn at the end stays
        await press(pilot, "space")
        assert opened(app) == "Epsilon 1"  # space at the end: the next unread


async def test_a_finished_article_reopens_at_its_top(make_walk_app) -> None:
    app = make_walk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        view = await open_long(pilot)
        await press(pilot, "pagedown")
        part_way = view.scroll_y
        assert part_way > 0
        await press(pilot, "K")
        assert opened(app) == "Delta 1"
        await press(pilot, "J")
        assert opened(app) == LONG_TITLE
        assert view.scroll_y == part_way  # not finished: where it was left
        await press(pilot, "G", "K", "J")
        assert opened(app) == LONG_TITLE
        assert view.scroll_y == 0  # read to its end: at its top, the title in sight


# -- y -------------------------------------------------------------------------------------


def clipboard_env(monkeypatch, path: Path, **env: str) -> None:  # type: ignore[no-untyped-def]
    for name in ("TMUX", "STY", "DISPLAY", "WAYLAND_DISPLAY", "TERM_PROGRAM", "WT_SESSION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", str(path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)


async def test_y_gives_the_link_to_a_clipboard_tool(make_walk_app, tmp_path, monkeypatch) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    script = tools / "xclip"
    script.write_text(
        f"#!{sys.executable}\nimport sys\n"
        f"open({str(tools / 'got')!r}, 'w').write(sys.stdin.read() + repr(sys.argv[1:]))\n"
    )
    script.chmod(0o755)
    clipboard_env(monkeypatch, tools, DISPLAY=":0", TERM="dumb")
    app = make_walk_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await show(pilot, feed_view(app.library, "Gamma Daily"))
        await press(pilot, "enter", "y")
        link = "https://gamma.xml.example.org/gamma-1"
        assert (tools / "got").read_text() == link + "['-selection', 'clipboard']"
        assert f"Copied {link}" in notes(app)


async def test_y_without_any_clipboard_says_so(make_walk_app, tmp_path, monkeypatch) -> None:
    # inside tmux without set-clipboard on (no tmux to ask here), no tool: OSC 52 is lost
    clipboard_env(monkeypatch, tmp_path, TMUX="/tmp/tmux-0/default,1,0", TERM="tmux-256color")
    app = make_walk_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await show(pilot, feed_view(app.library, "Gamma Daily"))
        await press(pilot, "enter", "y")
        link = "https://gamma.xml.example.org/gamma-1"
        (said,) = [n for n in notes(app) if link in n]
        assert said.startswith("Copy: no clipboard found") and said.endswith(f"the link is {link}")
        assert not any(n.startswith("Copied") for n in notes(app))


async def test_the_sidebar_follows_n_even_while_it_is_being_redrawn(make_walk_app) -> None:
    """A node just unfolded has no line until the tree is drawn again (moving the cursor
    to a node without a line puts it on the first line, which chooses All)."""
    app = make_walk_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.screen.query_one(SectionTree)
        target = feed_view(app.library, "Delta Dev")
        node_of(tree, View("section", ("Tech",))).collapse()
        await settle(pilot)
        node_of(tree, View("section", ("Tech",))).expand()  # lines rebuilt at the next draw
        rowid = app.library.article_ids(target)[0]
        app.screen._jump_to_view(target, rowid)
        await settle(pilot)
        assert tree.current_view == target
        assert app.screen.selected == target and opened(app) == "Delta 1"


async def test_choosing_a_place_in_the_sidebar_ends_a_search(make_walk_app) -> None:
    app = make_walk_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        search = app.screen.query_one("#search", Input)
        await press(pilot, "slash", *"alpha")
        assert search.display
        await show(pilot, feed_view(app.library, "Gamma Daily"))
        assert not search.display and search.value == ""
        assert app.screen.view.selection == feed_view(app.library, "Gamma Daily")
        await press(pilot, "escape")  # nothing of the search is left to step out of
        assert app.screen.view.selection == feed_view(app.library, "Gamma Daily")
