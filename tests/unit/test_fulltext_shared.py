"""One read of an article's page at a time: opening an article (or ``x``) while the
pass after a refresh reads that same page waits for that read instead of fetching the
page again. A real HTTP server on 127.0.0.1 counts the requests."""

from __future__ import annotations

import asyncio
import html
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newsterm.core.config import load_config
from newsterm.core.library import Library
from newsterm.core.models import View
from newsterm.core.store import Store

PAGES = Path(__file__).resolve().parents[1] / "data" / "fulltext"


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    httpserver = HTTPServer(host="127.0.0.1", threaded=True)
    httpserver.start()
    yield httpserver
    httpserver.clear()
    if httpserver.is_running():
        httpserver.stop()


class HeldPage:
    """The bridge page: each request is counted, and answered once ``release`` is set."""

    def __init__(self, server: HTTPServer) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()
        server.expect_request("/bridge.html").respond_with_handler(self._handle)

    def _handle(self, _request: Request) -> Response:
        self.arrived.set()
        self.release.wait(20)
        return Response((PAGES / "nav_comments.html").read_bytes(), content_type="text/html")

    async def wait_arrived(self) -> None:
        assert await asyncio.to_thread(self.arrived.wait, 20), "the page was never asked for"


@pytest.fixture
async def library(tmp_path: Path, server: HTTPServer) -> AsyncIterator[Library]:
    """A library with one summary-only feed (``full_text = "auto"``), stored."""
    description = html.escape("<p>The old stone bridge … Read more</p>")
    server.expect_request("/feed.xml").respond_with_data(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Summaries</title>'
        f"<item><title>The bridge</title><link>{server.url_for('/bridge.html')}</link>"
        "<guid>bridge</guid><pubDate>Tue, 12 Mar 2024 10:00:00 +0000</pubDate>"
        f"<description>{description}</description></item></channel></rss>"
    )
    config = tmp_path / "feeds.toml"
    config.write_text(
        "[settings]\nrefresh_on_start = false\n\n"
        f'[[feeds]]\nurl = "{server.url_for("/feed.xml")}"\n'
    )
    lib = Library(load_config(config), Store.open(tmp_path / "data" / "newsterm.db"))
    await lib.refresh()
    yield lib
    lib.close()


def page_requests(server: HTTPServer) -> int:
    return sum(request.path == "/bridge.html" for request, _response in server.log)


def only_article(lib: Library) -> int:
    (aid,) = lib.article_ids(View("all"))
    return aid


async def test_opening_while_the_pass_reads_the_page_fetches_it_once(
    library: Library, server: HTTPServer
) -> None:
    page = HeldPage(server)
    aid = only_article(library)
    passing = asyncio.create_task(library.read_pages())
    await page.wait_arrived()  # the pass is reading the page
    opening = asyncio.create_task(library.read_page(aid))
    await asyncio.sleep(0.2)  # the opening's own fetch, if any, would be on its way
    page.release.set()
    report, full = await asyncio.wait_for(asyncio.gather(passing, opening), 30)
    assert report.read == 1
    assert full is not None and full.ok and "undermined by the winter floods" in full.content
    assert page_requests(server) == 1


async def test_an_asker_left_by_a_cancelled_pass_reads_the_page_itself(
    library: Library, server: HTTPServer
) -> None:
    page = HeldPage(server)
    aid = only_article(library)
    passing = asyncio.create_task(library.read_pages())
    await page.wait_arrived()
    opening = asyncio.create_task(library.read_page(aid))
    await asyncio.sleep(0.2)
    passing.cancel()  # a newer pass replaced it
    page.release.set()
    full = await asyncio.wait_for(opening, 30)
    assert full is not None and full.ok
    with pytest.raises(asyncio.CancelledError):
        await passing
