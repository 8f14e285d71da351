"""Feed bytes -> :class:`ParsedFeed`: RSS 0.9x/1.0/2.0 and Atom via feedparser, JSON Feed
via :mod:`newsterm.core.sources.jsonfeed`.

:func:`parse_feed` is a pure top-level function: it runs in a process pool, so its
arguments and result pickle. The format is sniffed from the content (never from the
file extension or the Content-Type). Before feedparser sees a document, a guard refuses
XML entity declarations and external identifiers (billion laughs, quadratic blow-up,
XXE): feedparser's lenient fallback parser would expand entities that expat refuses.

Every string leaves through :mod:`newsterm.core.text`.
"""

from __future__ import annotations

import hashlib
import html
import io
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

from newsterm.core.errors import ParseError
from newsterm.core.models import Article, ArticleKey, ContentType, Enclosure, ParsedFeed
from newsterm.core.text import (
    CATEGORIES_MAX,
    ENCLOSURES_MAX,
    clean_line,
    clean_text,
    clean_url,
    without_userinfo,
)

log = logging.getLogger(__name__)

REFUSED_ENTITIES = "refused: feed declares XML entities / external DTD"
ID_MAX = 2_048
"""Longer ids are replaced by ``sha1:`` + their hash."""
FUTURE_SLACK = timedelta(days=2)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", ""),  # UTF-8: ASCII-compatible, no special handling
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
_WHITESPACE = " \t\r\n\ufeff"
_NOT_SPACE = re.compile("[^ \t\r\n\ufeff]")
_FIRST_TAG = re.compile(r"<\w")  # where feedparser's own DOCTYPE handling stops
_ELEMENT_NAME = re.compile(r"<([A-Za-z_][\w.:-]*)")
_ENTITY_DECL = re.compile(r"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(r"<!DOCTYPE\b", re.IGNORECASE)
_EXTERNAL_ID = re.compile(r"\b(?:SYSTEM|PUBLIC)\b")
_SYSTEM_LITERAL_SCHEME = re.compile(r"""["']\s*([A-Za-z][A-Za-z0-9+.-]*):""")
_TAG = re.compile(r"<[^>]*>")
# The encoding in the XML declaration, found the way feedparser finds it.
_XML_DECL_ENCODING = re.compile(r"""<\?.*encoding=['"](.*?)['"].*\?>""")
_URL_SCHEMES = ("http", "https", "mailto")
_TITLE_WORDS = 12
_BENIGN_BOZO = ("CharacterEncodingOverride", "NonXMLContentType")


# --- helpers shared with jsonfeed.py --------------------------------------------------


def sane_date(value: datetime | None, now: datetime) -> datetime | None:
    """``value`` as aware UTC, or None when missing or absurd (before 1970, or more than
    two days after ``now``)."""
    if value is None:
        return None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if value < EPOCH or value > now + FUTURE_SLACK:
        return None
    return value


def resolve_url(value: object, base: str | None) -> str | None:
    """A link from a feed, resolved against ``base``; None unless http, https or mailto."""
    url = clean_url(value)
    if url is None:
        return None
    if url.startswith(("https://", "http://")):
        return url
    if url.startswith("//") and not base:
        url = "https:" + url
    elif base:
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    scheme, colon, _ = url.partition(":")
    if not colon or scheme.lower() not in _URL_SCHEMES:
        return None
    return clean_url(url)


def strip_tags(value: str) -> str:
    """A quick HTML -> text for one-line fields (titles): tags dropped, entities decoded."""
    if "<" in value:
        value = _TAG.sub(" ", value)
    if "&" in value:
        value = html.unescape(value)
    return value


def title_from_text(text: str, is_html: bool) -> str:
    """A title made of the first words of a body; ``""`` when it has none."""
    head = text[:4000]
    if is_html:
        head = strip_tags(head)
    words = head.split(maxsplit=_TITLE_WORDS)
    if not words:
        return ""
    line = clean_line(" ".join(words[:_TITLE_WORDS]), 200)
    return line + "…" if len(words) > _TITLE_WORDS and line else line


def make_id(raw: object, fallback_link: object, title: str, date: str) -> str:
    """The article id: guid/id, else the link, else a hash of title and date."""
    ident = clean_line(raw, 100_000) if raw is not None else ""
    if not ident:
        ident = clean_line(fallback_link, 100_000) if fallback_link is not None else ""
    if not ident:
        digest = hashlib.sha1((title + "\x00" + date).encode("utf-8", "surrogatepass"))
        return "sha1:" + digest.hexdigest()
    if len(ident) > ID_MAX:
        return "sha1:" + hashlib.sha1(ident.encode("utf-8", "surrogatepass")).hexdigest()
    return ident


def parse_length(value: object) -> int | None:
    """An enclosure length (bytes): a non-negative int, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if 0 <= value < 2**63 else None
    if isinstance(value, str):
        value = value.strip()
        if value.isdigit() and len(value) < 19:
            return int(value)
    return None


# --- sniffing and the XML guard -------------------------------------------------------


def _text_view(body: bytes) -> tuple[str, str | None, bytes]:
    """The document as text for sniffing: ``(text, wide codec or None, bom)``.

    ASCII-compatible documents are viewed as Latin-1 (one char per byte, exact round
    trip); UTF-16/32 (with or without a BOM) are decoded.
    """
    for bom, bom_codec in _BOMS:
        if body.startswith(bom):
            if not bom_codec:
                return body[len(bom) :].decode("latin-1"), None, bom
            return body[len(bom) :].decode(bom_codec, "replace"), bom_codec, bom
    head = body[:4]
    codec: str | None = None
    if len(head) == 4:
        if head[:3] == b"\x00\x00\x00" and head[3]:
            codec = "utf-32-be"
        elif head[0] and head[1:] == b"\x00\x00\x00":
            codec = "utf-32-le"
        elif not head[0] and head[1] and not head[2] and head[3]:
            codec = "utf-16-be"
        elif head[0] and not head[1] and head[2] and not head[3]:
            codec = "utf-16-le"
    if codec:
        return body.decode(codec, "replace"), codec, b""
    return body.decode("latin-1"), None, b""


def _skip_declaration(text: str, pos: int) -> int:
    """End of the ``<!...>`` declaration at ``pos`` (an internal subset ``[...]`` included)."""
    close = text.find(">", pos)
    bracket = text.find("[", pos)
    if bracket != -1 and (close == -1 or bracket < close):
        end = text.find("]", bracket)
        close = text.find(">", end) if end != -1 else -1
    return len(text) if close == -1 else close + 1


def _prolog_end(text: str) -> int:
    """Where the root element starts, skipping the XML declaration, PIs, comments and
    declarations the way an XML parser would (a ``<a`` inside a comment is skipped)."""
    pos, size = 0, len(text)
    while pos < size:
        while pos < size and text[pos] in _WHITESPACE:
            pos += 1
        if text.startswith("<?", pos):
            end = text.find("?>", pos + 2)
            pos = size if end == -1 else end + 2
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            pos = size if end == -1 else end + 3
        elif text.startswith("<!", pos):
            pos = _skip_declaration(text, pos)
        else:
            return pos
    return size


def _guard_doctype(prolog: str) -> list[tuple[int, int]]:
    """Spans of DOCTYPE declarations to strip; raises ParseError for dangerous ones."""
    if _ENTITY_DECL.search(prolog):
        raise ParseError(REFUSED_ENTITIES)
    spans = []
    for match in _DOCTYPE.finditer(prolog):
        end = _skip_declaration(prolog, match.start())
        declaration = prolog[match.start() : end]
        bracket = declaration.find("[")
        if bracket != -1:
            subset = declaration[bracket:]
            if "%" in subset or _EXTERNAL_ID.search(subset):
                raise ParseError(REFUSED_ENTITIES)
            external = declaration[:bracket]
        else:
            external = declaration
        # An external DTD is never fetched (the declaration is stripped), but a system
        # literal naming a local file or another scheme is an attack, not an RSS 0.91 DTD.
        if _EXTERNAL_ID.search(external):
            for scheme in _SYSTEM_LITERAL_SCHEME.findall(external):
                if scheme.lower() not in ("http", "https"):
                    raise ParseError(REFUSED_ENTITIES)
        spans.append((match.start(), end))
    return spans


def _first_element(text: str, start: int) -> str:
    match = _ELEMENT_NAME.search(text, start)
    return match.group(1) if match else ""


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
    text, codec, bom = _text_view(body)
    first = _NOT_SPACE.search(text)
    if first is None:
        raise ParseError("empty body")
    if first.group() in "{[":
        from newsterm.core.sources.jsonfeed import parse_json_feed

        return parse_json_feed(body, source_key, base_url)
    if "<" not in text:
        raise ParseError("not a feed: neither XML nor JSON")

    prolog_end = _prolog_end(text)
    tag = _FIRST_TAG.search(text)
    head_end = max(prolog_end, tag.start() if tag else len(text))
    spans = _guard_doctype(text[:head_end])
    root = _first_element(text, prolog_end)
    # Judged by the root element: real feeds sometimes carry an XHTML DOCTYPE.
    if root.lower() in ("html", "head", "body") or (
        not root and any(text[a:b].lower().startswith("<!doctype html") for a, b in spans)
    ):
        raise ParseError("not a feed: got an HTML page")
    changed = bool(spans)
    for start, end in reversed(spans):
        text = text[:start] + text[end:]
    declaration = None if codec else _XML_DECL_ENCODING.match(text)
    if declaration and not declaration.group(1).isascii():
        # feedparser crashes on a non-ASCII encoding name; with an empty one it sniffs.
        text = text[: declaration.start(1)] + text[declaration.end(1) :]
        changed = True
    if changed:
        body = bom + text.encode(codec) if codec else bom + text.encode("latin-1")

    return _parse_xml(body, source_key, base_url, content_type, root, fast)


def _parse_xml(
    body: bytes,
    source_key: str,
    base_url: str | None,
    content_type: str | None,
    root: str,
    fast: bool = True,
) -> ParsedFeed:
    from newsterm.core.sources.fastfeed import fast_parse

    quick = fast_parse(body) if fast else None
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
        log.warning("feedparser failed on %s", without_userinfo(source_key), exc_info=True)
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

    return _articles(result, source_key, base_url, problem)


def _articles(
    result: dict[str, Any], source_key: str, base_url: str | None, problem: str | None = None
) -> ParsedFeed:
    """feedparser's structure (or the fast path's, the same shape) -> articles."""
    entries = result.get("entries") or []
    feed = result.get("feed") or {}
    now = datetime.now(UTC)
    base = base_url if base_url and base_url.startswith(("http://", "https://")) else None
    link = resolve_url(dict.get(feed, "link"), base)
    if link and link.startswith(("http://", "https://")):
        base = link
    else:
        link = None
    title = _plain_title(feed)
    feed_author = clean_line(dict.get(feed, "author")) or None

    articles: list[Article] = []
    seen: set[str] = set()
    for entry in entries:
        article = _article(entry, source_key, base, now, feed_author)
        if article.key.id not in seen:
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
    title = dict.get(node, "title")
    if not title:
        return ""
    if not isinstance(title, str):
        title = str(title)
    detail = dict.get(node, "title_detail")
    if detail and "html" in (dict.get(detail, "type") or ""):
        title = strip_tags(title)
    return clean_line(title)


def _article(
    entry: dict[str, Any],
    source_key: str,
    base: str | None,
    now: datetime,
    feed_author: str | None,
) -> Article:
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
    if not title:
        title = title_from_text(content or summary, content_type == "html") or "(untitled)"

    raw_link = get(entry, "link")
    if get(entry, "guidislink") and not str(raw_link).startswith(("http://", "https://")):
        raw_link = None  # feedparser copied a guid that is no URL (isPermaLink unset)
    url = resolve_url(raw_link, base)
    date_text = get(entry, "published") or get(entry, "updated") or ""
    ident = make_id(get(entry, "id"), raw_link, title, str(date_text))

    author = clean_line(get(entry, "author")) or feed_author
    categories = _categories(get(entry, "tags"))
    enclosures = _enclosures(get(entry, "links"), base)

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
        if not url or not url.startswith(("http://", "https://")) or url in found:
            continue
        found[url] = Enclosure(
            url=url,
            type=clean_line(dict.get(link, "type"), 200),
            length=parse_length(dict.get(link, "length")),
        )
        if len(found) >= ENCLOSURES_MAX:
            break
    return tuple(found.values())
