"""Sync accounts (issue 17): each account's state (cursor, last sync and error,
backoff), its feeds as sources of kind ``remote`` (keyed ``account:<name>:<feed id>``,
their articles keyed by the server's item id), and the **outbox**: the flags the reader
set on an account's articles, queued as desired states in the mark's own transaction
(:func:`queue_marks`, called by :mod:`.flags`) until the engine has pushed them.

A pull never changes a flag that still has a queued change (:meth:`SyncMixin.reconcile`,
:meth:`SyncMixin.save_remote_items`): the reader's latest word wins until the server has it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from newsterm.core.models import Article, SectionPath
from newsterm.core.store._base import _chunks, _dt, wrap_exceptions
from newsterm.core.store.articles import ArticlesMixin
from newsterm.core.store.outbox import ACCOUNT_OF_KEY as _ACCOUNT_OF_KEY
from newsterm.core.text import clean_line


@dataclass(frozen=True, slots=True)
class AccountState:
    """What the store knows of an account's syncs."""

    name: str
    cursor: str | None = None
    """Where the next pull starts (the provider's, opaque)."""
    synced_at: datetime | None = None
    """The last sync that worked."""
    error: str | None = None
    """The last sync's error (one line), None when it worked."""
    error_at: datetime | None = None
    failures: int = 0
    """Failed syncs in a row (the backoff grows with them)."""
    retry_at: datetime | None = None
    """No automatic sync before this (the backoff)."""
    queued: int = 0
    """Changes in the outbox, not yet on the server."""


@dataclass(frozen=True, slots=True)
class RemoteSource:
    """A feed of an account as the store keeps it."""

    key: str
    feed_id: str
    title: str
    url: str | None
    section: SectionPath


class SyncMixin(ArticlesMixin):
    # -- accounts' state -------------------------------------------------------------

    @wrap_exceptions
    def account_state(self, name: str) -> AccountState:
        rows = self._query(
            "SELECT cursor, synced_at, error, error_at, failures, retry_at FROM accounts "
            "WHERE name = ?",
            (name,),
        )
        (queued,) = self._query("SELECT count(*) FROM outbox WHERE account = ?", (name,))[0]
        if not rows:
            return AccountState(name, queued=queued)
        cursor, synced, error, error_at, failures, retry = rows[0]
        return AccountState(
            name, cursor, _dt(synced), error, _dt(error_at), failures, _dt(retry), queued
        )

    @wrap_exceptions
    def record_account_sync(self, name: str, cursor: str | None) -> None:
        """A sync that worked: its cursor, no error, no backoff."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO accounts (name, cursor, synced_at, failures) VALUES (?, ?, ?, 0) "
                "ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor, "
                "synced_at = excluded.synced_at, error = NULL, error_at = NULL, failures = 0, "
                "retry_at = NULL",
                (name, cursor, int(time.time())),
            )

    @wrap_exceptions
    def record_account_cursor(self, name: str, cursor: str | None) -> None:
        """Where the next pull starts (kept after each page, so a failure later in a
        sync does not pull the same pages again)."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO accounts (name, cursor) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor",
                (name, cursor),
            )

    @wrap_exceptions
    def record_account_error(self, name: str, error: str, backoff: Sequence[int]) -> AccountState:
        """A failed sync: its one line, and the next try after ``backoff[failures]``
        seconds (the last value once past the end)."""
        now = int(time.time())
        with self._tx() as db:
            row = db.execute("SELECT failures FROM accounts WHERE name = ?", (name,)).fetchone()
            failures = (row[0] if row else 0) + 1
            wait = backoff[min(failures, len(backoff)) - 1]
            db.execute(
                "INSERT INTO accounts (name, error, error_at, failures, retry_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET error = excluded.error, "
                "error_at = excluded.error_at, failures = excluded.failures, "
                "retry_at = excluded.retry_at",
                (name, clean_line(error, 300), now, failures, now + wait),
            )
        return self.account_state(name)

    # -- the outbox ------------------------------------------------------------------

    @wrap_exceptions
    def outbox(self, name: str, limit: int) -> list[tuple[int, str, str, bool]]:
        """The oldest ``limit`` queued changes of an account: (id, item id, flag, value)."""
        return [
            (oid, item, flag, bool(value))
            for oid, item, flag, value in self._query(
                "SELECT id, item_id, flag, value FROM outbox WHERE account = ? ORDER BY id LIMIT ?",
                (name, limit),
            )
        ]

    @wrap_exceptions
    def outbox_pushed(self, ids: Sequence[int]) -> None:
        """These changes are on the server now (a change queued since has a new id)."""
        with self._tx() as db:
            for chunk in _chunks(list(ids), 500):
                db.execute(f"DELETE FROM outbox WHERE id IN ({','.join('?' * len(chunk))})", chunk)

    # -- an account's feeds ----------------------------------------------------------

    @wrap_exceptions
    def remote_sources(self, name: str) -> list[RemoteSource]:
        """The feeds of account ``name`` the store holds."""
        prefix = f"account:{name}:"
        rows = self._query(
            "SELECT s.key, s.label, s.url, c.path FROM sources s "
            "LEFT JOIN sections c ON c.id = s.section_id "
            "WHERE s.kind = 'remote' AND substr(s.key, 1, ?) = ?",
            (len(prefix), prefix),
        )
        return [
            RemoteSource(
                key, key[len(prefix) :], label, url, tuple(path.split("\x1f")) if path else ()
            )
            for key, label, url, path in rows
        ]

    @wrap_exceptions
    def save_remote_feed(
        self, key: str, title: str, url: str | None, link: str | None, section: SectionPath
    ) -> None:
        """Add or update an account's feed: its title, URL and section (its folder);
        its articles move with a changed section."""
        title = clean_line(title, 300) or key
        with self._tx() as db:
            row = db.execute("SELECT id, section_id FROM sources WHERE key = ?", (key,)).fetchone()
            section_id = self._section_id(db, section)
            if row is None:
                db.execute(
                    "INSERT INTO sources (key, kind, label, title, url, link, section_id) "
                    "VALUES (?, 'remote', ?, ?, ?, ?, ?)",
                    (key, title, title, url, link, section_id),
                )
                return
            sid, old_section = row
            self._set_title(db, key, title)
            db.execute("UPDATE sources SET url = ?, link = ? WHERE id = ?", (url, link, sid))
            if old_section != section_id:
                db.execute(
                    "UPDATE articles SET section_id = ? WHERE source_id = ?", (section_id, sid)
                )
                db.execute("UPDATE sources SET section_id = ? WHERE id = ?", (section_id, sid))

    @wrap_exceptions
    def forget_remote_feed(self, key: str) -> int:
        """A feed the server no longer lists: its articles go except starred ones (as
        for a feed taken out of feeds.toml); with none left, the source goes too."""
        with self._tx() as db:
            row = db.execute("SELECT id FROM sources WHERE key = ?", (key,)).fetchone()
            if row is None:
                return 0
            removed = self._delete_where(db, "a.source_id = ? AND a.starred = 0", (row[0],))
            if (
                db.execute("SELECT 1 FROM articles WHERE source_id = ?", (row[0],)).fetchone()
                is None
            ):
                db.execute("DELETE FROM sources WHERE id = ?", (row[0],))
        return removed

    @wrap_exceptions
    def forget_accounts_except(self, names: set[str]) -> None:
        """Accounts taken out of feeds.toml: their feeds' articles go (starred ones
        stay, as for a feed taken out), and their state (a return starts afresh); their
        queued changes stay, pushed if the account comes back (nothing lost)."""
        rows = self._query(
            f"SELECT s.key, {_ACCOUNT_OF_KEY} FROM sources s WHERE s.kind = 'remote'"
        )
        gone = [key for key, name in rows if name not in names]
        known = {name for (name,) in self._query("SELECT name FROM accounts")}
        if not gone and known <= names:
            return
        with self._tx():
            for key in gone:
                self.forget_remote_feed(key)
            for name in known - names:
                self._db_forget_account(name)

    def _db_forget_account(self, name: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM accounts WHERE name = ?", (name,))

    # -- an account's articles -------------------------------------------------------

    @wrap_exceptions
    def remote_guids(self, name: str) -> set[str]:
        """The server ids of every stored article of account ``name``."""
        prefix = f"account:{name}:"
        rows = self._query(
            "SELECT a.guid FROM articles a JOIN sources s ON s.id = a.source_id "
            "WHERE s.kind = 'remote' AND substr(s.key, 1, ?) = ?",
            (len(prefix), prefix),
        )
        return {guid for (guid,) in rows}

    @wrap_exceptions
    def save_remote_items(
        self,
        name: str,
        key: str,
        articles: Sequence[Article],
        flags: Mapping[str, tuple[bool, bool]],
    ) -> int:
        """Store pulled items of one feed (keyed by the server's id) with the server's
        (read, starred) for each, except a flag with a queued change. Returns how
        many were new."""
        with self._tx() as db:
            saved = self.save_articles(key, articles)
            for chunk in _chunks(list(flags.items()), 500):
                for index, flag in enumerate(("read", "starred")):
                    db.executemany(
                        f"UPDATE articles SET {flag} = ? WHERE source_id = "
                        "(SELECT id FROM sources WHERE key = ?) AND guid = ? AND NOT EXISTS "
                        "(SELECT 1 FROM outbox o WHERE o.account = ? AND o.item_id = guid "
                        f"AND o.flag = '{flag}')",
                        [(int(v[index]), key, guid, name) for guid, v in chunk],
                    )
        if flags:
            self.flags_changed = True
        return saved.new

    @wrap_exceptions
    def reconcile(self, name: str, flag: str, ids: Iterable[str]) -> int:
        """Make the account's articles agree with the server's id set: for ``read``
        the unread ids (every other article is read), for ``starred`` the starred ones.
        Articles with a queued change of ``flag`` are left alone. Returns how many
        articles changed."""
        if flag not in ("read", "starred"):
            raise ValueError(flag)
        prefix = f"account:{name}:"
        inside, outside = (0, 1) if flag == "read" else (1, 0)
        with self._tx() as db:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS sync_ids (id TEXT PRIMARY KEY)")
            db.execute("DELETE FROM temp.sync_ids")
            db.executemany("INSERT OR IGNORE INTO temp.sync_ids VALUES (?)", [(i,) for i in ids])
            mine = (
                "source_id IN (SELECT id FROM sources WHERE kind = 'remote' AND "
                "substr(key, 1, ?) = ?) AND NOT EXISTS (SELECT 1 FROM outbox o WHERE "
                f"o.account = ? AND o.item_id = articles.guid AND o.flag = '{flag}')"
            )
            params = (len(prefix), prefix, name)
            changed = db.execute(
                f"UPDATE articles SET {flag} = ? WHERE {mine} AND {flag} != ? "
                "AND guid IN (SELECT id FROM temp.sync_ids)",
                (inside, *params, inside),
            ).rowcount
            changed += db.execute(
                f"UPDATE articles SET {flag} = ? WHERE {mine} AND {flag} != ? "
                "AND guid NOT IN (SELECT id FROM temp.sync_ids)",
                (outside, *params, outside),
            ).rowcount
            db.execute("DELETE FROM temp.sync_ids")
        if changed:
            self.flags_changed = True
        return changed
