"""The refresh coordinator: fetch feeds on the event loop, hand bodies to workers.

Network I/O runs on the caller's event loop (httpx); parsing and storing run in a
process pool (:mod:`newsterm.core.refresh.worker`), so a UI on the same loop stays
responsive. Only one process refreshes a feed at a time: feeds are claimed in the
store (a lease) before they are fetched, and a feed another newsterm holds is
reported as such and left to it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from newsterm.core import schedule
from newsterm.core.config import FeedOptions, Settings
from newsterm.core.config_tools import expand_headers
from newsterm.core.errors import ConfigError, StoreError
from newsterm.core.models import Source, SourceReport, SourceState
from newsterm.core.refresh.pool import ParsePool, lock_path_for, worker_count
from newsterm.core.refresh.worker import Failed, FeedJob, Stored
from newsterm.core.store import Fetched, Store, failed_body, lease_owner
from newsterm.core.urls import shown as shown_url

if TYPE_CHECKING:
    from newsterm.core.sources.http import Fetcher, FetchLimits

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int, SourceReport], None]

Unchanged = list[tuple[str, dict[str, str | None]]]
"""Feeds fetched fine but unchanged, with their validators (noted in one transaction)."""

OWNER = lease_owner()
"""Who holds a feed's refresh lease: this process."""


def fetch_limits(settings: Settings) -> FetchLimits:
    """The fetch guards feeds.toml asks for (imports the network stack)."""
    from newsterm.core.sources.http import FetchLimits

    return FetchLimits(
        timeout_seconds=settings.timeout_seconds,
        max_bytes=settings.max_feed_mb * 1024 * 1024,
        concurrency=settings.concurrency,
        # Many feeds share a host (feed services, one site's sections): they go in
        # parallel, but only so many at once, to be polite to that host.
        per_host=min(settings.per_host, settings.concurrency),
    )


def lease_seconds(settings: Settings, feeds: int) -> int:
    """How long a refresh may hold its feeds: long enough for all of them to be
    fetched at the configured concurrency, each within its deadline, and parsed."""
    rounds = -(-feeds // max(1, settings.concurrency))
    return int(60 + rounds * (settings.timeout_seconds + 10))


class Refresher:
    """Refreshes feeds into one store; owns the parsing processes (started when a
    refresh first has a body to parse, or at its start when a feed was never stored)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._pool: ParsePool | None = None
        self._pool_taken = False
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def _take_pool(self) -> tuple[ParsePool, bool]:
        """The parsing processes for one refresh, and whether they are its own: a
        refresh running at the same time (adding a feed during a refresh, in a thread
        of its own) gets a one-worker pool of its own, closed when it ends."""
        with self._lock:
            if self._pool is None:
                self._pool = self._new_pool(worker_count())
            if not self._pool_taken:
                self._pool_taken = True
                return self._pool, False
        return self._new_pool(1), True

    def _give_back(self, pool: ParsePool, own: bool) -> None:
        if own:
            pool.close()
            return
        with self._lock:
            self._pool_taken = False

    async def refresh(
        self,
        sources: Sequence[Source],
        settings: Settings,
        progress: ProgressCallback | None = None,
        options: Mapping[str, FeedOptions] | None = None,
        due: bool = False,
    ) -> list[SourceReport]:
        """Fetch and store ``sources``; one report per feed, in completion order.

        ``options`` are each feed's own settings (else ``settings``'); with ``due``
        only the feeds whose schedule calls for it are fetched (:mod:`.schedule`), and
        a feed inside its server's floor is never fetched (it is reported waiting).
        """
        store = self._store
        options = options or {}
        timings = await asyncio.to_thread(store.feed_timings, [s.key for s in sources])
        held = sources
        sources, waiting = schedule.partition(sources, timings, options, due, time.time())
        total = len(sources) + len(waiting)
        if not sources and not waiting:
            return []  # nothing due: no leases, no network stack
        from newsterm.core.sources.http import Fetcher

        keys = [s.key for s in sources]
        claimed, others = await asyncio.to_thread(
            store.claim_sources, keys, OWNER, lease_seconds(settings, len(keys))
        )
        mine = set(claimed)
        reports = [
            SourceReport(s.key, s.title or shown_url(s.key), skipped=_held_by(others[s.key]))
            for s in sources
            if s.key in others
        ] + [
            SourceReport(s.key, _label(s, timings), waiting=waiting[s.key])
            for s in held
            if s.key in waiting
        ]
        todo = [s for s in sources if s.key in mine]
        unchanged: Unchanged = []
        fetched: list[Fetched] = []
        done = 0
        for report in reports:
            done += 1
            if progress is not None:
                progress(done, total, report)
        pool, own_pool = self._take_pool()
        try:
            async with Fetcher(fetch_limits(settings)) as fetcher:
                states = await asyncio.to_thread(store.source_states, [s.key for s in todo])
                if any(s.key not in states or not states[s.key].body_hash for s in todo):
                    pool.start()  # a new feed: bodies to parse, surely
                # Each host's connections stay open until its last feed is fetched.
                fetcher.expect(_fetch_url(s, states.get(s.key)) for s in todo)
                # A feed holds its slot from its fetch until its worker is done: so many
                # bodies at most wait in this process (fetching outpaces parsing).
                slots = asyncio.Semaphore(max(1, settings.concurrency))
                tasks = [
                    asyncio.create_task(
                        self._refresh_one(
                            fetcher,
                            s,
                            states.get(s.key),
                            options.get(s.key) or _defaults(settings),
                            unchanged,
                            fetched,
                            slots,
                            pool,
                        )
                    )
                    for s in todo
                ]
                for task in asyncio.as_completed(tasks):
                    report = await task
                    reports.append(report)
                    done += 1
                    if progress is not None:
                        progress(done, total, report)
        except asyncio.CancelledError:
            # The app is quitting: keep what was learnt, at once.
            self._note_unchanged(unchanged)
            self._note_fetched(fetched)
            self._release(claimed)
            raise
        finally:
            self._give_back(pool, own_pool)
        await asyncio.to_thread(self._note_unchanged, unchanged)
        await asyncio.to_thread(self._note_fetched, fetched)
        await asyncio.to_thread(self._release, claimed)
        return reports

    def _note_unchanged(self, unchanged: Unchanged) -> None:
        if not unchanged:
            return
        try:
            self._store.record_unchanged(unchanged)
        except StoreError as exc:  # busy: the next refresh asks again, conditionally
            log.warning("unchanged feeds not noted: %s", exc)

    def _note_fetched(self, fetched: list[Fetched]) -> None:
        try:
            self._store.record_timings(fetched)
        except StoreError as exc:  # busy: the schedule starts from the fetch before
            log.warning("fetch times not noted: %s", exc)

    def _release(self, keys: Sequence[str]) -> None:
        try:
            self._store.release_sources(keys, OWNER)
        except StoreError as exc:  # the lease runs out on its own
            log.warning("refresh leases not released: %s", exc)

    async def _refresh_one(
        self,
        fetcher: Fetcher,
        source: Source,
        state: SourceState | None,
        options: FeedOptions,
        unchanged: Unchanged,
        fetched: list[Fetched],
        slots: asyncio.Semaphore,
        pool: ParsePool,
    ) -> SourceReport:
        async with slots:
            return await self._refresh_held(
                fetcher, source, state, options, unchanged, fetched, pool
            )

    async def _refresh_held(
        self,
        fetcher: Fetcher,
        source: Source,
        state: SourceState | None,
        options: FeedOptions,
        unchanged: Unchanged,
        fetched: list[Fetched],
        pool: ParsePool,
    ) -> SourceReport:
        label = source.title or (state.title if state and state.title else None)
        report = SourceReport(source.key, label or shown_url(source.key))
        now = datetime.now(UTC)
        url = _fetch_url(source, state)
        if state and state.retry_after and state.retry_after > now:
            wait = int((state.retry_after - now).total_seconds())
            await fetcher.forget(url)
            return replace(report, error=f"server asked to wait; next try in {wait} s")
        try:
            headers = expand_headers(options.headers, os.environ)
        except ConfigError as exc:
            await fetcher.forget(url)
            await asyncio.to_thread(self._store.record_fetch, source.key, ok=False, error=str(exc))
            return replace(report, error=str(exc))
        try:
            result = await fetcher.fetch(
                url,
                state.etag if state else None,
                state.last_modified if state else None,
                headers=headers,
                user_agent=options.user_agent or None,
            )
            body = result.body if not result.error and not result.not_modified else None
            fetched.append(
                Fetched(
                    source.key,
                    int(now.timestamp()),
                    schedule.feed_ttl(body) if body else None,
                    schedule.max_age(result.cache_control),
                    body=body is not None,
                )
            )
            if result.error:
                retry = (
                    now + timedelta(seconds=result.retry_after_seconds)
                    if result.retry_after_seconds
                    else None
                )
                await asyncio.to_thread(
                    self._store.record_fetch,
                    source.key,
                    ok=False,
                    error=result.error,
                    retry_after=retry,
                )
                return replace(report, error=result.error)
            validators = {
                "etag": result.etag,
                "last_modified": result.last_modified,
                "url": result.permanent_url,
            }
            if result.not_modified or result.body is None:
                unchanged.append((source.key, validators))
                return replace(report, not_modified=True)
            digest = hashlib.sha256(result.body).hexdigest()
            if state and state.body_hash == digest:
                unchanged.append((source.key, validators))
                return replace(report, not_modified=True)
            if state and state.last_error and state.body_hash == failed_body(digest):
                return replace(report, error=state.last_error)  # unreadable, and unchanged
            # The worker parses and stores: this process (the UI's, under the TUI) only
            # fetches, so neither the rows nor the writing compete with the event loop.
            job = FeedJob(
                key=source.key,
                url=result.url,
                content_type=result.content_type,
                section=source.section,
                keep_days=options.keep_days,
                max_articles=options.max_articles,
                body_hash=digest,
                validators=validators,
            )
            payload = (str(self._store.path), result.body, job)
            weight = len(result.body)
            del result, body  # while it waits for a worker, the body's one reference is this
            ok, outcome = await pool.run(payload, weight)
            del payload
            if not ok:
                raise outcome
        except asyncio.CancelledError:
            raise
        except StoreError as exc:  # busy or broken store: the feed is fetched again next time
            return replace(report, error=f"not stored: {exc}")
        except Exception as exc:  # one feed must never break the others
            log.exception("refreshing %s failed", source.key)
            message = f"internal error: {type(exc).__name__}: {exc}"[:200]
            try:
                await asyncio.to_thread(
                    self._store.record_fetch, source.key, ok=False, error=message
                )
            except StoreError:
                log.warning("%s: error not recorded (store busy)", source.key)
            return replace(report, error=message)
        match outcome:
            case Failed(error=error):
                return replace(report, error=error)
            case Stored(title=title, saved=saved, warning=warning):
                return replace(
                    report,
                    title=source.title or title or report.title,
                    new=saved.new,
                    updated=saved.updated,
                    new_ids=saved.new_ids,
                    warning=warning,
                )
        raise AssertionError(outcome)  # pragma: no cover - Outcome has two kinds

    def _new_pool(self, workers: int) -> ParsePool:
        """Parsing processes (each started at its first job)."""
        log_file = next(
            (
                h.baseFilename
                for h in logging.getLogger().handlers
                if isinstance(h, logging.FileHandler)
            ),
            None,
        )
        # The TUI logs to a file (the terminal is its screen); the command line does
        # not. Under the TUI the workers yield the CPU to the event loop that draws.
        return ParsePool(workers, lock_path_for(self._store.path), log_file, log_file is not None)


def _fetch_url(source: Source, state: SourceState | None) -> str:
    """Where ``source`` is fetched from: its permanent new address, once it moved."""
    return (state.url if state else None) or source.key


def _label(source: Source, timings: Mapping[str, schedule.FeedTiming]) -> str:
    timing = timings.get(source.key)
    return source.title or (timing.label if timing else None) or shown_url(source.key)


def _defaults(settings: Settings) -> FeedOptions:
    """The options of a feed feeds.toml says nothing of: the ``[settings]`` ones."""
    return FeedOptions(
        keep_days=settings.keep_days,
        max_articles=settings.max_articles_per_feed,
        user_agent=settings.user_agent,
        headers=settings.headers,
    )


def _held_by(owner: str) -> str:
    return f"another newsterm ({owner}) is refreshing it"
