"""The store when another program holds its write lock, and its one error path: every
sqlite3 error leaves the store as a StoreError."""

from __future__ import annotations

import inspect
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsterm.core.errors import StoreBusy, StoreCorrupt, StoreError
from newsterm.core.models import Article, ArticleKey, Source, View
from newsterm.core.store import BUSY_MESSAGE, Store

FEED = "https://example.org/feed.xml"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "newsterm.db"


@pytest.fixture
def store(db: Path) -> Iterator[Store]:
    s = Store.open(db)
    s.sync_sources([Source(FEED, "feed")])
    s.save_articles(
        FEED, [Article(ArticleKey(FEED, f"g{i}"), f"T{i}", ("News",)) for i in range(3)]
    )
    yield s
    s.close()


@pytest.fixture
def other(db: Path, store: Store) -> Iterator[sqlite3.Connection]:
    """Another program's connection to the same file."""
    con = sqlite3.connect(db, isolation_level=None, timeout=0)
    yield con
    if con.in_transaction:
        con.execute("ROLLBACK")
    con.close()


def read_flags(store: Store) -> list[bool]:
    return [r.read for r in store.rows(store.article_ids(View(show_read=True)))]


def test_a_write_while_another_program_holds_the_lock_raises_store_busy(
    store: Store, other: sqlite3.Connection
) -> None:
    ids = store.article_ids(View())
    other.execute("BEGIN IMMEDIATE")  # held far longer than the 0.2 s we wait
    with pytest.raises(StoreBusy) as info, store.waiting_at_most(0.2):
        store.set_flag(ids[:1], "read", True)
    assert isinstance(info.value, StoreError)
    assert str(info.value) == BUSY_MESSAGE == "the store is busy: another program is writing to it"
    assert read_flags(store) == [False, False, False]  # nothing half-written
    other.execute("COMMIT")
    with store.waiting_at_most(0.2):
        assert store.set_flag(ids[:1], "read", True) == {ids[0]: False}
    assert sorted(read_flags(store)) == [False, False, True]


def test_reads_go_on_while_another_program_writes(store: Store, other: sqlite3.Connection) -> None:
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE articles SET read = 1")
    with store.waiting_at_most(0.2):
        assert read_flags(store) == [False, False, False]  # WAL: the last committed state


def test_waiting_at_most_restores_the_wait_afterwards(store: Store) -> None:
    def busy_timeout() -> int:
        return int(store._db.execute("PRAGMA busy_timeout").fetchone()[0])

    before = busy_timeout()
    with store.waiting_at_most(0.25):
        assert busy_timeout() == 250
        with store.waiting_at_most(0):
            assert busy_timeout() == 0
        assert busy_timeout() == 250
    assert busy_timeout() == before == 10_000
    with pytest.raises(ValueError), store.waiting_at_most(0.1):
        store.set_flag([1], "unknown", True)
    assert busy_timeout() == before


def test_waiting_at_most_also_bounds_the_wait_for_another_thread_of_this_program(
    store: Store,
) -> None:
    holding, release = threading.Event(), threading.Event()

    def worker() -> None:
        with store._tx():  # a long write of this program's own (a refresh's)
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert holding.wait(10)
        with pytest.raises(StoreBusy), store.waiting_at_most(0.05):
            store.set_flag([1], "read", True)
    finally:
        release.set()
        thread.join()
    with store.waiting_at_most(0.05):
        store.set_flag([1], "read", True)


def test_a_closed_store_raises_store_errors(db: Path) -> None:
    store = Store.open(db)
    store.close()
    for call in (
        lambda: store.article_ids(View()),
        lambda: store.set_flag([1], "read", True),
        lambda: store.get_state("x"),
        lambda: store.search("word"),
        lambda: store.claim_sources([FEED], "me", 60),
    ):
        with pytest.raises(StoreError, match="closed"):
            call()


def test_a_corrupt_file_attached_raises_store_corrupt(db: Path) -> None:
    db.parent.mkdir(parents=True)
    db.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreCorrupt) as info:
        Store.attach(db)
    assert isinstance(info.value, StoreError)
    assert "damaged" in str(info.value)


def test_any_other_sqlite_error_is_a_store_error(store: Store, other: sqlite3.Connection) -> None:
    other.execute("DROP TABLE state")  # another program broke the schema
    with pytest.raises(StoreError) as info:
        store.get_state("x")
    assert type(info.value) is StoreError
    assert "no such table" in str(info.value)
    assert isinstance(info.value.__cause__, sqlite3.OperationalError)


def test_every_public_method_wraps_sqlite_errors() -> None:
    public = {
        name: inspect.getattr_static(Store, name) for name in dir(Store) if not name.startswith("_")
    }
    methods = {
        name: getattr(attr, "__func__", attr)
        for name, attr in public.items()
        if callable(getattr(attr, "__func__", attr))
    }
    assert {"open", "attach", "close", "set_flag", "waiting_at_most", "claim_sources"} <= set(
        methods
    )
    unwrapped = sorted(n for n, f in methods.items() if not getattr(f, "wraps_store_errors", False))
    assert unwrapped == []


def test_a_failed_commit_leaves_no_transaction_open(store: Store, db: Path) -> None:
    """A COMMIT that fails (here a deferred foreign key) rolls back: the next write is
    its own transaction and commits, rather than joining one that never ends."""
    with pytest.raises(sqlite3.IntegrityError), store._tx() as con:
        con.execute("PRAGMA defer_foreign_keys = ON")
        con.execute(
            "INSERT INTO articles (source_id, guid, section_id, title, sort_time, content_type) "
            "VALUES (999, 'orphan', 999, 'x', 0, 'text')"
        )
    ids = store.article_ids(View())
    store.set_flag(ids[:1], "read", True)
    check = sqlite3.connect(db)  # another program sees the mark: it was committed
    try:
        assert check.execute("SELECT count(*) FROM articles WHERE read = 1").fetchone() == (1,)
        assert check.execute("SELECT count(*) FROM articles WHERE guid = 'orphan'").fetchone() == (
            0,
        )
    finally:
        check.close()


def test_opening_a_store_another_program_is_writing_says_busy_and_moves_nothing(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("newsterm.core.store._base.BUSY_TIMEOUT_MS", 100)
    db.parent.mkdir(parents=True)
    holder = sqlite3.connect(db, isolation_level=None)  # a new file, not yet in WAL
    try:
        holder.execute("CREATE TABLE other_program (x)")
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO other_program VALUES (1)")
        with pytest.raises(StoreBusy) as info:
            Store.open(db)  # switching to WAL needs the lock the other program holds
        assert str(db) in str(info.value) and BUSY_MESSAGE in str(info.value)
        assert list(db.parent.glob("*.corrupt-*")) == []
    finally:
        holder.close()
    Store.open(db).close()  # once it is done, the store opens
