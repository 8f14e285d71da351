"""What every feed format reads the same way: dates, ids, lengths, titles (written in
HTML, or made from bodies), and which entries are junk.

Shared by :mod:`.feeds` (RSS/Atom through feedparser or the fast path) and
:mod:`.jsonfeed`; links are :func:`newsterm.core.urls.resolve`'s.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

from newsterm.core.text import clean_line, strip_tags

ID_MAX = 2_048
"""Longer ids are replaced by ``sha1:`` + their hash."""
FUTURE_SLACK = timedelta(days=2)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TITLE_WORDS = 12
# What makes a title HTML where the format does not say: a tag, or an entity.
_MARKUP = re.compile(r"<[A-Za-z/!?]|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def plain_title(value: object, is_html: bool | None = None) -> str:
    """A title as one line of plain text: when written in HTML (``is_html``; None: when
    it looks so, a tag or an entity in it), tags stripped and entities decoded. Every
    format's titles end here (RSS/Atom through feedparser, JSON Feed, the fast path)."""
    if not value:
        return ""
    title = value if isinstance(value, str) else str(value)
    if is_html is None:
        is_html = _MARKUP.search(title) is not None
    return clean_line(strip_tags(title) if is_html else title)


def is_junk(title: str, url: str | None, content: str, summary: str, enclosures: int) -> bool:
    """An entry with nothing to show: no title, link, text or attachment (what a
    broken or cut feed leaves, e.g. ``<item></item>``)."""
    return not (title or url or content.strip() or summary.strip() or enclosures)


def sane_date(value: datetime | None, now: datetime) -> datetime | None:
    """``value`` as aware UTC, or None when missing or absurd (before 1970, or more than
    two days after ``now``)."""
    if value is None:
        return None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if value < EPOCH or value > now + FUTURE_SLACK:
        return None
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
