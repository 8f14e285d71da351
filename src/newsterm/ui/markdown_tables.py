"""Tables drawn as text for ``markdown_text.py``: a parsed pipe table as aligned
columns between ``│`` borders, its header row styled and ruled off with ``─┼─``; a
table too big to parse (``newsterm_big_table``) as its rows with the cells joined by
``│``. Both are folded to the width by the caller; no markup is read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Span

from newsterm.ui.markdown_parse import CELL_SPLIT, MarkdownTheme, styled, unescape

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


def table_text(
    parser: MarkdownIt, theme: MarkdownTheme, cells: list[list[str]]
) -> tuple[str, list[Span]] | None:
    """Rows of cells (inline Markdown, the first row the header) as aligned columns:
    the text and its spans, or None when no row has a cell."""
    rows = [
        [styled(parser, cell, theme.table_header if number == 0 else None, theme) for cell in row]
        for number, row in enumerate(cells)
    ]
    columns = max((len(row) for row in rows), default=0)
    if not columns:
        return None
    widths = [0] * columns
    for row in rows:
        for column, (cell, _spans) in enumerate(row):
            widths[column] = max(widths[column], cell_len(cell))
    # Built as one string and its spans: a Text per cell took most of the time.
    parts: list[str] = []
    spans: list[Span] = []
    length = 0
    border = theme.table_border
    for number, row in enumerate(rows):
        if number:
            parts.append("\n")
            length += 1
        for column in range(columns):
            if column:
                spans.append(Span(length, length + 3, border))
                parts.append(" │ ")
                length += 3
            cell, cell_spans = row[column] if column < len(row) else ("", [])
            spans.extend(Span(length + a, length + b, style) for a, b, style in cell_spans)
            parts.append(cell)
            length += len(cell)
            if column < columns - 1:
                pad = widths[column] - cell_len(cell)
                parts.append(" " * pad)
                length += pad
        if number == 0:
            line = "─┼─".join("─" * width for width in widths)
            spans.append(Span(length + 1, length + 1 + len(line), border))
            parts.append("\n" + line)
            length += 1 + len(line)
    return "".join(parts), spans


def big_table_text(source: str) -> str:
    """A pipe table's source lines as rows of unescaped cells joined by ``│`` (the
    delimiter row dropped, nothing else read)."""
    rows = []
    for number, line in enumerate(source.rstrip("\n").split("\n")):
        if number == 1:
            continue  # the delimiter row
        cells = CELL_SPLIT.split(line.strip())
        if len(cells) > 1 and not cells[0].strip():
            cells = cells[1:]
        if len(cells) > 1 and not cells[-1].strip():
            cells = cells[:-1]
        rows.append(" │ ".join(unescape(cell.strip()) for cell in cells))
    return "\n".join(rows)
