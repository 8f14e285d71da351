"""Feed discovery: pure link finding and sniffing, then discover() against a real local
HTTP server (pytest-httpserver on 127.0.0.1) with a tiny httpx fetch function."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer

from newsterm.core.errors import FetchError
from newsterm.core.models import FetchResult
from newsterm.core.sources.discover import (
    COMMON_PATHS,
    discover,
    feed_kind,
    find_feed_links,
    looks_like_feed,
)

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


# --- find_feed_links (pure) ---------------------------------------------------------------------


def test_alternate_links_in_page_order():
    links = find_feed_links(page("blog.html"), "https://blog.example/2024/05/post.html")
    assert links == [
        ("https://blog.example/posts.rss", "Posts (RSS)", "rss"),
        # upper-case names, a type with parameters, relative to the page's folder
        ("https://blog.example/2024/05/atom.xml", "Posts & notes (Atom)", "atom"),
        # rel with several tokens, root-relative href, title whitespace collapsed
        ("https://blog.example/feed.json", "JSON Feed", "json"),
        # href with surrounding whitespace and new lines
        ("https://blog.example/2024/05/old/index.rdf", None, "rdf"),
    ]


def test_base_href_applies_to_every_link():
    links = find_feed_links(page("based.html").decode(), "http://site.example/a/b/page.html")
    assert links == [
        ("http://site.example/sub/dir/news/atom.xml", "Before the base", "atom"),
        ("http://site.example/sub/dir/feed.xml", "Relative to the base", "rss"),
        ("http://site.example/sub/up.xml", None, "rss"),
        ("http://other.example/protocol-relative.xml", None, "rss"),
    ]


def test_non_http_base_is_ignored():
    html = (
        '<base href="javascript:void(0)//"><link rel=alternate type=application/rss+xml href=f.xml>'
    )
    assert find_feed_links(html, "https://x.example/dir/p") == [
        ("https://x.example/dir/f.xml", None, "rss")
    ]


def test_titles_are_sanitised_and_charset_respected():
    html = (
        b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
        b'<link rel="alternate" type="application/rss+xml" href="/f" title="Caf\xe9 \x1b[31m\xe2\x80\xaeX">'
    )
    ((url, title, kind),) = find_feed_links(html, "https://x.example/")
    assert (url, kind) == ("https://x.example/f", "rss")
    assert title is not None and title.startswith("Café ")
    assert "\x1b" not in title


def test_page_without_links():
    assert find_feed_links(page("nofeeds.html"), "https://x.example/") == []
    assert find_feed_links(b"", "https://x.example/") == []
    assert (
        find_feed_links("<link rel=alternate type=text/html href=/x>", "https://x.example/") == []
    )


# --- looks_like_feed (pure) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (page("feed.xml"), "rss"),  # declaration, stylesheet PI, comment before the root
        (page("atom.xml"), "atom"),  # BOM and whitespace before the root
        (page("feed.json"), "json"),
        (b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="x"><channel/></rdf:RDF>', "rdf"),
        (b'<!DOCTYPE rss [<!ENTITY x "y">]>\n<rss version="0.91"/>', "rss"),
        (b"  \r\n<rss>", "rss"),
        ('<?xml version="1.0" encoding="utf-16"?><feed>'.encode("utf-16"), "atom"),
        (b' {"version" : "https://jsonfeed.org/version/1", "items": []}', "json"),
        (
            json.dumps(
                {
                    "title": "t",
                    "items": [{"id": str(i)} for i in range(3000)],
                    "version": "https://jsonfeed.org/version/1.1",
                }
            ).encode(),
            "json",
        ),  # the version after 64 KB of items: found by parsing
    ],
)
def test_feeds_are_recognised(body: bytes, kind: str):
    assert feed_kind(body) == kind
    assert looks_like_feed(body)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        page("blog.html"),
        page("nofeeds.html"),
        b"<html><body><rss></rss></body></html>",
        b"<rssfeed/>",
        b"<feedback>no</feedback>",
        b"<!-- unterminated comment <rss>",
        b'{"version": "1.0", "items": []}',
        b'["https://jsonfeed.org/version/1"]',
        b"{not json",
        b"\x89PNG\r\n\x1a\n\x00\x00",
        b"Just text that mentions <rss> later.",
    ],
)
def test_non_feeds_are_rejected(body: bytes):
    assert not looks_like_feed(body)


# --- discover() against a real local server --------------------------------------------------------


async def http_fetch(url: str) -> FetchResult:
    """A tiny fetcher with the same contract as ``Fetcher.fetch``."""
    async with httpx.AsyncClient(follow_redirects=True, timeout=5) as client:
        try:
            response = await client.get(url)
        except httpx.HTTPError as exc:
            return FetchResult(url=url, error=str(exc) or type(exc).__name__)
    final = str(response.url)
    if response.status_code >= 400:
        return FetchResult(
            url=final, status=response.status_code, error=f"HTTP {response.status_code}"
        )
    permanent = bool(response.history) and all(
        r.status_code in (301, 308) for r in response.history
    )
    return FetchResult(
        url=final,
        status=response.status_code,
        body=response.content,
        content_type=response.headers.get("content-type"),
        permanent_url=final if permanent else None,
    )


def run_discover(url: str) -> list[tuple[str, str | None, str]]:
    return asyncio.run(discover(url, http_fetch))


@pytest.fixture
def server(httpserver: HTTPServer) -> HTTPServer:
    httpserver.no_handler_status_code = 404
    return httpserver


def serve(server: HTTPServer, path: str, body: bytes, content_type: str) -> None:
    server.expect_request(path).respond_with_data(body, content_type=content_type)


def test_page_with_alternate_links(server: HTTPServer):
    serve(server, "/2024/05/post.html", page("blog.html"), "text/html; charset=utf-8")
    found = run_discover(server.url_for("/2024/05/post.html"))
    assert found == [
        ("https://blog.example/posts.rss", "Posts (RSS)", "rss"),
        (server.url_for("/2024/05/atom.xml"), "Posts & notes (Atom)", "atom"),
        (server.url_for("/feed.json"), "JSON Feed", "json"),
        (server.url_for("/2024/05/old/index.rdf"), None, "rdf"),
    ]


def test_page_with_base_href_after_a_redirect(server: HTTPServer):
    server.expect_request("/start").respond_with_data(
        "", status=302, headers={"Location": "/a/b/page.html"}
    )
    serve(server, "/a/b/page.html", page("based.html"), "text/html")
    found = run_discover(server.url_for("/start"))
    assert [url for url, _, _ in found] == [
        server.url_for("/sub/dir/news/atom.xml"),
        server.url_for("/sub/dir/feed.xml"),
        server.url_for("/sub/up.xml"),
        "http://other.example/protocol-relative.xml",
    ]


def test_page_without_links_falls_back_to_common_paths(server: HTTPServer):
    serve(server, "/blog/", page("nofeeds.html"), "text/html")
    serve(server, "/feed.xml", page("feed.xml"), "application/rss+xml")
    serve(server, "/rss", page("nofeeds.html"), "text/html")  # answers, but not with a feed
    assert run_discover(server.url_for("/blog/")) == [(server.url_for("/feed.xml"), None, "rss")]
    probed = {request.path for request, _ in server.log}
    assert set(COMMON_PATHS) <= probed


def test_common_paths_keep_distinct_feeds_once(server: HTTPServer):
    serve(server, "/", b"<html><head></head><body>home</body></html>", "text/html")
    serve(server, "/feed", page("feed.xml"), "application/rss+xml")
    serve(server, "/rss.xml", page("feed.xml"), "application/rss+xml")  # the same feed again
    serve(server, "/atom.xml", page("atom.xml"), "application/atom+xml")
    serve(server, "/feed.json", page("feed.json"), "application/feed+json")
    assert run_discover(server.url_for("/")) == [
        (server.url_for("/feed"), None, "rss"),
        (server.url_for("/atom.xml"), None, "atom"),
        (server.url_for("/feed.json"), None, "json"),
    ]


@pytest.mark.parametrize(
    ("name", "content_type", "kind"),
    [
        ("feed.xml", "text/xml", "rss"),
        ("atom.xml", "application/atom+xml", "atom"),
        ("feed.json", "application/json", "json"),
        ("feed.xml", "text/html", "rss"),  # a wrong content type does not matter
    ],
)
def test_url_that_is_itself_a_feed(server: HTTPServer, name: str, content_type: str, kind: str):
    serve(server, "/the-feed", page(name), content_type)
    assert run_discover(server.url_for("/the-feed")) == [(server.url_for("/the-feed"), None, kind)]
    assert len(server.log) == 1  # nothing else was fetched


def test_feed_moved_permanently_gives_the_new_url(server: HTTPServer):
    server.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new.xml"}
    )
    serve(server, "/new.xml", page("feed.xml"), "application/rss+xml")
    assert run_discover(server.url_for("/old")) == [(server.url_for("/new.xml"), None, "rss")]


def test_page_with_no_feeds_anywhere(server: HTTPServer):
    serve(server, "/plain", page("nofeeds.html"), "text/html")
    assert run_discover(server.url_for("/plain")) == []


def test_unreachable_or_bad_url_is_a_fetch_error(server: HTTPServer):
    with pytest.raises(FetchError, match="HTTP 404"):
        run_discover(server.url_for("/missing"))
    with pytest.raises(FetchError, match="not an http/https URL"):
        run_discover("file:///etc/passwd")
