"""Feed bytes -> :class:`ParsedFeed`: RSS 0.9x/1.0/2.0 and Atom via feedparser, JSON Feed
via :mod:`newsterm.core.sources.jsonfeed`.

:func:`parse_feed` is a pure top-level function: it runs in a process pool, so its
arguments and result pickle. The format is sniffed from the content (never from the
file extension or the Content-Type: :mod:`.sniff`). Before feedparser sees a document,
the XML guard (:mod:`.xmlguard`, shared with OPML and discovery) refuses entity
declarations and dangerous DTDs (billion laughs, quadratic blow-up, XXE): feedparser's
lenient fallback parser would expand entities that expat refuses.

Every string leaves through :mod:`newsterm.core.text`.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from newsterm.core.errors import ParseError
from newsterm.core.models import Article, ArticleKey, ContentType, Enclosure, ParsedFeed
from newsterm.core.sources.fields import (
    is_junk,
    make_id,
    parse_length,
    plain_title,
    sane_date,
    title_from_text,
)
from newsterm.core.sources.jsonfeed import parse_json_feed
from newsterm.core.sources.sniff import sniff
from newsterm.core.sources.xmlguard import FEED_REFUSED, check_prolog, head_end, text_view
from newsterm.core.text import CATEGORIES_MAX, ENCLOSURES_MAX, clean_line, clean_text
from newsterm.core.urls import fetchable, resolve, shown, web_base

log = logging.getLogger(__name__)

REFUSED_ENTITIES = FEED_REFUSED

# The encoding in the XML declaration, found the way feedparser finds it.
_XML_DECL_ENCODING = re.compile(r"""<\?.*encoding=['"](.*?)['"].*\?>""")
_BENIGN_BOZO = ("CharacterEncodingOverride", "NonXMLContentType")


def resolve_url(value: object, base: str | None) -> str | None:
    """A link from a feed (``<link>``, an enclosure) made absolute against ``base``:
    :func:`newsterm.core.urls.resolve` (http, https, mailto; None for anything else)."""
    return resolve(value, base)


# --- parsing --------------------------------------------------------------------------


def parse_feed(
    body: bytes,
    source_key: str,
    base_url: str | None = None,
    content_type: str | None = None,
    *,
    fast: bool = True,
) -> ParsedFeed:
    """Parse a feed document (RSS, Atom or JSON Feed, sniffed from the content).

    ``fast=False`` skips the fast path (tests compare the two).

    ``base_url`` (the URL the body came from) resolves relative links; ``content_type``
    (the HTTP header, with its charset) helps decoding. Raises :class:`ParseError` with
    a short reason when the bytes are not a feed we can read.
    """
    if not body:
        raise ParseError("empty body")
    text, codec, bom = text_view(body)
    found = sniff(text)
    if found.syntax == "empty":
        raise ParseError("empty body")
    if found.syntax == "json":
        return parse_json_feed(body, source_key, base_url)
    if found.syntax == "other":
        raise ParseError("not a feed: neither XML nor JSON")

    spans = check_prolog(text, REFUSED_ENTITIES, end=head_end(text, found.prolog_end))
    root = found.root
    # Judged by the root element: real feeds sometimes carry an XHTML DOCTYPE.
    if root.lower() in ("html", "head", "body") or (
        not root and any(text[a:b].lower().startswith("<!doctype html") for a, b in spans)
    ):
        raise ParseError("not a feed: got an HTML page")
    changed = bool(spans)
    for start, end in reversed(spans):
        text = text[:start] + text[end:]
    # White space before the XML declaration (a classic of PHP templates) makes the
    # document not well-formed: feedparser then reads it with its lenient parser, at a
    # tenth of the speed and with double-escaped text. Without it the document is
    # well-formed; the feed is still reported as recovered, as it always was.
    recovered = False
    if not codec and text[:1].isspace():
        stripped = text.lstrip(" \t\r\n")
        if stripped.startswith("<?xml"):
            text, changed, recovered = stripped, True, True
    declaration = None if codec else _XML_DECL_ENCODING.match(text)
    if declaration and not declaration.group(1).isascii():
        # feedparser crashes on a non-ASCII encoding name; with an empty one it sniffs.
        text = text[: declaration.start(1)] + text[declaration.end(1) :]
        changed = True
    if changed:
        body = bom + text.encode(codec) if codec else bom + text.encode("latin-1")

    parsed = _parse_xml(body, source_key, base_url, content_type, root, fast, text)
    if recovered and parsed.warning is None:
        return replace(parsed, warning=f"malformed feed, {len(parsed.articles)} items recovered")
    return parsed


def _cut(text: str, root: str) -> tuple[bool, bool]:
    """Whether the document ends before its root element does (a truncated download),
    and whether its last item (or entry) is open at that point: (cut, last item cut)."""
    if not root:
        return False, False
    tail = _TRAILING.sub("", text[-4096:])
    if re.search(rf"</\s*{re.escape(root)}\s*>$", tail):
        return False, False
    opened = max(_last_tag(text, "<item"), _last_tag(text, "<entry"))
    closed = max(text.rfind("</item"), text.rfind("</entry"))
    return True, opened > closed


_TRAILING = re.compile(r"(?:\s|<!--.*?-->|<\?.*?\?>)*\Z", re.DOTALL)


def _last_tag(text: str, start: str) -> int:
    """Where the last ``<item``/``<entry`` start tag (not ``<itemref``) begins, or -1."""
    at = len(text)
    while (at := text.rfind(start, 0, at)) >= 0:
        after = text[at + len(start) : at + len(start) + 1]
        if not after or after in " \t\r\n/>":
            return at
    return -1


def _parse_xml(
    body: bytes,
    source_key: str,
    base_url: str | None,
    content_type: str | None,
    root: str,
    fast: bool = True,
    text: str = "",
) -> ParsedFeed:
    from newsterm.core.sources.fastfeed import fast_parse

    quick = fast_parse(body, content_type) if fast else None
    if quick is not None:
        return _articles(quick, source_key, base_url)
    import feedparser

    headers = {"content-type": content_type} if content_type else None
    try:
        result = feedparser.parse(
            io.BytesIO(body),  # never a str/bytes path: feedparser would open it as a file
            sanitize_html=False,
            resolve_relative_uris=False,
            response_headers=headers,
        )
    except Exception as exc:  # feedparser is lenient; a crash here is its bug
        log.warning("feedparser failed on %s", shown(source_key), exc_info=True)
        raise ParseError(f"could not parse the feed ({type(exc).__name__})") from exc

    entries = result.get("entries") or []
    version = result.get("version") or ""
    bozo = bool(result.get("bozo"))
    problem = _bozo_reason(result.get("bozo_exception")) if bozo else None
    if not entries:
        if problem:
            if not version:
                raise ParseError(f"not a feed: {problem}")
            raise ParseError(f"malformed feed: {problem}")
        if not version:
            if root:
                raise ParseError(f"not a feed: unexpected root element <{clean_line(root, 40)}>")
            raise ParseError("not a feed: no RSS or Atom element found")
    truncated, last_cut = _cut(text, root) if bozo else (False, False)
    if truncated:
        # Only what the document held whole: the item the end cut is dropped, and the
        # feed's title is not taken (it may be cut too, or come after the items).
        result = {**result, "feed": {**(result.get("feed") or {}), "title": None}}
        if last_cut and entries:
            result["entries"] = entries[:-1]

    return _articles(result, source_key, base_url, problem)


def _articles(
    result: dict[str, Any], source_key: str, base_url: str | None, problem: str | None = None
) -> ParsedFeed:
    """feedparser's structure (or the fast path's, the same shape) -> articles."""
    entries = result.get("entries") or []
    feed = result.get("feed") or {}
    now = datetime.now(UTC)
    base = web_base(base_url)
    link = web_base(resolve_url(dict.get(feed, "link"), base))
    base = link or base
    title = _plain_title(feed)
    feed_author = clean_line(dict.get(feed, "author")) or None

    articles: list[Article] = []
    seen: set[str] = set()
    for entry in entries:
        article = _article(entry, source_key, base, now, feed_author)
        if article is not None and article.key.id not in seen:
            seen.add(article.key.id)
            articles.append(article)
    warning = None
    if problem:
        warning = f"malformed feed, {len(articles)} items recovered"
    return ParsedFeed(title=title or None, link=link, articles=tuple(articles), warning=warning)


def _bozo_reason(exc: object) -> str | None:
    """A short reason for feedparser's bozo exception; None when it is harmless."""
    if exc is None:
        return "unreadable document"
    name = type(exc).__name__
    if name in _BENIGN_BOZO:
        return None
    get_message = getattr(exc, "getMessage", None)
    get_line = getattr(exc, "getLineNumber", None)
    if callable(get_message) and callable(get_line):
        return f"malformed XML at line {get_line()}: {clean_line(get_message(), 120)}"
    if name == "CharacterEncodingUnknown":
        return "unknown character encoding"
    return clean_line(f"{name}: {exc}", 160)


def _plain_title(node: dict[str, Any]) -> str:
    """feedparser decodes entities; a title it calls HTML also has tags to strip."""
    detail = dict.get(node, "title_detail") or {}
    return plain_title(dict.get(node, "title"), "html" in (dict.get(detail, "type") or ""))


def _article(
    entry: dict[str, Any],
    source_key: str,
    base: str | None,
    now: datetime,
    feed_author: str | None,
) -> Article | None:
    """The entry as an article; None when it is junk (nothing to show)."""
    get = dict.get

    # Body: the longest HTML `content` (content:encoded, Atom content), else summary.
    content, ctype = "", ""
    best_html, best_len = False, -1
    for item in get(entry, "content") or ():
        value = get(item, "value") or ""
        kind = get(item, "type") or ""
        is_html = "html" in kind
        if value and (is_html, len(value)) > (best_html, best_len):
            content, ctype, best_html, best_len = value, kind, is_html, len(value)
    summary = get(entry, "summary") or ""
    if content:
        summary = "" if summary == content else summary
    else:
        content = summary
        summary = ""
        detail = get(entry, "summary_detail")
        ctype = (get(detail, "type") or "") if detail else ""
    content_type: ContentType = "html" if "html" in ctype or not ctype else "text"

    title = _plain_title(entry)
    raw_link = get(entry, "link")
    if (
        get(entry, "guidislink")
        and raw_link == get(entry, "id")
        and not str(raw_link).startswith(("http://", "https://"))
    ):
        raw_link = None  # feedparser copied a guid that is no URL (isPermaLink unset)
    url = resolve_url(raw_link, base)
    enclosures = _enclosures(get(entry, "links"), base)
    if is_junk(title, url, content, summary, len(enclosures)):
        return None
    if not title:
        title = title_from_text(content or summary, content_type == "html") or "(untitled)"
    date_text = get(entry, "published") or get(entry, "updated") or ""
    ident = make_id(get(entry, "id"), raw_link, title, str(date_text))

    author = clean_line(get(entry, "author")) or feed_author
    categories = _categories(get(entry, "tags"))

    return Article(
        key=ArticleKey(source_key, ident),
        title=title,
        url=url,
        author=author,
        published=_struct_date(get(entry, "published_parsed"), now),
        updated=_struct_date(get(entry, "updated_parsed"), now),
        content=clean_text(content),
        content_type=content_type,
        summary=clean_text(summary),
        categories=categories,
        enclosures=enclosures,
    )


def _struct_date(value: Any, now: datetime) -> datetime | None:
    if not value:
        return None
    try:
        year, month, day, hour, minute, second = value[:6]
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None
    return sane_date(moment, now)


def _categories(tags: Any) -> tuple[str, ...]:
    if not tags:
        return ()
    found: dict[str, None] = {}
    for tag in tags:
        if not isinstance(tag, dict):
            continue
        name = clean_line(dict.get(tag, "term") or dict.get(tag, "label"))
        if name:
            found[name] = None
            if len(found) >= CATEGORIES_MAX:
                break
    return tuple(found)


def _enclosures(links: Any, base: str | None) -> tuple[Enclosure, ...]:
    if not links:
        return ()
    found: dict[str, Enclosure] = {}
    for link in links:
        if not isinstance(link, dict) or dict.get(link, "rel") != "enclosure":
            continue
        url = resolve_url(dict.get(link, "href"), base)
        if not url or not fetchable(url) or url in found:
            continue
        found[url] = Enclosure(
            url=url,
            type=clean_line(dict.get(link, "type"), 200),
            length=parse_length(dict.get(link, "length")),
        )
        if len(found) >= ENCLOSURES_MAX:
            break
    return tuple(found.values())
