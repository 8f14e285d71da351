"""A busy store (another program holding the write lock) delays marks; it never drops one.

A real second connection holds ``BEGIN IMMEDIATE`` for longer than the mark queue
waits, as a cron ``newsterm refresh`` or a backup tool would.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsterm.core.library import Library
from newsterm.core.models import View
from sample import open_sample


@contextmanager
def write_lock_held(db: Path) -> Iterator[sqlite3.Connection]:
    """Another program holds the store's write lock until the block ends."""
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield other
    finally:
        other.execute("COMMIT")
        other.close()


def stored_flags(db: Path) -> dict[int, tuple[int, int]]:
    with sqlite3.connect(db) as reader:
        return {i: (r, s) for i, r, s in reader.execute("SELECT id, read, starred FROM articles")}


def wait_until(condition, seconds: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _library(sample: tuple[Path, Path]) -> tuple[Library, Path, list[int]]:
    config, data = sample
    library = open_sample(config, data)
    ids = library.article_ids(View("all"))
    assert len(ids) >= 3
    return library, data / "newsterm.db", ids


def test_marks_on_a_busy_store_show_at_once_and_are_written_when_it_is_free(
    sample: tuple[Path, Path],
) -> None:
    library, db, ids = _library(sample)
    seen: list[int] = []
    library.on_marks_waiting(seen.append)
    try:
        before = stored_flags(db)
        with write_lock_held(db):
            previous = library.set_read(ids[:2], True)
            library.set_starred([ids[2]], True)
            library.set_read([ids[0]], False)  # a later mark of the same article wins
            assert previous == {ids[0]: False, ids[1]: False}
            # shown at once, though not in the store yet
            rows = {r.rowid: r for r in library.rows(ids[:3])}
            assert (rows[ids[0]].read, rows[ids[1]].read, rows[ids[2]].starred) == (
                False,
                True,
                True,
            )
            assert library.marks_waiting == 4
            assert stored_flags(db) == before
            time.sleep(0.6)  # longer than the queue's first wait, several retries
            assert library.marks_waiting == 4
        assert wait_until(lambda: library.marks_waiting == 0)
        after = stored_flags(db)
        assert after[ids[0]] == (0, 0)
        assert after[ids[1]] == (1, 0)
        assert after[ids[2]][1] == 1
        assert seen[-1] == 0 and max(seen) == 4
    finally:
        library.close()


def test_find_unread_sees_marks_still_waiting(sample: tuple[Path, Path]) -> None:
    library, db, ids = _library(sample)
    try:
        with write_lock_held(db):
            library.set_read([ids[0]], True)
            assert library.find_unread(ids, 0) == 1
    finally:
        library.close()


def test_quitting_while_busy_keeps_the_marks_for_the_next_start(
    sample: tuple[Path, Path],
) -> None:
    config, data = sample
    library, db, ids = _library(sample)
    with write_lock_held(db):
        library.set_starred(ids[:2], True)
        kept = library.close(wait=0.3)
        assert kept == 2
    assert stored_flags(db)[ids[0]][1] == 0  # not written: the store was busy
    again = open_sample(config, data)
    try:
        assert {r.rowid: r.starred for r in again.rows(ids[:2])} == {ids[0]: True, ids[1]: True}
        assert stored_flags(db)[ids[0]][1] == 1
        assert not (data / "pending-marks.json").exists()
    finally:
        again.close()


def test_marks_made_while_busy_are_written_in_order(sample: tuple[Path, Path]) -> None:
    library, db, ids = _library(sample)
    try:
        with write_lock_held(db):
            for value in (True, False, True, False, True):
                library.set_starred([ids[0]], value)
        assert wait_until(lambda: library.marks_waiting == 0)
        assert stored_flags(db)[ids[0]][1] == 1
    finally:
        library.close()


def test_undo_of_a_mark_all_made_while_busy(sample: tuple[Path, Path]) -> None:
    library, db, ids = _library(sample)
    try:
        with write_lock_held(db):
            previous = library.set_read(ids, True)
            library.restore("read", previous)
        assert wait_until(lambda: library.marks_waiting == 0)
        assert all(read == 0 for read, _ in stored_flags(db).values())
    finally:
        library.close()


def test_a_mark_waits_no_longer_than_a_moment_for_a_busy_store(
    sample: tuple[Path, Path],
) -> None:
    library, db, ids = _library(sample)
    done = threading.Event()
    try:
        with write_lock_held(db):
            worker = threading.Thread(target=lambda: (library.set_read(ids[:1]), done.set()))
            worker.start()
            # the mark returns while the lock is still held: it was queued, not waited on
            assert done.wait(5)
        worker.join()
    finally:
        library.close()
