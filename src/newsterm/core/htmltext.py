"""Article HTML made safe to read: the guarding pre-pass before html2text, and the
words a body shows.

Two readers of one body share the rules here: what is never shown (:data:`HIDDEN`
elements, comments) and how an image reads (its alt text, :func:`image_label`).

- :class:`Prepass` rewrites hostile HTML into small, shallow, attribute-free HTML for
  html2text (``render.py`` runs it): the pane's text.
- :func:`visible_text` is the same text without the structure, made with a few linear
  scans instead of a parser (~6 ms per 1,000 real feed articles here, where the
  pre-pass alone takes ~185 ms and html2text ~350 ms more): the search index and every
  word count (the list's "Nm" and the pane's "N min read") read it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Protocol

from newsterm.core.text import clean_line, strip_tags

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
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
     "param", "source", "track", "wbr"}
)  # fmt: skip
# Elements passed to html2text (bare: no attributes but <ol start>), and renamings.
_KEEP = frozenset(
    {"h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "blockquote", "ul", "ol", "li", "dl",
     "dt", "dd", "pre", "code", "kbd", "tt", "b", "strong", "i", "em", "del", "s", "strike",
     "q", "table", "tr", "td", "th"}
)  # fmt: skip
_RENAME = {
    **dict.fromkeys(
        ("article", "section", "header", "footer", "main", "aside", "nav", "figure",
         "figcaption", "address", "details", "summary", "center", "fieldset", "legend",
         "form", "hgroup", "caption"),
        "div",
    ),
    "samp": "code", "var": "em", "cite": "em", "dfn": "em", "menu": "ul", "dir": "ul",
    "xmp": "pre", "listing": "pre", "plaintext": "pre",
}  # fmt: skip
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCK = frozenset(
    {"p", "div", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "pre", "table", "tr",
     "td", "th"}
) | _HEADINGS  # fmt: skip
# A start tag closes an open element of the first set found above any of the second
# (the HTML rules for unclosed <li>, <p>, <td> … in short).
_CLOSES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "li": (frozenset({"li"}), frozenset({"ul", "ol"})),
    "dt": (frozenset({"dt", "dd"}), frozenset({"dl"})),
    "dd": (frozenset({"dt", "dd"}), frozenset({"dl"})),
    "tr": (frozenset({"tr"}), frozenset({"table"})),
    "td": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "th": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
}
_P_CLOSERS = (frozenset({"p"}), _BLOCK - {"p"})
_H_CLOSERS = (frozenset({"p"}) | _HEADINGS, _BLOCK - {"p"} - _HEADINGS)
_CLOSE_SCAN = 16
_INT = re.compile(r"\s*-?\d{1,9}\s*")
_PIXEL = re.compile(r"\s*[01](?:px)?\s*")
_BAD_SECTION = re.compile(r"<!\[(?!CDATA\[)")
_LONE_LT = re.compile(r"<(?![A-Za-z/!?])")
# How html.parser finds the end of a comment and of a CDATA section.
_COMMENT_CLOSE = re.compile(r"--\s*>")
_CDATA_CLOSE = re.compile(r"\]\s*\]\s*>")


@dataclass(slots=True)
class _Open:
    name: str
    kept: bool
    url: str | None = None
    shown: int = 0


class Prepass(HTMLParser):
    """Rewrites hostile HTML into small, shallow, attribute-free HTML for html2text."""

    def __init__(self, links: LinkNumbers) -> None:
        super().__init__(convert_charrefs=True)
        self.links = links
        self.out: list[str] = []
        self.stack: list[_Open] = []
        self.open_count: dict[str, int] = {}
        self.skip = 0
        self.shown = 0  # visible text pieces so far: did an <a> get any content?
        self.last_mark: int | None = None
        self.base_seen = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.skip += 1
            return
        if self.skip:
            return
        if tag in _VOID:
            if tag == "base":
                self._base(dict(attrs).get("href"))
            elif tag == "img":
                self._image(dict(attrs))
            elif tag == "br":
                self.out.append("<br>")
            elif tag == "hr":
                self._implicit_close(_P_CLOSERS)
                self.out.append("<hr>")
            return
        name = "a" if tag == "a" else _RENAME.get(tag) or (tag if tag in _KEEP else None)
        if name is None:
            return
        if name == "a":
            if self.open_count.get("a"):
                self._pop_to("a")
            url = self.links.resolve(dict(attrs).get("href"))
            self._push(_Open("a", False, url, self.shown))
            return
        if name in _CLOSES:
            self._implicit_close(_CLOSES[name])
        elif name in _HEADINGS:
            self._implicit_close(_H_CLOSERS)
        elif name in _BLOCK:
            self._implicit_close(_P_CLOSERS)
        kept = len(self.stack) < DEPTH_MAX
        if kept:
            start = dict(attrs).get("start") if name == "ol" else None
            if start and _INT.fullmatch(start):
                self.out.append(f'<ol start="{int(start)}">')
            else:
                self.out.append(f"<{name}>")
        elif name in _BLOCK:
            self.out.append(" ")
        self._push(_Open(name, kept))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        name = "a" if tag == "a" else _RENAME.get(tag) or (tag if tag in _KEEP else None)
        if name is not None and self.open_count.get(name):
            self._pop_to(name)

    def handle_data(self, data: str) -> None:
        if self.skip or not data:
            return
        data = data.translate(_PRIVATE)
        self.out.append(data.replace("&", AMP).replace("<", LT))
        if not data.isspace():
            self.shown += 1
            self.last_mark = None

    def finish(self) -> str:
        self.close()
        while self.stack:
            self._close(self.stack.pop())
        return "".join(self.out)

    def _base(self, href: str | None) -> None:
        """The first ``<base href>`` of a saved page sets where its links are relative to."""
        if not self.base_seen:
            self.base_seen = True
            url = self.links.resolve(href)
            if url and not url.startswith("mailto:"):
                self.links.base_url = url

    def _image(self, attrs: dict[str, str | None]) -> None:
        if any(_PIXEL.fullmatch(attrs.get(k) or "x") for k in ("width", "height")):
            return  # a tracking pixel
        alt = clean_line(attrs.get("alt") or attrs.get("title") or "", 200)
        self.handle_data(image_label(alt))
        url = self.links.resolve(attrs.get("src")) or self.links.resolve(attrs.get("data-src"))
        if url:
            self._mark(url)

    def _mark(self, url: str) -> None:
        number = self.links.number(url)
        if number is not None and number != self.last_mark:
            self.out.append(f"{MARK_OPEN}{number}{MARK_CLOSE}")
            self.last_mark = number

    def _push(self, entry: _Open) -> None:
        self.stack.append(entry)
        self.open_count[entry.name] = self.open_count.get(entry.name, 0) + 1

    def _pop_to(self, name: str) -> None:
        while self.stack:
            entry = self.stack.pop()
            self.open_count[entry.name] -= 1
            self._close(entry)
            if entry.name == name:
                return

    def _close(self, entry: _Open) -> None:
        if entry.name == "a":
            if entry.url and self.shown > entry.shown:
                self._mark(entry.url)
        elif entry.kept:
            self.out.append(f"</{entry.name}>")
        elif entry.name in _BLOCK:
            self.out.append(" ")

    def _implicit_close(self, rule: tuple[frozenset[str], frozenset[str]]) -> None:
        closes, boundary = rule
        if not any(self.open_count.get(name) for name in closes):
            return
        for entry in reversed(self.stack[-_CLOSE_SCAN:]):
            if entry.name in closes:
                self._pop_to(entry.name)
                return
            if entry.name in boundary:
                return


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


def clean_html(content: str, links: LinkNumbers) -> tuple[str, bool]:
    """Hostile HTML -> the pre-pass's small HTML, with footnote markers; True when
    html.parser gave up part way (the text so far is kept)."""
    # A "<" that cannot start a tag is text: html.parser would take it one at a time.
    content = escape_unclosed(_LONE_LT.sub("&lt;", _BAD_SECTION.sub("&lt;![", content)))
    prepass = Prepass(links)
    stopped = False
    try:
        prepass.feed(content)
    except AssertionError as error:  # html.parser gives up on some malformed markup
        log.warning("HTML parser stopped early: %s", error)
        stopped = True
    return prepass.finish(), stopped


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
