"""ArticleView: the article pane. Shows prepared text; it never renders HTML itself.

A header (title, where from, when) and the body, an :class:`ArticleBody` of lines
styled and wrapped off the event loop. The pane scrolls both.
"""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from newsterm.core.article_text import article_meta, body_markdown
from newsterm.core.fulltext import origin_line
from newsterm.core.models import StoredArticle
from newsterm.core.render import RenderedArticle
from newsterm.ui.keys import bindings
from newsterm.ui.widgets.article_body import ArticleBody, WrappedBody, wrap_body


class ArticleView(VerticalScroll, can_focus=True):
    """The pane that shows one article: header, body, attachments, numbered links."""

    BINDINGS = bindings(
        "article",
        next="scroll_down",
        previous="scroll_up",
        first="top",
        last="end",
        next_page="page_down",
        previous_page="page_up",
        page_down="read_on",
    )

    class EndReached(Message):
        """``space`` at the end of the article: the screen moves to the next unread."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.article: StoredArticle | None = None
        self.rendered: RenderedArticle | None = None
        self.scroll_positions: dict[int, float] = {}
        self.text_state: str | None = None
        """The line that says which text is shown, while it is not the usual one."""

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(Text("Select an article to read it.", style="dim"), id="article-header")
        yield ArticleBody(id="article-body")

    @property
    def wrap_width(self) -> int:
        """The width a body is to be wrapped to, for :func:`wrap_body`."""
        return self.query_one(ArticleBody).wrap_width

    def show(
        self, article: StoredArticle, rendered: RenderedArticle, body: WrappedBody | None = None
    ) -> None:
        """Show an article; a long one opens where it was left in this session.

        ``body`` is :func:`wrap_body` of :func:`body_markdown`, made off the event loop
        (the screen's worker does); without it, it is made here.
        """
        if self.article is not None:
            # A finished article opens at its top again, the title in sight.
            left = self.article.row.rowid
            if self.at_end:
                self.scroll_positions.pop(left, None)
            else:
                self.scroll_positions[left] = self.scroll_y
        self.article, self.rendered = article, rendered
        self.text_state = None
        self._draw_header()
        if body is None:
            body = wrap_body(body_markdown(article, rendered), self.wrap_width)
        self.query_one(ArticleBody).show(body)
        position = self.scroll_positions.get(article.row.rowid, 0)
        # At once to the top (no frame of the new article at the old one's place);
        # further down once the new body is laid out.
        self.scroll_to(y=0, animate=False)
        if position:
            self.call_after_refresh(self.scroll_to, y=position, animate=False)

    def set_text_state(self, line: str | None) -> None:
        """Say which text the pane shows in ``line`` ("fetching…", why the full article
        is not there) instead of :func:`~newsterm.core.fulltext.origin_line`'s."""
        self.text_state = line
        if self.article is not None:
            self._draw_header()

    def _draw_header(self) -> None:
        article, rendered = self.article, self.rendered
        assert article is not None and rendered is not None
        header = Text(article.row.title, style="bold")
        for line in article_meta(article, rendered):
            header.append("\n")
            header.append(line, style="dim")
        origin = self.text_state or origin_line(article)
        if origin:
            header.append(f"\n{origin}", style="italic")
        if article.note:
            header.append(f"\n({article.note})", style="italic")
        self.query_one("#article-header", Static).update(header)

    @property
    def body_text(self) -> str:
        """The body as shown, as plain text (for tests and copying)."""
        return self.query_one(ArticleBody).plain

    @property
    def at_end(self) -> bool:
        return self.scroll_y >= self.max_scroll_y

    # Every jump is made at once: an animated one (Textual's default for End, a second
    # long) is stopped short by the next key, and End seemed to end lines early.

    def action_read_on(self) -> None:
        """``space``: a page down; at the end, the next unread article."""
        if self.at_end:
            self.post_message(self.EndReached())
        else:
            self.scroll_page_down(animate=False)

    def action_page_down(self) -> None:
        """PgDn: a page down, and nothing else at the end."""
        self.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)

    def action_top(self) -> None:
        self.scroll_home(animate=False)

    def action_end(self) -> None:
        """The last line at once (after the layout in progress, so it is the last)."""
        self.scroll_end(animate=False)
