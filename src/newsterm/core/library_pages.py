"""The Library's full articles (mixed into :class:`~newsterm.core.library.Library`):
which text an article shows, and reading its web page now or after a refresh
(core/fulltext.py decides when; core/refresh/pages.py reads them)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from newsterm.core import fulltext
from newsterm.core.bodies import plain_text
from newsterm.core.config import Config
from newsterm.core.models import (
    FullText,
    FullTextMode,
    Source,
    StoredArticle,
)
from newsterm.core.store import Store

if TYPE_CHECKING:  # imported when first used: `newsterm unread` starts without them
    from newsterm.core.refresh.extractor import ExtractorPool
    from newsterm.core.refresh.pages import PageReader, PagesProgress, PagesReport
    from newsterm.core.render import RenderedArticle


class PagesMixin:
    """Full articles, read from their pages."""

    config: Config
    _store: Store
    _extractor: ExtractorPool | None
    _page_reader: PageReader | None
    _rendered: OrderedDict[tuple[int, bool], RenderedArticle]

    def extractor(self) -> ExtractorPool:
        """The pool of extraction workers, made when first needed."""
        if self._extractor is None:
            from newsterm.core.refresh.extractor import ExtractorPool

            self._extractor = ExtractorPool()
        return self._extractor

    def page_reader(self) -> PageReader:
        """What reads articles' web pages, made when first needed."""
        if self._page_reader is None:
            from newsterm.core.refresh.pages import PageReader

            self._page_reader = PageReader(self._store, self.extractor())
        return self._page_reader

    def configured_feeds(self, keys: Sequence[str] | None = None) -> list[Source]:
        raise NotImplementedError  # the Library's

    def full_text_mode(self, key: str) -> FullTextMode:
        """The ``full_text`` setting of source ``key`` (a local source: never)."""
        if key.startswith("local:"):
            return "never"
        return self.config.full_text_mode(key)

    def with_full_text(self, article: StoredArticle, full: bool | None = None) -> StoredArticle:
        """``article`` with its stored full text, shown (``full=True``), or not
        (``False``); by default shown when there is one."""
        stored = self._store.full_text(article.row.rowid)
        shows = stored is not None and stored.ok and full is not False
        author = article.author
        if shows and stored is not None and not author:
            author = stored.author  # the page's byline, where the feed named nobody
        return replace(article, full_text=stored, shows_full=shows, author=author)

    def page_wanted(self, article: StoredArticle) -> bool:
        """Whether opening ``article`` reads its page now (an automatic fetch: its feed's
        ``full_text`` asks for it, and the page was not read, or may be tried again).
        ``article`` comes from :meth:`with_full_text`."""
        url = article.row.url
        if not url or article.full_text is not None and article.full_text.ok:
            return False
        if not fulltext.may_retry(article.full_text, datetime.now(UTC)):
            return False
        key = article.row.key.source
        mode = self.full_text_mode(key)
        if mode == "auto":  # the feed's typical length, only when the text is not short
            text = plain_text(article.content, article.content_type)
            words = article.row.words
            typical = (
                fulltext.typical_words(self._store.feed_word_counts(key))
                if words >= fulltext.SUMMARY_WORDS
                else None
            )
            return fulltext.wants_page(mode, text, words, typical)
        return fulltext.wants_page(mode, "", article.row.words, None)

    async def read_page(self, aid: int) -> FullText | None:
        """Read article ``aid``'s page now and keep its article (or why there is none);
        None when the article is gone or has no link. Drops the rendering cached."""
        article = self._store.article(aid)
        if article is None or not article.row.url:
            return None
        full = await self.page_reader().read_one(
            aid,
            article.row.url,
            plain_text(article.content, article.content_type),
            self.config.settings,
        )
        self._rendered.pop((aid, True), None)
        return full

    def read_page_sync(self, aid: int) -> FullText | None:
        """:meth:`read_page` for callers without an event loop (``newsterm show``)."""
        import asyncio

        return asyncio.run(self.read_page(aid))

    async def read_pages(
        self, keys: Sequence[str] | None = None, progress: PagesProgress | None = None
    ) -> PagesReport:
        """After a refresh: read the pages its feeds' ``full_text`` asks for (see
        :mod:`newsterm.core.refresh.pages`)."""
        feeds = [(s.key, self.full_text_mode(s.key)) for s in self.configured_feeds(keys)]
        report = await self.page_reader().read_pending(feeds, self.config.settings, progress)
        if report.read:
            self._rendered.clear()
        return report

    def read_pages_sync(
        self, keys: Sequence[str] | None = None, progress: PagesProgress | None = None
    ) -> PagesReport:
        """:meth:`read_pages` for callers without an event loop (the CLI)."""
        import asyncio

        return asyncio.run(self.read_pages(keys, progress))
