"""The full article in the pane: which text it shows, ``x``, "fetching…" that never
blocks the keys, a failure in one line with the feed's text kept, and the page read on
opening when the feed asks. A real HTTP server on 127.0.0.1 serves feed and pages."""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from textual.widgets import Static
from werkzeug import Request, Response

from newsterm.core.config import load_config
from newsterm.core.library import Library
from newsterm.core.store import Store
from newsterm.ui.app import NewsApp
from newsterm.ui.screens.fulltext import FETCHING
from newsterm.ui.widgets.article_list import ArticleList
from newsterm.ui.widgets.article_view import ArticleView
from sample import settle

PAGES = Path(__file__).resolve().parents[1] / "data" / "fulltext"
SIZE = (120, 40)


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    httpserver = HTTPServer(host="127.0.0.1", threaded=True)
    httpserver.start()
    yield httpserver
    httpserver.clear()
    httpserver.stop()


async def library(tmp_path: Path, server: HTTPServer, mode: str) -> Library:
    """A library whose one feed (summaries) is stored: the bridge story newest, then
    one whose page is gone."""
    items = [("/bridge.html", "The bridge", "The old stone bridge … Read more")]
    items.append(("/gone.html", "Gone", "A teaser…"))
    entries = "".join(
        f"<item><title>{title}</title><link>{server.url_for(path)}</link><guid>{path}</guid>"
        f"<pubDate>Tue, 12 Mar 2024 1{9 - n}:00:00 +0000</pubDate>"
        f"<description>{html.escape(f'<p>{text}</p>')}</description></item>"
        for n, (path, title, text) in enumerate(items)
    )
    server.expect_request("/feed.xml").respond_with_data(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Summaries</title>'
        f"{entries}</channel></rss>"
    )
    server.expect_request("/gone.html").respond_with_data("gone", status=404)
    config = tmp_path / "feeds.toml"
    config.write_text(
        f'[settings]\nrefresh_on_start = false\nfull_text = "{mode}"\n\n'
        f'[[feeds]]\nurl = "{server.url_for("/feed.xml")}"\n'
    )
    lib = Library(load_config(config), Store.open(tmp_path / "data" / "newsterm.db"))
    await lib.refresh()  # the feed only: no page read yet
    return lib


def held_page(server: HTTPServer) -> threading.Event:
    """The bridge page, answered only once the returned event is set."""
    release = threading.Event()

    def handler(_request: Request) -> Response:
        release.wait(20)
        return Response((PAGES / "nav_comments.html").read_bytes(), content_type="text/html")

    server.expect_request("/bridge.html").respond_with_handler(handler)
    return release


def header(app: NewsApp) -> str:
    return str(app.screen.query_one("#article-header", Static).content)


def body(app: NewsApp) -> str:
    return app.screen.query_one(ArticleView).body_text


async def wait_for(pilot, condition, tries: int = 200) -> None:  # type: ignore[no-untyped-def]
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not met")


async def test_x_fetches_the_full_article_without_blocking_and_switches_back(
    tmp_path: Path, server: HTTPServer
) -> None:
    release = held_page(server)
    app = NewsApp(await library(tmp_path, server, "never"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "from the feed · x: the full article" in header(app)
        assert "The old stone bridge … Read more" in body(app)
        await pilot.press("x")
        await wait_for(pilot, lambda: FETCHING in header(app))
        # the keys go on meanwhile: back to the list, down a row, and back
        await pilot.press("escape", "j")
        await pilot.pause()
        assert app.screen.query_one(ArticleList).cursor == 1
        await pilot.press("k")
        assert FETCHING in header(app)
        release.set()
        await wait_for(pilot, lambda: "full article, read from its page" in header(app))
        await settle(pilot)
        assert "undermined by the winter floods" in body(app)
        assert "Maren Holt" in header(app)
        assert "x: the feed's text" in header(app)
        await pilot.press("x")
        await settle(pilot)
        assert "from the feed (the full article is kept too) · x: the full article" in header(app)
        assert "undermined" not in body(app)


async def test_a_failure_says_why_in_one_line_and_keeps_the_feed_text(
    tmp_path: Path, server: HTTPServer
) -> None:
    held_page(server).set()
    app = NewsApp(await library(tmp_path, server, "never"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        line = "from the feed · no full article: HTTP 404 Not Found"
        assert line in header(app).splitlines()
        assert "A teaser…" in body(app)
        # on the next opening too, from the store
        await pilot.press("escape", "k", "enter")
        await settle(pilot)
        await pilot.press("escape", "j", "enter")
        await settle(pilot)
        assert line in header(app).splitlines()


async def test_opening_reads_the_page_when_the_feed_asks(
    tmp_path: Path, server: HTTPServer
) -> None:
    release = held_page(server)
    app = NewsApp(await library(tmp_path, server, "auto"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: FETCHING in header(app))
        assert "The old stone bridge … Read more" in body(app)  # the feed's text meanwhile
        release.set()
        await wait_for(pilot, lambda: "full article, read from its page" in header(app))
        await settle(pilot)
        assert "undermined by the winter floods" in body(app)


async def test_after_a_refresh_the_pages_are_read_in_the_background(
    tmp_path: Path, server: HTTPServer
) -> None:
    held_page(server).set()
    app = NewsApp(await library(tmp_path, server, "auto"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = app.screen.query_one(ArticleList).ids[0]

        def has_full_text() -> bool:
            article = app.library.article(first)
            return article is not None and app.library.with_full_text(article).shows_full

        assert not has_full_text()
        await pilot.press("R")
        await wait_for(pilot, has_full_text)
        await settle(pilot)
        status = str(app.screen.query_one("#status", Static).content)
        assert status.endswith("· 1 full article"), status  # the gone page is not one
