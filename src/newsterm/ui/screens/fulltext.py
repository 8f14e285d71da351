"""The full article in the pane (mixed into the main screen): which text is shown, the
``x`` key that switches between the full article and the feed's text, and the page
reads that never hold up the UI.

Opening an article shows its full article when one is stored; when its feed's
``full_text`` asks for one that is not read yet, the feed's text is shown at once and
the page is read in a worker ("fetching the full article…"), then shown. ``x`` switches
the texts, reading the page first if need be; a page without an article leaves the
feed's text, and the pane says why in one line. After each refresh the pages its feeds
ask for are read in a worker of their own, which the next refresh does not wait for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from newsterm.core.actions import BY_ID
from newsterm.core.fulltext import origin_line
from newsterm.core.library import Library
from newsterm.core.models import FullText, StoredArticle
from newsterm.core.render import RenderedArticle
from newsterm.ui.keys import keys_text
from newsterm.ui.messages import ArticleLoaded, RefreshFinished
from newsterm.ui.widgets.article_list import ArticleList
from newsterm.ui.widgets.article_view import ArticleView
from newsterm.ui.workers import work

if TYPE_CHECKING:
    from textual.screen import Screen

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object

FETCHING = "fetching the full article…"


class FullTextActions(_ScreenBase):
    """``x`` and the page reads of the main screen."""

    library: Library

    def load_article(self, rowid: int, focus: bool = True, mark: bool = True) -> None:
        raise NotImplementedError  # the main screen's

    @property
    def _full_texts(self) -> _FullTextState:
        state = self.__dict__.get("_full_text_state")
        if state is None:
            state = self.__dict__["_full_text_state"] = _FullTextState()
        return state

    def shown_text(self, article: StoredArticle) -> tuple[StoredArticle, RenderedArticle]:
        """(In the article worker's thread.) The article with the text to show, and
        that text rendered; the page is read now when its feed asks for it."""
        aid = article.row.rowid
        state = self._full_texts
        article = self.library.with_full_text(article, state.chosen.get(aid))
        if (
            aid not in state.reading
            and aid not in state.asked
            and self.library.page_wanted(article)
        ):
            state.asked.add(aid)  # once a session: a page that failed is not fetched again
            self.app.call_from_thread(self._read_page, aid)
        return article, self.library.rendered(article)

    def action_toggle_full_text(self) -> None:
        view = self.query_one(ArticleView)
        article = view.article
        if article is None:
            self.app.notify("Open an article first.", timeout=3)
            return
        aid = article.row.rowid
        full = article.full_text
        if article.row.key.source.startswith("local:"):
            self.app.notify("A local file has no web page to read.", timeout=3)
        elif article.shows_full or (full is not None and full.ok):
            self._full_texts.chosen[aid] = not article.shows_full
            self.load_article(aid, focus=isinstance(self.focused, ArticleView), mark=False)
        elif not article.row.url:
            self.app.notify("This article has no link to read it from.", severity="warning")
        elif aid in self._full_texts.reading:
            self.app.notify("The full article is being fetched.", timeout=3)
        else:
            self._read_page(aid)

    def _read_page(self, aid: int) -> None:
        """Read article ``aid``'s page in a worker; the pane says so meanwhile."""
        self._full_texts.reading.add(aid)
        self._show_state(aid, FETCHING)
        self._page_worker(aid)

    @work(group="full-text")
    async def _page_worker(self, aid: int) -> None:
        full: FullText | None = None
        try:
            full = await self.library.read_page(aid)
        finally:  # a failure too ends "fetching…" (and the error handler says why)
            self._full_texts.reading.discard(aid)
            self._page_read(aid, full)

    def _page_read(self, aid: int, full: FullText | None) -> None:
        view = self.query_one(ArticleView)
        is_open = view.article is not None and view.article.row.rowid == aid
        if full is not None and full.ok:
            self._full_texts.chosen[aid] = True
            if is_open:
                self.load_article(aid, focus=isinstance(self.focused, ArticleView), mark=False)
            return
        reason = full.error if full is not None and full.error else "no article found on the page"
        line = f"from the feed · no full article: {reason}"
        self._full_texts.failed[aid] = line
        if is_open:
            self._show_state(aid, line)
            self.app.notify(line, severity="warning", markup=False, timeout=6)

    def _show_state(self, aid: int, line: str | None) -> None:
        view = self.query_one(ArticleView)
        if view.article is not None and view.article.row.rowid == aid:
            view.set_text_state(line)

    def on_article_loaded(self, message: ArticleLoaded) -> None:
        """After the pane shows an article (the main screen's handler runs first): the
        line saying which text it is, and the key that switches. (A mixin's handlers
        go by name: ``@on`` registers only in classes made by Textual's metaclass.)"""
        article = message.article
        aid = article.row.rowid
        state = self._full_texts
        if aid in state.reading:
            line: str | None = FETCHING
        elif aid in state.failed and not article.shows_full:
            line = state.failed[aid]
        else:
            line = origin_line(article)
            if line and article.row.url:
                key = keys_text(BY_ID["toggle_full_text"], getattr(self.app, "rebound_keys", {}))
                other = "the feed's text" if article.shows_full else "the full article"
                line = f"{line} · {key}: {other}"
        self.query_one(ArticleView).set_text_state(line)

    def on_refresh_finished(self, message: RefreshFinished) -> None:
        self._pages_worker()

    @work(exclusive=True, group="full-text-pages")
    async def _pages_worker(self) -> None:
        """The pages the feeds ask for, after a refresh (a newer pass replaces this one)."""
        status = self.query_one("#status", Static)
        summary = status.content  # the refresh's ("3 new"): the pages' count follows it
        before = f"{summary} · " if isinstance(summary, str | Text) and str(summary) else ""

        def progress(done: int, total: int) -> None:
            status.update(Text(f"{before}full articles {done}/{total}"), layout=False)

        report = await self.library.read_pages(progress=progress)
        if report.read or report.failed:
            plural = "" if report.read == 1 else "s"
            status.update(Text(f"{before}{report.read} full article{plural}"), layout=False)
        if report.read:  # their reading times are the full articles' now
            self.query_one(ArticleList).invalidate()


class _FullTextState:
    """What the screen knows of full articles in this session."""

    def __init__(self) -> None:
        self.chosen: dict[int, bool] = {}
        """Articles the reader switched: True for the full article, False for the feed's."""
        self.reading: set[int] = set()
        """Articles whose page is being read."""
        self.asked: set[int] = set()
        """Articles whose page opening them read (or is reading)."""
        self.failed: dict[int, str] = {}
        """Why the page of an article gave none (the line the pane shows)."""
