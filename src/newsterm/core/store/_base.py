"""The store's base: its connections, transactions, opening and migrations, and the
one exception wrapper through which every sqlite3 error leaves as a StoreError.

One writer connection, guarded by a lock, so the UI's worker threads and the CLI share
the same code; reads use connections of their own (WAL: they never wait for a write).
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self, TypeVar

from newsterm.core.bodies import decompress, unpack_zdict
from newsterm.core.errors import StoreBusy, StoreCorrupt, StoreError
from newsterm.core.querylang import regexp
from newsterm.core.store.schema import MIGRATIONS, SCHEMA_VERSION, Migration

log = logging.getLogger("newsterm.core.store")

SEP = "\x1f"
"""Joins a section path's parts in the store (never in a name)."""
PAGE_SIZE = 16_384
"""Page size of a new store. Rows are ~1.5 KB (the compressed body): a 4 KB page held
two and left a fifth of the articles table unused (42 MB of 206 at 100k articles)."""
BUSY_TIMEOUT_MS = 10_000
"""How long a write waits for another program's write lock, unless told otherwise
(:meth:`StoreBase.waiting_at_most`)."""

F = TypeVar("F", bound=Callable[..., Any])

# -- errors ---------------------------------------------------------------------------

_BUSY_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_CORRUPT_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
BUSY_MESSAGE = "the store is busy: another program is writing to it"


def _code(exc: sqlite3.Error) -> int:
    """SQLite's primary result code of ``exc`` (0 for the sqlite3 module's own errors)."""
    return int(getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF


def store_error(exc: sqlite3.Error) -> StoreError:
    """The StoreError for a sqlite3 error: busy, corrupt, or anything else."""
    code = _code(exc)
    if code in _BUSY_CODES:
        return StoreBusy(BUSY_MESSAGE)
    if code in _CORRUPT_CODES:
        return StoreCorrupt(f"the store is damaged: {exc}")
    return StoreError(f"the store failed: {exc}")


def wrap_exceptions(fn: F) -> F:
    """Decorate a public method: a sqlite3 error it raises leaves as a StoreError.

    Every public method of the store carries it (a test walks them all); a generator
    (what a ``@contextmanager`` wraps) is covered for its whole run.
    """
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def generator(*args: Any, **kwargs: Any) -> Any:
            try:
                return (yield from fn(*args, **kwargs))
            except StoreError:
                raise
            except sqlite3.Error as exc:
                raise store_error(exc) from exc

        wrapper: Any = generator
    else:

        @functools.wraps(fn)
        def function(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except StoreError:
                raise
            except sqlite3.Error as exc:
                raise store_error(exc) from exc

        wrapper = function
    wrapper.wraps_store_errors = True
    return wrapper  # type: ignore[no-any-return]


# -- small conversions shared by the modules --------------------------------------------


def _ts(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


def _dt(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class StoreBase:
    """Connections, transactions, opening. Open with :meth:`open`; use from any thread."""

    moved_aside: Path | None = None
    """Where :meth:`open` moved a file that was not a usable database."""

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
        self._closed = False
        self._data_version: int | None = None
        self._zdicts: dict[int, bytes] = {}
        """Compression dictionaries by adler32, loaded as bodies need them."""
        self.flags_changed = False
        """Read or starred flags changed since the last backup."""
        self.restored_from: Path | None = None
        """The backup whose flags :meth:`open` queued after moving a bad file aside."""

    # -- opening -------------------------------------------------------------------

    @classmethod
    @wrap_exceptions
    def open(cls, path: Path) -> Self:
        """Open (creating and migrating) the store at ``path``.

        A file that is not a database is moved aside (kept as ``*.corrupt-<time>``) and a
        fresh store is made; a store from a newer newsterm is refused, untouched.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            store = cls._open(path)
        except sqlite3.DatabaseError as exc:
            if _code(exc) in _BUSY_CODES:
                raise StoreBusy(f"{path}: {BUSY_MESSAGE}") from None
            aside = _move_aside(path)
            log.warning("%s: not a usable database (%s); moved aside to %s", path, exc, aside)
            store = cls._open(path)
            store.moved_aside = aside
            store._recover()
        store._after_migrations()
        return store

    def _recover(self) -> None:
        """What a fresh store does after a bad file was moved aside (the flags mixin
        queues the latest backup's read/starred flags)."""

    def _after_migrations(self) -> None:
        """Work a migration left for a mixin to do on the open store (the search mixin
        fills the index a migration rebuilt: its rule lives in search.py alone)."""

    @classmethod
    @wrap_exceptions
    def attach(cls, path: Path) -> Self:
        """Another connection to a store this program already opened (a refresh worker's).

        Unlike :meth:`open`, a bad file is an error (StoreCorrupt), never moved aside:
        the process that opened it decides that.
        """
        return cls._open(path)

    @classmethod
    def _open(cls, path: Path) -> Self:
        db = _connect(path)
        try:
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
            if _migrate(db, path, version):
                _rewrite(db)
            db.execute("SELECT count(*) FROM sources").fetchone()
        except BaseException:
            db.close()
            raise
        return cls(db, path)

    @wrap_exceptions
    def close(self) -> None:
        with self._lock, self._read_lock:
            self._closed = True
            self._reader.close()
            if self._own_reader is not None:
                self._own_reader.close()
            self._db.close()

    # -- connections and transactions ------------------------------------------------

    def _connect_reader(self) -> sqlite3.Connection:
        return _connect(self.path)

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A connection for reads: the owner thread's own, or the shared one, locked."""
        if threading.get_ident() == self._owner:
            if self._own_reader is None:
                if self._closed:  # never open a new connection to a closed store
                    raise StoreError("the store is closed")
                self._own_reader = self._connect_reader()
            yield self._own_reader
        else:
            with self._read_lock:
                yield self._reader

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._reading() as db:
            return db.execute(sql, params).fetchall()

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
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # a failed COMMIT leaves it open too
                    self._db.execute("ROLLBACK")
                raise

    @contextmanager
    @wrap_exceptions
    def waiting_at_most(self, seconds: float) -> Iterator[None]:
        """While held, this store's writes wait at most ``seconds`` for the write lock
        (SQLite's, held by another program, and this store's own, held by another
        thread); a write that cannot have it in time raises StoreBusy."""
        if not self._lock.acquire(timeout=max(seconds, 0.0)):
            raise StoreBusy(BUSY_MESSAGE)
        try:
            (before,) = self._db.execute("PRAGMA busy_timeout").fetchone()
            self._db.execute(f"PRAGMA busy_timeout = {max(int(seconds * 1000), 0)}")
            try:
                yield
            finally:
                self._db.execute(f"PRAGMA busy_timeout = {int(before)}")
        finally:
            self._lock.release()

    @wrap_exceptions
    def changed_elsewhere(self) -> bool:
        """Whether another connection committed to the store since the last call (a
        cron refresh, a second newsterm, this program's refresh workers); this store's
        own writes do not count. SQLite's ``data_version`` of the writer connection."""
        if not self._lock.acquire(timeout=0.05):  # this store is writing: ask again later
            return False
        try:
            (version,) = self._db.execute("PRAGMA data_version").fetchone()
        finally:
            self._lock.release()
        changed = self._data_version is not None and version != self._data_version
        self._data_version = version
        return changed

    # -- bodies ---------------------------------------------------------------------

    def _find_zdict(self, checksum: int) -> bytes | None:
        found = self._zdicts.get(checksum)
        if found is None:
            rows = self._query("SELECT data FROM zdicts WHERE checksum = ?", (checksum,))
            if rows:
                found = self._zdicts[checksum] = unpack_zdict(rows[0][0])
        return found

    def _body(self, blob: bytes | None) -> str:
        return decompress(blob, self._find_zdict)


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.create_function("nt_regexp", 2, regexp, deterministic=True)
    return db


def _move_aside(path: Path) -> Path:
    """Move a bad store (and its -wal, -shm) to ``*.corrupt-<time>``, never over a copy
    kept earlier."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while aside.exists():
        counter += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(str(path) + suffix)
        if part.exists():
            os.replace(part, Path(str(aside) + suffix))
    return aside


def _migrate(db: sqlite3.Connection, path: Path, version: int) -> bool:
    """Run the migrations after ``version``, each in its own transaction; True when one
    asks for the file to be compacted afterwards."""
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
    return vacuum


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
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA journal_mode = WAL")


def _statements(script: str) -> list[str]:
    """Split a migration into statements (none of ours has ';' inside a literal)."""
    return [s.strip() for s in script.split(";") if s.strip()]
