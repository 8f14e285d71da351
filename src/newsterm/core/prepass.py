"""The guarding pre-pass before html2text: hostile article HTML rewritten into small,
shallow, attribute-free HTML (``render.py`` runs it, then html2text).

Sizes and depth are capped, hidden elements dropped, links resolved and numbered
(footnote markers), inline styles and the text's Markdown specials carried as
private-use stand-ins (:mod:`newsterm.core.commonmark`) so html2text can neither add
spaces around a style nor read the article's own ``*`` as emphasis; ``<sup>``/``<sub>``
become text of their own; tables are made into pipe tables that read back whole.
Which elements are kept, renamed or closed by which is data in
:mod:`newsterm.core.prepass_tags`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from newsterm.core import commonmark
from newsterm.core.htmltext import DEPTH_MAX, HIDDEN, LinkNumbers, escape_unclosed
from newsterm.core.prepass_tags import (
    AS_DIV,
    BLOCK,
    CLOSE_SCAN,
    CLOSES,
    H_CLOSERS,
    HEADINGS,
    INLINE,
    INLINE_MARKS,
    KEEP,
    P_CLOSERS,
    RENAME,
    SCRIPTS,
    VOID,
)
from newsterm.core.text import clean_line

log = logging.getLogger(__name__)

_MARK_OPEN, _MARK_CLOSE = commonmark.REF, commonmark.REF_END

_INT = re.compile(r"\s*-?\d{1,9}\s*")
_PIXEL = re.compile(r"\s*[01](?:px)?\s*")
_BAD_SECTION = re.compile(r"<!\[(?!CDATA\[)")
_LONE_LT = re.compile(r"<(?![A-Za-z/!?])")
_TAG_START = re.compile(r"<[A-Za-z/!?]")
# How html.parser finds the end of a comment and of a CDATA section.


@dataclass(slots=True)
class _Open:
    name: str
    kept: bool
    url: str | None = None
    shown: int = 0
    role: str = ""
    """"style" (a marker, kept when written), "script" (sup/sub), "cell" (a kept
    td/th), "flat" (a table inside a cell or a list item: text only), or ""."""
    start: int = 0
    """Where in the output it starts (sup/sub, tables)."""
    cells: int = 0
    """Tables: cells of the row being read; widest row; the first row's, and where its
    ``</tr>`` is (padded to the widest row: a pipe table's first row counts them)."""
    widest: int = 0
    first_cells: int = 0
    first_end: int = -1


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
        self.inline: list[_Open] = []  # styles whose marker was written, outermost first
        self.styled = True  # their markers are open (not while in <pre>)
        self.pre = 0  # kept <pre> open
        self.code = 0  # code spans open
        self.cells = 0  # kept table cells open
        self.flat = 0  # flattened tables open
        self.table: _Open | None = None  # the kept table open

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.skip += 1
            return
        if self.skip:
            return
        if tag in VOID:
            if tag == "base":
                self._base(dict(attrs).get("href"))
            elif tag == "img":
                self._image(dict(attrs))
            elif tag in ("br", "hr") and self.cells:
                self.out.append(" ")  # a pipe table's row is one line
            elif tag == "br" and self.pre:
                self.out.append("\n")  # (html2text wrote "  " before it, in the code)
            elif tag == "br":
                self._block_tag("<br>")
            elif tag == "hr":
                self._implicit_close(P_CLOSERS)
                self._block_tag("<hr>")
            return
        if tag in SCRIPTS:
            self._push(_Open(tag, False, role="script", start=len(self.out)))
            return
        style = INLINE.get(tag)
        if style is not None:
            self._style(style)
            return
        name = "a" if tag == "a" else RENAME.get(tag) or (tag if tag in KEEP else None)
        if name is None:
            return
        if name == "a":
            if self.open_count.get("a"):
                self._pop_to("a")
            url = self.links.resolve(dict(attrs).get("href"))
            self._push(_Open("a", False, url, self.shown))
            return
        if name in CLOSES:
            self._implicit_close(CLOSES[name])
        elif name in HEADINGS:
            self._implicit_close(H_CLOSERS)
        elif name in BLOCK:
            self._implicit_close(P_CLOSERS)
        kept = len(self.stack) < DEPTH_MAX
        entry = _Open(name, kept)
        if kept and self.cells:
            # A pipe table's row is one line: blocks in a cell are only spaces.
            entry.kept = kept = False
        elif kept and self.flat and name in ("tr", "td", "th"):
            entry.kept = kept = False  # a flattened table's rows are lines of text
        if name == "table" and kept and self.open_count.get("li"):
            entry.kept = kept = False  # html2text cannot indent a table in a list
        if name == "table" and not kept:
            entry.role = "flat"
            self.flat += 1
        if kept:
            start = dict(attrs).get("start") if name == "ol" else None
            if name == "pre":
                self.pre += 1
            self._table_start(entry, len(self.out))
            if start and _INT.fullmatch(start):
                self._block_tag(f'<ol start="{int(start)}">')
            else:
                self._block_tag(f"<{name}>")
        elif name in BLOCK:
            self.out.append(" ")
        self._push(entry)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        name = "a" if tag == "a" else RENAME.get(tag) or (tag if tag in KEEP else None)
        name = INLINE.get(tag, tag if tag in SCRIPTS else name)
        if name is not None and self.open_count.get(name):
            self._pop_to(name)

    def handle_data(self, data: str) -> None:
        if self.skip or not data:
            return
        data = commonmark.strip_private(data)
        if self.pre or self.code:
            # (in a table cell a "|" splits the row even in code: escaped, as GFM says)
            self.out.append(commonmark.literal(data, escape_pipe=bool(self.cells)))
        else:
            self.out.append(commonmark.stand_in(data))
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
        self.out.append(commonmark.IMAGE)
        self.handle_data(alt)
        self.out.append(commonmark.IMAGE_END)
        self.shown += 1  # a placeholder is something shown
        self.last_mark = None
        url = self.links.resolve(attrs.get("src")) or self.links.resolve(attrs.get("data-src"))
        if url:
            self._mark(url)

    def _mark(self, url: str) -> None:
        number = self.links.number(url)
        if number is not None and number != self.last_mark:
            self.out.append(f"{_MARK_OPEN}{number}{_MARK_CLOSE}")
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
        if entry.role == "style":
            self._style_end(entry)
        elif entry.role == "script":
            self._script(entry)
        elif entry.name == "a":
            if entry.url and self.shown > entry.shown:
                self._mark(entry.url)
        elif entry.kept:
            if entry.name == "pre":
                self.pre -= 1
            elif entry.role == "cell":
                self.cells -= 1
                if self.shown == entry.shown:
                    self.out.append(commonmark.EMPTY_CELL)
            elif entry.name == "tr" and self.table is not None:
                self._row_end(self.table)
            self._block_tag(f"</{entry.name}>")
            if entry.name == "table" and entry is self.table:
                self._table_end(entry)
        elif entry.name == "tr" and self.flat and not self.cells:
            self._block_tag("<br>")
        elif entry.name in BLOCK:
            self.out.append(" ")
            if entry.role == "flat":
                self.flat -= 1

    # inline styles, sup and sub

    def _style(self, name: str) -> None:
        entry = _Open(name, False, role="style")
        # none in code, none inside one of its own kind
        if not (self.pre or self.code or self.open_count.get(name)):
            entry.kept = True
            if self.styled:
                self.out.append(INLINE_MARKS[name][0])
            self.inline.append(entry)
            if name == "code":
                self.code += 1
        self._push(entry)

    def _style_end(self, entry: _Open) -> None:
        if not entry.kept:
            return
        if self.styled:
            self.out.append(INLINE_MARKS[entry.name][1])
        if self.inline and self.inline[-1] is entry:
            self.inline.pop()
        elif entry in self.inline:
            self.inline.remove(entry)
        if entry.name == "code":
            self.code -= 1

    def _block_tag(self, tag: str) -> None:
        """A block boundary: the styles open around it end before it, start again after
        (not in ``<pre>``), so none spans two blocks or lines."""
        if self.styled:
            self.out.extend(INLINE_MARKS[entry.name][1] for entry in reversed(self.inline))
        self.out.append(tag)
        self.styled = not self.pre
        if self.styled:
            self.out.extend(INLINE_MARKS[entry.name][0] for entry in self.inline)

    def _script(self, entry: _Open) -> None:
        """``<sup>``/``<sub>`` as text of its own: ``2⁴``, ``x^(n+1)``, ``H₂O``."""
        pieces = [commonmark.unstyled(piece) for piece in self.out[entry.start :]]
        text = [piece for piece in pieces if commonmark.is_text(piece)]
        refs = [piece for piece in pieces if commonmark.is_ref(piece)]
        if len(text) + len(refs) == len(pieces):
            shown = commonmark.script(commonmark.plain("".join(text)), entry.name == "sup")
            made = (
                commonmark.literal(shown) if self.pre or self.code else commonmark.stand_in(shown)
            )
            self.out[entry.start :] = [made, *refs] if made else refs
        else:  # markup inside: marked and bracketed as it is
            mark = commonmark.stand_in("^(" if entry.name == "sup" else "_(")
            self.out.insert(entry.start, mark)
            self.out.append(commonmark.stand_in(")"))

    # tables: a pipe table as html2text writes it must read back as one

    def _table_start(self, entry: _Open, start: int) -> None:
        if entry.name == "table" and self.table is None:
            entry.start = start
            self.table = entry
        elif entry.name == "tr" and self.table is not None:
            # (cells outside any row went on the row before: html2text writes them so)
            self.table.widest = max(self.table.widest, self.table.cells)
            self.table.cells = 0
        elif entry.name in ("td", "th"):
            entry.role, entry.shown = "cell", self.shown
            self.cells += 1
            if self.table is not None:
                self.table.cells += 1

    def _row_end(self, table: _Open) -> None:
        if table.first_end < 0:
            table.first_end = len(self.out)
            table.first_cells = table.cells
        table.widest = max(table.widest, table.cells)

    def _table_end(self, table: _Open) -> None:
        self.table = None
        if table.first_end < 0 and table.cells:
            table.first_cells = table.cells
        table.widest = max(table.widest, table.cells)
        if table.widest <= 1:  # "a\n---\nb" would be a heading: rows as lines
            self.out[table.start :] = [
                AS_DIV.get(piece, piece) for piece in self.out[table.start :]
            ]
        elif table.widest > table.first_cells >= 1 and table.first_end >= 0:
            cell = f"<td>{commonmark.EMPTY_CELL}</td>"
            self.out.insert(table.first_end, cell * (table.widest - table.first_cells))

    def _implicit_close(self, rule: tuple[frozenset[str], frozenset[str]]) -> None:
        closes, boundary = rule
        if not any(self.open_count.get(name) for name in closes):
            return
        for entry in reversed(self.stack[-CLOSE_SCAN:]):
            if entry.name in closes:
                self._pop_to(entry.name)
                return
            if entry.name in boundary:
                return


# --- Markdown and text -------------------------------------------------------


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
