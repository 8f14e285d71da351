"""core/urls.py: one URL policy, and every module that meets a URL keeps to it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from newsterm.core import urls
from newsterm.core.config import parse_config
from newsterm.core.errors import ConfigError, FetchError
from newsterm.core.links import refusal
from newsterm.core.models import FetchResult
from newsterm.core.render import render_body
from newsterm.core.sources.discover import discover, find_feed_links
from newsterm.core.sources.feeds import parse_feed
from newsterm.core.sources.http import Fetcher
from newsterm.core.sources.opml import parse_opml
from newsterm.core.urls import Problem

BASE = "https://news.example/2024/story.html"

# --- the rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://example.org/feed", None),
        ("http://example.org:8080/a?b=c#d", None),
        ("HTTPS://EXAMPLE.ORG/", None),
        ("https://user:secret@example.org/feed", None),
        ("ftp://example.org/feed", Problem.SCHEME),
        ("file:///etc/passwd", Problem.SCHEME),
        ("javascript:alert(1)", Problem.SCHEME),
        ("mailto:desk@news.example", Problem.SCHEME),  # opened, never fetched
        ("/feed.xml", Problem.SCHEME),
        ("example.org/feed", Problem.SCHEME),
        ("https:///no-host", Problem.NO_HOST),
        ("http://", Problem.NO_HOST),
        ("http://[::1/feed", Problem.INVALID),
        ("https://[not-ipv6]/", Problem.INVALID),
    ],
)
def test_fetch_problem(url: str, problem: Problem | None) -> None:
    assert urls.fetch_problem(url) is problem
    assert urls.fetchable(url) is (problem is None)


def test_a_feed_url_has_no_white_space() -> None:
    assert urls.fetch_problem("https://a.example/x y") is None  # a redirect may say so
    assert urls.feed_url_problem("https://a.example/x y") is Problem.SPACE
    assert urls.feed_url_problem("https://a.example/x\ty") is Problem.SPACE
    assert urls.feed_url_problem("ftp://a.example/x y") is Problem.SCHEME  # the first reason
    assert urls.feed_url_problem("https://a.example/xy") is None


@pytest.mark.parametrize(
    ("typed", "address"),
    [
        ("example.org/blog", "https://example.org/blog"),
        ("  http://example.org/  ", "http://example.org/"),
        ("ftp://example.org/", "ftp://example.org/"),
    ],
)
def test_web_address(typed: str, address: str) -> None:
    assert urls.web_address(typed) == address


@pytest.mark.parametrize(
    ("raw", "base", "html", "expected"),
    [
        ("/about", BASE, False, "https://news.example/about"),
        ("next.html", BASE, False, "https://news.example/2024/next.html"),
        ("//cdn.example/f", None, False, "https://cdn.example/f"),
        ("//cdn.example/f", "http://a.example/", False, "http://cdn.example/f"),
        ("mailto:desk@news.example", BASE, False, "mailto:desk@news.example"),
        ("mailto:", BASE, False, None),
        ("http://", BASE, False, None),
        ("http:example.org", None, False, None),
        ("#section-2", BASE, False, None),
        ("/about", None, False, None),
        ("java\nscript:alert(1)", BASE, False, None),
        ("file:///etc/passwd", BASE, False, None),
        ("https://a.example/lo\nng", None, False, "https://a.example/long"),
        ("https://a.example/my photo.jpg", None, True, "https://a.example/my%20photo.jpg"),
        ("https://a.example/my photo.jpg", None, False, None),
        ("https://a.example/\x1b[31m", None, False, "https://a.example/[31m"),
        (None, BASE, False, None),
        ("", BASE, False, None),
    ],
)
def test_resolve(raw: str | None, base: str | None, html: bool, expected: str | None) -> None:
    assert urls.resolve(raw, base, html=html) == expected


def test_shown_hides_the_password_and_controls() -> None:
    assert urls.shown("https://ada:s3cret@example.org/feed") == "https://example.org/feed"
    assert urls.shown("https://example.org/\x1b[31mred\nline") == "https://example.org/[31mred line"
    assert len(urls.shown("https://example.org/" + "a" * 1_000, 80)) == 80


def test_scheme_of() -> None:
    assert urls.scheme_of("HTTPS://x.example/") == "https"
    assert urls.scheme_of("exec:~/bin/feed.sh") == "exec"
    assert urls.scheme_of("no scheme") == ""
    assert urls.scheme_of("http://[::1") == ""


# --- every caller keeps to them ------------------------------------------------------------

FEED_URLS = [
    "https://good.example/feed",
    "HTTP://Upper.example/rss",
    "https://user:pw@private.example/feed",
    "ftp://example.org/feed",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "mailto:a@b.example",
    "/relative.xml",
    "https:///no-host",
    "http://[::1/feed",
    "https://spaces.example/a b",
]


@pytest.mark.parametrize("url", FEED_URLS)
def test_config_and_opml_take_the_same_feed_urls(url: str) -> None:
    allowed = urls.feed_url_problem(url) is None
    try:
        parse_config(f'[[feeds]]\nurl = "{url}"\n', Path("feeds.toml"))
    except ConfigError:
        in_config = False
    else:
        in_config = True
    doc = f'<opml version="2.0"><body><outline text="x" xmlUrl="{url}"/></body></opml>'
    in_opml = bool(parse_opml(doc.encode()).feeds)
    assert in_config is allowed
    assert in_opml is allowed


@pytest.mark.parametrize("url", [u for u in FEED_URLS if urls.fetch_problem(u) is not None])
def test_fetcher_and_discovery_refuse_what_cannot_be_fetched(url: str) -> None:
    async def fetch_nothing(address: str) -> FetchResult:
        raise AssertionError(f"{address} must not be fetched")

    async def run() -> FetchResult:
        async with Fetcher() as fetcher:
            return await fetcher.fetch(url)

    result = asyncio.run(run())
    assert result.error is not None and not result.status and result.body is None
    address = urls.web_address(url)  # discovery reads "x.example/feed" as https://…
    if urls.fetch_problem(address) is not None:
        with pytest.raises(FetchError, match="not an http/https URL"):
            asyncio.run(discover(url, fetch_nothing))


LINKS = [
    "https://a.example/x",
    "/about",
    "//cdn.example/f",
    "mailto:desk@news.example",
    "mailto:",
    "http://",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "#top",
    "https://a.example/two words",
]


@pytest.mark.parametrize("href", LINKS)
def test_links_in_articles_feeds_and_pages_resolve_alike(href: str) -> None:
    expected = urls.resolve(href, BASE, html=True)
    rendered = render_body(f'<p><a href="{href}">there</a></p>', "html", BASE)
    assert rendered.links == ((expected,) if expected else ())
    # every numbered link may be opened
    assert all(refusal(link) is None for link in rendered.links)
    page = f'<link rel="alternate" type="application/rss+xml" href="{href}">'
    found = [url for url, _, _ in find_feed_links(page, BASE)]
    assert found == ([expected] if expected and urls.fetchable(expected) else [])
    feed = (
        f'<rss version="2.0"><channel><title>t</title><link>{BASE}</link>'
        f"<item><title>x</title><guid>1</guid><link>{href}</link></item></channel></rss>"
    )
    (article,) = parse_feed(feed.encode(), "src", BASE).articles
    assert article.url == urls.resolve(href, BASE)


def test_links_refusal_is_the_url_policy() -> None:
    assert refusal is urls.open_refusal
