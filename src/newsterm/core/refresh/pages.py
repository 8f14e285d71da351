"""Reading articles' web pages for their full text: after a refresh's feed work, and
for one article when the reader asks or opens it.

Network on the caller's event loop (the refresh's :class:`~newsterm.core.sources.http.Fetcher`,
with its deadline, size cap and redirect rules, and limits of its own: a few pages at
once, fewer from one host); extraction in :class:`~.extractor.ExtractorPool`'s
processes; the store in threads. No JavaScript is run: a page that needs it says so.

After a refresh, each feed's newest unread articles whose page was never read (or
failed long enough ago) are considered, :data:`PAGES_PER_FEED` a feed and
:data:`PAGES_PER_PASS` in all, taken from the feeds in turn; which of them are read is
:func:`newsterm.core.fulltext.wants_page`'s choice.

One read of an article's page at a time: whoever asks for a page being read (opening
the article, ``x``, while the pass reads it) waits for that read and gets its outcome;
when the first asker is cancelled (a newer pass replaced it), a waiting one reads the
page itself.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from newsterm.core import fulltext
from newsterm.core.bodies import plain_text
from newsterm.core.config import Settings
from newsterm.core.errors import StoreError
from newsterm.core.models import FullText, FullTextMode
from newsterm.core.refresh.extractor import ExtractorPool
from newsterm.core.sources.extract import Extracted, NotExtracted
from newsterm.core.store import PageCandidate, Store
from newsterm.core.text import clean_line, word_count

if TYPE_CHECKING:
    from newsterm.core.sources.http import Fetcher, FetchLimits

log = logging.getLogger(__name__)

PAGE_CONCURRENCY = 4
"""Pages fetched at once."""
PAGE_PER_HOST = 2
"""Pages fetched at once from one host."""
PAGE_MAX_MB = 5
"""Size cap of a page (after decompression); the fetcher's own cap when smaller."""
PAGES_PER_FEED = 10
PAGES_PER_PASS = 100
_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/xml", "text/xml")

PagesProgress = Callable[[int, int], None]
"""(pages done, pages to read) after each page."""


@dataclass(frozen=True, slots=True)
class PagesReport:
    """What one pass over the pages did."""

    read: int = 0
    """Pages whose article was stored."""
    failed: int = 0
    """Pages that gave none (the reason is stored with the article)."""
    not_summaries: int = 0
    """Articles left alone: their feed's text is the whole article (``auto``)."""


def page_limits(settings: Settings) -> FetchLimits:
    """The fetch guards of pages: the feeds' deadline, smaller caps and concurrency."""
    from newsterm.core.sources.http import FetchLimits

    return FetchLimits(
        timeout_seconds=settings.timeout_seconds,
        max_bytes=min(settings.max_feed_mb, PAGE_MAX_MB) * 1024 * 1024,
        concurrency=PAGE_CONCURRENCY,
        per_host=PAGE_PER_HOST,
    )


class PageReader:
    """Reads pages into one store; the extraction pool is shared with the library."""

    def __init__(self, store: Store, extractor: ExtractorPool) -> None:
        self._store = store
        self._extractor = extractor
        self._reading: dict[int, concurrent.futures.Future[FullText]] = {}
        """The reads under way, by article id (futures of any event loop's, as the
        CLI and the TUI each run their own)."""

    async def read_pending(
        self,
        feeds: Sequence[tuple[str, FullTextMode]],
        settings: Settings,
        progress: PagesProgress | None = None,
    ) -> PagesReport:
        """The pass after a refresh over ``feeds`` (key, full_text mode)."""
        from newsterm.core.sources.http import Fetcher

        chosen, skipped = await asyncio.to_thread(self._choose, feeds)
        if not chosen:
            return PagesReport(not_summaries=skipped)
        done = read = 0
        async with Fetcher(page_limits(settings)) as fetcher:
            tasks = [
                asyncio.create_task(self._read(fetcher, c.article_id, c.url, c.words))
                for c in chosen
            ]
            try:
                for task in asyncio.as_completed(tasks):
                    full = await task
                    done += 1
                    read += full.ok
                    if progress is not None:
                        progress(done, len(chosen))
            except asyncio.CancelledError:
                for task in tasks:
                    task.cancel()
                raise
        return PagesReport(read=read, failed=done - read, not_summaries=skipped)

    async def read_one(self, aid: int, url: str, feed_text: str, settings: Settings) -> FullText:
        """Read one article's page now (the reader asked, or opened it); the outcome is
        stored, and returned."""
        from newsterm.core.sources.http import Fetcher

        limits = page_limits(settings)
        async with Fetcher(limits) as fetcher:
            return await self._read(fetcher, aid, url, word_count(feed_text))

    def _choose(self, feeds: Sequence[tuple[str, FullTextMode]]) -> tuple[list[PageCandidate], int]:
        """The articles to read, taken from the feeds in turn; and how many were left
        because their feed's text is the whole article."""
        retry_before = int((datetime.now(UTC) - timedelta(hours=fulltext.RETRY_HOURS)).timestamp())
        queues: list[list[PageCandidate]] = []
        skipped = 0
        for key, mode in feeds:
            if mode == "never":
                continue
            candidates = self._store.page_candidates(
                key, PAGES_PER_FEED, retry_before, fulltext.MAX_TRIES
            )
            if not candidates:
                continue
            typical = (
                fulltext.typical_words(self._store.feed_word_counts(key))
                if mode == "auto"
                else None
            )
            wanted = [
                c
                for c in candidates
                if fulltext.wants_page(mode, plain_text(c.body, c.content_type), c.words, typical)
            ]
            skipped += len(candidates) - len(wanted)
            if wanted:
                queues.append(wanted)
        chosen: list[PageCandidate] = []
        while queues and len(chosen) < PAGES_PER_PASS:
            for queue in list(queues):
                chosen.append(queue.pop(0))
                if not queue:
                    queues.remove(queue)
                if len(chosen) == PAGES_PER_PASS:
                    break
        return chosen, skipped

    async def _read(self, fetcher: Fetcher, aid: int, url: str, feed_words: int) -> FullText:
        """Read one page, or wait for its read under way (see the module's docstring)."""
        while True:
            shared: concurrent.futures.Future[FullText] = concurrent.futures.Future()
            under_way = self._reading.setdefault(aid, shared)
            if under_way is shared:
                break
            waiting = asyncio.wrap_future(under_way)
            waiting.add_done_callback(_retrieved)  # a cancelled waiter's too
            try:  # shielded: a cancelled waiter leaves the read alone
                return await asyncio.shield(waiting)
            except _Abandoned:
                continue  # its reader was cancelled: read it here
        try:
            full = await self._fetch_and_keep(fetcher, aid, url, feed_words)
        except asyncio.CancelledError:
            shared.set_exception(_Abandoned())
            raise
        except BaseException as exc:
            shared.set_exception(exc)
            raise
        else:
            shared.set_result(full)
            return full
        finally:
            del self._reading[aid]

    async def _fetch_and_keep(
        self, fetcher: Fetcher, aid: int, url: str, feed_words: int
    ) -> FullText:
        """Fetch, extract and store one page; never raises for the page's trouble."""
        now = datetime.now(UTC).replace(microsecond=0)
        result = await fetcher.fetch(url)
        page_url = result.url or url
        if result.error is None and result.body is not None:
            kind = (result.content_type or "text/html").split(";")[0].strip().lower()
            if kind and kind not in _HTML_TYPES:
                error: str | None = f"the link is not a web page ({clean_line(kind, 60)})"
            else:
                extraction = await asyncio.to_thread(
                    self._extractor.extract, result.body, page_url, _charset(result.content_type)
                )
                error = _why_not(extraction, feed_words)
                if error is None:
                    assert isinstance(extraction, Extracted)
                    full = FullText(
                        article_id=aid,
                        content=extraction.content,
                        url=page_url,
                        title=extraction.title,
                        author=extraction.author,
                        published=extraction.published,
                        words=extraction.words,
                        fetched_at=now,
                        note=extraction.note,
                        tries=0,
                    )
                    await self._keep(self._store.save_full_text, full)
                    return full
        else:
            error = result.error or "the server sent no page"
        failed = FullText(aid, "", page_url, None, None, None, 0, now, error=error)
        await self._keep(self._store.record_full_text_error, aid, error, int(now.timestamp()), url)
        return failed

    async def _keep(self, write: Callable[..., object], *args: object) -> None:
        """Store an outcome; a busy store loses it (the page is read again next time)."""
        started = time.monotonic()
        try:
            await asyncio.to_thread(write, *args)
        except StoreError as exc:
            log.warning("full text not stored (%.1f s): %s", time.monotonic() - started, exc)


class _Abandoned(Exception):
    """The read a waiter waited for was cancelled."""


def _retrieved(future: asyncio.Future[FullText]) -> None:
    if not future.cancelled():
        future.exception()  # seen: asyncio logs none as "never retrieved"


def _why_not(extraction: Extracted | NotExtracted, feed_words: int) -> str | None:
    if isinstance(extraction, NotExtracted):
        return extraction.reason
    return fulltext.versus_feed(extraction.words, feed_words)


def _charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'")[:40] or None
    return None
