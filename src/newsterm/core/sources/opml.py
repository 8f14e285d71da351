"""OPML import and export.

Import is strict first: the XML guard (:mod:`.xmlguard`: no entity declaration, no
internal subset), then stdlib expat with every DTD feature refused again (nothing is
ever fetched). Many real OPML files are not
well-formed (raw ``&``, unescaped quotes inside attributes, a lost ``<``), so when expat
reports a syntax error, a lenient outline scanner of ours reads the file instead and
the result says so (``lenient=True``).

Writing is :mod:`.opml_write` (:func:`export_opml` is re-exported here).

Outlines with an ``xmlUrl`` are feeds; outlines without one are folders, and folders
become nested sections. Only http/https feeds are kept; everything else (``exec:``,
``filter:``, ``|command``, ``file:``…) is reported in ``skipped`` with a reason.
"""

from __future__ import annotations

import codecs
import html
import re
from dataclasses import dataclass, field
from xml.parsers import expat

from newsterm.core.errors import ParseError
from newsterm.core.sources.opml_write import export_opml
from newsterm.core.sources.xmlguard import check_prolog
from newsterm.core.text import clean_line, clean_url, decode_bytes, looks_binary
from newsterm.core.urls import Problem, feed_url_problem, scheme_of, shown

__all__ = [
    "MAX_DEPTH",
    "MAX_OUTLINES",
    "OpmlFeed",
    "OpmlResult",
    "OpmlSkip",
    "export_opml",
    "parse_opml",
]

MAX_OUTLINES = 50_000
"""More outlines than this in one file is refused (no real subscription list is that big)."""
MAX_DEPTH = 16
"""Folder levels kept in a section; deeper folders add no further level."""

_FEED_TYPES = frozenset({"rss", "atom", "feed", "rdf", "json", "jsonfeed"})
_COMMAND_SCHEMES = frozenset({"exec", "filter"})


@dataclass(frozen=True)
class OpmlFeed:
    """One feed found in an OPML file."""

    url: str
    """The feed URL (http or https)."""
    title: str | None
    """From the outline's ``title``, else its ``text``; None when both are empty."""
    section: tuple[str, ...]
    """The folders around the outline, outermost first."""
    html_url: str | None
    """The site's address (``htmlUrl``), when it is an http/https URL."""


@dataclass(frozen=True)
class OpmlSkip:
    """An outline that was not imported, and why."""

    title: str | None
    url: str | None
    """The source as written (cleaned for display), or None when there was none."""
    reason: str
    """"no URL", "not http/https", "command source refused", "invalid URL", "duplicate"."""


@dataclass(frozen=True)
class OpmlResult:
    """The outcome of :func:`parse_opml`."""

    feeds: tuple[OpmlFeed, ...]
    skipped: tuple[OpmlSkip, ...]
    lenient: bool
    """True when the file was not well-formed XML and the lenient scanner read it."""


# --- reading -----------------------------------------------------------------------------

_XML_DECL_ENCODING = re.compile(
    rb"""^\s*<?\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']"""
)
_ENTITIES_REFUSED = "refused: OPML declares XML entities"


class _EntitiesRefused(Exception):
    """Raised inside expat handlers; turned into a ParseError by the caller."""


class _NotOpml(Exception):
    pass


@dataclass
class _Level:
    """One open outline while walking the tree."""

    name: str | None
    """The folder name (None for a feed outline or a folder without a name)."""
    feed: bool
    kind: str = ""
    """The outline's ``type`` attribute, lower-cased."""
    has_html_url: bool = False
    children: int = 0


@dataclass
class _Builder:
    """Turns outline open/close events (from either parser) into feeds and skips."""

    feeds: list[OpmlFeed] = field(default_factory=list)
    skipped: list[OpmlSkip] = field(default_factory=list)
    stack: list[_Level] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    count: int = 0

    def open(self, attrs: dict[str, str]) -> None:
        self.count += 1
        if self.count > MAX_OUTLINES:
            raise ParseError(f"refused: more than {MAX_OUTLINES} outlines")
        if self.stack:
            self.stack[-1].children += 1
        raw_url = (attrs.get("xmlurl") or "").strip()
        title = _title(attrs, raw_url)
        if raw_url:
            self._feed(raw_url, title, attrs)
            self.stack.append(_Level(None, feed=True))
        else:
            self.stack.append(
                _Level(
                    title,
                    feed=False,
                    kind=(attrs.get("type") or "").strip().lower(),
                    has_html_url=bool((attrs.get("htmlurl") or "").strip()),
                )
            )

    def cut(self, attrs: dict[str, str]) -> None:
        """An outline whose tag the end of the file cut (a truncated download): what it
        holds may be cut too (half a URL), so it is reported, never imported."""
        raw_url = (attrs.get("xmlurl") or "").strip()
        title = _title(attrs, raw_url)
        self.skipped.append(
            OpmlSkip(title, shown(raw_url) or None, "cut off by the end of the file")
        )

    def close(self) -> None:
        if not self.stack:
            return
        level = self.stack.pop()
        # A leaf without a feed URL: an empty folder is fine, a feed without URL is not.
        leaf = not level.feed and not level.children
        if leaf and (level.kind in _FEED_TYPES or level.has_html_url):
            self.skipped.append(OpmlSkip(level.name, None, "no URL"))

    def finish(self) -> OpmlResult:
        while self.stack:
            self.close()
        return OpmlResult(tuple(self.feeds), tuple(self.skipped), lenient=False)

    def _feed(self, raw_url: str, title: str | None, attrs: dict[str, str]) -> None:
        shown_url = shown(raw_url) or None
        reason = _url_problem(raw_url)
        url = clean_url(raw_url)
        if reason is None and url is None:
            reason = "invalid URL"
        if reason is not None or url is None:
            self.skipped.append(OpmlSkip(title, shown_url, reason or "invalid URL"))
            return
        if url in self.seen:
            self.skipped.append(OpmlSkip(title, shown_url, "duplicate"))
            return
        self.seen.add(url)
        section = tuple(
            level.name for level in self.stack if not level.feed and level.name is not None
        )[:MAX_DEPTH]
        html_url = clean_url(attrs.get("htmlurl"))
        if html_url is not None and _url_problem(html_url) is not None:
            html_url = None
        self.feeds.append(OpmlFeed(url, title, section, html_url))


def _title(attrs: dict[str, str], raw_url: str) -> str | None:
    """The outline's ``title``, else its ``text`` unless that is only the feed's address
    (what an export writes for a feed without a title)."""
    title = clean_line(attrs.get("title"))
    if title:
        return title
    text = clean_line(attrs.get("text"))
    return text if text and text != raw_url else None


def _url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a feed source, or None when it is a usable http/https URL."""
    url = url.strip()
    if url.startswith("|") or scheme_of(url) in _COMMAND_SCHEMES:
        return "command source refused"
    problem = feed_url_problem(url)
    if problem is None:
        return None
    return "not http/https" if problem is Problem.SCHEME else "invalid URL"


def _decode(data: bytes) -> str:
    """OPML bytes -> str, by BOM, then the XML declaration, then UTF-8/cp1252."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return data.decode("utf-32", errors="replace")
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode_bytes(data)
    if data.startswith(b"<\x00"):
        return data.decode("utf-16-le", errors="replace")
    if data.startswith(b"\x00<"):
        return data.decode("utf-16-be", errors="replace")
    match = _XML_DECL_ENCODING.match(data)
    if match:
        try:
            return data.decode(match.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declared encoding: guess below
    return decode_bytes(data)


def parse_opml(data: bytes) -> OpmlResult:
    """Read an OPML 1.0/1.1/2.0 subscription list; ParseError when it is not one."""
    if not data.strip():
        raise ParseError("empty OPML file")
    text = _decode(data).replace("\ufeff", "").lstrip()
    if "\x00" in text[:8192] or (looks_binary(data) and not data.startswith((b"<\x00", b"\x00<"))):
        raise ParseError("not OPML: binary data")
    if not text:
        raise ParseError("empty OPML file")
    # The one XML guard; an external DTD naming a file may stay: expat never reads it.
    check_prolog(text, _ENTITIES_REFUSED, allow_local_dtd=True)
    try:
        return _parse_strict(text)
    except expat.ExpatError:
        pass  # not well-formed: read it leniently below
    result = _parse_lenient(text)
    return OpmlResult(result.feeds, result.skipped, lenient=True)


def _parse_strict(text: str) -> OpmlResult:
    builder = _Builder()
    depth = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        local = name.rpartition(":")[2].lower()
        if depth == 0 and local != "opml":
            raise _NotOpml(clean_line(name, 40))
        depth += 1
        if local == "outline":
            builder.open({key.lower(): value for key, value in reversed(attrs.items())})

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1
        if name.rpartition(":")[2].lower() == "outline":
            builder.close()

    def doctype(name: str, system_id: str | None, public_id: str | None, subset: bool) -> None:
        if subset:
            raise _EntitiesRefused()

    def entity(*_args: object) -> None:
        raise _EntitiesRefused()

    def external(*_args: object) -> int:
        raise _EntitiesRefused()

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.ExternalEntityRefHandler = external
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(text, True)
    except _EntitiesRefused:
        raise ParseError(_ENTITIES_REFUSED) from None
    except _NotOpml as exc:
        raise ParseError(f"not OPML: the root element is <{exc}>") from None
    return builder.finish()


# --- the lenient scanner -----------------------------------------------------------------

_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_CDATA = re.compile(r"<!\[CDATA\[.*?(?:\]\]>|\Z)", re.DOTALL)
_OPML_TAG = re.compile(r"<\s*opml\b", re.IGNORECASE)
_OUTLINE_TAG = re.compile(r"<\s*(/?)\s*outline\b", re.IGNORECASE)
# A start tag ends at a ">" followed by the next structural tag (or the end): a ">" inside
# an attribute value (description="… <a href=…>…") is followed by text instead.
_TAG_END = re.compile(r"/?\s*>(?=\s*(?:<\s*/?\s*(?:outline|body|opml|head)\b|\Z))", re.IGNORECASE)
_CLOSE_END = re.compile(r"[^>]*>?")
_ATTR_NAME = re.compile(r"\s*([A-Za-z_:][-\w:.]*)\s*=\s*")
_JUNK = re.compile(r"\s*\S+")
_UNQUOTED = re.compile(r"[^\s>]*")
# A quote closes a value only when the next attribute or the end of the tag follows it,
# so quotes inside a value (text="Газета "Коммерсантъ". Главное") stay in the value.
_VALUE_END = {
    quote: re.compile(rf"{quote}(?=\s+[A-Za-z_:][-\w:.]*\s*=|\s*/?\s*\Z)") for quote in "\"'"
}


def _parse_lenient(text: str) -> OpmlResult:
    text = _CDATA.sub(" ", _COMMENT.sub(" ", text))
    if not _OPML_TAG.search(text):
        raise ParseError("not OPML: no <opml> element")
    builder = _Builder()
    pos = 0
    while True:
        match = _OUTLINE_TAG.search(text, pos)
        if match is None:
            break
        if match.group(1):  # </outline>
            builder.close()
            pos = _CLOSE_END.match(text, match.end()).end()  # type: ignore[union-attr]
            continue
        following = _OUTLINE_TAG.search(text, match.end())
        limit = following.start() if following else len(text)
        end = _TAG_END.search(text, match.end(), limit)
        if end is None:  # no clean end before the next outline: cut the tag there
            inner, closed, pos = text[match.end() : limit], False, limit
            inner = inner.rstrip()
            if inner.endswith(">"):
                inner = inner[:-1]
            if inner.endswith("/"):
                inner, closed = inner[:-1], True
        else:
            inner, closed, pos = (
                text[match.end() : end.start()],
                end.group().startswith("/"),
                end.end(),
            )
        attrs, open_value = _attributes(inner)
        if open_value and end is None and following is None:  # the file ends in a value
            builder.cut(attrs)
            break
        builder.open(attrs)
        if closed:
            builder.close()
    return builder.finish()


def _attributes(inner: str) -> tuple[dict[str, str], bool]:
    """The attributes of one start tag, lower-cased names, first occurrence wins; and
    whether the last value runs to the end of ``inner`` (an open quote, or a bare value
    with nothing after it: cut there, when the file ends there)."""
    attrs: dict[str, str] = {}
    open_value = False
    pos, size = 0, len(inner)
    while pos < size:
        name_match = _ATTR_NAME.match(inner, pos)
        if name_match is None:
            junk = _JUNK.match(inner, pos)
            pos = junk.end() if junk else size
            continue
        name, pos = name_match.group(1).lower(), name_match.end()
        if pos < size and inner[pos] in "\"'":
            quote = inner[pos]
            end_match = _VALUE_END[quote].search(inner, pos + 1)
            if end_match is not None:
                end = end_match.start()
            else:
                end = inner.find(quote, pos + 1)
                end = size if end < 0 else end
            open_value = end >= size
            value, pos = inner[pos + 1 : end], end + 1
        else:
            bare = _UNQUOTED.match(inner, pos)
            value, pos = (bare.group(), bare.end()) if bare else ("", size)
            open_value = pos >= size
        attrs.setdefault(name, html.unescape(value))
    return attrs, open_value
