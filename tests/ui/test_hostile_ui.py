"""Issue 6 through the real app (Pilot): markup from feeds, files, servers and errors is
shown literally (never styled, never run, never a MarkupError), control characters never
reach a widget, and huge or deeply nested articles never freeze the app."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static
from textual.widgets._toast import Toast

from newsterm.core.config import load_config
from newsterm.core.library import Library
from newsterm.core.models import View
from newsterm.core.sources.feeds import parse_feed
from newsterm.core.store import Store
from newsterm.core.text import has_control
from newsterm.ui.app import NewsApp
from newsterm.ui.widgets.article_body import ArticleBody
from newsterm.ui.widgets.article_list import ArticleList
from newsterm.ui.widgets.article_view import ArticleView
from newsterm.ui.widgets.section_tree import SectionTree

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile"
sys.path.insert(0, str(HOSTILE))
import hostile  # noqa: E402

from sample import settle  # noqa: E402 - tolerates exclusive workers being replaced

SIZE = (200, 50)
SECTION = "MARKUPSECTION [bold]s[@click=app.quit] ["
LOCAL_SECTION = "LOCALSEC [/] [@click=app.quit]"
ERROR_REASON = "[bold]EVIL[/] [@click=app.quit]"
MISSING = "gone [bold]x[/] [@click=app.quit]"
PASSWORD = "hunter2secret"
USERINFO = f"reader:{PASSWORD}"
MARKUP_TITLE = (
    "MARKUPTITLE [bold]B[/bold] [/] [link=https://evil.example/]L[/link] [@click=app.quit]Q[/]"
)
RSS = {"Content-Type": "application/rss+xml"}


def _routes() -> dict[str, tuple[object, dict[str, str], bytes]]:
    return {
        "/markup.xml": (200, RSS, (HOSTILE / "markup.rss").read_bytes()),
        "/broken.xml": ((599, ERROR_REASON), {}, b""),
        "/controls.xml": (200, RSS, hostile.controls_feed(as_refs=False)),
    }


@pytest.fixture(scope="module")
def server() -> Iterator[hostile.FeedServer]:
    with hostile.FeedServer() as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_server(server: hostile.FeedServer) -> None:
    server.routes = _routes()
    server.requests.clear()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, server: hostile.FeedServer) -> Path:
    """feeds.toml, local files and a store holding hostile articles, built once."""
    root = tmp_path_factory.mktemp("hostile-home")
    local = root / "local"
    (local / "[bold]dir[@click=app.quit]x").mkdir(parents=True)
    (local / "[bold]dir[@click=app.quit]x" / "[red]binary.txt").write_bytes(b"\x00\x01\x1b]0;x")
    (local / "markup.txt").write_text(
        f"Home » {LOCAL_SECTION} » [bold]Sub[/bold] » LOCALTITLE [/] [@click=app.quit]\n\n"
        "LOCALTITLE [/] [@click=app.quit]\n\nLOCALBODY [bold]b[/bold] [/] [link=x]y[/link]\n"
    )
    config = root / "feeds.toml"
    config.write_text(
        "[settings]\nrefresh_on_start = false\n\n"
        f'[[feeds]]\nurl = "{server.url("/markup.xml")}"\nsection = "{SECTION}"\n\n'
        f'[[feeds]]\nurl = "{server.url("/broken.xml")}"\nsection = "{SECTION}"\n\n'
        f'[[feeds]]\nurl = "{server.url("/controls.xml")}"\nsection = "Hostile"\n\n'
        f'[[feeds]]\nurl = "{server.url("/private.xml", USERINFO)}"\n\n'
        '[[local]]\npath = "local"\n\n'
        f'[[local]]\npath = "{MISSING}"\n'
    )
    library = Library(load_config(config), Store.open(root / "data" / "newsterm.db"))
    try:
        key = server.url("/controls.xml")
        for body in (
            hostile.controls_feed(as_refs=True),
            hostile.huge_body_feed(),
            hostile.nested_html_feed("ul"),
            hostile.nested_html_feed("blockquote"),
            hostile.nested_html_feed("table"),
            hostile.huge_title_feed(),
        ):
            parsed = parse_feed(body, key, key)
            articles = [replace(a, section=("Hostile",)) for a in parsed.articles]
            library._store.save_articles(key, articles)
        library._store.record_fetch(key, ok=True, title="EVILFEED stored")
        # the markup feed as an earlier refresh stored it: its title is the feed's own
        key = server.url("/markup.xml")
        parsed = parse_feed((HOSTILE / "markup.rss").read_bytes(), key, key)
        articles = [replace(a, section=(SECTION,)) for a in parsed.articles]
        library._store.save_articles(key, articles)
        library._store.record_fetch(key, ok=True, title=parsed.title, link=parsed.link)
        # an error stored by an earlier run, holding markup
        library._store.record_fetch(server.url("/broken.xml"), ok=False, error=ERROR_REASON)
    finally:
        library.close()
    return root


@pytest.fixture
def hostile_home(tmp_path: Path, template: Path) -> tuple[Path, Path]:
    """A fresh copy of the template: (feeds.toml, data dir)."""
    home = tmp_path / "home"
    shutil.copytree(template, home)
    return home / "feeds.toml", home / "data"


def make_app(home: tuple[Path, Path]) -> NewsApp:
    config, data = home
    return NewsApp(Library(load_config(config), Store.open(data / "newsterm.db")))


async def refreshed(pilot: Pilot) -> None:
    """Wait for a refresh the app runs to finish."""
    for _ in range(100):
        await settle(pilot)
        if not pilot.app.screen._refreshing:
            break
        await pilot.pause(0.1)
    await settle(pilot)


def list_lines(app: NewsApp) -> list[str]:
    articles = app.screen.query_one(ArticleList)
    return [articles.render_line(y).text for y in range(articles.size.height)]


def tree_labels(app: NewsApp) -> list[str]:
    tree = app.screen.query_one(SectionTree)
    labels = []
    for line in range(tree.last_line + 1):
        node = tree.get_node_at_line(line)
        if node is not None:
            labels.append(node.label.plain if hasattr(node.label, "plain") else str(node.label))
    return labels


def tree_lines(app: NewsApp) -> list[str]:
    tree = app.screen.query_one(SectionTree)
    return [tree.render_line(y).text for y in range(tree.size.height)]


def static_text(app: NewsApp, selector: str) -> str:
    rendered = app.screen.query_one(selector, Static).render()
    return getattr(rendered, "plain", str(rendered))


def body_text(app: NewsApp) -> str:
    """The article body as drawn: every line of it, as plain text."""
    body = app.screen.query_one(ArticleBody)
    return "\n".join(body.render_line(y).text.rstrip() for y in range(len(body.body.lines)))


def dialog_lines(app: NewsApp) -> list[str]:
    """What the open dialog draws: its Statics and the prompts of its option lists."""
    from textual.widgets import OptionList

    screen = app.screen
    lines = [getattr(w.render(), "plain", str(w.render())) for w in screen.query(Static)]
    for options in screen.query(OptionList):
        for index in range(options.option_count):
            prompt = options.get_option_at_index(index).prompt
            lines.append(getattr(prompt, "plain", str(prompt)))
        lines += [options.render_line(y).text for y in range(options.size.height)]
    return lines


def toasts(app: NewsApp) -> list[str]:
    return [toast.render().plain for toast in app.screen.query(Toast)]


async def open_title(pilot: Pilot, prefix: str) -> None:
    """Move the list cursor to the article whose title starts with ``prefix``; open it."""
    app = pilot.app
    articles = app.screen.query_one(ArticleList)
    rows = app.library.rows(articles.ids)
    index = next(i for i, row in enumerate(rows) if row.title.startswith(prefix))
    articles.focus()
    articles.cursor = index
    await pilot.press("enter")
    await settle(pilot)
    view = app.screen.query_one(ArticleView)
    assert view.article is not None and view.article.row.title.startswith(prefix)


def assert_alive(app: NewsApp) -> None:
    assert app.is_running
    assert app.return_value is None
    assert app._exception is None


# --- markup ---------------------------------------------------------------------------------


async def test_markup_from_feeds_files_and_errors_is_shown_literally(
    hostile_home: tuple[Path, Path], server: hostile.FeedServer, monkeypatch
) -> None:
    # y's message depends on the terminal: one that takes OSC 52, no clipboard tools
    for name in ("TMUX", "STY", "DISPLAY", "WAYLAND_DISPLAY", "TERM_PROGRAM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-kitty")
    app = make_app(hostile_home)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        # refresh the feed whose server answers "HTTP 599 [bold]EVIL[/] [@click=app.quit]"
        tree = app.screen.query_one(SectionTree)
        broken = server.url("/broken.xml")
        tree.focus()
        assert tree.select_view(View("source", (SECTION,), broken))
        await settle(pilot)
        await pilot.press("r")
        await refreshed(pilot)
        assert server.paths() == ["/broken.xml"]
        assert_alive(app)

        # the sidebar: section names, the feed's own title, the local breadcrumb
        labels = tree_labels(app)
        assert any(label.startswith(SECTION) for label in labels), labels
        assert any(
            label.startswith("MARKUPFEED [bold]feed[/bold] [@click=app.quit]quit[/] [/]")
            for label in labels
        ), labels
        assert any(label.startswith(LOCAL_SECTION) for label in labels), labels
        assert any(label.startswith("[bold]Sub[/bold]") for label in labels), labels
        drawn = "\n".join(tree_lines(app))
        assert "MARKUPSECTION [bold]s[" in drawn, drawn  # the sidebar is narrow: cut
        assert "MARKUPFEED [bold]" in drawn, drawn

        # the failing feed: its error holds the server's markup, literally, and is flagged
        assert tree.error_of(broken) == f"HTTP 599 {ERROR_REASON}"
        assert app.library._store.source_state(broken).last_error == f"HTTP 599 {ERROR_REASON}"
        assert any(label.startswith("! ") for label in labels)
        assert "1 failed" in static_text(app, "#status")
        # the feed errors view (E) quotes the error as it is
        await pilot.press("E")
        await settle(pilot)
        shown = "\n".join(dialog_lines(app))
        assert f"HTTP 599 {ERROR_REASON}" in shown, shown
        await pilot.press("escape")
        await settle(pilot)
        assert_alive(app)

        # the article list draws titles as they are
        assert tree.select_view(View("all"))
        await settle(pilot)
        lines = "\n".join(list_lines(app))
        assert MARKUP_TITLE[:60] in lines
        assert " [/] " in lines or "[/]  " in lines
        assert "[@click=app.quit]" in lines
        assert "LOCALTITLE [/] [@click=app.quit]" in lines

        # the article pane: header and body
        await open_title(pilot, "MARKUPTITLE")
        header = static_text(app, "#article-header")
        body = body_text(app)
        assert MARKUP_TITLE in header
        assert "MARKUPAUTHOR [red]red[/red] [/]" in header
        assert "MARKUPFEED [bold]feed[/bold]" in header
        for piece in ("[bold]B[/bold]", "[/]", "[@click=app.quit]Q[/]", "[on red]x", "]stray["):
            assert piece in body, piece
        assert "MARKUPCAT [@click=app.quit]x[/]" in body
        # clicking where "[@click=app.quit]" is drawn runs nothing
        row = next(i for i, line in enumerate(header.split("\n")) if "[@click" in line)
        column = header.split("\n")[row].index("[@click") + 2
        await pilot.click("#article-header", offset=(column, row))
        await settle(pilot)
        assert_alive(app)

        await open_title(pilot, "LOCALTITLE")
        assert "LOCALBODY [bold]b[/bold] [/] [link=x]y[/link]" in body_text(app)

        # a notification quoting data: the link, copied
        await open_title(pilot, "MARKUPLINK")
        await pilot.press("y")
        await settle(pilot)  # the copy runs in a thread (a clipboard tool may be slow)
        assert "Copied https://example.org/a[/]b[@click=app.quit]" in "\n".join(toasts(app))
        assert_alive(app)
        await pilot.press("q")
    assert app.return_value == 0


async def test_notices_from_local_files_are_literal(hostile_home: tuple[Path, Path]) -> None:
    app = make_app(hostile_home)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.pause(0.2)
        shown = "\n".join(toasts(app))
        assert "[bold]dir[@click=app.quit]x/[red]binary.txt: skipped" in shown, shown
        assert f"{MISSING}: no such file or folder" in shown, shown
        for toast in app.screen.query(Toast):
            await pilot.click(toast)  # a click on a toast dismisses it, and runs nothing
        await settle(pilot)
        assert_alive(app)


async def test_markup_titles_alone_do_not_break_the_list(hostile_home: tuple[Path, Path]) -> None:
    # Titles that are nothing but a closing tag or an action, at the top of the list.
    app = make_app(hostile_home)
    async with app.run_test(size=(60, 20), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("S", "S", "S")  # sort by title
        await settle(pilot)
        for title in ("[/]", "[@click=app.quit]"):
            await open_title(pilot, title)
            lines = list_lines(app)
            assert any(f" {title[:6]}" in line for line in lines), lines
            row = next(y for y, line in enumerate(lines) if f" {title[:6]}" in line)
            await pilot.click(ArticleList, offset=(8, row))  # on the drawn "[@click…"
            await settle(pilot)
            assert app.screen.query_one(ArticleView).article.row.title == title
            assert_alive(app)


# --- control characters ------------------------------------------------------------------------


async def test_no_control_character_reaches_a_widget(hostile_home: tuple[Path, Path]) -> None:
    app = make_app(hostile_home)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert "EVILTITLE" in "\n".join(list_lines(app))
        await open_title(pilot, "EVILTITLE")
        texts = [
            static_text(app, "#article-header"),
            body_text(app),
            *list_lines(app),
            *tree_lines(app),
            *tree_labels(app),
        ]
        assert "EVILBODY" in texts[1]
        for text in texts:
            assert not has_control(text.replace("\n", "")), repr(text)
        assert_alive(app)


# --- size and depth ----------------------------------------------------------------------------


async def test_huge_and_deep_articles_open_and_the_app_answers(
    hostile_home: tuple[Path, Path],
) -> None:
    app = make_app(hostile_home)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        for prefix in ("huge body", "nested ul", "nested blockquote", "nested table"):
            await open_title(pilot, prefix)
            view = app.screen.query_one(ArticleView)
            assert isinstance(app.focused, ArticleView), prefix
            if prefix == "huge body":  # wrapped lines, of which a key press redraws a screenful
                body = view.query_one(ArticleBody)
                assert len(body.body.lines) > 1_000
                assert body.body.width == body.size.width
            await pilot.press("G")  # to the end of the article
            await pilot.press("h")  # and back to the list: the next key is answered
            assert isinstance(app.focused, ArticleList), prefix
            assert view.article is not None
            assert_alive(app)


async def test_huge_title_is_drawn_cut(hostile_home: tuple[Path, Path]) -> None:
    app = make_app(hostile_home)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await open_title(pilot, "TTTT")
        header = static_text(app, "#article-header")
        assert len(header) < 5_000
        assert all(len(line) <= 2_000 for line in list_lines(app))
        await pilot.press("h")
        assert isinstance(app.focused, ArticleList)


# --- a refresh run by the app --------------------------------------------------------------------


async def test_refresh_in_the_app_stores_the_hostile_feed_cleanly(
    hostile_home: tuple[Path, Path], server: hostile.FeedServer
) -> None:
    server.routes["/controls.xml"] = (200, RSS, hostile.controls_json_feed())
    app = make_app(hostile_home)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await refreshed(pilot)
        assert_alive(app)
        store = app.library._store
        broken = store.source_state(server.url("/broken.xml"))
        assert broken is not None and broken.last_error == f"HTTP 599 {ERROR_REASON}"
        for path in ("/markup.xml", "/controls.xml"):
            state = store.source_state(server.url(path))
            assert state is not None and state.last_error is None, (path, state)
        lines = "\n".join(list_lines(app))
        assert "EVILTEXT" in lines  # the JSON feed's second item arrived
        assert not has_control(lines.replace("\n", ""))


# --- credentials in a feed URL -------------------------------------------------------------------


async def test_the_password_of_a_feed_url_is_never_on_screen(
    hostile_home: tuple[Path, Path], server: hostile.FeedServer
) -> None:
    app = make_app(hostile_home)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await refreshed(pilot)
        assert "/private.xml" in server.paths()  # refreshed (and failed: 404)
        private = server.url("/private.xml", USERINFO)
        assert app.library._store.source_state(private).last_error == "HTTP 404 Not Found"
        shown = [*tree_labels(app), *tree_lines(app), *list_lines(app), *toasts(app)]
        shown.append(static_text(app, "#status"))
        assert not [line for line in shown if PASSWORD in line]
        await pilot.press("E")  # the feed errors view lists it
        await settle(pilot)
        lines = dialog_lines(app)
        assert any("HTTP 404" in line for line in lines), lines
        assert not [line for line in lines if PASSWORD in line]
