"""The one XML guard: what a document may declare before its root element.

Feeds (:mod:`.feeds`, whose fast path :mod:`.fastfeed` runs after it), OPML files
(:mod:`.opml`) and discovery (:mod:`.discover`) all call :func:`check_prolog` before an
XML parser sees a byte. It refuses, in the document's head (everything before the root
element, which is the only place an XML parser reads declarations from):

- any entity declaration (``<!ENTITY``): billion laughs, quadratic blow-up, external
  entities (XXE) and parameter entities all need one;
- any DOCTYPE with an internal subset (``[…]``), even one without entities: an
  ``<!ATTLIST`` there could give every element a default attribute (``xml:base``);
- an external DTD whose system literal names another scheme than http/https
  (``SYSTEM "file:///etc/passwd"``): an attack, not an RSS 0.91 DTD. OPML files may
  keep one (``allow_local_dtd``): expat there never reads external DTDs and the
  outline is still wanted (tests/unit/test_opml.py pins it).

An http(s) external DTD (``<!DOCTYPE rss PUBLIC … "http://my.netscape.com/…">``) is
allowed and never fetched: feeds strip it (:func:`check_prolog` returns its span).
"""

from __future__ import annotations

import re

from newsterm.core.errors import ParseError
from newsterm.core.urls import FETCH_SCHEMES

FEED_REFUSED = "refused: feed declares XML entities / external DTD"
"""The refusal a feed gets (when parsed, and when discovery finds it)."""

_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", ""),  # UTF-8: ASCII-compatible, no special handling
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
_WHITESPACE = " \t\r\n\ufeff"
_FIRST_TAG = re.compile(r"<\w")  # where feedparser's own DOCTYPE handling stops
_ELEMENT_NAME = re.compile(r"<([A-Za-z_][\w.:-]*)")
_ENTITY_DECL = re.compile(r"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(r"<!DOCTYPE\b", re.IGNORECASE)
_EXTERNAL_ID = re.compile(r"\b(?:SYSTEM|PUBLIC)\b")
_SYSTEM_LITERAL_SCHEME = re.compile(r"""["']\s*([A-Za-z][A-Za-z0-9+.-]*):""")


def text_view(body: bytes) -> tuple[str, str | None, bytes]:
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


def prolog_end(text: str) -> int:
    """Where the root element starts, skipping the XML declaration, PIs, comments and
    declarations the way an XML parser would (a ``<a`` inside a comment is skipped).

    At the first other character (text before the prolog, a root element) it stops."""
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


def root_element(text: str, start: int) -> tuple[str, int]:
    """The name of the first element at or after ``start``, and where it begins
    (``("", -1)`` when there is none)."""
    match = _ELEMENT_NAME.search(text, start)
    return (match.group(1), match.start()) if match else ("", -1)


def head_end(text: str, prolog: int | None = None) -> int:
    """The end of the document's head: the root element, or the first tag after junk
    (``Warning: …<!DOCTYPE …><rss>``), whichever is later."""
    prolog = prolog_end(text) if prolog is None else prolog
    tag = _FIRST_TAG.search(text)
    return max(prolog, tag.start() if tag else len(text))


def check_prolog(
    text: str, refusal: str, *, allow_local_dtd: bool = False, end: int | None = None
) -> list[tuple[int, int]]:
    """The spans of the DOCTYPE declarations in ``text``'s head (see the module's rules);
    raises :class:`ParseError` with ``refusal`` for a dangerous one.

    ``end`` is :func:`head_end` when the caller has it already.
    """
    head = text[: head_end(text) if end is None else end]
    if _ENTITY_DECL.search(head):
        raise ParseError(refusal)
    spans = []
    for match in _DOCTYPE.finditer(head):
        close = _skip_declaration(head, match.start())
        declaration = head[match.start() : close]
        if "[" in declaration:
            raise ParseError(refusal)
        if not allow_local_dtd and _EXTERNAL_ID.search(declaration):
            for scheme in _SYSTEM_LITERAL_SCHEME.findall(declaration):
                if scheme.lower() not in FETCH_SCHEMES:
                    raise ParseError(refusal)
        spans.append((match.start(), close))
    return spans
