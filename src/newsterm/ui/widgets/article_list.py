"""ArticleList: a line-API virtual list of article rows, paged from the store.

It never holds one widget per row: it keeps the ids of the view, and asks its
``loader`` (given by the screen; an indexed SELECT by id, under a millisecond) for the
rows of the pages it draws. That keeps 100,000 rows as cheap as 10.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from newsterm.core.models import ArticleRow
from newsterm.core.render import reading_minutes
from newsterm.ui.keys import bindings

RowLoader = Callable[[Sequence[int]], list[ArticleRow]]
PAGE = 64


class ArticleList(ScrollView, can_focus=True):
    """The article list of the selected section."""

    COMPONENT_CLASSES = {
        "article-list--cursor",
        "article-list--unread",
        "article-list--read",
        "article-list--meta",
        "article-list--match",
        "article-list--star",
    }

    # The cursor's colours are in newsterm.tcss, with the sidebar's.
    DEFAULT_CSS = """
    ArticleList { background: $surface; overflow-x: hidden; }
    ArticleList > .article-list--unread { text-style: bold; }
    ArticleList > .article-list--read { color: $text-muted; }
    ArticleList > .article-list--meta { color: $text-muted; }
    ArticleList > .article-list--match { background: $warning 40%; }
    ArticleList > .article-list--star { color: $warning; }
    """

    BINDINGS = bindings(
        "list",
        next="cursor_down",
        previous="cursor_up",
        next_page="page_down",
        previous_page="page_up",
    )

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class ArticleSelected(Message):
        """Enter (or a click) on a row: open this article."""

        def __init__(self, article_list: ArticleList, rowid: int, index: int) -> None:
            super().__init__()
            self.article_list = article_list
            self.rowid = rowid
            self.index = index

    def __init__(
        self, loader: RowLoader, *, name: str | None = None, id: str | None = None
    ) -> None:
        super().__init__(name=name, id=id)
        self._loader = loader
        self.ids: list[int] = []
        self._rows: dict[int, ArticleRow] = {}
        self._highlight: re.Pattern[str] | None = None
        self.empty_text = "No articles here."

    # -- data --------------------------------------------------------------------------

    def show(
        self,
        ids: Sequence[int],
        cursor: int = 0,
        highlight: Sequence[str] = (),
        keep_scroll: bool = False,
    ) -> None:
        """Show a new list of article ids (keeps no rows of the previous one)."""
        self.ids = list(ids)
        self._rows.clear()
        words = [re.escape(w) for w in highlight if w]
        self._highlight = re.compile("|".join(words), re.IGNORECASE) if words else None
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.ids))
        self.cursor = max(0, min(cursor, len(self.ids) - 1))
        if not keep_scroll:
            self.scroll_to(y=max(0, self.cursor - self.size.height // 3), animate=False)
        self.refresh()

    def update_row(self, row: ArticleRow) -> None:
        """A row changed (read, starred): redraw it if it is on screen."""
        for index, cached in list(self._rows.items()):
            if cached.rowid == row.rowid:
                self._rows[index] = row
                self.refresh_line(index)

    def invalidate(self) -> None:
        """Rows changed in the store (a bulk mark): reload what is drawn."""
        self._rows.clear()
        self.refresh()

    def row_at(self, index: int) -> ArticleRow | None:
        if not 0 <= index < len(self.ids):
            return None
        row = self._rows.get(index)
        if row is None:
            start = index - index % PAGE
            page = self.ids[start : start + PAGE]
            by_id = {r.rowid: r for r in self._loader(page)}
            for offset, aid in enumerate(page):
                if aid in by_id:
                    self._rows[start + offset] = by_id[aid]
            if len(self._rows) > PAGE * 8:  # keep the cache small
                keep = range(start - PAGE * 2, start + PAGE * 3)
                self._rows = {i: r for i, r in self._rows.items() if i in keep}
            row = self._rows.get(index)
        return row

    @property
    def current(self) -> ArticleRow | None:
        return self.row_at(self.cursor) if self.ids else None

    # -- drawing -------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        base = self.rich_style
        if not self.ids:
            if y == 1:
                meta = base + self.get_component_rich_style("article-list--meta")
                return Strip([Segment("  " + self.empty_text, meta)]).adjust_cell_length(
                    width, base
                )
            return Strip.blank(width, base)
        row = self.row_at(index)
        if row is None:
            return Strip.blank(width, base)
        cursor = index == self.cursor
        if cursor:
            base = base + self.get_component_rich_style("article-list--cursor")
        return Strip(self._segments(row, width, base, cursor)).adjust_cell_length(width, base)

    def _ink(self, name: str, cursor: bool) -> Style:
        """A component's text style without its background, which would hide the
        cursor's; on the cursor row, without its colour too (the cursor's reads best)."""
        style = self.get_component_rich_style(name)
        return Style(
            color=None if cursor else style.color,
            bold=style.bold,
            dim=style.dim,
            italic=style.italic,
            underline=style.underline,
        )

    def _segments(self, row: ArticleRow, width: int, base: Style, cursor: bool) -> list[Segment]:
        """One row: unread dot, star, title (matches highlighted), source, date, minutes."""
        meta = base + self._ink("article-list--meta", cursor)
        weight = base + self._ink(
            "article-list--read" if row.read else "article-list--unread", cursor
        )
        source_width = max(8, min(22, width // 5))
        tail = f" {_date(row.published):>8} {reading_minutes(row.words):>3}m "
        title_width = max(8, width - 5 - source_width - 2 - cell_len(tail))
        segments = [
            Segment(" ● " if not row.read else "   ", weight),
            Segment("★ " if row.starred else "  ", base + self._ink("article-list--star", cursor)),
        ]
        segments += self._title(row.title, title_width, weight)
        segments.append(Segment("  " + _fit(row.source_title, source_width), meta))
        segments.append(Segment(tail, meta))
        return segments

    def _title(self, title: str, width: int, style: Style) -> list[Segment]:
        title = _fit(title, width)
        if self._highlight is None:
            return [Segment(title, style)]
        match_style = style + self.get_component_rich_style("article-list--match")
        out: list[Segment] = []
        position = 0
        for match in self._highlight.finditer(title):
            if match.start() > position:
                out.append(Segment(title[position : match.start()], style))
            out.append(Segment(match.group(), match_style))
            position = match.end()
        out.append(Segment(title[position:], style))
        return out

    def watch_cursor(self, old: int, new: int) -> None:
        if not self.ids:
            return
        self.refresh_line(old)
        self.refresh_line(new)
        self._scroll_cursor_into_view()

    def _scroll_cursor_into_view(self) -> None:
        top = self.scroll_offset.y
        height = max(1, self.scrollable_content_region.height)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.ids))

    # -- keys and mouse --------------------------------------------------------------

    def _move(self, index: int) -> None:
        if self.ids:
            self.cursor = max(0, min(index, len(self.ids) - 1))

    def action_cursor_down(self) -> None:
        self._move(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self._move(self.cursor - 1)

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(len(self.ids) - 1)

    def action_page_down(self) -> None:
        self._move(self.cursor + max(1, self.size.height - 1))

    def action_page_up(self) -> None:
        self._move(self.cursor - max(1, self.size.height - 1))

    def action_open(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.ArticleSelected(self, row.rowid, self.cursor))

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y
        if 0 <= index < len(self.ids):
            self.focus()
            self.cursor = index
            self.action_open()


def _fit(text: str, width: int) -> str:
    """``text`` cut (with …) or padded to exactly ``width`` cells."""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def _date(value: datetime | None) -> str:
    if value is None:
        return "–"
    local = value.astimezone()
    now = datetime.now().astimezone()
    if local.date() == now.date():
        return local.strftime("%H:%M")
    if local.year == now.year:
        return local.strftime("%d %b")
    return local.strftime("%b %Y")
