"""markdown-it-py as newsterm reads Markdown, and inline tokens -> plain text and spans.

CommonMark with pipe tables and ``~~strike~~`` (each only where the text has a ``|`` or
a ``~~``), raw HTML shown as text, two rules of ours: ``[3]`` and ``[image: …]`` (as
``render_body`` writes them) are tokens of their own, and a table too big to lay out is
one token of its lines. Inline text is read block by block, bounded (see DELIMS_MAX).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Span

from newsterm.core.text import clean_text

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token


@dataclass(frozen=True)
class MarkdownTheme:
    """The style of each element: attributes only (no colours), so any theme suits."""

    h1: Style = Style(bold=True, underline=True)
    h2: Style = Style(bold=True)
    h3: Style = Style(bold=True, italic=True)
    h4: Style = Style(italic=True, underline=True)
    """Also h5 and h6."""
    strong: Style = Style(bold=True)
    em: Style = Style(italic=True)
    strike: Style = Style(strike=True)
    code: Style = Style(reverse=True)
    code_block: Style = Style(dim=True)
    quote: Style = Style(italic=True)
    quote_bar: Style = Style(dim=True)
    bullet: Style = Style(bold=True)
    footnote: Style = Style(underline=True)
    image: Style = Style(italic=True, dim=True)
    rule: Style = Style(dim=True)
    table_header: Style = Style(bold=True)
    table_border: Style = Style(dim=True)
    mark: Style = Style(dim=True)
    """The ``↪`` before the rest of a line cut to fit."""


DEFAULT_THEME = MarkdownTheme()

TABLE_CELLS_MAX = 5_000
"""Cells laid out as an aligned table at most; a bigger table is shown row by row, its
cells joined by bars, unaligned (laying out 200,000 cells took seconds)."""
INLINE_MAX = 200_000
"""Characters of one block's inline text read as Markdown at most (see DELIMS_MAX)."""
DELIMS_MAX = 10_000
"""``*``, ``_``, backticks and ``~`` in one block's inline text at most; a block with
more is shown without styles."""
NESTING_MAX = 32
"""Quote levels read (deeper ``>`` are dropped); list indentation is capped at 4x this."""


# --- the parser --------------------------------------------------------------------

_PARSERS: dict[tuple[bool, bool], MarkdownIt] = {}
_REF = re.compile(r"\[(?:\d{1,5}|image(?::(?:[^\]\\\n]|\\.)*)?)\]")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
CELL_SPLIT = re.compile(r"(?<!\\)\|")
_TERMINATORS = re.compile(r"[\n\\`*_~\[\]!<&]")
_DEEP_QUOTE = re.compile(f"^(?:[ \\t]{{0,3}}>){{{NESTING_MAX + 1},}}", re.MULTILINE)
_DEEP_INDENT = re.compile(f"^ {{{4 * NESTING_MAX + 1},}}", re.MULTILINE)


def parser_for(tables: bool, strike: bool) -> MarkdownIt:
    """CommonMark, with pipe tables and ``~~strike~~`` when the text may have them (the
    table rule, tried at each line, took a fifth of the parse of a long article)."""
    parser = _PARSERS.get((tables, strike))
    if parser is None:
        from markdown_it import MarkdownIt

        parser = MarkdownIt("commonmark", {"html": False, "maxNesting": 8 * NESTING_MAX})
        parser.enable([name for name, on in (("table", tables), ("strikethrough", strike)) if on])
        parser.disable("inline")  # each block's inline text is read by styled(), bounded
        if tables:
            parser.block.ruler.before("table", "newsterm_big_table", _big_table_rule)
        parser.inline.ruler.before("link", "newsterm_ref", _ref_rule)
        # The text rule stops only where an enabled rule may start (by default also at
        # ":", "-", "#"… for rules we do not use): a third quicker on long articles.
        parser.inline.terminator_re = _TERMINATORS
        _PARSERS[(tables, strike)] = parser
    return parser


def unescape(text: str) -> str:
    """``text`` with its backslash escapes undone (and nothing else read)."""
    return _ESCAPED.sub(r"\1", text)


def inline_tokens(parser: MarkdownIt, source: str) -> list[Token] | None:
    """A block's inline tokens; None past INLINE_MAX characters or DELIMS_MAX emphasis
    and code delimiters (900,000 ``*_`` took the parser 6 s)."""
    if len(source) > INLINE_MAX or sum(source.count(c) for c in "*_`~") > DELIMS_MAX:
        return None
    children: list[Token] = []
    parser.inline.parse(source, parser, {}, children)
    return children


def styled(
    parser: MarkdownIt, source: str, style: Style | None, theme: MarkdownTheme, soft: str = " "
) -> tuple[str, list[Span]]:
    """A block's inline Markdown -> plain text and spans (too big: its escapes undone,
    nothing else read, no styles)."""
    children = inline_tokens(parser, source)
    if children is None:
        plain = unescape(source).replace("\n", soft)
        return plain, [Span(0, len(plain), style)] if style and plain else []
    return inline_spans(children, style, theme, soft)


def _big_table_rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A pipe table of more than TABLE_CELLS_MAX cells as one token of its lines: the
    table rule's tokens for 300,000 cells took 2 s; it is shown row by row anyway."""
    from markdown_it.rules_block.table import table

    if not table(state, start, end, True):
        return False
    columns = max(1, state.getLines(start, start + 1, state.blkIndent, False).count("|"))
    line = start + 2
    while line < end and not state.isEmpty(line) and state.sCount[line] >= state.blkIndent:
        line += 1
    if (line - start - 1) * columns <= TABLE_CELLS_MAX:
        return False
    if not silent:
        token = state.push("newsterm_big_table", "", 0)
        token.map = [start, line]
        token.content = state.getLines(start, line, state.blkIndent, False)
    state.line = line
    return True


def _ref_rule(state: StateInline, silent: bool) -> bool:
    """``[3]`` and ``[image: …]``, as render_body writes them, are tokens of their own."""
    if state.src[state.pos] != "[":
        return False
    match = _REF.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        text = match.group()
        token = state.push("newsterm_ref" if text[1].isdigit() else "newsterm_image", "", 0)
        token.content = unescape(text)
    state.pos = match.end()
    return True


def bounded(markdown: str) -> str:
    """Tabs as spaces (stops of 4, as CommonMark reads them); nesting the parser would
    recurse into (or drop) past its limit, flattened."""
    if "\t" in markdown:
        markdown = markdown.expandtabs(4)
    if ">" * (NESTING_MAX + 1) in markdown.replace(" ", ""):
        markdown = _DEEP_QUOTE.sub(">" * NESTING_MAX, markdown)
    if " " * (4 * NESTING_MAX + 1) in markdown:
        markdown = _DEEP_INDENT.sub(" " * (4 * NESTING_MAX), markdown)
    return markdown


def is_link_list(children: list[Token]) -> bool:
    """Every line of the paragraph starts with a footnote ref: the ``[n] url`` list."""
    return (
        bool(children)
        and children[0].type == "newsterm_ref"
        and all(
            children[index + 1].type == "newsterm_ref"
            for index, child in enumerate(children[:-1])
            if child.type in ("softbreak", "hardbreak")
        )
    )


# --- inline ------------------------------------------------------------------------------

_STYLE_OPEN = {"strong_open": "strong", "em_open": "em", "s_open": "strike"}
_STYLE_CLOSE = {"strong_close": "strong", "em_close": "em", "s_close": "strike"}


def inline_spans(
    children: list[Token], style: Style | None, theme: MarkdownTheme, soft: str = " "
) -> tuple[str, list[Span]]:
    """Inline tokens -> plain text and spans (the base style first, over all of it);
    a soft line break becomes ``soft``."""
    parts: list[str] = []
    spans: list[Span] = []
    opened: list[tuple[str, int]] = []
    offset = 0
    for token in children:
        kind = token.type
        text = ""
        span_style: Style | None = None
        if kind == "text":
            text = token.content
        elif kind == "text_special":  # an escape, or an entity: "&#27;" is no ESC
            text = clean_text(token.content)
        elif kind == "softbreak":
            text = soft
        elif kind == "hardbreak":
            text = "\n"
        elif kind in _STYLE_OPEN:
            opened.append((_STYLE_OPEN[kind], offset))
            continue
        elif kind in _STYLE_CLOSE:
            if opened:
                name, start = opened.pop()
                if offset > start:
                    spans.append(Span(start, offset, getattr(theme, name)))
            continue
        elif kind == "code_inline":
            text, span_style = token.content, theme.code
        elif kind == "newsterm_ref":
            text, span_style = token.content, theme.footnote
        elif kind == "newsterm_image":
            text, span_style = token.content, theme.image
        elif kind == "image":
            alt = " ".join(token.content.split())
            text, span_style = (f"[image: {alt}]" if alt else "[image]"), theme.image
        elif kind in ("link_open", "link_close"):
            continue
        else:
            text = token.content
        if text:
            parts.append(text)
            if span_style is not None:
                spans.append(Span(offset, offset + len(text), span_style))
            offset += len(text)
    if style and offset:
        spans.insert(0, Span(0, offset, style))
    return "".join(parts), spans
