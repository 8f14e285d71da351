"""The façade the UI and the CLI use: sections, lists, articles, marks, refresh.

It owns the config and the store, and keeps the heavy pieces (httpx, feedparser, the
process pool) out of start-up: they are imported at the first refresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsterm.core.bodies import Compressor, build_zdict
from newsterm.core.config import Config, Settings
from newsterm.core.errors import ParseError
from newsterm.core.models import (
    ArticleRow,
    FeedNode,
    SectionNode,
    SectionPath,
    Source,
    SourceReport,
    SourceState,
    StoredArticle,
    View,
)
from newsterm.core.render import RenderedArticle, escape_markdown, reading_minutes, render_body
from newsterm.core.sources import local
from newsterm.core.store import SaveResult, Store, fingerprint, prepare
from newsterm.core.text import clean_line, without_userinfo

if TYPE_CHECKING:
    from newsterm.core.sources.http import FetchLimits

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int, SourceReport], None]
_RENDER_CACHE = 64


def today_start() -> int:
    """Unix time of local midnight today (the ``Today`` section)."""
    now = time.localtime()
    return int(time.mktime((now.tm_year, now.tm_mon, now.tm_mday, 0, 0, 0, 0, 0, -1)))


class Library:
    """Everything a reader does, headless. Thread-safe through the store's lock."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self._rendered: OrderedDict[int, RenderedArticle] = OrderedDict()
        self._pool: Executor | None = None
        store.sync_sources(config.sources())

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        try:
            self.store.backup_flags()
        except OSError as exc:
            log.warning("could not back up read state: %s", exc)
        self.store.close()

    # -- local articles ------------------------------------------------------------

    def sync_local(self) -> list[str]:
        """Read new and changed local files into the store; returns warnings."""
        return self.sync_local_files()[0]

    def sync_local_files(self) -> tuple[list[str], bool]:
        """:meth:`sync_local`, and whether the store changed."""
        warnings: list[str] = []
        changed = False
        for source in self.config.sources():
            if source.kind != "local" or source.path is None:
                continue
            root = Path(source.path)
            if not root.exists():
                warnings.append(f"{clean_line(str(root))}: no such file or folder")
                continue
            known = self.store.fingerprints(source.key)
            articles = []
            fingerprints = {}
            unchanged = []
            for file in local.scan(root):
                fingerprints[file.id] = file.fingerprint
                if known.get(file.id) == file.fingerprint:
                    unchanged.append(file.id)
                    continue
                section = local.default_section(root, file, source.section)
                article = local.read_article(root, file, source.key, section)
                if article is None:
                    warnings.append(f"{clean_line(str(file.path))}: skipped (binary or unreadable)")
                    continue
                articles.append(article)
            if articles or set(known) - set(fingerprints):
                # Files with equal dates then list in name order (newest-first lists
                # break ties by insertion, last first).
                articles.reverse()
                keep = set(unchanged) | {a.key.id for a in articles}
                self.store.save_articles(
                    source.key, articles, fingerprints=fingerprints, remove_others=True, keep=keep
                )
                self._rendered.clear()
                changed = True
        return warnings, changed

    # -- what the sidebar shows ------------------------------------------------------

    def sections(self) -> list[SectionNode]:
        """Every section (parents included) with counts that include sub-sections."""
        totals: dict[SectionPath, list[int]] = {}
        for source in self.config.sources():
            if source.kind == "feed":
                for depth in range(1, len(source.section) + 1):
                    totals.setdefault(source.section[:depth], [0, 0])
        for path, unread, total in self.store.sections():
            for depth in range(1, len(path) + 1):
                counts = totals.setdefault(path[:depth], [0, 0])
                counts[0] += unread
                counts[1] += total
        return [
            SectionNode(path, u, t)
            for path, (u, t) in sorted(totals.items(), key=lambda kv: [p.casefold() for p in kv[0]])
        ]

    def feeds(self) -> list[FeedNode]:
        """Every configured feed with its counts and last error, in config order."""
        counts = self.store.source_counts()
        out = []
        for source in self.config.sources():
            if source.kind != "feed":
                continue
            label, unread, total, error = counts.get(source.key, (source.key, 0, 0, None))
            out.append(FeedNode(source.key, label, source.section, unread, total, error))
        return out

    def counts(self) -> dict[str, tuple[int, int]]:
        return self.store.counts(today_start())

    # -- lists and articles ----------------------------------------------------------

    def article_ids(self, view: View, limit: int | None = None) -> list[int]:
        return self.store.article_ids(view, since=today_start(), limit=limit)

    def rows(self, ids: Sequence[int]) -> list[ArticleRow]:
        return self.store.rows(ids)

    def article(self, aid: int) -> StoredArticle | None:
        return self.store.article(aid)

    def rendered(self, article: StoredArticle) -> RenderedArticle:
        """The body made readable (cached): Markdown with numbered links."""
        aid = article.row.rowid
        cached = self._rendered.get(aid)
        if cached is not None:
            self._rendered.move_to_end(aid)
            return cached
        result = with_attachments(
            render_body(
                article.content, article.content_type, article.row.url or article.source_link
            ),
            article,
        )
        self._rendered[aid] = result
        if len(self._rendered) > _RENDER_CACHE:
            self._rendered.popitem(last=False)
        return result

    def set_read(self, ids: Sequence[int], read: bool = True) -> dict[int, bool]:
        return self.store.set_flag(ids, "read", read)

    def set_starred(self, ids: Sequence[int], starred: bool = True) -> dict[int, bool]:
        return self.store.set_flag(ids, "starred", starred)

    def restore(self, flag: str, previous: dict[int, bool]) -> None:
        self.store.restore_flags(flag, previous)

    def find_unread(self, ids: Sequence[int], start: int, forward: bool = True) -> int | None:
        """Index of the first unread article in ``ids`` from ``start`` on (or back)."""
        step = 256
        if forward:
            position = max(0, start)
            while position < len(ids):
                chunk = ids[position : position + step]
                unread = self.store.unread_among(chunk)
                for offset, aid in enumerate(chunk):
                    if aid in unread:
                        return position + offset
                position += step
        else:
            position = min(start, len(ids) - 1)
            while position >= 0:
                low = max(0, position - step + 1)
                chunk = ids[low : position + 1]
                unread = self.store.unread_among(chunk)
                for offset in range(len(chunk) - 1, -1, -1):
                    if chunk[offset] in unread:
                        return low + offset
                position = low - 1
        return None

    def next_place_with_unread(
        self, kind: str, section: SectionPath, source: str | None, forward: bool = True
    ) -> tuple[str, SectionPath, None] | None:
        """The next section in sidebar order, after the current place, with unread articles."""
        nodes = self.sections()
        paths = [n.path for n in nodes]
        if kind in ("section", "source") and section in paths:
            here = paths.index(section)
        else:
            here = -1 if forward else len(paths)
        order = range(here + 1, len(nodes)) if forward else range(here - 1, -1, -1)
        for index in order:
            node = nodes[index]
            related = node.path[: len(section)] == section or section[: len(node.path)] == node.path
            if node.unread and not (kind in ("section", "source") and related):
                return ("section", node.path, None)
        return None

    def search(self, query: str, show_read: bool = True) -> list[int]:
        return self.store.search(query, show_read=show_read)

    # -- refresh -------------------------------------------------------------------

    def feed_sources(self, keys: Sequence[str] | None = None) -> list[Source]:
        wanted = set(keys) if keys is not None else None
        return [
            s
            for s in self.config.sources()
            if s.kind == "feed" and (wanted is None or s.key in wanted)
        ]

    def refresh_sync(
        self, keys: Sequence[str] | None = None, progress: ProgressCallback | None = None
    ) -> list[SourceReport]:
        """:meth:`refresh` for callers without an event loop (the CLI)."""
        return asyncio.run(self.refresh(keys, progress))

    async def refresh(
        self, keys: Sequence[str] | None = None, progress: ProgressCallback | None = None
    ) -> list[SourceReport]:
        """Fetch and store feeds concurrently; one report per feed, in completion order.

        Network I/O runs on the event loop (httpx); parsing and storing run in a process
        pool, so a UI on the same loop stays responsive.
        """
        from newsterm.core.sources.http import Fetcher

        sources = self.feed_sources(keys)
        settings = self.config.settings
        limits = fetch_limits(settings)
        reports: list[SourceReport] = []
        # Feeds that did not change only need "fetched fine at T" noted: all of them in
        # one transaction at the end, not one each (200 commits for a refresh of 304s).
        unchanged: list[tuple[str, dict[str, str | None]]] = []
        try:
            async with Fetcher(limits) as fetcher:
                states = await asyncio.to_thread(self.store.source_states, [s.key for s in sources])
                tasks = [
                    asyncio.create_task(self._refresh_one(fetcher, s, states.get(s.key), unchanged))
                    for s in sources
                ]
                for done, task in enumerate(asyncio.as_completed(tasks), 1):
                    report = await task
                    reports.append(report)
                    if progress is not None:
                        progress(done, len(tasks), report)
        except asyncio.CancelledError:
            if unchanged:  # the app is quitting: keep what was learnt, at once
                self.store.record_unchanged(unchanged)
            raise
        if unchanged:
            await asyncio.to_thread(self.store.record_unchanged, unchanged)
        self._rendered.clear()
        return reports

    async def _refresh_one(  # type: ignore[no-untyped-def]
        self,
        fetcher,
        source: Source,
        state: SourceState | None,
        unchanged: list[tuple[str, dict[str, str | None]]],
    ) -> SourceReport:
        store = self.store
        label = (
            source.title
            or (state.title if state and state.title else None)
            or without_userinfo(source.key)
        )
        report = SourceReport(source.key, label)
        now = datetime.now(UTC)
        if state and state.retry_after and state.retry_after > now:
            wait = int((state.retry_after - now).total_seconds())
            return replace(report, error=f"server asked to wait; next try in {wait} s")
        try:
            result = await fetcher.fetch(
                (state.url if state else None) or source.key,
                state.etag if state else None,
                state.last_modified if state else None,
            )
            if result.error:
                retry = (
                    now + timedelta(seconds=result.retry_after_seconds)
                    if result.retry_after_seconds
                    else None
                )
                await asyncio.to_thread(
                    store.record_fetch, source.key, ok=False, error=result.error, retry_after=retry
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
            settings = self.config.settings
            # The worker parses and stores: this process (the UI's, under the TUI) only
            # fetches, so neither the rows nor the writing compete with the event loop.
            outcome = await asyncio.get_running_loop().run_in_executor(
                self._executor(),
                _parse_and_store,
                str(store.path),
                result.body,
                _FeedJob(
                    key=source.key,
                    url=result.url,
                    content_type=result.content_type,
                    section=source.section,
                    keep_days=settings.keep_days,
                    max_articles=settings.max_articles_per_feed,
                    body_hash=digest,
                    validators=validators,
                ),
            )
            if isinstance(outcome, str):
                return replace(report, error=outcome)
            title, saved, warning = outcome
            label = source.title or title or label
            return replace(
                report, title=label, new=saved.new, updated=saved.updated, warning=warning
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one feed must never break the others
            log.exception("refreshing %s failed", source.key)
            message = f"internal error: {type(exc).__name__}: {exc}"[:200]
            await asyncio.to_thread(store.record_fetch, source.key, ok=False, error=message)
            return replace(report, error=message)

    def _executor(self) -> Executor:
        """The pool that parses and stores: processes, so neither holds the UI's GIL."""
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor
            from multiprocessing import forkserver, resource_tracker

            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["newsterm.core.sources.feeds", "newsterm.core.store"])
            # The helper processes are started with the real stderr: under the TUI
            # sys.stderr is Textual's capture, whose descriptor cannot be passed on.
            captured, sys.stderr = sys.stderr, sys.__stderr__
            try:
                resource_tracker.ensure_running()
                forkserver.ensure_running()
            finally:
                sys.stderr = captured
            log_file = next(
                (
                    h.baseFilename
                    for h in logging.getLogger().handlers
                    if isinstance(h, logging.FileHandler)
                ),
                None,
            )
            self._pool = ProcessPoolExecutor(
                initializer=_worker_init,
                initargs=(log_file, context.Lock()),
                max_workers=max(1, min(4, os.cpu_count() or 1)),
                mp_context=context,
            )
        return self._pool


def article_meta(article: StoredArticle, rendered: RenderedArticle) -> list[str]:
    """The lines under an article's title: where it is from, when, how long to read."""
    row = article.row
    parts = [" › ".join(row.section)] if row.section else []
    if not row.section or row.source_title != row.section[-1]:  # not "Welcome · Welcome"
        parts.append(row.source_title)
    if article.author:
        parts.append(article.author)
    parts.append(
        row.published.astimezone().strftime("%a %d %b %Y %H:%M")
        if row.published
        else "date unknown"
    )
    parts.append(f"{reading_minutes(rendered.words)} min read")
    lines = [" · ".join(p for p in parts if p)]
    if row.url:
        lines.append(row.url)
    return lines


def with_attachments(rendered: RenderedArticle, article: StoredArticle) -> RenderedArticle:
    """Enclosures (podcast audio, images) listed after the body, numbered like links so
    ``3o`` opens attachment 3 too."""
    if not article.enclosures:
        return rendered
    links = list(rendered.links)
    lines = ["", "", "## Attachments", ""]
    for enclosure in article.enclosures:
        if enclosure.url not in links:
            links.append(enclosure.url)
        number = links.index(enclosure.url) + 1
        size = f", {enclosure.length / 1_048_576:.1f} MB" if enclosure.length else ""
        lines.append(f"- [{number}] {enclosure.url} ({enclosure.type or 'file'}{size})")
    return RenderedArticle(
        rendered.markdown.rstrip() + "\n".join(lines), tuple(links), rendered.words
    )


def article_extras(article: StoredArticle) -> list[str]:
    """Markdown lines after the body and its attachments: the categories."""
    lines: list[str] = []
    if article.categories:
        lines += ["", "Tags: " + ", ".join(article.categories)]
    return lines


def article_markdown(article: StoredArticle, rendered: RenderedArticle) -> str:
    """The article as the pane shows it, as Markdown: title, meta lines, body, extras."""
    lines = [f"# {escape_markdown(article.row.title)}", ""]
    lines += article_meta(article, rendered)
    if article.note:
        lines += ["", f"({article.note})"]
    lines += ["", rendered.markdown.strip()]
    lines += article_extras(article)
    return "\n".join(lines).rstrip() + "\n"


def _worker_init(log_file: str | None, write_lock: Any) -> None:
    """A parser process logs where the app logs; under the TUI it never writes to the
    terminal (its stderr would draw over the screen). ``write_lock`` is shared by the
    workers: one stores at a time, and the others wait on it, not in SQLite's busy
    handler, which sleeps in steps of up to 100 ms."""
    global _write_lock
    _write_lock = write_lock
    if log_file is not None:
        logging.basicConfig(
            filename=log_file,
            level=logging.WARNING,
            force=True,
            format="%(asctime)s %(levelname)s %(name)s[worker]: %(message)s",
        )
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the process's lifetime
    # Parsing yields to the UI: on 2 cores the workers otherwise starve the event loop
    # (key -> frame p90 of 230 ms during a refresh).
    with contextlib.suppress(OSError):
        os.nice(5)


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


@dataclass(frozen=True, slots=True)
class _FeedJob:
    """What a worker needs, besides the body, to parse and store one fetched feed."""

    key: str
    url: str
    content_type: str | None
    section: SectionPath
    keep_days: int
    max_articles: int
    body_hash: str
    validators: dict[str, str | None]


_worker_stores: dict[str, Store] = {}
"""Each worker process's connection to the store, by path (opened on first use)."""
_write_lock: Any = contextlib.nullcontext()
"""Held while a worker stores (see :func:`_worker_init`)."""


def _parse_and_store(
    db_path: str, body: bytes, job: _FeedJob
) -> tuple[str | None, SaveResult, str | None] | str:
    """Runs in a worker process: parse the feed and store it in one transaction.

    Returns (the feed's title, what was saved, a warning), or the error message (then
    recorded on the feed, its articles untouched).
    """
    store = _worker_stores.get(db_path)
    if store is None:
        store = _worker_stores[db_path] = Store.attach(Path(db_path))
    known, zdict = store.fingerprints_and_zdict(job.key)
    parsed = _parse(body, job.key, job.url, job.content_type, job.section, known, zdict)
    if isinstance(parsed, str):
        store.record_fetch(job.key, ok=False, error=parsed)
        return parsed
    feed, rows, present, new_zdict = parsed
    with _write_lock:
        saved = store.save_feed(
            job.key,
            rows,
            title=feed.title,
            link=feed.link,
            present=present,
            keep_days=job.keep_days,
            max_articles=job.max_articles,
            zdict=new_zdict,
            body_hash=job.body_hash,
            **job.validators,
        )
    return feed.title, saved, feed.warning


def _parse(  # type: ignore[no-untyped-def]
    body: bytes,
    key: str,
    url: str,
    content_type: str | None,
    section: SectionPath,
    known: dict[str, str],
    zdict: bytes | None,
):
    """Runs in a worker process: parse, and prepare the rows of new or changed articles.

    Bodies are compressed with the feed's dictionary ``zdict``; a feed without one gets
    one made from this fetch's bodies when they are enough to pay for it.
    Returns (the feed without its articles, prepared rows, every id in the feed, the
    new dictionary or None), or the error message.
    """
    from newsterm.core.sources.feeds import parse_feed

    try:
        parsed = parse_feed(body, key, url, content_type)
    except ParseError as exc:
        return str(exc)
    changed = []
    for article in parsed.articles:
        article = replace(article, section=section)
        fp = fingerprint(article)
        if known.get(article.key.id) != fp:
            changed.append((article, fp))
    new_zdict = None
    if zdict is None and changed:  # from every body the feed lists, new or stored
        zdict = new_zdict = build_zdict([a.content for a in parsed.articles])
    compress = Compressor(zdict)
    rows = [prepare(article, fp, compress) for article, fp in changed]
    present = frozenset(a.key.id for a in parsed.articles)
    return replace(parsed, articles=()), rows, present, new_zdict
