"""A web page -> its article: trafilatura finds it; the modules beside this one guard its
input and write its result, which the renderer reads like a feed's HTML.

Runs in the extraction worker process (:mod:`newsterm.core.refresh.extractor`, which
kills it past its time limit), never in the process that draws the UI. Three steps
around trafilatura's call, each a module:

1. :mod:`.extract_bounds`: the page decoded and bounded (size, elements, attributes),
   parsed once by lxml;
2. :mod:`.extract_fixups`: what real pages need before trafilatura reads them (lazy
   images, links made absolute);
3. :mod:`.extract_html`: trafilatura's tree written as our own small HTML.

Then :func:`not_the_article` says whether what was found is the article at all.

Which extractor, and why: ``bench/extract.py`` compares trafilatura with
readability-lxml on the corpus pages; trafilatura scored as well, in half the time, and
finds the byline and the date, which a saved page needs.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from newsterm.core.sources.extract_bounds import PAGE_CHARS_MAX, bound, bounded_text, decode
from newsterm.core.sources.extract_fixups import fix_page
from newsterm.core.sources.extract_html import text_of, to_html
from newsterm.core.text import clean_line, looks_binary, word_count

log = logging.getLogger(__name__)

_NOT_THE_ARTICLE = (
    (
        re.compile(r"\bcookies?\b|\bconsent\b|\bprivacy (?:settings|choices)\b", re.I),
        "the page shows a cookie notice, not the article",
    ),
    (
        re.compile(
            r"\b(?:subscribe|subscription|subscribers?|sign in|log in|register)\b.{0,60}"
            r"\b(?:to (?:continue|read|keep reading)|access|this (?:article|story))\b"
            r"|\bto (?:continue|keep) reading\b",
            re.I | re.S,
        ),
        "the page asks to subscribe or sign in: the article is not on it",
    ),
    (
        re.compile(r"\benable javascript\b|\bjavascript is (?:required|disabled)\b", re.I),
        "the page needs JavaScript to show the article",
    ),
)
SHORT_WORDS = 150
"""Extracted text this short is checked for cookie walls and paywall teasers."""
MIN_WORDS = 25
"""Less text than this is no article."""


@dataclass(frozen=True, slots=True)
class Extracted:
    """A page's article, found."""

    content: str
    """The article as HTML made here (headings, paragraphs, lists, quotes, code,
    tables, links, images); the renderer reads it like a feed's HTML."""
    title: str | None
    author: str | None
    published: datetime | None
    words: int
    """Words of the article's text (:func:`~newsterm.core.text.word_count`)."""
    url: str | None = None
    """The page's own address (its canonical link), when it names an http(s) one."""
    note: str | None = None
    """Something the reader should know (the page was cut)."""


@dataclass(frozen=True, slots=True)
class NotExtracted:
    """No article on the page; ``reason`` in one line for the reader."""

    reason: str


Extraction = Extracted | NotExtracted


def extract_page(page: str | bytes, url: str | None, charset: str | None = None) -> Extraction:
    """The article of ``page`` (HTML; bytes are decoded as
    :func:`~.extract_bounds.decode` says, with ``charset`` the server's). Never raises
    for a bad page."""
    import lxml.etree
    import lxml.html
    import trafilatura

    if isinstance(page, bytes) and looks_binary(page):
        return NotExtracted("not a web page (binary data)")
    text = decode(page, charset) if isinstance(page, bytes) else page
    cut = len(text) > PAGE_CHARS_MAX
    text = bounded_text(text)
    if not text.strip():
        return NotExtracted("the page is empty")
    try:
        tree = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        return NotExtracted(f"not an HTML page ({clean_line(str(exc), 80)})")
    cut = bound(tree) or cut
    fix_page(tree, url)
    try:
        document = trafilatura.bare_extraction(
            tree,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=True,
            include_links=True,
            include_formatting=True,
            deduplicate=False,
        )
    except (RecursionError, ValueError, TypeError, AttributeError) as exc:
        log.warning("extraction of %s failed: %s", url, exc)
        return NotExtracted("no article found on the page")
    body = getattr(document, "body", None) if document is not None else None
    if body is None:
        return NotExtracted("no article found on the page")
    title = clean_line(getattr(document, "title", "") or "", 300) or None
    published = _date(getattr(document, "date", None))
    content = to_html(body, title)
    words = word_count(text_of(body))
    verdict = not_the_article(text_of(body), words)
    if verdict is not None:
        return NotExtracted(verdict)
    return Extracted(
        content=content,
        title=title,
        author=byline(getattr(document, "author", None), published),
        published=published,
        words=words,
        url=_web_url(getattr(document, "url", None)),
        note="the page was too large: its end was not read" if cut else None,
    )


_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
"""English month names, as bylines write them (never the locale's)."""


def byline(author: object, published: datetime | None) -> str | None:
    """The page's author as one clean line. A byline written beside its date ("By Ann
    Lee May 20, 2019") can come out as "Ann Lee May": a last word that is the month
    the page is dated in belongs to the date, not to the name."""
    name = clean_line(author if isinstance(author, str) else "", 200)
    if published is not None and " " in name:
        head, last = name.rsplit(" ", 1)
        month = _MONTHS[published.month - 1]
        if last.rstrip(".,") in (month, month[:3]):
            name = head.rstrip(" ,")
    return name or None


def not_the_article(text: str, words: int) -> str | None:
    """Why extracted text is not an article (a cookie wall, a paywall teaser, next to
    nothing), or None when it reads as one."""
    if words < MIN_WORDS:
        return "no article found on the page"
    if words <= SHORT_WORDS:
        for pattern, reason in _NOT_THE_ARTICLE:
            if pattern.search(text):
                return reason
    return None


def _web_url(value: object) -> str | None:
    from newsterm.core.urls import fetchable

    if isinstance(value, str) and len(value) <= 2000 and fetchable(value.strip()):
        return clean_line(value.strip(), 2000)
    return None


def _date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value[:25])
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not 1990 <= parsed.year <= 2200:
        return None
    return parsed.astimezone(UTC)
