"""ArticleView: the article pane. Shows prepared text; it never renders HTML itself.

The body is drawn by a stack of Statics, each holding a chunk of whole lines: Textual
re-wraps all of a Static's text whenever its style changes (the pane's focus changes its
background), so one Static holding a 1 MB article took seconds per key press; with
chunks only the ones on screen are drawn again.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widget import AwaitMount
from textual.widgets import Static

from newsterm.core.library import article_extras, article_meta
from newsterm.core.models import StoredArticle
from newsterm.core.render import RenderedArticle
from newsterm.ui.markdown_text import markdown_to_text

CHUNK_CHARS = 8_000
"""Characters of body text per Static (whole lines; a longer line is one chunk)."""


def body_chunks(text: Text, size: int = CHUNK_CHARS) -> list[Text]:
    """``text`` cut at line ends into pieces of about ``size`` characters (at least one)."""
    lines = text.split("\n", allow_blank=True)
    chunks: list[Text] = []
    start = length = 0
    for index, line in enumerate(lines):
        length += len(line) + 1
        if length >= size:
            chunks.append(Text("\n").join(lines[start : index + 1]))
            start, length = index + 1, 0
    if start < len(lines) or not chunks:
        chunks.append(Text("\n").join(lines[start:]))
    return chunks


def body_text(article: StoredArticle, rendered: RenderedArticle) -> Text:
    """The styled body of the pane: rendered Markdown, attachments, tags."""
    body = rendered.markdown.rstrip() + "\n" + "\n".join(article_extras(article))
    return markdown_to_text(body)


class ArticleView(VerticalScroll, can_focus=True):
    """The pane that shows one article: header, body, attachments, numbered links."""

    DEFAULT_CSS = """
    ArticleView > #article-body { height: auto; }
    """

    BINDINGS = [
        Binding("j", "scroll_down", "Scroll down", show=False),
        Binding("k", "scroll_up", "Scroll up", show=False),
        Binding("g", "scroll_home", "Top", show=False),
        Binding("G", "scroll_end", "Bottom", show=False),
        Binding("space,pagedown", "page_down_or_next", "Page down"),
        Binding("pageup,b", "page_up", "Page up", show=False),
    ]

    class EndReached(Message):
        """``space`` at the end of the article: the screen moves to the next unread."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.article: StoredArticle | None = None
        self.rendered: RenderedArticle | None = None
        self.scroll_positions: dict[int, float] = {}

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(Text("Select an article to read it.", style="dim"), id="article-header")
        yield Vertical(Static("", classes="article-chunk"), id="article-body")

    def show(
        self, article: StoredArticle, rendered: RenderedArticle, body: Text | None = None
    ) -> None:
        """Show an article; a long one opens where it was left in this session.

        ``body`` is :func:`body_text` made off the event loop (the screen's worker does);
        without it, it is made here.
        """
        if self.article is not None:
            self.scroll_positions[self.article.row.rowid] = self.scroll_y
        self.article, self.rendered = article, rendered
        header = Text(article.row.title, style="bold")
        for line in article_meta(article, rendered):
            header.append("\n")
            header.append(line, style="dim")
        if article.note:
            header.append(f"\n({article.note})", style="italic")
        self.query_one("#article-header", Static).update(header)
        mounted = self._show_body(body if body is not None else body_text(article, rendered))
        position = self.scroll_positions.get(article.row.rowid, 0)
        self.call_later(self._scroll_when_mounted, mounted, position)

    def clear(self, message: str = "Select an article to read it.") -> None:
        self.article = self.rendered = None
        self.query_one("#article-header", Static).update(Text(message, style="dim"))
        self._show_body(Text())

    def _show_body(self, text: Text) -> AwaitMount | None:
        """Reuse the chunk Statics there are (mounting widgets is the slow part)."""
        container = self.query_one("#article-body", Vertical)
        chunks = body_chunks(text)
        statics = list(container.query(".article-chunk").results(Static))
        with self.app.batch_update():
            for static, chunk in zip(statics, chunks, strict=False):
                static.update(chunk)
            for static in statics[len(chunks) :]:
                static.remove()
            extra = chunks[len(statics) :]
            if extra:
                return container.mount_all(
                    Static(chunk, classes="article-chunk") for chunk in extra
                )
        return None

    async def _scroll_when_mounted(self, mounted: AwaitMount | None, y: float) -> None:
        if mounted is not None:
            await mounted
        self.call_after_refresh(self.scroll_to, y=y, animate=False)

    @property
    def body_text(self) -> str:
        """The body as shown, as plain text (for tests and copying)."""
        return "\n".join(
            str(chunk.content) for chunk in self.query(".article-chunk").results(Static)
        )

    @property
    def at_end(self) -> bool:
        return self.scroll_y >= self.max_scroll_y

    def action_page_down_or_next(self) -> None:
        if self.at_end:
            self.post_message(self.EndReached())
        else:
            self.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)
