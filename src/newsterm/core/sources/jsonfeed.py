"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org) -> :class:`ParsedFeed`.

feedparser 6.0 reads no JSON, so this small adapter does. Feeds in the wild break the
spec in every way: a field of the wrong type is converted or skipped, never an error.
Only JSON that is not JSON at all, or not a JSON Feed, raises :class:`ParseError`.
"""

from __future__ import annotations

import email.utils
import json
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
from newsterm.core.sources.sniff import JSONFEED_VERSION
from newsterm.core.text import (
    CATEGORIES_MAX,
    ENCLOSURES_MAX,
    clean_line,
    clean_text,
)
from newsterm.core.urls import fetchable, resolve, web_base

NOT_JSON_FEED = "not a feed: JSON that is not JSON Feed"


def _decode(data: bytes) -> str:
    try:
        encoding = json.detect_encoding(data)
    except (TypeError, ValueError):
        encoding = "utf-8"
    return data.decode(encoding, "replace").lstrip("\ufeff")


def _string(value: object) -> str:
    """A JSON value as text when it is a string or a number; ``""`` otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _is_json_feed(doc: dict[str, Any]) -> bool:
    version = doc.get("version")
    if isinstance(version, str):
        return JSONFEED_VERSION.match(version.strip()) is not None
    return version is None and isinstance(doc.get("items"), list)


def parse_date(value: object, now: datetime) -> datetime | None:
    """An RFC 3339 date (or, leniently, an RFC 822 one) -> aware UTC; None when absurd."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.upper() if text[-1:] in "zZ" else text)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return sane_date(moment, now)


def parse_json_feed(data: bytes | str, source_key: str, base_url: str | None) -> ParsedFeed:
    """Parse a JSON Feed document; raises :class:`ParseError` for invalid JSON or JSON
    that is not a JSON Feed."""
    text = _decode(data) if isinstance(data, bytes) else data.lstrip("\ufeff")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"not a feed: invalid JSON at line {exc.lineno} column {exc.colno}"
        ) from exc
    except (ValueError, RecursionError) as exc:  # huge numbers, absurd nesting
        raise ParseError("not a feed: unreadable JSON") from exc
    if not isinstance(doc, dict) or not _is_json_feed(doc):
        raise ParseError(NOT_JSON_FEED)

    now = datetime.now(UTC)
    base = web_base(base_url)
    link = web_base(resolve(_string(doc.get("home_page_url")) or None, base))
    base = link or base
    title = plain_title(_string(doc.get("title"))) or None
    feed_authors = _authors(doc)

    items = doc.get("items")
    articles: list[Article] = []
    seen: set[str] = set()
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        article = _article(item, source_key, base, now, feed_authors)
        if article is not None and article.key.id not in seen:
            seen.add(article.key.id)
            articles.append(article)
    return ParsedFeed(title=title, link=link, articles=tuple(articles))


def _authors(node: dict[str, Any]) -> str | None:
    """Names from ``authors`` (1.1) or ``author`` (1.0), joined by commas."""
    authors = node.get("authors")
    if not isinstance(authors, list):
        single = node.get("author")
        authors = [single] if single is not None else []
    names = []
    for author in authors[:20]:
        if isinstance(author, dict):
            name = clean_line(_string(author.get("name")))
        elif isinstance(author, str):  # not the spec, but seen in the wild
            name = clean_line(author)
        else:
            continue
        if name and name not in names:
            names.append(name)
    return clean_line(", ".join(names)) or None


def _article(
    item: dict[str, Any],
    source_key: str,
    base: str | None,
    now: datetime,
    feed_authors: str | None,
) -> Article | None:
    """The item as an article; None when it is junk (nothing to show)."""
    content_html = _string(item.get("content_html"))
    content_text = _string(item.get("content_text"))
    content_type: ContentType
    summary = _string(item.get("summary"))
    if content_html:
        content, content_type = content_html, "html"
    elif content_text:
        content, content_type = content_text, "text"
    else:
        content, content_type, summary = summary, "text", ""
    if summary == content:
        summary = ""

    written = plain_title(_string(item.get("title")))  # entities decoded, as in RSS
    raw_url = _string(item.get("url")) or None
    url = resolve(raw_url, base) or resolve(_string(item.get("external_url")) or None, base)
    enclosures = _attachments(item.get("attachments"), base)
    if is_junk(written, url, content, summary, len(enclosures)):
        return None
    title = written
    if not title:
        title = (
            title_from_text(content_text, False)
            or title_from_text(content_html, True)
            or title_from_text(content, False)
            or "(untitled)"
        )

    raw_id = _string(item.get("id")) or None
    published_text = _string(item.get("date_published"))
    ident = make_id(raw_id, raw_url, title, published_text)

    return Article(
        key=ArticleKey(source_key, ident),
        title=title,
        url=url,
        author=_authors(item) or feed_authors,
        published=parse_date(published_text, now),
        updated=parse_date(item.get("date_modified"), now),
        content=clean_text(content),
        content_type=content_type,
        summary=clean_text(summary),
        categories=_tags(item.get("tags")),
        enclosures=enclosures,
    )


def _tags(tags: object) -> tuple[str, ...]:
    if not isinstance(tags, list):
        return ()
    found: dict[str, None] = {}
    for tag in tags:
        name = clean_line(_string(tag))
        if name:
            found[name] = None
            if len(found) >= CATEGORIES_MAX:
                break
    return tuple(found)


def _attachments(attachments: object, base: str | None) -> tuple[Enclosure, ...]:
    if not isinstance(attachments, list):
        return ()
    found: dict[str, Enclosure] = {}
    for attachment in attachments:
        if not isinstance(attachment, dict):
            continue
        url = resolve(_string(attachment.get("url")) or None, base)
        if not url or not fetchable(url) or url in found:
            continue
        found[url] = Enclosure(
            url=url,
            type=clean_line(_string(attachment.get("mime_type")), 200),
            length=parse_length(attachment.get("size_in_bytes")),
        )
        if len(found) >= ENCLOSURES_MAX:
            break
    return tuple(found.values())
