"""ArticleBody: an article's body as lines wrapped beforehand, drawn with the line API.

Wrapping and styling happen off the event loop (:func:`wrap_body`, in the screen's
worker), to the width the body has on screen. The widget then only draws the lines
that are visible: opening an article lays out one widget of known height, and a key
press (focus changes the pane's background) redraws a screenful, however long the
article. With a Static the text was wrapped again on the event loop at every layout
(tens of ms for 10 KB, seconds for 1 MB).

The lines hold attribute styles only (bold, italic…): the theme's colours are the
widget's own style, applied as each line is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.cells import cell_len, chop_cells
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text
from textual.events import Resize
from textual.geometry import Size
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget

from newsterm.ui.markdown_text import markdown_lines
from newsterm.ui.workers import work

MEASURE = 100
"""Columns of the body at most (the CSS max-width); the width used before layout."""

Line = tuple[str, list[Span]]


@dataclass(frozen=True)
class WrappedBody:
    """A body's Markdown and its styled lines wrapped to ``width`` cells."""

    markdown: str
    width: int
    lines: list[Line] = field(default_factory=list)


def wrap_body(markdown: str, width: int) -> WrappedBody:
    """Style ``markdown`` and wrap it to ``width`` cells (lists and quotes keep their
    hanging indentation). A line still wider (deep indentation) is cut into pieces."""
    width = max(1, width)
    lines: list[Line] = []
    for plain, spans in markdown_lines(markdown, width=width):
        if len(plain) <= width and plain.isascii() or cell_len(plain) <= width:
            lines.append((plain, spans))
            continue
        offsets: list[int] = []
        position = 0
        for piece in chop_cells(plain, width)[:-1]:
            position += len(piece)
            offsets.append(position)
        for part in Text(plain, spans=spans).divide(offsets):
            lines.append((part.plain, part.spans))
    return WrappedBody(markdown, width, lines)


class ArticleBody(Widget):
    """The body of the article pane; as tall as its lines (the pane scrolls it)."""

    DEFAULT_CSS = """
    ArticleBody { width: 1fr; height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.body = WrappedBody("", MEASURE)
        self._strips: dict[int, Strip] = {}
        self._strips_style: Style | None = None

    @property
    def wrap_width(self) -> int:
        """The width to wrap a body to now."""
        return self.size.width or MEASURE

    @property
    def plain(self) -> str:
        """The body as shown, as plain text (for tests and copying)."""
        return "\n".join(plain for plain, _spans in self.body.lines)

    def show(self, body: WrappedBody) -> None:
        """Show ``body``; wrapped again (in a thread) if the width has changed since."""
        resized = len(body.lines) != len(self.body.lines)
        self.body = body
        self._strips.clear()
        self.refresh(layout=resized)
        self._check_width()

    def on_resize(self, event: Resize) -> None:
        self._strips.clear()
        self._check_width()

    def _check_width(self) -> None:
        width = self.size.width
        if width and width != self.body.width and self.body.markdown:
            self._rewrap(self.body.markdown, width)

    @work(thread=True, exclusive=True, group="article-wrap")
    def _rewrap(self, markdown: str, width: int) -> None:
        body = wrap_body(markdown, width)
        self.app.call_from_thread(self._rewrapped, body)

    def _rewrapped(self, body: WrappedBody) -> None:
        if body.markdown is self.body.markdown and body.width == self.size.width:
            self.show(body)

    # -- drawing -------------------------------------------------------------------

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.body.lines)

    def render_line(self, y: int) -> Strip:
        base = self.rich_style
        width = self.size.width
        if base != self._strips_style:
            self._strips.clear()
            self._strips_style = base
        selection = self.text_selection
        if selection is None and (strip := self._strips.get(y)) is not None:
            return strip
        if not 0 <= y < len(self.body.lines):
            return Strip.blank(width, base)
        plain, spans = self.body.lines[y]
        offset = Style.from_meta({"offset": (0, y)})  # where a mouse selection is
        selected = selection.get_span(y) if selection is not None else None
        if not spans and selected is None:
            segments = [Segment(plain, base + offset)]
        else:
            # The base style as a span: Text.render leaves out Text.style on a line
            # without spans.
            text = Text(plain, spans=[Span(0, len(plain), base), *spans], end="")
            if selected is not None:
                start, end = selected
                text.stylize(
                    self.screen.get_component_rich_style("screen--selection"),
                    start,
                    len(plain) if end == -1 else end,
                )
            segments = [
                Segment(part, style + offset if style else offset)
                for part, style, _control in text.render(self.app.console)
            ]
        # One Strip, padded here: each Strip made costs (Textual gives it its caches).
        used = cell_len(plain)
        if used < width:
            segments.append(Segment(" " * (width - used), base + offset))
        strip = Strip(segments, max(used, width))
        if used > width:  # wrapped for another width, until wrapped again
            strip = strip.crop(0, width)
        if selection is None:
            self._strips[y] = strip
        return strip

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        return selection.extract(self.plain), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self._strips.clear()
        self.refresh()
