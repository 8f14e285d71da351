"""Wrapping styled lines on plain strings: where each line starts and ends, and the
spans that fall on it. Made here rather than with ``Text.wrap``/``Text.split``, which
made a 10 KB article's lines 4x slower (a Text per piece, ~20 µs a line to split).
"""

from __future__ import annotations

import re
from bisect import bisect_right

from rich.cells import cell_len, chop_cells
from rich.text import Span, Text

Line = tuple[str, list[Span]]
Range = tuple[int, int, bool]
"""A line's start and end in the plain string, and whether it continues a cut word."""


def text_lines(text: Text) -> list[Line]:
    """``text``'s lines, each as its plain string and the spans on it (from 0); much
    quicker than ``Text.split`` for a long article."""
    return split_lines(text.plain, text.spans)


def split_lines(plain: str, spans: list[Span]) -> list[Line]:
    """``plain`` cut at newlines, each line with the parts of ``spans`` that fall on it."""
    ranges = []
    position = 0
    for line in plain.split("\n"):
        ranges.append((position, position + len(line)))
        position += len(line) + 1
    return slice_lines(plain, ranges, spans)


def slice_lines(plain: str, ranges: list[tuple[int, int]], spans: list[Span]) -> list[Line]:
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


def _size(text: str) -> int:
    # an ASCII string is as wide as it is long (controls are gone already)
    return len(text) if text.isascii() else cell_len(text)


def wrap_ranges(
    plain: str,
    width: int,
    *,
    cut_width: int | None = None,
    keep_long: bool = False,
    first_width: int | None = None,
) -> list[Range]:
    """Where each line of ``plain`` wrapped to ``width`` cells starts and ends.

    Greedy, at spaces, after each newline; a line ends without its trailing spaces. A
    word wider than a line is cut, its pieces after the first ``cut_width`` wide (room
    for a continuation mark); ``keep_long`` starts such a word where it is rather than
    on a line of its own (a long URL after its ``[3]``). The first line may have another
    width (``first_width``: no hanging indentation before it)."""
    cut_width = width if cut_width is None else max(1, cut_width)
    first_width = width if first_width is None else max(1, first_width)
    ranges: list[Range] = []
    offset = 0
    for text in plain.split("\n"):
        lines: list[Range] = []
        begin = used = 0
        cut = False  # the line being filled continues a cut word (its limit: cut_width)
        for match in _WORD.finditer(text):
            start = match.start()
            word = match.group()
            bare = word.rstrip()
            size = len(bare) if bare.isascii() else cell_len(bare)
            limit = cut_width if cut else first_width if not (offset or lines) else width
            stay = keep_long and size > width and used < limit
            if used and used + size > limit and not stay:  # onto the next line
                lines.append((begin, start, cut))
                begin, used, cut = start, 0, False
                limit = width
            if used + size > limit:  # longer than what is left of the line: cut it
                head = chop_cells(word, limit - used)[0]
                lines.append((begin, start + len(head), cut))
                begin = start + len(head)
                pieces = chop_cells(word[len(head) :], cut_width)
                for piece in pieces[:-1]:
                    lines.append((begin, begin + len(piece), True))
                    begin += len(piece)
                used, cut = cell_len(pieces[-1]), True
            else:
                space = word[len(bare) :]
                used += size + (len(space) if space.isascii() else cell_len(space))
        lines.append((begin, len(text), cut))
        for start, end, was_cut in lines:
            stop = start + len(text[start:end].rstrip())
            ranges.append((offset + start, offset + stop, was_cut))
        offset += len(text) + 1
    return ranges


def fold_ranges(plain: str, width: int, cut_width: int | None = None) -> list[Range]:
    """Each line of ``plain`` cut into pieces of ``width`` cells (``cut_width`` after the
    first: room for a continuation mark); no word wrap."""
    cut_width = width if cut_width is None else max(1, cut_width)
    ranges: list[Range] = []
    offset = 0
    for text in plain.split("\n"):
        if _size(text) <= width:
            ranges.append((offset, offset + len(text), False))
            offset += len(text) + 1
            continue
        first = chop_cells(text, width)[0]
        ranges.append((offset, offset + len(first), False))
        offset += len(first)
        for piece in chop_cells(text[len(first) :], cut_width):
            ranges.append((offset, offset + len(piece), True))
            offset += len(piece)
        offset += 1
    return ranges
