"""What the fast path (:mod:`.fastfeed`) does to bytes and strings so that they come out
as feedparser's would: the charset a document is decoded with, the clean-up every text
value gets, dates, and URL joins.

Each rule here is feedparser 6's documented or observed behaviour, written anew and
pinned by ``tests/unit/test_fastfeed.py`` (which compares the two paths on every feed
of the corpus). Where a rule has cases we do not reproduce, the function returns None
and the caller steps aside to feedparser.
"""

from __future__ import annotations

import html.entities
import importlib.util
import re
import urllib.parse
from datetime import UTC, datetime

# -- charsets ----------------------------------------------------------------------------

_DECLARATION = re.compile(rb"""^<\?.*encoding=['"](.*?)['"].*\?>""")
_APPLICATION_XML = ("application/xml", "application/xml-dtd", "application/xml-external-parsed-entity")  # fmt: skip
_TEXT_XML = ("text/xml", "text/xml-external-parsed-entity")
_UTF8 = frozenset({"utf-8", "utf8", "u8", "utf", "utf_8"})
_FALLBACKS = ("utf-8", "windows-1252", "iso-8859-2")
_chardet: bool | None = None


def _has_chardet() -> bool:
    """feedparser asks chardet (when installed) before its last fallbacks."""
    global _chardet
    if _chardet is None:
        _chardet = any(importlib.util.find_spec(m) for m in ("cchardet", "chardet"))
    return _chardet


def _media_type(content_type: str) -> tuple[str, str]:
    parts = content_type.split(";")
    charset = ""
    for part in parts[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'")
    return parts[0].strip(), charset


def utf8_body(body: bytes, content_type: str | None) -> bytes | None:
    """``body`` as UTF-8 bytes for expat, decoded with the charset feedparser would
    choose (HTTP header, XML declaration, UTF-8 BOM, then its fallbacks); None for
    UTF-16/32 and EBCDIC documents, and when chardet would have had a say.

    A UTF-8 body comes back as it is.
    """
    bom = ""
    if body.startswith(b"\xef\xbb\xbf"):
        body, bom = body[3:], "utf-8"
    elif body[:2] in (b"\xfe\xff", b"\xff\xfe") or body[:4] in (
        b"\x00\x00\x00<", b"<\x00\x00\x00", b"\x00<\x00?", b"<\x00?\x00", b"\x4c\x6f\xa7\x94",
    ):  # fmt: skip
        return None
    found = _DECLARATION.match(body)
    declared = ""
    if found:
        try:
            declared = found.group(1).decode("ascii").lower()
        except UnicodeDecodeError:
            return None
    mime, charset = _media_type(content_type) if content_type else ("", "")
    if mime in _APPLICATION_XML or (mime.startswith("application/") and mime.endswith("+xml")):
        first = charset or declared or "utf-8"
    elif mime in _TEXT_XML or mime.startswith("text/"):
        first = charset or "us-ascii"
    else:  # no header, or not an XML media type
        first = declared or "utf-8"
    candidates = [first, declared, bom]
    candidates = ["gb18030" if c.lower() == "gb2312" else c for c in candidates]
    tried: list[str] = []
    for index, codec in enumerate(candidates + list(_FALLBACKS)):
        if index == len(candidates) and _has_chardet():
            return None
        if not codec or codec in tried:
            continue
        tried.append(codec)
        if codec.lower() in _UTF8:
            if body.isascii():
                return body
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                continue
            return body
        try:
            text = body.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        return body if text.isascii() else text.encode("utf-8")
    return None  # pragma: no cover - windows-1252 or iso-8859-2 always decodes


# -- text values ---------------------------------------------------------------------------

_C1 = re.compile("[\x80-\x9f]")
_CP1252 = {}
for _byte in range(0x80, 0xA0):
    try:
        _CP1252[_byte] = bytes([_byte]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d: left as they are
        pass


def clean(value: str) -> str:
    """What feedparser does to every element's text after stripping it: text that is
    UTF-8 read as Latin-1 is read again as UTF-8, and C1 characters become the
    windows-1252 characters they stand for."""
    if value.isascii():
        return value
    try:
        value = value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    if _C1.search(value):
        value = value.translate(_CP1252)
    return value


_CLOSE_OR_ENTITY = re.compile(r"</\w+>|&#?\w+;")
_ENTITY = re.compile(r"&(\w+);")
_TAG_NAME = re.compile(r"</?(\w+)")
FORMATTING = frozenset(
    [
        "a",
        "abbr",
        "acronym",
        "address",
        "b",
        "big",
        "blockquote",
        "br",
        "caption",
        "center",
        "cite",
        "code",
        "dd",
        "del",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "font",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "tt",
        "u",
        "ul",
        "var",
    ]
)
"""HTML elements feedparser's sanitizer allows (a test checks they are in its list)."""


def looks_like_html(value: str) -> bool | None:
    """feedparser's guess that an RSS text/plain value is HTML: a closing tag or an
    entity, only elements its sanitizer allows, only entities HTML defines. None when
    a tag outside :data:`FORMATTING` makes the answer depend on feedparser's list."""
    if not _CLOSE_OR_ENTITY.search(value):
        return False
    for tag in _TAG_NAME.findall(value):
        if tag.lower() not in FORMATTING:
            return None
    return all(name in html.entities.entitydefs for name in _ENTITY.findall(value))


# -- dates -------------------------------------------------------------------------------

_W3DTF = re.compile(
    r"\d{4}-\d\d-\d\d(?:T\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?(?:Z|[+-]\d\d:\d\d)?"
    r"| \d\d:\d\d(?::\d\d)?)?"
)
_RFC822 = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+)?(\d\d?)\s+([A-Za-z]{3})[A-Za-z]*\s+(\d{4})\s+"
    r"(\d\d?):(\d\d)(?::(\d\d))?\s+([+-]\d{4}|[A-Za-z]{1,3})",
    re.IGNORECASE,
)
_MONTHS = dict(
    zip(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        range(1, 13),
        strict=True,
    )
)
_ZONES = {"ut": 0, "utc": 0, "gmt": 0, "z": 0, "edt": -4, "est": -5, "cdt": -5, "cst": -6,
          "mdt": -6, "mst": -7, "pdt": -7, "pst": -8}  # fmt: skip


def parse_date(value: str) -> tuple[int, ...] | None:
    """A UTC ``(year, month, day, hour, minute, second)`` the way feedparser reads a
    W3C-DTF or RFC 822 date; None for any other form (or an impossible date)."""
    value = value.strip()
    try:
        if _W3DTF.fullmatch(value):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC)
            return moment.timetuple()[:6]
        found = _RFC822.fullmatch(value)
        if found is None:
            return None
        day, month, year, hour, minute, second, zone = found.groups()
        if zone[0] in "+-":
            offset = (int(zone[1:3]) * 60 + int(zone[3:])) * (-1 if zone[0] == "-" else 1)
        elif zone.lower() in _ZONES:
            offset = _ZONES[zone.lower()] * 60
        else:
            return None
        moment = datetime(int(year), _MONTHS[month.lower()], int(day), int(hour), int(minute),
                          int(second or 0), tzinfo=UTC)  # fmt: skip
        return datetime.fromtimestamp(moment.timestamp() - offset * 60, UTC).timetuple()[:6]
    except (ValueError, KeyError, OverflowError):
        return None


# -- URLs ---------------------------------------------------------------------------------

_SLASHES = re.compile(r"^([A-Za-z][A-Za-z0-9+,.-]*://)/*")


def join(base: str, uri: str) -> str:
    """feedparser's join of a URI to the document's base (xml:base): the slashes after
    ``scheme://`` collapsed, then :func:`urllib.parse.urljoin`; ``""`` when it fails."""
    if ":///" in uri:
        uri = _SLASHES.sub(r"\1", uri, count=1)
    if not base:
        return uri  # urljoin("", uri) is uri
    try:
        return urllib.parse.urljoin(base, uri)
    except ValueError:
        return ""
