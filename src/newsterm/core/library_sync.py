"""The Library's part for sync accounts (mixed into
:class:`~newsterm.core.library.Library`): syncing them (alongside a refresh, or alone:
``newsterm sync``), their state for the sidebar and the status line, their feeds as
sidebar rows, and subscribing/unsubscribing on the server. See core/sync/engine.py."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from newsterm.core.config import Config
from newsterm.core.config_accounts import AccountConfig
from newsterm.core.errors import ConfigError
from newsterm.core.models import FeedNode, Source, View
from newsterm.core.store import Store

log = logging.getLogger("newsterm")

if TYPE_CHECKING:
    from newsterm.core.store.sync import AccountState
    from newsterm.core.sync.engine import AccountReport, ProviderFactory


class SyncMixin:
    """Accounts as the reader sees them."""

    _store: Store
    config: Config
    provider_factory: ProviderFactory | None = None
    """Tests may give their own (None: the protocol the account's ``kind`` names)."""

    def match_config(self, config: Config) -> None:
        """The store's sources follow feeds.toml; the feeds of an account no longer in
        it are forgotten (starred articles stay) with its state and queued changes."""
        self._store.sync_sources(config.sources())
        self._store.forget_accounts_except({a.name for a in config.accounts})

    def _account(self, name: str) -> AccountConfig:
        for account in self.config.accounts:
            if account.name == name:
                return account
        raise ConfigError(f"no account {name!r} in feeds.toml")

    async def sync_accounts(
        self, names: Sequence[str] | None = None, force: bool = False
    ) -> list[AccountReport]:
        """Sync the accounts (all, or ``names``) one after the other; an account inside
        its backoff is skipped unless ``force``. Never raises for a server's trouble."""
        from newsterm.core.sync.engine import AccountSync, make_provider

        accounts = [a for a in self.config.accounts if names is None or a.name in names]
        factory = self.provider_factory or make_provider
        settings = self.config.settings
        return [
            await AccountSync(self._store, account, settings, factory).run(force)
            for account in accounts
        ]

    async def push_accounts(self) -> list[AccountReport]:
        """Send the accounts' queued changes now, without pulling (the reader calls it a
        moment after marks, so the server has them soon). Accounts with nothing queued
        are not contacted."""
        from newsterm.core.sync.engine import AccountSync, make_provider

        factory = self.provider_factory or make_provider
        reports = []
        for account in self.config.accounts:
            state = await asyncio.to_thread(self._store.account_state, account.name)
            if state.queued:
                sync = AccountSync(self._store, account, self.config.settings, factory)
                reports.append(await sync.push())
        return reports

    def push_before_closing(self, seconds: float) -> None:
        """At quit: the queued changes get ``seconds`` to reach their servers; what is
        not sent by then stays queued for the next start (nothing is lost)."""
        if not self.config.accounts:
            return

        async def bounded() -> None:
            try:
                await asyncio.wait_for(self.push_accounts(), seconds)
            except TimeoutError:
                log.warning("quitting before the queued changes reached the server")

        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no loop in this thread (the CLI, the TUI once it ended)
            asyncio.run(bounded())
            return
        import threading  # called from a coroutine: the push runs beside its loop

        pusher = threading.Thread(target=asyncio.run, args=(bounded(),), name="push-at-quit")
        pusher.start()
        pusher.join(seconds + 1)

    def sync_accounts_blocking(
        self, names: Sequence[str] | None = None, force: bool = False
    ) -> list[AccountReport]:
        """:meth:`sync_accounts` for callers without an event loop (the CLI)."""
        return asyncio.run(self.sync_accounts(names, force))

    def account_states(self) -> list[AccountState]:
        """Each configured account's state, in config order."""
        return [self._store.account_state(a.name) for a in self.config.accounts]

    def account_status(self) -> str | None:
        """One line for the status bar when an account is not in sync, e.g. ``home:
        offline, 12 changes queued``; None when every account is fine."""
        from newsterm.core.sync.engine import queued_changes

        parts = []
        for state in self.account_states():
            if state.error:
                parts.append(f"{state.name}: offline, {queued_changes(state.queued)}")
            elif state.synced_at is None:
                parts.append(f"{state.name}: not synced yet")
        return "; ".join(parts) or None

    def account_sources(self) -> list[Source]:
        """The accounts' feeds as sources (kind ``remote``), as the last sync left them."""
        return [
            Source(s.key, "remote", s.title, s.section)
            for account in self.config.accounts
            for s in self._store.remote_sources(account.name)
        ]

    def is_account_view(self, view: View) -> bool:
        """Whether ``view`` is an account's section (or inside one) or feed."""
        if view.kind == "source" and view.source:
            return view.source.startswith("account:")
        names = {a.name for a in self.config.accounts}
        return view.kind == "section" and bool(view.section) and view.section[0] in names

    def account_feed_nodes(self) -> list[FeedNode]:
        """The accounts' feeds as sidebar rows, under (account, folder)."""
        counts = self._store.source_counts()
        out = []
        for account in self.config.accounts:
            offline = self._store.account_state(account.name).error  # its feeds get the "!"
            for source in self._store.remote_sources(account.name):
                label, unread, total, error = counts.get(source.key, (source.title, 0, 0, None))
                node = FeedNode(source.key, label, source.section, unread, total, error or offline)
                out.append(node)
        return out

    async def subscribe_remote(self, name: str, url: str, folder: str | None = None) -> str:
        """Subscribe account ``name`` to ``url`` on its server, then sync it; returns
        the new feed's title."""
        return await self._manage(name, lambda p: p.subscribe(url, folder))

    async def unsubscribe_remote(self, key: str) -> str:
        """Unsubscribe an account's feed (its source key) on the server, then sync."""
        name, feed_id = _split_key(key)
        await self._manage(name, lambda p: p.unsubscribe(feed_id))
        return feed_id

    async def move_remote(self, key: str, folder: str | None) -> None:
        """Move an account's feed to ``folder`` (None: none) on the server, then sync."""
        name, feed_id = _split_key(key)
        await self._manage(name, lambda p: p.move(feed_id, folder))

    async def _manage(self, name: str, step):  # type: ignore[no-untyped-def]
        from newsterm.core.sync.engine import AccountSync, make_provider

        account = self._account(name)
        sync = AccountSync(
            self._store, account, self.config.settings, self.provider_factory or make_provider
        )
        try:
            result = await sync._call(step)
        finally:
            if sync._provider is not None:
                await sync._provider.close()
                sync._provider = None
        await sync.run(force=True)
        return getattr(result, "title", result)


def _split_key(key: str) -> tuple[str, str]:
    """(account, feed id) of a source key ``account:<name>:<feed id>``."""
    if not key.startswith("account:") or key.count(":") < 2:
        raise ConfigError(f"{key}: not a feed of a sync account")
    _, name, feed_id = key.split(":", 2)
    return name, feed_id
