"""SQLite store: sources, articles with read/starred state, full-text index, UI state.

One file in the data dir, WAL mode, ``user_version`` migrations. One connection,
guarded by a lock, so the UI's worker threads and the CLI share the same code.
Writes for one source happen in one transaction.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from newsterm.core.bodies import (
    PLAIN,
    SEARCH_BODY_MAX,
    Compressor,
    decompress,
    pack_zdict,
    plain_text,
    unpack_zdict,
)
from newsterm.core.errors import StoreError
from newsterm.core.models import (
    Article,
    ArticleKey,
    ArticleRow,
    Enclosure,
    SectionPath,
    Source,
    SourceState,
    StoredArticle,
    View,
)
from newsterm.core.schema import MIGRATIONS, SCHEMA_VERSION, Migration
from newsterm.core.text import clean_line, word_count

log = logging.getLogger(__name__)

SEP = "\x1f"
_ROW_COLUMNS = "a.id, s.key, a.guid, a.title, sec.path, s.label, a.url, a.published, a.read, a.starred, a.words"


def _ts(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


def _dt(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


@dataclass(frozen=True, slots=True)
class Prepared:
    """An article made ready for its row: compressed body, words, text to index.

    Made by :func:`prepare`, in the refresh's worker processes, so the process that
    owns the database only runs SQL.
    """

    guid: str
    section: SectionPath
    title: str
    url: str | None
    author: str | None
    published: int | None
    """Published, else updated, in unix seconds; None when unknown."""
    updated: int | None
    content: bytes
    content_type: str
    extra: str | None
    words: int
    fingerprint: str
    search_body: str


def prepare(article: Article, fp: str | None = None, compress: Compressor = PLAIN) -> Prepared:
    body = plain_text(article.content, article.content_type)
    return Prepared(
        guid=article.key.id,
        section=article.section,
        title=article.title,
        url=article.url,
        author=article.author,
        published=_ts(article.published or article.updated),
        updated=_ts(article.updated),
        content=compress(article.content.encode("utf-8", "replace")),
        content_type=article.content_type,
        extra=_extra(article),
        words=word_count(body),
        fingerprint=fp or fingerprint(article),
        search_body=body[:SEARCH_BODY_MAX],
    )


@dataclass(frozen=True, slots=True)
class SaveResult:
    new: int
    updated: int


class Store:
    """The SQLite store. Open with :meth:`open`; use from any thread."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path
        self._lock = threading.RLock()
        self._sections: dict[str, int] = {}
        # Reads use their own connections: in WAL mode they never wait for a refresh
        # that is writing. The thread that opened the store (the UI's event loop) has
        # one to itself, so a list page never waits behind a worker's counting query;
        # other threads share the second one.
        self._owner = threading.get_ident()
        self._own_reader: sqlite3.Connection | None = None
        self._reader = self._connect_reader()
        self._read_lock = threading.RLock()
        self._zdicts: dict[int, bytes] = {}
        """Compression dictionaries by adler32, loaded as bodies need them."""
        self.flags_changed = False
        """Read or starred flags changed since the last backup."""
        self.restored_from: Path | None = None

    # -- opening -------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open (creating and migrating) the store at ``path``.

        A file that is not a database is moved aside (kept as ``*.corrupt-<time>``) and a
        fresh store is made; a store from a newer newsterm is refused, untouched.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return cls._open(path)
        except sqlite3.DatabaseError as exc:
            if "locked" in str(exc):
                raise StoreError(f"{path}: database is locked by another program") from None
            stamp = time.strftime("%Y%m%d-%H%M%S")
            aside = path.with_name(f"{path.name}.corrupt-{stamp}")
            counter = 1
            while aside.exists():  # never overwrite an earlier kept copy
                counter += 1
                aside = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
            for suffix in ("", "-wal", "-shm"):
                part = Path(str(path) + suffix)
                if part.exists():
                    os.replace(part, Path(str(aside) + suffix))
            log.warning("%s: not a usable database (%s); moved aside to %s", path, exc, aside)
            store = cls._open(path)
            store.moved_aside = aside
            backup = latest_backup(path.parent / BACKUP_DIR)
            if backup is not None:
                store.load_backup(backup)
            return store

    moved_aside: Path | None = None

    @classmethod
    def attach(cls, path: Path) -> Store:
        """Another connection to a store this program already opened (a refresh worker's).

        Unlike :meth:`open`, a database error is raised, never answered by moving the
        file aside: the process that opened it decides that.
        """
        return cls._open(path)

    @classmethod
    def _open(cls, path: Path) -> Store:
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        try:
            db.execute("PRAGMA busy_timeout = 10000")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{path}: made by a newer newsterm (schema {version}, this one knows "
                    f"{SCHEMA_VERSION}); upgrade newsterm or use another --data-dir"
                )
            if version == 0 and db.execute("PRAGMA page_count").fetchone()[0] == 0:
                # Only a new file takes a page size (before its first table and WAL).
                db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")
            vacuum = False
            for number in range(version, SCHEMA_VERSION):
                migration = MIGRATIONS[number]
                sql = migration.sql if isinstance(migration, Migration) else migration
                db.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _statements(sql):
                        db.execute(statement)
                    if isinstance(migration, Migration):
                        if version > 0:
                            log.warning("%s: updating the store to schema %d", path, number + 1)
                        migration.python(db)
                        vacuum |= migration.vacuum and version > 0
                    db.execute(f"PRAGMA user_version = {number + 1}")
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
            if vacuum:
                _rewrite(db)
            db.execute("SELECT count(*) FROM sources").fetchone()
        except BaseException:
            db.close()
            raise
        return cls(db, path)

    def close(self) -> None:
        with self._lock, self._read_lock:
            self._reader.close()
            if self._own_reader is not None:
                self._own_reader.close()
            self._db.close()

    def _connect_reader(self) -> sqlite3.Connection:
        reader = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=10
        )
        reader.execute("PRAGMA busy_timeout = 10000")
        return reader

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A connection for reads: the owner thread's own, or the shared one, locked."""
        if threading.get_ident() == self._owner:
            if self._own_reader is None:
                self._own_reader = self._connect_reader()
            yield self._own_reader
        else:
            with self._read_lock:
                yield self._reader

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; nested uses join the outer one."""
        with self._lock:
            if self._db.in_transaction:
                yield self._db
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def save_feed(
        self,
        key: str,
        articles: Iterable[Article | Prepared],
        *,
        title: str | None,
        link: str | None,
        present: Iterable[str],
        keep_days: int,
        max_articles: int,
        zdict: bytes | None = None,
        **validators: str | None,
    ) -> SaveResult:
        """A fetched feed, in one transaction: its title first (so new articles are
        indexed under it), its articles, the validators of the fetch, then retention.

        ``zdict`` is a new compression dictionary for the feed, which ``articles``
        (prepared) were compressed with.
        """
        present = list(present)
        with self._tx() as db:
            if title:
                self._set_title(db, key, title)
            if zdict is not None and not self._add_zdict(db, key, zdict):
                articles = [_without_zdict(a, zdict) for a in articles]
            saved = self.save_articles(key, articles)
            self.record_fetch(key, ok=True, title=title, link=link, **validators)  # type: ignore[arg-type]
            if present:  # an empty feed never prunes anything
                self.prune(key, keep_days, max_articles, present)
        return saved

    # -- bodies and their compression dictionaries ---------------------------------------

    def _add_zdict(self, db: sqlite3.Connection, key: str, zdict: bytes) -> bool:
        """Keep a feed's new dictionary; False when another one has the same adler32
        (blobs name their dictionary by it, so that one must do without)."""
        checksum = zlib.adler32(zdict)
        row = db.execute("SELECT id, data FROM zdicts WHERE checksum = ?", (checksum,)).fetchone()
        if row is None:
            zid = db.execute(
                "INSERT INTO zdicts (checksum, data) VALUES (?, ?)", (checksum, pack_zdict(zdict))
            ).lastrowid
        elif unpack_zdict(row[1]) == zdict:
            zid = row[0]
        else:
            log.warning("%s: compression dictionary %08x collides; not used", key, checksum)
            return False
        db.execute("UPDATE sources SET zdict_id = ? WHERE key = ?", (zid, key))
        self._zdicts[checksum] = zdict
        return True

    def _find_zdict(self, checksum: int) -> bytes | None:
        found = self._zdicts.get(checksum)
        if found is None:
            rows = self._query("SELECT data FROM zdicts WHERE checksum = ?", (checksum,))
            if rows:
                found = self._zdicts[checksum] = unpack_zdict(rows[0][0])
        return found

    def _body(self, blob: bytes | None) -> str:
        return decompress(blob, self._find_zdict)

    def fingerprints_and_zdict(self, source_key: str) -> tuple[dict[str, str], bytes | None]:
        """What a refresh's parser needs of a feed: the fingerprints of its stored
        articles, and its compression dictionary (None until it has one)."""
        rows = self._query(
            "SELECT z.data FROM sources s JOIN zdicts z ON z.id = s.zdict_id WHERE s.key = ?",
            (source_key,),
        )
        return self.fingerprints(source_key), unpack_zdict(rows[0][0]) if rows else None

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        with self._reading() as db:
            return db.execute(sql, params).fetchall()

    # -- sources -------------------------------------------------------------------

    def sync_sources(self, sources: Sequence[Source]) -> None:
        """Make the store's sources match the config.

        New sources are added; a feed's section follows feeds.toml; a source no longer
        configured loses its articles, except starred ones, which stay.
        """
        wanted = {s.key: s for s in sources}
        with self._tx() as db:
            sections = dict(db.execute("SELECT id, section_id FROM sources"))
            existing = {
                key: (sid, label)
                for sid, key, label in db.execute("SELECT id, key, label FROM sources")
            }
            for source in sources:
                label = source.title or self._default_label(source)
                if source.key not in existing:
                    db.execute(
                        "INSERT INTO sources (key, kind, label, config_title, url) VALUES (?, ?, ?, ?, ?)",
                        (
                            source.key,
                            source.kind,
                            label,
                            source.title,
                            source.key if source.kind == "feed" else None,
                        ),
                    )
                    continue
                sid, old_label = existing[source.key]
                db.execute(
                    "UPDATE sources SET config_title = ?, label = COALESCE(?, title, ?) WHERE id = ?",
                    (source.title, source.title, label, sid),
                )
                new_label = db.execute("SELECT label FROM sources WHERE id = ?", (sid,)).fetchone()[
                    0
                ]
                if new_label != old_label:
                    self._reindex_source(db, sid, old_label, new_label)
                if source.kind == "feed":
                    section_id = self._section_id(db, source.section)
                    if sections.get(sid) != section_id:
                        db.execute(
                            "UPDATE articles SET section_id = ? WHERE source_id = ? AND section_id != ?",
                            (section_id, sid, section_id),
                        )
                        db.execute(
                            "UPDATE sources SET section_id = ? WHERE id = ?", (section_id, sid)
                        )
            for key, (sid, _) in existing.items():
                if key not in wanted:
                    self._delete_where(db, "source_id = ? AND starred = 0", (sid,))

    @staticmethod
    def _default_label(source: Source) -> str:
        if source.kind == "local":
            if source.section:
                return source.section[-1]
            return clean_line(Path(source.path or source.key).name) or "local"
        from urllib.parse import urlsplit

        return urlsplit(source.key).hostname or source.key

    def source_state(self, key: str) -> SourceState | None:
        return self.source_states([key]).get(key)

    def source_states(self, keys: Sequence[str]) -> dict[str, SourceState]:
        """What the store knows of these sources (one query for a whole refresh)."""
        wanted = set(keys)
        rows = self._query(
            "SELECT key, title, url, etag, last_modified, body_hash, last_error, last_error_at, "
            "last_ok_at, retry_after FROM sources"
        )
        return {
            r[0]: SourceState(
                r[0], r[1], r[2], r[3], r[4], r[5], r[6], _dt(r[7]), _dt(r[8]), _dt(r[9])
            )
            for r in rows
            if r[0] in wanted
        }

    def source_errors(self) -> list[tuple[str, str, str, datetime | None, datetime | None]]:
        """(key, label, error, when, last ok) for every source whose last refresh failed."""
        return [
            (r[0], r[1], r[2], _dt(r[3]), _dt(r[4]))
            for r in self._query(
                "SELECT key, label, last_error, last_error_at, last_ok_at FROM sources "
                "WHERE last_error IS NOT NULL ORDER BY label"
            )
        ]

    def record_fetch(
        self,
        key: str,
        *,
        ok: bool,
        error: str | None = None,
        title: str | None = None,
        link: str | None = None,
        url: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        body_hash: str | None = None,
        retry_after: datetime | None = None,
    ) -> None:
        """Remember the outcome of a fetch: validators on success, the error otherwise."""
        now = int(time.time())
        with self._tx() as db:
            if ok:
                db.execute(
                    "UPDATE sources SET last_error = NULL, last_error_at = NULL, last_ok_at = ?, "
                    "etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified), "
                    "body_hash = COALESCE(?, body_hash), url = COALESCE(?, url), "
                    "link = COALESCE(?, link), retry_after = NULL WHERE key = ?",
                    (now, etag, last_modified, body_hash, url, link, key),
                )
                if title:
                    self._set_title(db, key, title)
            else:
                db.execute(
                    "UPDATE sources SET last_error = ?, last_error_at = ?, retry_after = ? WHERE key = ?",
                    (error or "failed", now, _ts(retry_after), key),
                )

    def record_unchanged(self, fetches: Sequence[tuple[str, dict[str, str | None]]]) -> None:
        """:meth:`record_fetch` of feeds fetched fine but unchanged (304, or the same
        body), with their validators, in one transaction."""
        with self._tx():
            for key, validators in fetches:
                self.record_fetch(
                    key,
                    ok=True,
                    etag=validators.get("etag"),
                    last_modified=validators.get("last_modified"),
                    url=validators.get("url"),
                )

    def _set_title(self, db: sqlite3.Connection, key: str, title: str) -> None:
        row = db.execute(
            "SELECT id, title, label, config_title FROM sources WHERE key = ?", (key,)
        ).fetchone()
        if row is None or row[1] == title:
            return
        sid, _, old_label, config_title = row
        new_label = config_title or title
        db.execute("UPDATE sources SET title = ?, label = ? WHERE id = ?", (title, new_label, sid))
        if new_label != old_label:
            self._reindex_source(db, sid, old_label, new_label)

    # -- writing articles ------------------------------------------------------------

    def _section_id(self, db: sqlite3.Connection, section: SectionPath) -> int:
        path = SEP.join(section)
        cached = self._sections.get(path)
        if cached is not None:
            return cached
        row = db.execute("SELECT id FROM sections WHERE path = ?", (path,)).fetchone()
        if row is None:
            sid = db.execute("INSERT INTO sections (path) VALUES (?)", (path,)).lastrowid
            assert sid is not None
        else:
            sid = row[0]
        self._sections[path] = sid
        return sid

    def save_articles(
        self,
        source_key: str,
        articles: Iterable[Article | Prepared],
        *,
        fingerprints: dict[str, str] | None = None,
        remove_others: bool = False,
        keep: set[str] | None = None,
    ) -> SaveResult:
        """Insert new articles and update changed ones of one source, in one transaction.

        ``articles`` may come already :func:`prepare`-d (compressed, indexed text made),
        which the refresh does in its worker processes. Read and starred state of an
        existing article are kept. ``remove_others`` deletes the source's articles
        neither in ``articles`` nor in ``keep`` (local folders, where a file went away);
        feeds never remove anything here: a feed that drops an item keeps it stored.
        """
        now = int(time.time())
        new = updated = 0
        with self._tx() as db:
            row = db.execute(
                "SELECT id, label FROM sources WHERE key = ?", (source_key,)
            ).fetchone()
            if row is None:
                raise StoreError(f"unknown source {source_key}")
            sid, label = row
            known = {
                guid: (aid, fp)
                for aid, guid, fp in db.execute(
                    "SELECT id, guid, fingerprint FROM articles WHERE source_id = ?", (sid,)
                )
            }
            pending = db.execute("SELECT 1 FROM pending_flags LIMIT 1").fetchone() is not None
            seen: set[str] = set()
            for item in articles:
                guid = item.key.id if isinstance(item, Article) else item.guid
                if guid in seen:
                    continue
                seen.add(guid)
                old = known.get(guid)
                if isinstance(item, Article):
                    fp = (fingerprints or {}).get(guid) or fingerprint(item)
                    if old is not None and old[1] == fp:
                        continue
                    item = prepare(item, fp)
                elif old is not None and old[1] == item.fingerprint:
                    continue
                values = (
                    self._section_id(db, item.section), item.title, item.url, item.author,
                    item.published, item.updated, item.content, item.content_type,
                    item.extra, item.words, item.fingerprint,
                )  # fmt: skip
                if old is None:
                    aid = db.execute(
                        "INSERT INTO articles (section_id, title, url, author, published, updated, "
                        "content, content_type, extra, words, fingerprint, source_id, guid, sort_time) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (*values, sid, guid, item.published or now),
                    ).lastrowid
                    new += 1
                    if pending:
                        self._apply_pending(db, aid, source_key, guid)
                else:
                    aid = old[0]
                    self._fts_delete(db, aid, label)
                    db.execute(
                        "UPDATE articles SET section_id = ?, title = ?, url = ?, author = ?, "
                        "published = ?, updated = ?, content = ?, content_type = ?, extra = ?, "
                        "words = ?, fingerprint = ?, sort_time = COALESCE(?, sort_time) WHERE id = ?",
                        (*values, item.published, aid),
                    )
                    updated += 1
                db.execute(
                    "INSERT INTO search (rowid, title, source, body) VALUES (?, ?, ?, ?)",
                    (aid, item.title, label, item.search_body),
                )
                db.execute(
                    "INSERT INTO search_title (rowid, title) VALUES (?, ?)", (aid, item.title)
                )
            if remove_others:
                gone = [known[g][0] for g in known if g not in seen and g not in (keep or ())]
                for aid in gone:
                    self._fts_delete(db, aid, label)
                db.executemany("DELETE FROM articles WHERE id = ?", [(a,) for a in gone])
        return SaveResult(new, updated)

    def _apply_pending(
        self, db: sqlite3.Connection, aid: int | None, source: str, guid: str
    ) -> None:
        flags = db.execute(
            "DELETE FROM pending_flags WHERE source = ? AND guid = ? RETURNING read, starred",
            (source, guid),
        ).fetchone()
        if flags is not None:
            db.execute("UPDATE articles SET read = ?, starred = ? WHERE id = ?", (*flags, aid))

    # -- backups of read/starred state ---------------------------------------------------

    def backup_flags(self, keep: int = 3) -> Path | None:
        """Write read/starred flags to a rolling backup beside the store (if they changed)."""
        if not self.flags_changed:
            return None
        rows = self._query(
            "SELECT s.key, a.guid, a.read, a.starred FROM articles a JOIN sources s ON s.id = a.source_id "
            "WHERE a.read = 1 OR a.starred = 1"
        )
        folder = self.path.parent / BACKUP_DIR
        folder.mkdir(parents=True, exist_ok=True)
        now = time.time_ns()
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now / 1e9))
        target = folder / f"flags-{stamp}.{now % 1_000_000_000:09d}.json.gz"
        temporary = target.with_suffix(".tmp")
        with gzip.open(temporary, "wt", encoding="utf-8") as out:
            json.dump({"version": 1, "flags": rows}, out, ensure_ascii=False)
        os.replace(temporary, target)
        for old in sorted(folder.glob("flags-*.json.gz"))[:-keep]:
            old.unlink(missing_ok=True)
        self.flags_changed = False
        return target

    def load_backup(self, backup: Path) -> int:
        """Queue the flags of a backup; they apply as their articles are stored again."""
        try:
            with gzip.open(backup, "rt", encoding="utf-8") as data:
                rows = json.load(data)["flags"]
            values = [(str(k), str(g), int(bool(r)), int(bool(s))) for k, g, r, s in rows]
        except (OSError, ValueError, KeyError, TypeError, EOFError) as exc:
            log.warning("%s: unreadable backup (%s); not restored", backup, exc)
            return 0
        with self._tx() as db:
            db.executemany("INSERT OR REPLACE INTO pending_flags VALUES (?, ?, ?, ?)", values)
        self.restored_from = backup
        return len(values)

    def _fts_delete(self, db: sqlite3.Connection, aid: int, label: str) -> None:
        row = db.execute(
            "SELECT title, content, content_type FROM articles WHERE id = ?", (aid,)
        ).fetchone()
        if row is None:
            return
        body = plain_text(self._body(row[1]), row[2])[:SEARCH_BODY_MAX]
        db.execute(
            "INSERT INTO search (search, rowid, title, source, body) VALUES ('delete', ?, ?, ?, ?)",
            (aid, row[0], label, body),
        )
        db.execute(
            "INSERT INTO search_title (search_title, rowid, title) VALUES ('delete', ?, ?)",
            (aid, row[0]),
        )

    def _reindex_source(self, db: sqlite3.Connection, sid: int, old: str, new: str) -> None:
        for aid, title, content, ctype in db.execute(
            "SELECT id, title, content, content_type FROM articles WHERE source_id = ?", (sid,)
        ).fetchall():
            body = plain_text(self._body(content), ctype)[:SEARCH_BODY_MAX]
            db.execute(
                "INSERT INTO search (search, rowid, title, source, body) VALUES ('delete', ?, ?, ?, ?)",
                (aid, title, old, body),
            )
            db.execute(
                "INSERT INTO search (rowid, title, source, body) VALUES (?, ?, ?, ?)",
                (aid, title, new, body),
            )

    def _delete_where(self, db: sqlite3.Connection, where: str, params: Sequence[object]) -> int:
        rows = db.execute(
            f"SELECT a.id, s.label FROM articles a JOIN sources s ON s.id = a.source_id WHERE {where}",
            params,
        ).fetchall()
        for aid, label in rows:
            self._fts_delete(db, aid, label)
        db.executemany("DELETE FROM articles WHERE id = ?", [(r[0],) for r in rows])
        return len(rows)

    def fingerprints(self, source_key: str) -> dict[str, str]:
        return dict(
            self._query(
                "SELECT a.guid, a.fingerprint FROM articles a JOIN sources s ON s.id = a.source_id "
                "WHERE s.key = ?",
                (source_key,),
            )
        )

    def prune(
        self, source_key: str, keep_days: int, max_articles: int, present: Iterable[str] = ()
    ) -> int:
        """Delete old READ, unstarred articles of a feed. Unread and starred stay.

        Articles the feed still lists (``present``) stay too: pruned, they would come
        back as new and unread at the next refresh.
        """
        removed = 0
        with self._tx() as db:
            row = db.execute("SELECT id FROM sources WHERE key = ?", (source_key,)).fetchone()
            if row is None:
                return 0
            sid = row[0]
            db.execute("CREATE TEMP TABLE IF NOT EXISTS present (guid TEXT PRIMARY KEY)")
            db.execute("DELETE FROM temp.present")
            db.executemany("INSERT OR IGNORE INTO temp.present VALUES (?)", [(g,) for g in present])
            base = (
                "a.source_id = ? AND a.read = 1 AND a.starred = 0 "
                "AND a.guid NOT IN (SELECT guid FROM temp.present)"
            )
            if keep_days > 0:
                cutoff = int(time.time()) - keep_days * 86_400
                removed += self._delete_where(db, f"{base} AND a.sort_time < ?", (sid, cutoff))
            if max_articles > 0:
                removed += self._delete_where(
                    db,
                    f"{base} AND a.id NOT IN "
                    "(SELECT id FROM articles WHERE source_id = ? ORDER BY sort_time DESC, id DESC LIMIT ?)",
                    (sid, sid, max_articles),
                )
            db.execute("DELETE FROM temp.present")
        return removed

    # -- state -----------------------------------------------------------------------

    def set_flag(self, ids: Sequence[int], flag: str, value: bool) -> dict[int, bool]:
        """Set ``read`` or ``starred`` on ``ids``; returns the previous values (for undo)."""
        if flag not in ("read", "starred"):
            raise ValueError(flag)
        before: dict[int, bool] = {}
        with self._tx() as db:
            for chunk in _chunks(ids, 500):
                marks = ",".join("?" * len(chunk))
                before.update(
                    (aid, bool(v))
                    for aid, v in db.execute(
                        f"SELECT id, {flag} FROM articles WHERE id IN ({marks})", chunk
                    )
                )
                db.execute(
                    f"UPDATE articles SET {flag} = ? WHERE id IN ({marks})", (int(value), *chunk)
                )
        self.flags_changed = True
        return before

    def restore_flags(self, flag: str, values: dict[int, bool]) -> None:
        """Put back what :meth:`set_flag` returned."""
        if flag not in ("read", "starred"):
            raise ValueError(flag)
        with self._tx() as db:
            db.executemany(
                f"UPDATE articles SET {flag} = ? WHERE id = ?",
                [(int(v), k) for k, v in values.items()],
            )
        self.flags_changed = True

    def get_state(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM state WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_state(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (key, value))

    # -- reading -------------------------------------------------------------------

    def sections(self) -> list[tuple[SectionPath, int, int]]:
        """(section path, unread, total) of every section that holds articles."""
        rows = self._query(
            "SELECT sec.path, sum(a.read = 0), count(*) FROM articles a "
            "JOIN sections sec ON sec.id = a.section_id GROUP BY a.section_id"
        )
        return [(tuple(p.split(SEP)) if p else (), u, t) for p, u, t in rows]

    def source_counts(self) -> dict[str, tuple[str, int, int, str | None]]:
        """key -> (label, unread, total, last error) for every source."""
        counts = {
            sid: (u, t)
            for sid, u, t in self._query(
                "SELECT source_id, sum(read = 0), count(*) FROM articles GROUP BY source_id"
            )
        }
        return {
            key: (label, *counts.get(sid, (0, 0)), error)
            for sid, key, label, error in self._query(
                "SELECT id, key, label, last_error FROM sources"
            )
        }

    def counts(self, since: int) -> dict[str, tuple[int, int]]:
        """(unread, total) of the virtual sections: all, unread, starred, today."""
        with self._reading() as db:
            total, unread = db.execute(
                "SELECT count(*), coalesce(sum(read = 0), 0) FROM articles"
            ).fetchone()
            starred = db.execute(
                "SELECT count(*), coalesce(sum(read = 0), 0) FROM articles WHERE starred = 1"
            ).fetchone()
            today = db.execute(
                "SELECT count(*), coalesce(sum(read = 0), 0) FROM articles WHERE sort_time >= ?",
                (since,),
            ).fetchone()
        return {
            "all": (unread, total),
            "unread": (unread, unread),
            "starred": (starred[1], starred[0]),
            "today": (today[1], today[0]),
        }

    def _section_ids(self, prefix: SectionPath) -> list[int]:
        rows = self._query("SELECT id, path FROM sections")
        out = []
        for sid, path in rows:
            parts = tuple(path.split(SEP)) if path else ()
            if parts[: len(prefix)] == prefix:
                out.append(sid)
        return out

    def article_ids(self, view: View, since: int = 0, limit: int | None = None) -> list[int]:
        """The ids a view shows, in its order."""
        where: list[str] = []
        params: list[object] = []
        if view.kind == "search":
            return self.search(view.query, limit=limit or SEARCH_LIMIT, show_read=view.show_read)
        if view.kind == "unread" or not view.show_read:
            where.append("a.read = 0")
        if view.kind == "starred":
            where.append("a.starred = 1")
        elif view.kind == "today":
            where.append("a.sort_time >= ?")
            params.append(since)
        elif view.kind == "source":
            where.append("a.source_id = (SELECT id FROM sources WHERE key = ?)")
            params.append(view.source)
        elif view.kind == "section":
            ids = self._section_ids(view.section)
            if not ids:
                return []
            where.append(f"a.section_id IN ({','.join(map(str, ids))})")
        order = {
            "newest": "a.sort_time DESC, a.id DESC",
            "oldest": "a.sort_time ASC, a.id ASC",
            "title": "a.title COLLATE NOCASE ASC, a.sort_time DESC",
            "source": "s.label COLLATE NOCASE ASC, a.sort_time DESC",
        }[view.sort]
        join = " JOIN sources s ON s.id = a.source_id" if view.sort == "source" else ""
        sql = f"SELECT a.id FROM articles a{join}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {order}"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [r[0] for r in self._query(sql, params)]

    def rows(self, ids: Sequence[int]) -> list[ArticleRow]:
        """The list rows of ``ids``, in the same order (missing ids are left out)."""
        found: dict[int, ArticleRow] = {}
        for chunk in _chunks(ids, 500):
            sql = (
                f"SELECT {_ROW_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id "
                f"JOIN sections sec ON sec.id = a.section_id WHERE a.id IN ({','.join('?' * len(chunk))})"
            )
            for r in self._query(sql, chunk):
                found[r[0]] = _row(r)
        return [found[i] for i in ids if i in found]

    def article(self, aid: int) -> StoredArticle | None:
        rows = self._query(
            f"SELECT {_ROW_COLUMNS}, a.author, a.updated, a.content, a.content_type, a.extra, s.link "
            "FROM articles a JOIN sources s ON s.id = a.source_id "
            "JOIN sections sec ON sec.id = a.section_id WHERE a.id = ?",
            (aid,),
        )
        if not rows:
            return None
        r = rows[0]
        extra = json.loads(r[15]) if r[15] else {}
        return StoredArticle(
            row=_row(r[:11]),
            author=r[11],
            updated=_dt(r[12]),
            content=self._body(r[13]),
            content_type=r[14],
            summary=extra.get("summary", ""),
            categories=tuple(extra.get("categories", ())),
            enclosures=tuple(Enclosure(*e) for e in extra.get("enclosures", ())),
            note=extra.get("note"),
            source_link=r[16],
        )

    def search(self, query: str, limit: int = 200, show_read: bool = True) -> list[int]:
        """Ids of articles matching ``query`` (words, prefix of the last one), best first.

        Best is: among the newest :data:`RANK_WINDOW` matches, those whose title holds
        every word first, then the others; newest first in each. (The index keeps no
        positions, so there is no bm25: on a contentless table it needs them.)
        """
        match = fts_query(query)
        if not match:
            return []
        try:
            # One scan of the big index: a prefix query costs the same whatever its
            # LIMIT (detail=none merges the prefix's whole doclist first, ~20 ms for a
            # word in most of 100,000 articles), so it is read once, not twice.
            window = [
                r[0]
                for r in self._query(
                    "SELECT rowid FROM search WHERE search MATCH ? ORDER BY rowid DESC LIMIT ?",
                    (match, RANK_WINDOW),
                )
            ]
            if not window:
                return []
            # every title match is a match: those from the window's oldest on are in it
            ids = [
                r[0]
                for r in self._query(
                    "SELECT rowid FROM search_title WHERE search_title MATCH ? AND rowid >= ? "
                    "ORDER BY rowid DESC LIMIT ?",
                    (match, window[-1], limit),
                )
            ]
            in_title = set(ids)
            ids += [i for i in window[: limit + len(ids)] if i not in in_title]
            ids = ids[:limit]
        except sqlite3.OperationalError as exc:
            log.warning("search %r failed: %s", query, exc)
            return []
        if not show_read and ids:
            unread = {
                r[0]
                for r in self._query(
                    f"SELECT id FROM articles WHERE read = 0 AND id IN ({','.join('?' * len(ids))})",
                    ids,
                )
            }
            ids = [i for i in ids if i in unread]
        return ids

    def unread_among(self, ids: Sequence[int]) -> set[int]:
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        return {
            r[0]
            for r in self._query(f"SELECT id FROM articles WHERE read = 0 AND id IN ({marks})", ids)
        }

    def key_of(self, aid: int) -> ArticleKey | None:
        rows = self._query(
            "SELECT s.key, a.guid FROM articles a JOIN sources s ON s.id = a.source_id WHERE a.id = ?",
            (aid,),
        )
        return ArticleKey(*rows[0]) if rows else None

    def id_of(self, key: ArticleKey) -> int | None:
        rows = self._query(
            "SELECT a.id FROM articles a JOIN sources s ON s.id = a.source_id WHERE s.key = ? AND a.guid = ?",
            (key.source, key.id),
        )
        return rows[0][0] if rows else None

    def source_keys_in(self, section: SectionPath) -> list[str]:
        ids = self._section_ids(section)
        if not ids:
            return []
        return [
            r[0]
            for r in self._query(
                "SELECT DISTINCT s.key FROM articles a JOIN sources s ON s.id = a.source_id "
                f"WHERE a.section_id IN ({','.join(map(str, ids))})"
            )
        ]

    def forget_source(self, key: str, keep_starred: bool = True) -> int:
        """Delete a source's articles (starred ones stay unless ``keep_starred`` is False)
        and what its fetches left (validators, last error), so that subscribing to it
        again fetches it in full. Returns how many articles went."""
        with self._tx() as db:
            row = db.execute("SELECT id FROM sources WHERE key = ?", (key,)).fetchone()
            if row is None:
                return 0
            where = "a.source_id = ?" + (" AND a.starred = 0" if keep_starred else "")
            removed = self._delete_where(db, where, (row[0],))
            db.execute(
                "UPDATE sources SET etag = NULL, last_modified = NULL, body_hash = NULL, "
                "url = CASE WHEN kind = 'feed' THEN key ELSE url END, last_error = NULL, "
                "last_error_at = NULL, retry_after = NULL WHERE id = ?",
                (row[0],),
            )
        return removed


BACKUP_DIR = "backups"
PAGE_SIZE = 16_384
"""Page size of a new store. Rows are ~1.5 KB (the compressed body): a 4 KB page held
two and left a fifth of the articles table unused (42 MB of 206 at 100k articles)."""
SEARCH_LIMIT = 200
"""Results a search list shows (best first)."""
RANK_WINDOW = 2_000
"""Search ranks at most this many of the newest matches."""


def latest_backup(folder: Path) -> Path | None:
    backups = sorted(folder.glob("flags-*.json.gz")) if folder.is_dir() else []
    return backups[-1] if backups else None


def fts_query(query: str) -> str:
    """User words -> an FTS5 query: each word quoted (no operators), the last a prefix."""
    words = re.findall(r"\w+", query)
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def _row(r: Sequence) -> ArticleRow:
    return ArticleRow(
        rowid=r[0],
        key=ArticleKey(r[1], r[2]),
        title=r[3],
        section=tuple(r[4].split(SEP)) if r[4] else (),
        source_title=r[5],
        url=r[6],
        published=_dt(r[7]),
        read=bool(r[8]),
        starred=bool(r[9]),
        words=r[10],
    )


def _without_zdict(item: Article | Prepared, zdict: bytes) -> Article | Prepared:
    if isinstance(item, Article):
        return item
    text = decompress(item.content, {zlib.adler32(zdict): zdict}.get)
    return replace(item, content=PLAIN(text.encode("utf-8", "replace")))


def _extra(article: Article) -> str | None:
    extra: dict[str, object] = {}
    if article.summary and article.summary != article.content:
        extra["summary"] = article.summary
    if article.categories:
        extra["categories"] = list(article.categories)
    if article.enclosures:
        extra["enclosures"] = [[e.url, e.type, e.length] for e in article.enclosures]
    if article.note:
        extra["note"] = article.note
    return json.dumps(extra, ensure_ascii=False) if extra else None


def fingerprint(article: Article) -> str:
    """Changes when anything shown of the article changes."""
    data = "\x00".join(
        (
            article.title,
            article.url or "",
            article.content,
            article.author or "",
            str(_ts(article.published)),
        )
    )
    return format(zlib.crc32(data.encode("utf-8", "replace")), "08x") + format(len(data), "x")


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _rewrite(db: sqlite3.Connection) -> None:
    """VACUUM after a migration rebuilt a table; an older store takes the page size of
    new ones on the way (that needs the rollback journal, so no other connection).

    Both are best effort: with another program holding the store open, it keeps its
    pages and its free space (the migration itself is already committed)."""
    db.execute("PRAGMA busy_timeout = 0")  # never wait for that other program
    try:
        if (
            db.execute("PRAGMA page_size").fetchone()[0] < PAGE_SIZE
            and db.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
        ):
            db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        db.execute("VACUUM")
    except sqlite3.OperationalError as exc:
        log.warning("store not compacted after its update: %s", exc)
    finally:
        db.execute("PRAGMA busy_timeout = 10000")
        db.execute("PRAGMA journal_mode = WAL")


def _statements(script: str) -> list[str]:
    """Split a migration into statements (none of ours has ';' inside a literal)."""
    return [s.strip() for s in script.split(";") if s.strip()]
