"""Markdown (as ``render_body`` makes it, or a local ``.md`` article) -> styled Rich Text.

A small line-based converter for the article pane: Textual's ``Markdown`` widget is
too slow for long articles, this takes a few milliseconds for 35 KB (about 4 ms
measured on the development machine, 8 ms there under load). The text is untrusted
and never parsed as Rich or Textual markup: the result is built from plain strings
and ``Span`` objects (``Text(str, spans=…)``, ``Text.append(str, style)``), never from
``Text.from_markup`` or a markup string; control characters are removed first.

Blocks: ATX and setext headings, paragraphs (hard breaks kept), ``*``/``-``/``+`` and
``1.`` lists (nested, hanging indentation), ``>`` quotes, fenced and indented code,
rules, pipe tables and the ``[n] url`` lines of the link list. Inline: ``**strong**``,
``*em*``/``_em_``, ``~~strike~~``, `` `code` ``, backslash escapes, footnote refs
``[3]`` and ``[image: …]`` placeholders.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from rich.cells import cell_len, chop_cells
from rich.style import Style
from rich.text import Span, Text

from newsterm.core.text import clean_text


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


DEFAULT_THEME = MarkdownTheme()
QUOTE_BAR = "▌ "
BULLETS = ("•", "◦", "▪")
QUOTE_DEPTH_MAX = 8
"""Quote bars drawn at most (deeper quotes look like this depth)."""
INDENT_MAX = 40
TABLE_CELLS_MAX = 5_000
"""Cells laid out as an aligned table at most; a bigger table is shown row by row, its
cells joined by bars, unaligned (laying out 200,000 cells took seconds)."""
"""Columns of list indentation at most."""
CODE_INDENT = "  "
"""Code blocks are indented this much more than the text around them."""
RULE_WIDTH = 40
"""Width of a ``---`` rule when no width is given."""
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
    return _Converter(width, theme).convert(markdown)


# --- blocks --------------------------------------------------------------------

_QUOTES = re.compile(r"(?: {0,3}> ?)+")
_FENCE_OPEN = re.compile(r"(`{3,})[^`]*$|(~{3,}).*$")
_FENCE_CLOSE = re.compile(r" {0,3}(`{3,}|~{3,})[ \t]*$")
_HEADING = re.compile(r"(#{1,6})(?:[ \t]+(.*))?$")
_RULE = re.compile(r"([-*_])[ \t]*(?:\1[ \t]*){2,}$")
_SETEXT = re.compile(r"(=+|-+)[ \t]*$")
_ITEM = re.compile(r"([*+-]|\d{1,9}[.)])(?:( +)(.*))?$")
_FOOTNOTE_LINE = re.compile(r"\[\d{1,5}\] ")
_TABLE_DELIMITER = re.compile(r"\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_QUOTE_START = frozenset(" >")
_BLOCK_START = frozenset("#`~-*_+=[0123456789")
"""First characters of lines that may start a block other than a paragraph."""


@dataclass(slots=True)
class _Item:
    marker_col: int
    content_col: int
    display_col: int
    """Where this item's text starts on screen (its hanging indentation)."""


@dataclass(slots=True)
class _Fence:
    char: str
    length: int
    indent: int
    quote: int
    prefix: Prefix


class _Converter:
    def __init__(self, width: int | None, theme: MarkdownTheme) -> None:
        self.width = width if width is None else max(1, width)
        self.theme = theme
        self.parts: list[str] = []  # the output, joined into one Text at the end
        self.spans: list[Span] = []
        self.length = 0
        self.last_kind = ""
        self.last_quote = 0
        self.blank = False
        self.quote = 0
        self.lists: list[_Item] = []
        self.fence: _Fence | None = None
        self.para: list[str] = []
        self.para_kind = "para"
        self.para_first: Prefix = ()
        self.para_rest: Prefix = ()

    def convert(self, markdown: str) -> Text:
        # Controls out first: Text would strip some itself and shift every span after.
        for line in clean_text(markdown).split("\n"):
            if "\t" in line:
                line = line.expandtabs(4)
            if self.fence is not None:
                self._fence_line(line)
                continue
            depth = 0
            if line[:1] in _QUOTE_START:
                match = _QUOTES.match(line)
                if match:
                    depth = match.group().count(">")
                    line = line[match.end() :]
            if not line or line.isspace():
                self._flush()
                self.blank = True
                continue
            if depth != self.quote:
                if self.para and depth < self.quote and not _starts_block(line.lstrip(" ")):
                    self.para.append(line)  # a lazy continuation line
                    continue
                self._flush()
                self.lists.clear()
                self.quote = depth
            self._content_line(line)
        self._flush()
        return Text("".join(self.parts), spans=self.spans)

    def _content_line(self, line: str) -> None:
        text = line.lstrip(" ")
        indent = len(line) - len(text)
        marked = text[0] in _BLOCK_START
        if self.para:
            if marked and self.para_kind == "para" and indent < 4 + self._base():
                setext = _SETEXT.match(text)
                if setext and "|" not in text:
                    self._flush(heading=1 if setext.group(1)[0] == "=" else 2)
                    return
            if not marked or not (_starts_block(text) or _is_item(text)):
                self.para.append(line)
                return
            self._flush()
        if marked:
            item = _ITEM.match(text)
            if item is not None and _RULE.match(text) is None:
                self._item(indent, item)
                return
        while self.lists and indent < self.lists[-1].content_col:
            self.lists.pop()
        base = self._base()
        prefix = self._prefix()
        if indent >= base + 4:
            self._code(line[base + 4 :], prefix)
        elif not marked:
            self._start_para(prefix, prefix, "para")
            self.para.append(text)
        elif (fence := _FENCE_OPEN.match(text)) is not None:
            mark = fence.group(1) or fence.group(2)
            self.fence = _Fence(mark[0], len(mark), indent, self.quote, prefix)
            self.blank = False
        elif (heading := _HEADING.match(text)) is not None:
            level = len(heading.group(1))
            self._start_para(prefix, prefix, "heading")
            self.para.append(_heading_text(heading.group(2) or ""))
            self._flush(heading=level)
        elif _RULE.match(text):
            width = min(self._avail(prefix) if self.width else RULE_WIDTH, 80)
            rule = "─" * width
            self._emit("rule", rule, [Span(0, width, self.theme.rule)], prefix, prefix)
        elif _FOOTNOTE_LINE.match(text):
            hang = (*prefix, (" " * (text.index("]") + 2), None))
            self._start_para(prefix, hang, "footnote")
            self.para.append(text)
            self._flush()
        else:
            self._start_para(prefix, prefix, "para")
            self.para.append(text)

    def _item(self, indent: int, match: re.Match[str]) -> None:
        marker, spaces, content = match.group(1), match.group(2) or " ", match.group(3) or ""
        if len(spaces) > 4:  # the content is indented code: keep its spaces
            content = spaces[1:] + content
            spaces = " "
        lists = self.lists
        if lists and indent < lists[-1].content_col:
            lists.pop()
            while lists and indent < lists[-1].content_col:
                lists.pop()
        level = len(lists)
        shown = marker[:-1] + "." if marker[0].isdigit() else BULLETS[level % len(BULLETS)]
        marker_col = min(lists[-1].display_col if lists else 2, INDENT_MAX)
        display_col = marker_col + cell_len(shown) + 1
        lists.append(_Item(indent, indent + len(marker) + len(spaces), display_col))
        quote = self._quote_prefix()
        first = (*quote, (" " * marker_col, None), (shown, self.theme.bullet), (" ", None))
        rest = (*quote, (" " * display_col, None))
        self._start_para(first, rest, "item")
        self.para.append(content)

    def _fence_line(self, line: str) -> None:
        fence = self.fence
        assert fence is not None
        if fence.quote:
            match = _QUOTES.match(line)
            if match and match.group().count(">") >= fence.quote:
                line = line[match.end() :]
        close = _FENCE_CLOSE.match(line)
        if close and close.group(1)[0] == fence.char and len(close.group(1)) >= fence.length:
            self.fence = None
            self.blank = False
            return
        text = line.lstrip(" ")
        line = line[min(fence.indent, len(line) - len(text)) :]
        self.blank = False  # blank lines inside a fence are code lines
        self._code(line, fence.prefix, "fence")

    def _code(self, line: str, prefix: Prefix, kind: str = "code") -> None:
        prefix = (*prefix, (CODE_INDENT, None))
        spans = [Span(0, len(line), self.theme.code_block)] if line else []
        self._emit(kind, line, spans, prefix, prefix, fold=True)

    # paragraphs

    def _start_para(self, first: Prefix, rest: Prefix, kind: str) -> None:
        self.para_first, self.para_rest, self.para_kind = first, rest, kind

    def _flush(self, heading: int = 0) -> None:
        if not self.para:
            return
        lines, self.para = self.para, []
        kind = "heading" if heading else self.para_kind
        if kind == "para" and len(lines) >= 2 and _is_table(lines):
            self._table(lines)
            return
        if len(lines) == 1:
            joined = lines[0].strip()
        else:
            parts: list[str] = []
            last = len(lines) - 1
            for index, line in enumerate(lines):
                stripped = line.strip()
                hard = line.endswith("  ")
                if stripped.endswith("\\") and not stripped.endswith("\\\\") and index < last:
                    stripped, hard = stripped[:-1], True
                parts.append(stripped)
                if index < last:
                    parts.append("\n" if hard else " ")
            joined = "".join(parts)
        theme = self.theme
        style: Style | None
        if heading:
            style = (theme.h1, theme.h2, theme.h3)[heading - 1] if heading <= 3 else theme.h4
        else:
            style = theme.quote if self.quote else None
        plain, spans = _inline(joined, style, theme)
        self._emit(kind, plain, spans, self.para_first, self.para_rest)

    def _table(self, lines: list[str]) -> None:
        if sum(line.count("|") for line in lines) > TABLE_CELLS_MAX:
            self._big_table(lines)
            return
        rows: list[list[Text]] = []
        for index, line in enumerate(lines):
            if index == 1:
                continue
            cells = _CELL_SPLIT.split(line.strip())
            if len(cells) > 1 and not cells[0].strip():
                cells = cells[1:]
            if len(cells) > 1 and not cells[-1].strip():
                cells = cells[:-1]
            style = self.theme.table_header if index == 0 else None
            rows.append([inline_text(cell.strip(), style, self.theme) for cell in cells])
        columns = max(len(row) for row in rows)
        widths = [0] * columns
        for row in rows:
            for column, cell in enumerate(row):
                widths[column] = max(widths[column], cell_len(cell.plain))
        border = self.theme.table_border
        table = Text()
        for index, row in enumerate(rows):
            if index:
                table.append("\n")
            for column in range(columns):
                if column:
                    table.append(" │ ", border)
                cell = row[column] if column < len(row) else Text()
                table.append_text(cell)
                if column < columns - 1:
                    table.append(" " * (widths[column] - cell_len(cell.plain)))
            if index == 0:
                table.append("\n")
                table.append("─┼─".join("─" * width for width in widths), border)
        prefix = self._prefix()
        self._emit("table", table.plain, table.spans, prefix, prefix, fold=True)

    def _big_table(self, lines: list[str]) -> None:
        rows = []
        for index, line in enumerate(lines):
            if index == 1:
                continue  # the delimiter row
            cells = [cell.strip() for cell in _CELL_SPLIT.split(line.strip())]
            if len(cells) > 1 and not cells[0]:
                cells = cells[1:]
            if len(cells) > 1 and not cells[-1]:
                cells = cells[:-1]
            rows.append(" │ ".join(cells))
        prefix = self._prefix()
        self._emit("table", "\n".join(rows), [], prefix, prefix, fold=True)

    # output

    def _base(self) -> int:
        return self.lists[-1].content_col if self.lists else 0

    def _quote_prefix(self) -> Prefix:
        if not self.quote:
            return ()
        return ((QUOTE_BAR * min(self.quote, QUOTE_DEPTH_MAX), self.theme.quote_bar),)

    def _prefix(self) -> Prefix:
        if not self.lists:
            return self._quote_prefix()
        return (*self._quote_prefix(), (" " * self.lists[-1].display_col, None))

    def _avail(self, *prefixes: Prefix) -> int:
        """Cells left for text beside the widest of ``prefixes``."""
        assert self.width is not None
        used = max(sum(cell_len(part) for part, _ in prefix) for prefix in prefixes)
        # Deep indentation may push text past the width rather than wrap it to nothing.
        return max(self.width - used, min(_MIN_WRAP, self.width // 2), 1)

    def _put(self, text: str, style: Style | None = None) -> None:
        if text:
            if style is not None:
                self.spans.append(Span(self.length, self.length + len(text), style))
            self.parts.append(text)
            self.length += len(text)

    def _put_line(self, prefix: Prefix, plain: str, spans: list[Span]) -> None:
        if self.length:
            self._put("\n")
        for part, style in prefix:
            self._put(part, style)
        offset = self.length
        self.spans.extend(Span(start + offset, end + offset, style) for start, end, style in spans)
        self._put(plain)

    def _emit(
        self,
        kind: str,
        plain: str,
        spans: list[Span],
        first: Prefix,
        rest: Prefix,
        fold: bool = False,
    ) -> None:
        if self.length and (self.blank or kind != self.last_kind or kind not in _TIGHT):
            self._put("\n")
            depth = min(self.quote, self.last_quote, QUOTE_DEPTH_MAX)
            if depth:  # a blank line inside a quote keeps its bars
                self._put((QUOTE_BAR * depth).rstrip(), self.theme.quote_bar)
        self.last_kind, self.last_quote, self.blank = kind, self.quote, False
        if self.width is None and "\n" not in plain:
            self._put_line(first, plain, spans)
            return
        if self.width is None:  # split here: rich's Text.split costs ~20 µs a line
            for index, (line, line_spans) in enumerate(_split_lines(plain, spans)):
                self._put_line(first if index == 0 else rest, line, line_spans)
            return
        width = self._avail(first, rest)
        ranges = _fold_ranges(plain, width) if fold else _wrap_ranges(plain, width)
        for index, (line, line_spans) in enumerate(_slice(plain, ranges, spans)):
            self._put_line(first if index == 0 else rest, line, line_spans)


_TIGHT = frozenset({"item", "code", "fence", "footnote"})


def text_lines(text: Text) -> list[tuple[str, list[Span]]]:
    """``text``'s lines, each as its plain string and the spans on it (from 0); much
    quicker than ``Text.split`` for a long article."""
    return _split_lines(text.plain, text.spans)


def _split_lines(plain: str, spans: list[Span]) -> list[tuple[str, list[Span]]]:
    """``plain`` cut at newlines, each line with the parts of ``spans`` that fall on it."""
    ranges = []
    position = 0
    for line in plain.split("\n"):
        ranges.append((position, position + len(line)))
        position += len(line) + 1
    return _slice(plain, ranges, spans)


def _slice(
    plain: str, ranges: list[tuple[int, int]], spans: list[Span]
) -> list[tuple[str, list[Span]]]:
    """The pieces ``plain[start:end]`` of ``ranges`` (in order, not overlapping), each
    with the parts of ``spans`` that fall on it, counted from the piece's start."""
    if not spans:
        return [(plain[start:end], []) for start, end in ranges]
    starts = [start for start, _end in ranges]
    pieces: list[list[Span]] = [[] for _ in ranges]
    for start, end, style in spans:
        index = max(0, bisect_right(starts, start) - 1)
        while index < len(ranges) and ranges[index][0] < end:
            begin, stop = ranges[index]
            left, right = max(start, begin), min(end, stop)
            if left < right:
                pieces[index].append(Span(left - begin, right - begin, style))
            index += 1
    return [(plain[start:end], piece) for (start, end), piece in zip(ranges, pieces, strict=True)]


_WORD = re.compile(r"\s*\S+\s*")


def _wrap_ranges(plain: str, width: int) -> list[tuple[int, int]]:
    """Where each line of ``plain`` wrapped to ``width`` cells starts and ends.

    Greedy, at spaces, after each newline; a word wider than a line is cut; a line
    ends without its trailing spaces. Made here, on plain strings: wrapping with
    ``Text.wrap`` made a 10 KB article's lines 4x slower (a Text per piece)."""
    ranges: list[tuple[int, int]] = []
    offset = 0
    for text in plain.split("\n"):
        lines: list[tuple[int, int]] = []
        begin = used = 0
        for match in _WORD.finditer(text):
            start = match.start()
            word = match.group()
            bare = word.rstrip()
            # an ASCII word is as wide as it is long (controls are gone already)
            size = len(bare) if bare.isascii() else cell_len(bare)
            if used and used + size > width:  # onto the next line
                lines.append((begin, start))
                begin, used = start, 0
            if size > width:  # longer than a line: cut it
                pieces = chop_cells(word, width)
                for piece in pieces[:-1]:
                    lines.append((begin, begin + len(piece)))
                    begin += len(piece)
                used = cell_len(pieces[-1])
            else:
                space = word[len(bare) :]
                used += size + (len(space) if space.isascii() else cell_len(space))
        lines.append((begin, len(text)))
        for start, end in lines:
            ranges.append((offset + start, offset + start + len(text[start:end].rstrip())))
        offset += len(text) + 1
    return ranges


def _fold_ranges(plain: str, width: int) -> list[tuple[int, int]]:
    """Each line of ``plain`` cut into pieces of at most ``width`` cells (no word wrap)."""
    ranges: list[tuple[int, int]] = []
    offset = 0
    for text in plain.split("\n"):
        for piece in chop_cells(text, width) or [""]:
            ranges.append((offset, offset + len(piece)))
            offset += len(piece)
        offset += 1
    return ranges


def _heading_text(text: str) -> str:
    """An ATX heading's text without its closing ``#`` sequence."""
    text = text.rstrip()
    bare = text.rstrip("#")
    if bare != text and (not bare or bare[-1] in " \t"):
        return bare.rstrip()
    return text


def _starts_block(text: str) -> bool:
    return bool(
        _FENCE_OPEN.match(text)
        or _HEADING.match(text)
        or _RULE.match(text)
        or _FOOTNOTE_LINE.match(text)
    )


def _is_item(text: str) -> bool:
    return _ITEM.match(text) is not None and _RULE.match(text) is None


def _is_table(lines: list[str]) -> bool:
    return "|" in lines[1] and _TABLE_DELIMITER.match(lines[1].strip()) is not None


# --- inline ----------------------------------------------------------------------

_SPECIAL = re.compile(  # the lookahead first makes the scan ~4x faster
    r"(?=[\\`*_~\[])(?:(?P<esc>\\[!-/:-@\[-`{-~])|(?P<ticks>`+)|(?P<delim>\*+|_+|~~+)"
    r"|(?P<ref>\[\d{1,5}\])|(?P<image>\[image(?::[^\[\]\n]*)?\]))"
)
_TEXT, _CODE, _REF, _IMAGE, _DELIM = range(5)


class _Delim:
    __slots__ = ("char", "remaining", "can_open", "can_close", "start", "end")

    def __init__(self, char: str, count: int, before: str, after: str) -> None:
        self.char = char
        self.remaining = count
        # CommonMark's left- and right-flanking delimiter runs
        left = not after.isspace() and (
            not _is_punct(after) or before.isspace() or _is_punct(before)
        )
        right = not before.isspace() and (
            not _is_punct(before) or after.isspace() or _is_punct(after)
        )
        if char == "_":  # no emphasis inside words: snake_case_name stays as it is
            self.can_open = left and (not right or _is_punct(before))
            self.can_close = right and (not left or _is_punct(after))
        else:
            self.can_open, self.can_close = left, right
        self.start = self.end = 0


def _is_punct(char: str) -> bool:
    return not char.isalnum() and not char.isspace()


_TICK_RUN = re.compile("`+")
_SPECIAL_NO_DELIM = re.compile(  # _SPECIAL once a paragraph has DELIMS_MAX delimiters
    r"(?=[\\`\[])(?:(?P<esc>\\[!-/:-@\[-`{-~])|(?P<ticks>`+)"
    r"|(?P<ref>\[\d{1,5}\])|(?P<image>\[image(?::[^\[\]\n]*)?\]))"
)
DELIMS_MAX = 10_000
"""Emphasis delimiter runs read per paragraph; later ones are plain text."""


def _tick_runs(source: str) -> dict[int, list[int]]:
    """Where each run of backticks starts, by the run's length (a code span ends at the
    next run as long as the one that opened it): one scan instead of one per length."""
    runs: dict[int, list[int]] = {}
    for run in _TICK_RUN.finditer(source):
        runs.setdefault(run.end() - run.start(), []).append(run.start())
    return runs


def inline_text(source: str, style: Style | None, theme: MarkdownTheme = DEFAULT_THEME) -> Text:
    """One paragraph's inline Markdown -> Text with base ``style`` (no markup read)."""
    plain, spans = _inline(clean_text(source), style, theme)
    return Text(plain, spans=spans)


def _inline(source: str, style: Style | None, theme: MarkdownTheme) -> tuple[str, list[Span]]:
    """Inline Markdown -> plain text and spans (the base style first, over all of it)."""
    match = _SPECIAL.search(source)
    if match is None:
        return source, [Span(0, len(source), style)] if style and source else []
    tokens: list[tuple[int, str | _Delim]] = []
    runs: dict[int, list[int]] | None = None
    special = _SPECIAL
    delims = 0
    position = 0
    length = len(source)
    while match is not None:
        start, end = match.span()
        if start > position:
            tokens.append((_TEXT, source[position:start]))
        group = match.lastgroup
        position = end
        if group == "esc":
            tokens.append((_TEXT, source[end - 1]))
        elif group == "ticks":
            count = end - start
            if runs is None:
                runs = _tick_runs(source)
            closers = runs.get(count, [])
            index = bisect_left(closers, end)
            if index == len(closers):
                tokens.append((_TEXT, match.group()))
            else:
                code = source[end : closers[index]]
                if len(code) > 2 and code[0] == " " == code[-1] and code.strip():
                    code = code[1:-1]
                tokens.append((_CODE, code))
                position = closers[index] + count
        elif group == "delim":
            before = source[start - 1] if start else " "
            after = source[end] if end < length else " "
            tokens.append((_DELIM, _Delim(source[start], end - start, before, after)))
            delims += 1
            if delims == DELIMS_MAX:
                special = _SPECIAL_NO_DELIM
        else:
            tokens.append((_REF if group == "ref" else _IMAGE, match.group()))
        match = special.search(source, position)
    if position < length:
        tokens.append((_TEXT, source[position:]))

    matches = _match_delimiters(tokens, theme)
    parts: list[str] = []
    spans: list[Span] = []
    offset = 0
    kind_styles = {_CODE: theme.code, _REF: theme.footnote, _IMAGE: theme.image}
    for token, value in tokens:
        if isinstance(value, _Delim):
            value.start = offset
            if value.remaining:
                parts.append(value.char * value.remaining)
                offset += value.remaining
            value.end = offset
        elif value:
            parts.append(value)
            if token != _TEXT:
                spans.append(Span(offset, offset + len(value), kind_styles[token]))
            offset += len(value)
    for opener, closer, span_style in matches:
        if closer.start > opener.end:
            spans.append(Span(opener.end, closer.start, span_style))
    if style and offset:
        spans.insert(0, Span(0, offset, style))
    return "".join(parts), spans


def _match_delimiters(
    tokens: list[tuple[int, str | _Delim]], theme: MarkdownTheme
) -> list[tuple[_Delim, _Delim, Style]]:
    """Pair delimiter runs, each closer with the nearest opener of its character.

    A simplified CommonMark: linear time, strong before em, ``~~`` only in pairs.
    """
    openers: dict[str, list[_Delim]] = {"*": [], "_": [], "~": []}
    matches: list[tuple[_Delim, _Delim, Style]] = []
    for _kind, value in tokens:
        if not isinstance(value, _Delim):
            continue
        stack = openers[value.char]
        if value.can_close:
            while value.remaining and stack:
                opener = stack[-1]
                if value.char == "~":
                    if opener.remaining < 2 or value.remaining < 2:
                        break
                    used, span_style = 2, theme.strike
                elif opener.remaining >= 2 and value.remaining >= 2:
                    used, span_style = 2, theme.strong
                else:
                    used, span_style = 1, theme.em
                opener.remaining -= used
                value.remaining -= used
                matches.append((opener, value, span_style))
                if not opener.remaining:
                    stack.pop()
        if value.remaining and value.can_open:
            stack.append(value)
    return matches
