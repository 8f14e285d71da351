"""The words an article body shows, and the rules every reader of a body shares.

Two readers of one body share the rules here: what is never shown (:data:`HIDDEN`
elements, comments) and how an image reads (its alt text, :func:`image_label`).

- :class:`newsterm.core.prepass.Prepass` rewrites hostile HTML into small, shallow,
  attribute-free HTML for html2text (``render.py`` runs it): the pane's text.
- :func:`visible_text` is the same text without the structure, made with a few linear
  scans instead of a parser (~6 ms per 1,000 real feed articles here, where the
  pre-pass alone takes ~185 ms and html2text ~350 ms more): the search index and every
  word count (the list's "Nm" and the pane's "N min read") read it.
"""

from __future__ import annotations

import logging
import re
from typing import Protocol

from newsterm.core.text import strip_tags

log = logging.getLogger(__name__)

DEPTH_MAX = 32
"""Open elements deeper than this are dropped (their text is kept)."""

# A footnote marker travels through html2text as private-use characters, so nothing
# in the article's own text can be mistaken for one and html2text never escapes it.
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
# Text's "<" and "&" travel the same way: html2text then has no entities to decode.
LT, AMP = "\ue002", "\ue003"
_PRIVATE = str.maketrans("", "", MARK_OPEN + MARK_CLOSE + LT + AMP)


class LinkNumbers(Protocol):
    """Resolves an article's links and gives each its footnote number."""

    base_url: str | None

    def resolve(self, raw: str | None) -> str | None: ...

    def number(self, url: str) -> int | None: ...


def image_label(alt: str) -> str:
    """How an image reads in the text: ``[image: alt]``, or ``[image]`` without alt."""
    return f"[image: {alt}]" if alt else "[image]"


HIDDEN = frozenset(
    {"script", "style", "noscript", "iframe", "template", "title", "svg", "select", "textarea"}
)
"""Elements whose content is never shown (nor indexed, nor counted)."""
_COMMENT_CLOSE = re.compile(r"--\s*>")
_CDATA_CLOSE = re.compile(r"\]\s*\]\s*>")


def escape_unclosed(content: str) -> str:
    """Tags, comments and CDATA sections that never end, with their ``<`` as ``&lt;``.

    html.parser shows those as text anyway, but it first scans to the end of the body
    again for each one: quadratic for comments (40,000 ``<!--`` took 26 s), far worse for
    start tags (40,000 ``<a `` took 4 minutes). Escaping them keeps the scan linear.
    """
    end = content.rfind(">") + 1
    if "<" in content[end:]:
        content = content[:end] + content[end:].replace("<", "&lt;")
    for opener, closer in (("<!--", _COMMENT_CLOSE), ("<![CDATA[", _CDATA_CLOSE)):
        start = content.find(opener)
        if start == -1:
            continue
        last = None
        for last in closer.finditer(content, start):  # noqa: B007 - the last one is wanted
            pass
        cut = last.end() if last is not None else start
        if opener in content[cut:]:
            content = content[:cut] + content[cut:].replace(opener, "&lt;" + opener[1:])
    return content


# --- the visible words -------------------------------------------------------------

# Every pattern below stops at the next "<" or ">", so each scan is linear whatever the
# body holds (as text.strip_tags's does).
_HIDDEN_OPEN = re.compile(
    r"<(?P<name>" + "|".join(sorted(HIDDEN)) + r")\b[^<>]*>|<!--", re.IGNORECASE
)
_HIDDEN_CLOSE = {name: re.compile(rf"</{name}\b[^<>]*>", re.IGNORECASE) for name in sorted(HIDDEN)}
_IMAGE = re.compile(r"<img\b[^<>]*>", re.IGNORECASE)
_ALT = re.compile(r"""\salt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)


def visible_text(content: str) -> str:
    """The words an HTML body shows, in order, without markup: what the search index
    holds and what every word count counts.

    Hidden elements (:data:`HIDDEN`) and comments are left out, an image is its alt
    text, every other tag is a space, entities are decoded. The pane's text (the
    pre-pass and html2text) has the same words; only its layout differs.
    """
    if "<" in content:
        content = _IMAGE.sub(_alt_text, _without_hidden(content))
    return strip_tags(content)


def _without_hidden(content: str) -> str:
    parts: list[str] = []
    pos = 0
    comments_close = True  # once a comment never closes, no later one can
    while (found := _HIDDEN_OPEN.search(content, pos)) is not None:
        parts.append(content[pos : found.start()])
        name = found.group("name")
        if name is None:  # <!--
            end = content.find("-->", found.end()) if comments_close else -1
            if end == -1:  # html.parser shows an unclosed comment as text
                comments_close = False
                parts.append(found.group())
                pos = found.end()
            else:
                parts.append(" ")
                pos = end + 3
            continue
        if found.group().endswith("/>"):  # <iframe … />: nothing inside
            parts.append(" ")
            pos = found.end()
            continue
        close = _HIDDEN_CLOSE[name.lower()].search(content, found.end())
        if close is None:  # never closed: hidden to the end, as in the pre-pass
            pos = len(content)
            break
        parts.append(" ")
        pos = close.end()
    parts.append(content[pos:])
    return "".join(parts)


def _alt_text(image: re.Match[str]) -> str:
    alt = _ALT.search(image.group())
    text = next((group for group in alt.groups() if group is not None), "") if alt else ""
    return f" {text} "
