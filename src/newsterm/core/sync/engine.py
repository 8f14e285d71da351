"""The sync of one account (issue 17): push the outbox, then pull.

For an account, in this order: (1) the outbox is pushed in batches, each batch deleted
once the server took it (a change queued meanwhile has a new id and stays); (2) the
subscriptions: each feed a source ``account:<name>:<feed id>`` in the section
(account name, folder), feeds gone from the server forgotten (starred articles stay);
(3) new items, from the stored cursor; (4) the unread and starred id sets, which set
the flags of every stored article of the account, except those with a queued change.

Any error ends the sync with one line on the account's state and a backoff; nothing
stored is lost (the outbox stays until pushed). A session that ended
(:class:`SyncAuthExpired`) is logged in again once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from newsterm.core.config_accounts import AccountConfig, account_password
from newsterm.core.config_settings import Settings
from newsterm.core.errors import NewstermError, SyncAuthError, SyncAuthExpired, SyncError
from newsterm.core.models import Article, ArticleKey
from newsterm.core.sources.http import FetchLimits
from newsterm.core.store import Store
from newsterm.core.sync.provider import Change, Provider, Pull, RemoteItem

log = logging.getLogger(__name__)

BACKOFF = (60, 300, 900, 3600)
"""Seconds before the next automatic sync after 1, 2, 3, 4+ failures in a row."""
AUTH_BACKOFF = (3600,)
"""After a refused password: fix it (feeds.toml, the password command) or sync by hand."""
PUSH_BATCH = 500
MISSING_MAX = 1000
"""Unread or starred items older than the pulls fetched by id in one sync at most."""
PULLS_MAX = 50
"""Pages of new items one sync takes at most (the rest come at the next)."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class AccountReport:
    """What one account's sync did."""

    name: str
    pushed: int = 0
    """Changes the server took."""
    new: int = 0
    """Articles added."""
    changed: int = 0
    """Stored articles whose read/starred flags the server changed."""
    feeds: int = 0
    error: str | None = None
    queued: int = 0
    """Changes still in the outbox."""
    skipped: bool = False
    """Not tried: inside its backoff."""

    def line(self) -> str:
        """One line for ``newsterm refresh``/``sync`` and the status bar."""
        if self.skipped:
            return f"{self.name}: waiting to retry ({self.error}); {queued_changes(self.queued)}"
        if self.error:
            return f"{self.name}: offline ({self.error}), {queued_changes(self.queued)}"
        return (
            f"{self.name}: {self.feeds} feeds, {self.new} new, {self.changed} marks from the "
            f"server, {self.pushed} sent"
        )


def make_provider(account: AccountConfig, password: str, limits: FetchLimits) -> Provider:
    """The account's protocol."""
    if account.kind == "greader":
        from newsterm.core.sync.greader import GReader

        return GReader(account.url, account.user, password, limits=limits)
    from newsterm.core.sync.ttrss import TtrssProvider

    return TtrssProvider(account.url, account.user, password, limits=limits)


ProviderFactory = Callable[[AccountConfig, str, FetchLimits], Provider]


def queued_changes(count: int) -> str:
    """ "1 change queued", "12 changes queued"."""
    return f"{count} change queued" if count == 1 else f"{count} changes queued"


class AccountSync:
    """One sync of one account into the store."""

    def __init__(
        self,
        store: Store,
        account: AccountConfig,
        settings: Settings,
        factory: ProviderFactory = make_provider,
    ) -> None:
        self.store = store
        self.account = account
        self.settings = settings
        self.factory = factory
        self._provider: Provider | None = None

    async def run(self, force: bool = False) -> AccountReport:
        """Sync; never raises for the server's or the network's trouble."""
        import asyncio

        name = self.account.name
        state = await asyncio.to_thread(self.store.account_state, name)
        if not force and state.retry_at is not None and state.retry_at.timestamp() > time.time():
            return AccountReport(name, error=state.error, queued=state.queued, skipped=True)
        try:
            report = await self._sync(state.cursor)
        except SyncError as exc:
            backoff = AUTH_BACKOFF if isinstance(exc, SyncAuthError) else BACKOFF
            message = str(exc)
            log.warning("%s: sync failed: %s", name, message)
            state = await asyncio.to_thread(self.store.record_account_error, name, message, backoff)
            return AccountReport(name, error=message, queued=state.queued)
        except NewstermError as exc:  # the store's trouble: told, the next sync tries again
            log.warning("%s: sync stopped: %s", name, exc)
            return AccountReport(name, error=str(exc), queued=state.queued)
        finally:
            if self._provider is not None:
                try:
                    await self._provider.close()
                except (NewstermError, OSError) as exc:
                    log.warning("%s: closing: %s", name, exc)
                self._provider = None
        return report

    async def push(self) -> AccountReport:
        """Only send the queued changes (after marks in the reader, and when it quits):
        no pull. Never raises for the server's or the network's trouble; what could not
        be sent stays queued for the next sync."""
        import asyncio

        name = self.account.name
        try:
            pushed = await self._push()
        except SyncError as exc:
            backoff = AUTH_BACKOFF if isinstance(exc, SyncAuthError) else BACKOFF
            state = await asyncio.to_thread(
                self.store.record_account_error, name, str(exc), backoff
            )
            return AccountReport(name, error=str(exc), queued=state.queued)
        except NewstermError as exc:
            log.warning("%s: push stopped: %s", name, exc)
            return AccountReport(name, error=str(exc))
        finally:
            if self._provider is not None:
                try:
                    await self._provider.close()
                except (NewstermError, OSError) as exc:
                    log.warning("%s: closing: %s", name, exc)
                self._provider = None
        return AccountReport(name, pushed=pushed)

    async def _call(self, step: Callable[[Provider], Awaitable[T]]) -> T:
        """One provider call; after a session ended, a new login and the call again."""
        import asyncio

        if self._provider is None:
            password = await asyncio.to_thread(account_password, self.account)
            self._provider = self.factory(self.account, password, FetchLimits())
            await self._provider.login()
        try:
            return await step(self._provider)
        except SyncAuthExpired:
            await self._provider.login()
            return await step(self._provider)

    async def _sync(self, cursor: str | None) -> AccountReport:
        import asyncio

        store, name = self.store, self.account.name
        pushed = await self._push()
        feeds = await self._call(lambda p: p.subscriptions())
        keys = {f.id: self.account.key_prefix + f.id for f in feeds}
        for feed in feeds:
            section = (name, feed.folder) if feed.folder else (name,)
            await asyncio.to_thread(
                store.save_remote_feed, keys[feed.id], feed.title, feed.url, feed.site_url, section
            )
        for old in await asyncio.to_thread(store.remote_sources, name):
            if old.feed_id not in keys:
                await asyncio.to_thread(store.forget_remote_feed, old.key)
        new = 0
        pulled: set[str] = set()
        for _ in range(PULLS_MAX):

            async def pull(p: Provider, at: str | None = cursor) -> Pull:
                return await p.pull(at)

            page = await self._call(pull)
            pulled.update(item.id for item in page.items)
            new += await asyncio.to_thread(self._save_items, page.items, keys)
            cursor = page.cursor
            await asyncio.to_thread(store.record_account_cursor, name, cursor)
            if not page.more:
                break
        unread = await self._call(lambda p: p.ids("read"))
        starred = await self._call(lambda p: p.ids("starred"))
        new += await self._fetch_missing((unread | starred) - pulled, keys)
        changed = await asyncio.to_thread(store.reconcile, name, "read", unread)
        changed += await asyncio.to_thread(store.reconcile, name, "starred", starred)
        s = self.settings
        for key in keys.values():  # retention as for a feed; what was just pulled stays
            await asyncio.to_thread(store.prune, key, s.keep_days, s.max_articles_per_feed, pulled)
        await asyncio.to_thread(store.record_account_sync, name, cursor)
        state = await asyncio.to_thread(store.account_state, name)
        return AccountReport(name, pushed, new, changed, len(feeds), None, state.queued)

    async def _fetch_missing(self, wanted: set[str], keys: dict[str, str]) -> int:
        """Unread or starred items never pulled (older than the first pull's window),
        when the provider can fetch items by id (its optional ``items``)."""
        import asyncio

        stored = await asyncio.to_thread(self.store.remote_guids, self.account.name)
        missing = sorted(wanted - stored)[:MISSING_MAX]
        if not missing or not hasattr(self._provider, "items"):
            return 0

        async def fetch(p: Provider) -> Sequence[RemoteItem]:
            items: Sequence[RemoteItem] = await p.items(missing)  # type: ignore[attr-defined]
            return items

        found = await self._call(fetch)
        return await asyncio.to_thread(self._save_items, found, keys)

    async def _push(self) -> int:
        """The outbox, batch by batch, each deleted once the server has it."""
        import asyncio

        pushed = 0
        while True:
            rows = await asyncio.to_thread(self.store.outbox, self.account.name, PUSH_BATCH)
            if not rows:
                return pushed
            changes = [Change(item, flag, value) for _, item, flag, value in rows]  # type: ignore[arg-type]

            async def push(p: Provider, batch: list[Change] = changes) -> None:
                await p.push(batch)

            await self._call(push)
            await asyncio.to_thread(self.store.outbox_pushed, [row[0] for row in rows])
            pushed += len(rows)

    def _save_items(self, items: Sequence[RemoteItem], keys: dict[str, str]) -> int:
        """Pulled items into their feeds' sources (an item of a feed not listed is left
        for the next sync, when the feed is)."""
        by_key: dict[str, list[RemoteItem]] = {}
        for item in items:
            key = keys.get(item.feed_id)
            if key is not None:
                by_key.setdefault(key, []).append(item)
        section_of = {s.key: s.section for s in self.store.remote_sources(self.account.name)}
        new = 0
        for key, batch in by_key.items():
            articles = [
                Article(
                    ArticleKey(key, item.id),
                    item.title,
                    section_of.get(key, (self.account.name,)),
                    item.url,
                    item.author,
                    item.published,
                    content=item.content,
                )  # fmt: skip
                for item in batch
            ]
            flags = {item.id: (item.read, item.starred) for item in batch}
            new += self.store.save_remote_items(self.account.name, key, articles, flags)
        return new
