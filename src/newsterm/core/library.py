"""The façade the UI, the CLI and ``manage`` use: sections, lists, articles, marks,
refresh, and the little state the reader keeps. It is the only door to the store.

It owns the config, the store, the mark queue (marks never wait for a busy store) and
the refresher, and keeps the heavy pieces (httpx, feedparser, the process pool) out of
start-up: they are imported at the first refresh.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from newsterm.core import navigation
from newsterm.core.config import Config
from newsterm.core.config_file import ConfigChange, ConfigFile
from newsterm.core.errors import StoreBusy
from newsterm.core.hooks import Hooks, new_articles
from newsterm.core.library_feeds import FeedsMixin
from newsterm.core.library_pages import PagesMixin
from newsterm.core.library_queries import QueriesMixin
from newsterm.core.library_sync import SyncMixin
from newsterm.core.library_tools import ToolsMixin
from newsterm.core.marks import MarkQueue
from newsterm.core.models import (
    ArticleRow,
    FeedNode,
    SectionNode,
    SectionPath,
    Source,
    SourceReport,
    StoredArticle,
    View,
)
from newsterm.core.schedule import FeedTiming
from newsterm.core.sources import local
from newsterm.core.store import Store
from newsterm.core.text import clean_line

if TYPE_CHECKING:  # imported when first used: `newsterm unread` starts without them
    from newsterm.core.refresh import ProgressCallback, Refresher
    from newsterm.core.refresh.extractor import ExtractorPool
    from newsterm.core.refresh.pages import PageReader
    from newsterm.core.render import RenderedArticle
    from newsterm.core.sources.extract import Extraction
    from newsterm.core.sync.engine import AccountReport

log = logging.getLogger(__name__)

_RENDER_CACHE = 64
QUIT_WAIT_SECONDS = 3.0
PUSH_AT_QUIT_SECONDS = 3.0
"""How long quitting waits for an account's queued marks to reach its server."""
"""How long closing waits for marks a busy store has not taken yet (then journalled)."""


def today_start() -> int:
    """Unix time of local midnight today (the ``Today`` section)."""
    now = time.localtime()
    return int(time.mktime((now.tm_year, now.tm_mon, now.tm_mday, 0, 0, 0, 0, 0, -1)))


class Library(PagesMixin, QueriesMixin, FeedsMixin, ToolsMixin, SyncMixin):
    """Everything a reader does, headless. Thread-safe through the store's lock."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self._store = store
        self._rendered: OrderedDict[tuple[int, bool], RenderedArticle] = OrderedDict()
        self._marks = MarkQueue(store)
        self._refresher: Refresher | None = None
        """Made at the first refresh (it brings asyncio and the network stack's parts)."""
        self._extractor: ExtractorPool | None = None
        """Made when a page is first read (see :meth:`PagesMixin.extractor`)."""
        self._page_reader: PageReader | None = None
        self._hooks = Hooks(self.article)
        self._config_file = ConfigFile(config.path)
        self._on_config: Callable[[ConfigChange], None] | None = None
        self.show_hidden = False
        """Lists show the articles rules hid too (the TUI's toggle)."""
        self.account_reports: list[AccountReport] = []
        """What the last refresh's account syncs did (``newsterm refresh`` prints them)."""
        self.match_config(config)  # its sources and accounts (library_sync)
        if store.set_rules([(rule.query, rule.action) for rule in config.rules]):
            store.apply_rules()  # a new rule also holds for what is stored
        replayed = self._marks.replay_journal()
        if replayed:
            log.warning("applied %d marks kept from the last session", replayed)

    def close(self, wait: float = QUIT_WAIT_SECONDS) -> int:
        """Close the store; marks still waiting for a busy store get ``wait`` seconds,
        then go to a journal for the next start. Returns how many went there.
        Hooks still running get ``wait`` seconds too, then are stopped."""
        self._hooks.close(wait)
        if self._refresher is not None:
            self._refresher.close()
        if self._extractor is not None:
            self._extractor.close()
        journalled = self._marks.close(wait)
        if not journalled:
            self.push_before_closing(PUSH_AT_QUIT_SECONDS)
        try:
            self._store.backup_flags()
        except OSError as exc:
            log.warning("could not back up read state: %s", exc)
        self._store.close()
        return journalled

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
            known = self._store.fingerprints(source.key)
            articles = []
            fingerprints = {}
            unchanged = []
            for file in local.scan(root):
                fingerprints[file.id] = local.stored_fingerprint(file)
                if known.get(file.id) == fingerprints[file.id]:
                    unchanged.append(file.id)
                    continue
                section = local.default_section(root, file, source.section)
                article = local.read_article(
                    root, file, source.key, section, self._extract_saved_page
                )
                if article is None:
                    warnings.append(f"{clean_line(str(file.path))}: skipped (binary or unreadable)")
                    continue
                articles.append(article)
            if articles or set(known) - set(fingerprints):
                # Files with equal dates then list in name order (newest-first lists
                # break ties by insertion, last first).
                articles.reverse()
                keep = set(unchanged) | {a.key.id for a in articles}
                self._store.save_articles(
                    source.key, articles, fingerprints=fingerprints, remove_others=True, keep=keep
                )
                self._rendered.clear()
                changed = True
        return warnings, changed

    def _extract_saved_page(self, text: str) -> Extraction:
        """A saved page's article, read in an extraction worker (time-limited)."""
        return self.extractor().extract(text, None)

    # -- what the sidebar shows ------------------------------------------------------

    def sections(self) -> list[SectionNode]:
        """Every section (parents included) with counts that include sub-sections."""
        totals: dict[SectionPath, list[int]] = {}
        for source in [*self.config.sources(), *self.account_sources()]:
            if source.kind != "local":
                for depth in range(1, len(source.section) + 1):
                    totals.setdefault(source.section[:depth], [0, 0])
        for path, unread, total in self._store.sections():
            for depth in range(1, len(path) + 1):
                counts = totals.setdefault(path[:depth], [0, 0])
                counts[0] += unread
                counts[1] += total
        return [
            SectionNode(path, u, t)
            for path, (u, t) in sorted(totals.items(), key=lambda kv: [p.casefold() for p in kv[0]])
        ]

    def feed_nodes(self) -> list[FeedNode]:
        """Every configured feed with its counts and last error, in config order."""
        counts = self._store.source_counts()
        out = []
        for source in self.config.sources():
            if source.kind != "feed":
                continue
            label, unread, total, error = counts.get(source.key, (source.key, 0, 0, None))
            out.append(FeedNode(source.key, label, source.section, unread, total, error))
        return out + self.account_feed_nodes()

    def counts(self) -> dict[str, tuple[int, int]]:
        return self._store.counts(today_start())

    def unread_count(self, section: SectionPath | None = None) -> int | None:
        """Unread articles, as stored, in all or in ``section`` with its sub-sections
        (``newsterm unread``); None for a section neither stored nor configured."""
        count = self._store.unread_count(section)
        if count is None and section is not None:
            configured = any(s.section[: len(section)] == section for s in self.config.sources())
            return 0 if configured else None
        return count

    # -- lists and articles ----------------------------------------------------------

    def article_ids(self, view: View, limit: int | None = None) -> list[int]:
        if self.show_hidden:
            view = replace(view, hidden=True)
        return self._store.article_ids(view, since=today_start(), limit=limit)

    def rows(self, ids: Sequence[int]) -> list[ArticleRow]:
        """The list rows of ``ids`` in order, with marks not yet written shown."""
        return self._marks.overlay(self._store.rows(ids))

    def article(self, aid: int) -> StoredArticle | None:
        article = self._store.article(aid)
        if article is None:
            return None
        (row,) = self._marks.overlay([article.row])
        return article if row is article.row else replace(article, row=row)

    def rendered(self, article: StoredArticle) -> RenderedArticle:
        """The body made readable (cached): Markdown with numbered links; the full
        article's when ``article.shows_full`` (see :meth:`with_full_text`)."""
        aid = (article.row.rowid, article.shows_full)
        cached = self._rendered.get(aid)
        if cached is not None:
            self._rendered.move_to_end(aid)
            return cached
        from newsterm.core.article_text import render_article

        result = render_article(article)
        self._rendered[aid] = result
        if len(self._rendered) > _RENDER_CACHE:
            self._rendered.popitem(last=False)
        return result

    def set_read(self, ids: Sequence[int], read: bool = True) -> dict[int, bool]:
        """Mark ``ids`` read (or unread); returns their values before, for undo. Shown at
        once; written at once, or as soon as a busy store is free (never dropped)."""
        return self._marks.mark(ids, "read", read)

    def set_starred(self, ids: Sequence[int], starred: bool = True) -> dict[int, bool]:
        return self._marks.mark(ids, "starred", starred)

    def restore(self, flag: str, previous: dict[int, bool]) -> None:
        """Undo a :meth:`set_read`/:meth:`set_starred` with what it returned."""
        self._marks.restore(flag, previous)

    @property
    def marks_waiting(self) -> int:
        """Marks made while the store was busy, not yet written."""
        return self._marks.waiting

    def on_marks_waiting(self, callback: Callable[[int], None] | None) -> None:
        """Call ``callback`` (from any thread) with the number of marks waiting when it
        changes: the UI says "store busy" while it is not 0."""
        self._marks.on_change = callback

    def find_unread(self, ids: Sequence[int], start: int, forward: bool = True) -> int | None:
        """Index of the first unread article in ``ids`` from ``start`` on (or back)."""
        step = 256
        if forward:
            position = max(0, start)
            while position < len(ids):
                chunk = ids[position : position + step]
                unread = self._unread_among(chunk)
                for offset, aid in enumerate(chunk):
                    if aid in unread:
                        return position + offset
                position += step
        else:
            position = min(start, len(ids) - 1)
            while position >= 0:
                low = max(0, position - step + 1)
                chunk = ids[low : position + 1]
                unread = self._unread_among(chunk)
                for offset in range(len(chunk) - 1, -1, -1):
                    if chunk[offset] in unread:
                        return low + offset
                position = low - 1
        return None

    def next_view_with_unread(
        self, here: View, forward: bool = True, order: Sequence[View] | None = None
    ) -> View | None:
        """The sidebar entry ``n`` (``p``) goes to from ``here``, a feed or a section,
        when its list has no unread article left that way: see :mod:`core.navigation`.

        ``order`` is the sidebar's entries as the reader sees them (the screen passes
        its tree's); without it, :func:`navigation.sidebar_order` of the same counts.
        """
        sections, feeds = self.sections(), self.feed_nodes()
        if order is None:
            order = navigation.sidebar_order(sections, feeds)
        counts = navigation.unread_counts(sections, feeds)
        return navigation.next_view(order, here, counts, forward)

    def unread_rows(self, ids: Sequence[int], limit: int) -> tuple[list[ArticleRow], int]:
        """The first ``limit`` unread rows of ``ids`` in order, and how many are unread."""
        unread: list[int] = []
        for start in range(0, len(ids), 512):
            chunk = ids[start : start + 512]
            found = self._unread_among(chunk)
            unread += [aid for aid in chunk if aid in found]
        return self.rows(unread[:limit]), len(unread)

    def _feed_timings(self, keys: Sequence[str]) -> dict[str, FeedTiming]:
        """When these feeds were fetched and their floors (for :class:`ToolsMixin`)."""
        return self._store.feed_timings(keys)

    def _unread_among(self, ids: Sequence[int]) -> set[int]:
        return self._marks.unread(ids, self._store.unread_among(ids))

    # -- refresh -------------------------------------------------------------------

    def configured_feeds(self, keys: Sequence[str] | None = None) -> list[Source]:
        """The configured feeds (all, or those of ``keys``), in config order."""
        wanted = set(keys) if keys is not None else None
        return [
            s
            for s in self.config.sources()
            if s.kind == "feed" and (wanted is None or s.key in wanted)
        ]

    def refresh_sync(
        self,
        keys: Sequence[str] | None = None,
        progress: ProgressCallback | None = None,
        due: bool = False,
    ) -> list[SourceReport]:
        """:meth:`refresh` for callers without an event loop (the CLI)."""
        import asyncio

        return asyncio.run(self.refresh(keys, progress, due))

    async def refresh(
        self,
        keys: Sequence[str] | None = None,
        progress: ProgressCallback | None = None,
        due: bool = False,
    ) -> list[SourceReport]:
        """Fetch and store feeds concurrently; one report per feed, in completion order.

        feeds.toml is read again first when it changed on disk (:meth:`follow_config`).
        Disabled feeds are left out; with ``due``, so are feeds whose schedule does not
        call for a fetch yet. A feed inside its server's floor is never fetched (its
        report says it is waiting); one another newsterm is refreshing is left to it.
        Then ``[hooks]`` run, in a thread of their own, if articles were new.
        See :mod:`newsterm.core.refresh` and :mod:`newsterm.core.schedule`.
        """
        import asyncio

        from newsterm.core.refresh import Refresher

        if self._refresher is None:
            self._refresher = Refresher(self._store)
        await asyncio.to_thread(self.follow_config)
        config = self.config
        options = self.feed_options(keys)
        sources = [s for s in self.configured_feeds(keys) if options[s.key].enabled]
        refreshing = self._refresher.refresh(sources, config.settings, progress, options, due)
        if keys is None and config.accounts:  # the accounts alongside (core/sync)
            reports, self.account_reports = await asyncio.gather(refreshing, self.sync_accounts())
        else:
            reports = await refreshing
        self._rendered.clear()
        new = new_articles(reports, {s.key: s.section for s in sources})
        self._hooks.after_refresh(config.hooks, new)
        return reports

    # -- feeds (for manage) ------------------------------------------------------------

    def use_config(self, config: Config) -> None:
        """Follow a changed feeds.toml: the store's sources are made to match it."""
        self.match_config(config)
        if self._store.set_rules([(rule.query, rule.action) for rule in config.rules]):
            self._store.apply_rules()
        self.config = config
        self._config_file.seen(config.path)
        self._rendered.clear()

    # -- what the reader keeps between sessions --------------------------------------

    def saved(self, key: str) -> str | None:
        """A value the UI saved under ``key`` (the theme, the place it was at)."""
        return self._store.get_state(key)

    def save(self, key: str, value: str) -> None:
        """Keep a UI value; a busy store skips it (logged): it is only a convenience."""
        try:
            with self._store.waiting_at_most(1.0):
                self._store.set_state(key, value)
        except StoreBusy as exc:
            log.warning("%s not saved: %s", key, exc)

    def changed_elsewhere(self) -> bool:
        """Whether another connection wrote to the store since the last call (a cron
        refresh, a second newsterm, this program's refresh workers)."""
        return self._store.changed_elsewhere()
