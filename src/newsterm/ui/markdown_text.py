"""Markdown (as ``render_body`` makes it, or a local ``.md`` article) -> styled Rich Text.

The Markdown is read by a CommonMark parser (markdown-it-py, with pipe tables and
``~~strike~~``, set up in ``markdown_parse.py``), never by hand: ``render_body`` escapes what it writes so that the
parser reads it back as the article's text, and this module only draws the parser's
tokens. Textual's ``Markdown`` widget is too slow for long articles; this draws a
35 KB article in a few milliseconds. The text is untrusted and never parsed as Rich or
Textual markup: the result is built from plain strings and ``Span`` objects, never
from ``Text.from_markup`` or a markup string; control characters are removed first.

Blocks: headings, paragraphs (hard breaks kept), lists (nested, hanging indentation),
quotes (bars), code (indented, a ``↪`` where a long line goes on), rules, tables (laid
out by ``markdown_tables.py``) and the ``[n] url`` lines of the link list. Inline:
strong, em, strike, code, footnote refs ``[3]`` and ``[image: …]`` placeholders (raw
HTML is shown as text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.style import Style
from rich.text import Span, Text

from newsterm.core.text import clean_text
from newsterm.ui.markdown_parse import (
    DEFAULT_THEME,
    MarkdownTheme,
    bounded,
    inline_spans,
    inline_tokens,
    is_link_list,
    parser_for,
    styled,
)
from newsterm.ui.markdown_tables import big_table_text, table_text
from newsterm.ui.wrapping import (
    Line,
    fold_ranges,
    slice_lines,
    split_lines,
    text_lines,
    wrap_ranges,
)

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

__all__ = [
    "DEFAULT_THEME",
    "MarkdownTheme",
    "inline_text",
    "markdown_lines",
    "markdown_to_text",
    "text_lines",
]


QUOTE_BAR = "▌ "
BULLETS = ("•", "◦", "▪")
CONTINUATION = "↪ "
"""Starts the rest of a code line, or of a long URL, cut to fit the width."""
QUOTE_DEPTH_MAX = 8
"""Quote bars drawn at most (deeper quotes look like this depth)."""
INDENT_MAX = 40
"""Columns of list indentation at most."""
CODE_INDENT = "  "
"""Code blocks are indented this much more than the text around them."""
RULE_WIDTH = 40
"""Width of a rule when no width is given."""
_MIN_WRAP = 20

Prefix = tuple[tuple[str, Style | None], ...]


def markdown_to_text(
    markdown: str, *, width: int | None = None, theme: MarkdownTheme = DEFAULT_THEME
) -> Text:
    """Convert Markdown to a styled :class:`~rich.text.Text`, never reading markup.

    Without ``width`` each paragraph is one line for the widget to wrap. With ``width``
    the text is wrapped here, so wrapped lines keep their list indentation and quote
    bars (re-convert when the width changes); code and table lines are folded.
    """
    parts: list[str] = []
    spans: list[Span] = []
    offset = 0
    for plain, line_spans in markdown_lines(markdown, width=width, theme=theme):
        if parts:
            parts.append("\n")
            offset += 1
        parts.append(plain)
        if line_spans:
            spans.extend(
                Span(start + offset, end + offset, style) for start, end, style in line_spans
            )
        offset += len(plain)
    return Text("".join(parts), spans=spans)


def markdown_lines(
    markdown: str, *, width: int | None = None, theme: MarkdownTheme = DEFAULT_THEME
) -> list[Line]:
    """:func:`markdown_to_text` as its lines, each a plain string and its spans (what
    the article pane draws; no Text made)."""
    markdown = bounded(clean_text(markdown))
    parser = parser_for("|" in markdown, "~~" in markdown)
    return _Converter(width, theme, parser).convert(parser.parse(markdown))


def inline_text(source: str, style: Style | None, theme: MarkdownTheme = DEFAULT_THEME) -> Text:
    """One paragraph's inline Markdown -> Text with base ``style`` (no markup read)."""
    source = clean_text(source)
    plain, spans = styled(parser_for(False, "~~" in source), source, style, theme)
    return Text(plain, spans=spans)


# --- blocks --------------------------------------------------------------------------


@dataclass(slots=True)
class _Box:
    """A quote or a list item: what it puts before the lines of the blocks inside."""

    kind: str
    first: Prefix
    """Before the first line drawn inside it (an item's bullet)."""
    rest: Prefix
    pending: bool = False
    """An item whose bullet is not drawn yet."""


@dataclass(slots=True)
class _List:
    ordered: bool
    number: int = 1
    depth: int = 0


_TIGHT = frozenset({"item", "code", "footnote"})


@dataclass
class _Converter:
    width: int | None
    theme: MarkdownTheme
    parser: MarkdownIt
    lines: list[Line] = field(default_factory=list)  # the output
    boxes: list[_Box] = field(default_factory=list)
    lists: list[_List] = field(default_factory=list)
    last_kind: str = ""
    last_boxes: tuple[_Box, ...] = ()
    last_end: int = -1
    """The source line after the last block drawn (a gap before the next: a blank)."""

    def __post_init__(self) -> None:
        if self.width is not None:
            self.width = max(1, self.width)

    def convert(self, tokens: list[Token]) -> list[Line]:
        index = 0
        while index < len(tokens):
            index = self._block(tokens, index)
        return self.lines

    def _block(self, tokens: list[Token], index: int) -> int:
        token = tokens[index]
        kind = token.type
        theme = self.theme
        if kind == "paragraph_open":
            self._paragraph(tokens[index + 1], token.map)
            return index + 3
        if kind == "heading_open":
            level = int(token.tag[1:])
            style = (theme.h1, theme.h2, theme.h3)[level - 1] if level <= 3 else theme.h4
            plain, spans = styled(self.parser, tokens[index + 1].content, style, theme)
            self._emit("heading", plain, spans, token.map)
            return index + 3
        if kind in ("code_block", "fence"):
            code = token.content.removesuffix("\n")
            spans = [Span(0, len(code), theme.code_block)] if code else []
            self._emit("code", code, spans, token.map, mode="fold", indent=CODE_INDENT)
        elif kind == "hr":
            self._rule(token.map)
        elif kind == "table_open":
            return self._table(tokens, index)
        elif kind == "newsterm_big_table":
            self._big_table(token)
        elif kind == "blockquote_open":
            depth = sum(1 for box in self.boxes if box.kind == "quote")
            bar: Prefix = ((QUOTE_BAR, theme.quote_bar),) if depth < QUOTE_DEPTH_MAX else ()
            self.boxes.append(_Box("quote", bar, bar))
        elif kind in ("bullet_list_open", "ordered_list_open"):
            start = token.attrs.get("start", 1)
            self.lists.append(_List(kind[0] == "o", int(start), len(self.lists)))
        elif kind == "list_item_open":
            self._item(token)
        elif kind == "list_item_close":
            box = self.boxes.pop()
            if box.pending:  # an empty item: its bullet alone
                self.boxes.append(box)
                self._emit("item", "", [], token.map)
                self.boxes.pop()
        elif kind in ("blockquote_close",):
            self.boxes.pop()
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.lists.pop()
        elif kind == "inline":  # a table cell or stray inline: as a paragraph
            self._paragraph(token, token.map)
        elif token.content:  # html_block and anything unknown: its text, as it is
            self._emit("para", token.content.rstrip("\n"), [], token.map)
        return index + 1

    def _item(self, token: Token) -> None:
        lst = self.lists[-1] if self.lists else _List(False)
        if lst.ordered:
            shown = f"{token.info or lst.number}."
            lst.number += 1
        else:
            shown = BULLETS[lst.depth % len(BULLETS)]
        used = sum(cell_len(part) for box in self.boxes for part, _style in box.rest)
        in_item = bool(self.boxes) and self.boxes[-1].kind == "item"
        lead = "" if in_item or used >= INDENT_MAX else "  "
        hang = " " * (cell_len(shown) + 1) if used < INDENT_MAX else ""
        first: Prefix = ((lead, None), (shown, self.theme.bullet), (" ", None))
        self.boxes.append(_Box("item", first, ((lead + hang, None),), pending=True))

    def _paragraph(self, token: Token, where: list[int] | None) -> None:
        children = inline_tokens(self.parser, token.content)
        style = self.theme.quote if any(box.kind == "quote" for box in self.boxes) else None
        if children is None:
            link_list = False
            plain, spans = styled(self.parser, token.content, style, self.theme)
        else:
            link_list = is_link_list(children)
            plain, spans = inline_spans(children, style, self.theme, "\n" if link_list else " ")
        if link_list:
            for number, (line, line_spans) in enumerate(split_lines(plain, spans)):
                hang = line.index("]") + 2 if "]" in line else 0
                self._emit(
                    "footnote", line, line_spans, where if number == 0 else None,
                    mode="link", hang=" " * hang,
                )  # fmt: skip
            return
        self._emit("para", plain, spans, where)

    def _rule(self, where: list[int] | None) -> None:
        width = min(self._avail(*self._prefixes()) if self.width else RULE_WIDTH, 80)
        self._emit("rule", "─" * width, [Span(0, width, self.theme.rule)], where)

    def _big_table(self, token: Token) -> None:
        self._emit("table", big_table_text(token.content), [], token.map, mode="fold")

    def _table(self, tokens: list[Token], index: int) -> int:
        where = tokens[index].map
        cells: list[list[str]] = []
        while index < len(tokens) and tokens[index].type != "table_close":
            token = tokens[index]
            if token.type == "tr_open":
                cells.append([])
            elif token.type == "inline" and cells:
                cells[-1].append(token.content)
            index += 1
        drawn = table_text(self.parser, self.theme, cells)
        if drawn is not None:
            self._emit("table", *drawn, where, mode="fold")
        return index + 1

    # output

    def _prefixes(self, indent: str = "") -> tuple[Prefix, Prefix]:
        """The prefixes of a block's first line and of its other lines, here."""
        first: list[tuple[str, Style | None]] = []
        rest: list[tuple[str, Style | None]] = []
        for box in self.boxes:
            first.extend(box.first if box.pending else box.rest)
            rest.extend(box.rest)
        if indent:
            first.append((indent, None))
            rest.append((indent, None))
        return tuple(first), tuple(rest)

    def _avail(self, *prefixes: Prefix) -> int:
        """Cells left for text beside the widest of ``prefixes``."""
        assert self.width is not None
        used = max(sum(cell_len(part) for part, _ in prefix) for prefix in prefixes)
        # Deep indentation may push text past the width rather than wrap it to nothing.
        return max(self.width - used, min(_MIN_WRAP, self.width // 2), 1)

    def _put_line(self, prefix: Prefix, plain: str, spans: list[Span]) -> None:
        if not prefix:
            self.lines.append((plain, spans))
            return
        parts: list[str] = []
        line_spans: list[Span] = []
        offset = 0
        for part, style in prefix:
            if part:
                if style is not None:
                    line_spans.append(Span(offset, offset + len(part), style))
                parts.append(part)
                offset += len(part)
        if spans:
            line_spans.extend(
                Span(start + offset, end + offset, style) for start, end, style in spans
            )
        parts.append(plain)
        self.lines.append(("".join(parts), line_spans))

    def _separate(self, kind: str, where: list[int] | None) -> None:
        """A blank line between two blocks, unless both are of a tight kind and no blank
        line stood between them in the source; inside a quote it keeps the bars."""
        gap = where is not None and where[0] > self.last_end
        if self.lines and (gap or kind != self.last_kind or kind not in _TIGHT):
            shared: list[tuple[str, Style | None]] = []
            for before, now in zip(self.last_boxes, self.boxes, strict=False):
                if before is not now:
                    break
                shared.extend(now.rest)
            left = len("".join(part for part, _style in shared).rstrip())
            bars: list[tuple[str, Style | None]] = []
            for part, style in shared:  # the bars (and the spaces between them)
                if left > 0:
                    bars.append((part[:left], style))
                    left -= len(part)
            self._put_line(tuple(bars), "", [])
        if where is not None:
            self.last_end = where[1]

    def _emit(
        self,
        kind: str,
        plain: str,
        spans: list[Span],
        where: list[int] | None,
        *,
        mode: str = "wrap",
        indent: str = "",
        hang: str = "",
    ) -> None:
        if self.boxes and self.boxes[-1].pending:
            kind = "item"
        self._separate(kind, where)
        self.last_kind, self.last_boxes = kind, tuple(self.boxes)
        first, rest = self._prefixes(indent)
        for box in self.boxes:
            box.pending = False
        if hang:
            rest = (*rest, (hang, None))
        if self.width is None:
            for number, (line, line_spans) in enumerate(split_lines(plain, spans)):
                self._put_line(first if number == 0 else rest, line, line_spans)
            return
        width = self._avail(first, rest)
        marked = mode != "wrap"
        cut_width = max(1, width - cell_len(CONTINUATION)) if marked else width
        if mode == "fold":
            ranges = fold_ranges(plain, width, cut_width)
        elif mode == "link":  # its first line has no hanging indentation: more room
            first_width = self._avail(first)
            ranges = wrap_ranges(
                plain, width, cut_width=cut_width, keep_long=True, first_width=first_width
            )
        else:
            ranges = wrap_ranges(plain, width, cut_width=cut_width)
        mark = (*rest, (CONTINUATION, self.theme.mark))
        pieces = slice_lines(plain, [(start, end) for start, end, _cut in ranges], spans)
        for number, ((line, line_spans), (_s, _e, cut)) in enumerate(
            zip(pieces, ranges, strict=True)
        ):
            prefix = first if number == 0 else mark if cut and marked else rest
            self._put_line(prefix, line, line_spans)
