"""A web page bounded before trafilatura reads it (:mod:`.extract`'s first step).

trafilatura alone is slow on hostile pages (minutes for 50,000 tables, 800 MB for
200,000 links), so the page reaches it already bounded: decoded, cut to
:data:`PAGE_CHARS_MAX`, its tags with endless attributes tamed, parsed once by lxml
(whose parser stops at a nesting depth of 256), scripts and styles dropped, cut after
:data:`ELEMENTS_MAX` elements, :data:`ATTRIBUTES_MAX` attributes an element.
"""

from __future__ import annotations

import re
from typing import Any

from newsterm.core.text import clean_text, decode_bytes

PAGE_CHARS_MAX = 3_000_000
"""Characters of a page read (the largest corpus page is 1.6 MB)."""
ELEMENTS_MAX = 10_000
"""Elements of a page read, scripts and styles left out (the corpus pages have 450 to
1,650; trafilatura took 2.7 s on 10,000 table cells, 8 s on 20,000)."""
ATTRIBUTES_MAX = 40
"""Attributes of one element kept (real pages have at most 15)."""
ATTRIBUTE_CHARS_MAX = 4_000
"""A longer attribute value (an inline data: image) is dropped."""

_DROPPED = ("script", "style", "template", "svg", "math", "iframe", "object", "embed", "canvas")
_PLAYERS = frozenset({"iframe", "object", "embed"})
PLAYER_MARK = "data-newsterm-player"
"""Set on a ``<figure>`` whose player (an iframe, object or embed) was dropped: its
caption describes what the reader will not see (:mod:`.extract_fixups`)."""
FIGURE_DEPTH = 8
"""Levels from an element up to the ``<figure>`` it belongs to, at most."""
_LONG_TAG = re.compile(r"<([A-Za-z][\w:-]{0,40})([^<>]{2000,}+)>")
"""A start tag of over 2,000 characters: a data: image, or endless attributes."""
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]{1,40})""", re.I)


def decode(data: bytes, charset: str | None) -> str:
    """The server's charset; else UTF-8 when the bytes are valid UTF-8 (a legacy text
    seldom is, and saved pages are often re-encoded without their ``<meta>`` changed);
    else the page's ``<meta charset>``; else UTF-8 or cp1252 (:func:`decode_bytes`)."""
    declared = charset
    if declared is None:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            match = _CHARSET.search(data[:4096])
            declared = match.group(1).decode("ascii", "replace") if match else None
    if declared:
        try:
            return data.decode(declared, "replace")
        except LookupError:
            pass
    return decode_bytes(data)


def bounded_text(text: str) -> str:
    """The page's text as lxml is to read it: cut to :data:`PAGE_CHARS_MAX`, controls
    (terminal escapes) and bidi overrides out (no text keeps them), and tags with
    endless attributes tamed."""
    return _LONG_TAG.sub(_tame_tag, clean_text(text, PAGE_CHARS_MAX))


def _tame_tag(match: re.Match[str]) -> str:
    """A tag with endless attributes loses them all: lxml's parser takes time in the
    square of an element's attributes (160 s for 200,000)."""
    if len(match.group(2).split()) > ATTRIBUTES_MAX * 5:
        return f"<{match.group(1)}>"
    return match.group(0)


def bound(root: Any) -> bool:
    """Drop what is never the article's text, cap attributes, and cut the page after
    :data:`ELEMENTS_MAX` elements; True when it was cut."""
    import lxml.etree

    for element in list(root.iter(*_DROPPED, lxml.etree.Comment, lxml.etree.PI)):
        if element.tag == "script" and "ld+json" in (element.get("type") or ""):
            continue  # the byline and the date are often only there
        if element.tag in _PLAYERS and (figure := figure_of(element)) is not None:
            figure.set(PLAYER_MARK, "")
        if element.getparent() is not None:
            element.drop_tree()  # its tail (the text after it) stays
    for count, element in enumerate(root.iter(), 1):
        if count > ELEMENTS_MAX:
            _cut_after(element)
            return True
        attrib = element.attrib
        if len(attrib) > ATTRIBUTES_MAX:
            for name in list(attrib.keys())[ATTRIBUTES_MAX:]:
                del attrib[name]
        for name, value in list(attrib.items()):
            if len(value) > ATTRIBUTE_CHARS_MAX:
                del attrib[name]
    return False


def figure_of(element: Any) -> Any | None:
    """The ``<figure>`` ``element`` is in, within :data:`FIGURE_DEPTH` levels."""
    node = element.getparent()
    for _ in range(FIGURE_DEPTH):
        if node is None or node.tag == "figure":
            return node
        node = node.getparent()
    return None


def _cut_after(element: Any) -> None:
    """Remove ``element`` and everything after it in document order."""
    node = element
    while (parent := node.getparent()) is not None:
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)
        node = parent
    parent = element.getparent()
    if parent is not None:
        parent.remove(element)
