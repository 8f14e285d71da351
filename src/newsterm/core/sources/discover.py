"""Finding the feeds of a web site from the address of one of its pages.

1. The address itself may be a feed: then that is the answer.
2. An HTML page announces its feeds with ``<link rel="alternate" type="…">``.
3. Failing that, the usual places (:data:`COMMON_PATHS`) on the same origin are tried,
   and the answers that look like feeds are kept.

The page parsing (:func:`find_feed_links`) and the sniffing (:func:`looks_like_feed`, from
:mod:`.sniff`) are pure; :func:`discover` takes the fetch function (``Fetcher.fetch``) as
an argument. A feed that declares XML entities is refused here as the parser would
refuse it (:mod:`.xmlguard`): the address is not offered for subscription.
"""

from __future__ import annotations

import asyncio
import codecs
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from html.parser import HTMLParser
from urllib.parse import urlsplit

from newsterm.core.errors import FetchError, ParseError
from newsterm.core.htmltext import escape_unclosed
from newsterm.core.models import FetchResult
from newsterm.core.sources.sniff import SNIFF_BYTES, FeedKind, feed_kind
from newsterm.core.sources.xmlguard import FEED_REFUSED, check_prolog, text_view
from newsterm.core.text import clean_line, decode_bytes
from newsterm.core.urls import fetchable, resolve, shown, web_address

log = logging.getLogger(__name__)

Fetch = Callable[[str], Awaitable[FetchResult]]
FeedLink = tuple[str, str | None, str]
"""(url, title, kind); kind is "rss", "atom", "rdf" or "json"."""

COMMON_PATHS = ("/feed", "/rss", "/rss.xml", "/atom.xml", "/feed.xml", "/index.xml", "/feed.json")

FEED_TYPES = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/rdf+xml": "rdf",
    "application/feed+json": "json",
    "application/json": "json",
}
"""``<link type>`` values that announce a feed, and the kind of feed."""

MAX_HTML_CHARS = 2_000_000
"""Characters of a page read for links (the links are in the head)."""


# --- links in a page --------------------------------------------------------------------------


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.links: list[tuple[str, str | None, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("link", "base"):
            return
        # the first occurrence of an attribute counts, as in browsers
        values = {name: value or "" for name, value in reversed(attrs)}
        href = values.get("href", "")
        if tag == "base":
            if self.base is None and href.strip():
                self.base = href
            return
        if "alternate" not in values.get("rel", "").lower().split():
            return
        kind = FEED_TYPES.get(values.get("type", "").split(";")[0].strip().lower())
        if kind and href.strip():
            self.links.append((href, values.get("title"), kind))


_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.IGNORECASE
)


def _decode_html(data: bytes, charset: str | None = None) -> str:
    """Page bytes -> text: BOM, then the given charset, then ``<meta charset>``, then guess."""
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode_bytes(data)
    if charset is None:
        match = _META_CHARSET.search(data[:4096])
        charset = match.group(1).decode("ascii") if match else None
    if charset:
        try:
            return data.decode(charset, errors="replace")
        except LookupError:
            log.debug("unknown charset %r, guessing", charset)
    return decode_bytes(data)


def find_feed_links(html: bytes | str, page_url: str) -> list[FeedLink]:
    """The feeds a page announces: (url, title, kind), in page order, without repeats.

    hrefs are resolved against ``<base href>`` (itself resolved against ``page_url``);
    only http/https URLs are kept. A ``application/json`` link into a WordPress REST API
    (``/wp-json/``) is a page's data, not a feed, and is left out.
    """
    text = html if isinstance(html, str) else _decode_html(html)
    collector = _LinkCollector()
    try:
        collector.feed(escape_unclosed(text[:MAX_HTML_CHARS]))
        collector.close()
    except (AssertionError, ValueError) as exc:  # older HTMLParser versions on broken markup
        log.debug("HTML parser stopped early on %s: %s", page_url, exc)
    base = page_url
    if collector.base is not None:
        candidate = resolve(collector.base, page_url, html=True)
        if candidate is not None and fetchable(candidate):
            base = candidate
    found: list[FeedLink] = []
    seen: set[str] = set()
    for href, title, kind in collector.links:
        url = resolve(href, base, html=True)
        if url is None or not fetchable(url) or url in seen:
            continue
        if kind == "json" and "/wp-json/" in urlsplit(url).path:
            continue
        seen.add(url)
        found.append((url, clean_line(title) or None, kind))
    return found


# --- sniffing -----------------------------------------------------------------------------------


def looks_like_feed(body: bytes) -> bool:
    """True when the root is ``<rss``, ``<feed``, ``<rdf:RDF`` or a JSON Feed object."""
    return feed_kind(body) is not None


def _guarded_kind(body: bytes) -> FeedKind | None:
    """:func:`~.sniff.feed_kind`, and for XML the guard the parser applies: ParseError
    for a feed that declares entities, so it is never offered."""
    kind = feed_kind(body)
    if kind is not None and kind != "json":
        check_prolog(text_view(body[:SNIFF_BYTES])[0], FEED_REFUSED)
    return kind


def _looks_html(result: FetchResult) -> bool:
    if result.content_type and "html" in result.content_type.lower():
        return True
    head = (result.body or b"")[:2048].lower()
    return any(mark in head for mark in (b"<!doctype html", b"<html", b"<head", b"<link"))


def _charset(content_type: str | None) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", content_type or "", re.I)
    return match.group(1) if match else None


# --- discovery ----------------------------------------------------------------------------------


async def discover(url: str, fetch: Fetch) -> list[FeedLink]:
    """The feeds of the page at ``url``: the URL itself when it is a feed, else the
    page's alternate links, else the :data:`COMMON_PATHS` of its origin that answer with
    a feed. An empty list when nothing is found; FetchError when the page itself cannot
    be fetched (so the user sees why) or ``url`` is not http/https; ParseError when the
    address is a feed the XML guard refuses.
    """
    url = web_address(url)
    if not fetchable(url):
        raise FetchError(f"not an http/https URL: {shown(url, 200)}")
    page = await fetch(url)
    if page.error or page.body is None:
        raise FetchError(page.error or "no content")
    kind = _guarded_kind(page.body)
    if kind is not None:
        return [(page.permanent_url or url, None, kind)]
    final = page.url if page.url and fetchable(page.url) else url
    if _looks_html(page):
        links = find_feed_links(_decode_html(page.body, _charset(page.content_type)), final)
        if links:
            return links
    return await _probe(final, fetch)


async def _probe(page_url: str, fetch: Fetch) -> list[FeedLink]:
    """Try :data:`COMMON_PATHS` on the page's origin; keep the answers that are feeds."""
    parts = urlsplit(page_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    candidates = [origin + path for path in COMMON_PATHS]
    results = await asyncio.gather(*(fetch(candidate) for candidate in candidates))
    found: list[FeedLink] = []
    seen: set[bytes | str] = set()
    for candidate, result in zip(candidates, results, strict=True):
        if result.error or not result.body:
            continue
        try:
            kind = _guarded_kind(result.body)
        except ParseError as exc:
            log.info("%s: %s", shown(candidate), exc)
            continue
        if kind is None:
            continue
        digest = hashlib.sha256(result.body).digest()
        final = result.url or candidate
        if digest in seen or final in seen:  # /feed redirecting to /feed.xml, say
            continue
        seen.update((digest, final))
        found.append((result.permanent_url or candidate, None, kind))
    return found
