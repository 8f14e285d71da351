"""The store under faults: two processes, SIGKILL mid-write, corruption with backups."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from newsterm.core.models import Article, ArticleKey, Source, View
from newsterm.core.store import Store, latest_backup

FEED = "https://example.org/feed"


def articles(n: int, prefix: str = "a") -> list[Article]:
    return [
        Article(
            ArticleKey(FEED, f"{prefix}{i}"),
            f"Title {prefix}{i}",
            ("News",),
            content=f"<p>body {i}</p>",
        )
        for i in range(n)
    ]


def make_store(path: Path, n: int = 20) -> Store:
    store = Store.open(path)
    store.sync_sources([Source(FEED, "feed")])
    store.save_articles(FEED, articles(n))
    return store


def test_two_stores_on_one_file_lose_no_mark(tmp_path: Path) -> None:
    db = tmp_path / "newsterm.db"
    first = make_store(db)
    second = Store.open(db)
    ids = first.article_ids(View())
    for index, aid in enumerate(ids):
        (first if index % 2 else second).set_flag([aid], "read", True)
    second.set_flag(ids[:3], "starred", True)
    first.close()
    second.close()
    again = Store.open(db)
    rows = again.rows(again.article_ids(View()))
    assert all(r.read for r in rows)
    assert sum(r.starred for r in rows) == 3


def test_sigkill_during_writes_keeps_integrity_and_earlier_marks(tmp_path: Path) -> None:
    db = tmp_path / "newsterm.db"
    store = make_store(db, 50)
    marked = store.article_ids(View())[:10]
    store.set_flag(marked, "read", True)
    store.close()
    writer = textwrap.dedent(
        f"""
        from pathlib import Path
        from newsterm.core.models import Article, ArticleKey, Source
        from newsterm.core.store import Store
        store = Store.open(Path({str(db)!r}))
        store.sync_sources([Source({FEED!r}, "feed")])
        print("ready", flush=True)
        n = 0
        while True:
            batch = [Article(ArticleKey({FEED!r}, f"w{{n}}-{{i}}"), "x" * 50, ("News",),
                             content="<p>" + "word " * 400 + "</p>") for i in range(200)]
            store.save_articles({FEED!r}, batch)
            n += 1
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(1.0)  # let it write several transactions
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    check = sqlite3.connect(db)
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    check.close()
    reopened = Store.open(db)
    assert {r.rowid for r in reopened.rows(marked) if r.read} == set(marked)
    assert len(reopened.article_ids(View())) > 50  # the writer did commit whole batches


def test_corrupt_store_is_moved_aside_and_marks_come_back_from_backup(tmp_path: Path) -> None:
    db = tmp_path / "newsterm.db"
    store = make_store(db)
    ids = store.article_ids(View())
    store.set_flag(ids[:4], "read", True)
    store.set_flag(ids[:1], "starred", True)
    backup = store.backup_flags()
    assert backup is not None and latest_backup(tmp_path / "backups") == backup
    assert store.backup_flags() is None  # nothing changed since
    store.close()
    for part in tmp_path.glob("newsterm.db-*"):
        part.unlink()
    db.write_bytes(b"this is not a database" * 100)
    fresh = Store.open(db)
    assert fresh.moved_aside is not None
    assert fresh.moved_aside.read_bytes() == b"this is not a database" * 100
    assert fresh.restored_from == backup
    fresh.sync_sources([Source(FEED, "feed")])
    fresh.save_articles(FEED, articles(20))  # the feed is refreshed again
    rows = {r.key.id: r for r in fresh.rows(fresh.article_ids(View()))}
    restored_read = {k for k, r in rows.items() if r.read}
    assert len(restored_read) == 4
    assert sum(r.starred for r in rows.values()) == 1
    # pending marks are applied once: a later mark is not overwritten by the backup
    target = next(r for r in rows.values() if r.read)
    fresh.set_flag([target.rowid], "read", False)
    fresh.save_articles(FEED, articles(20))
    assert fresh.rows([target.rowid])[0].read is False


def test_backups_roll(tmp_path: Path) -> None:
    store = make_store(tmp_path / "newsterm.db")
    aid = store.article_ids(View())[0]
    made = []
    for value in (True, False, True, False, True):
        store.set_flag([aid], "read", value)
        made.append(store.backup_flags(keep=3))
    kept = sorted((tmp_path / "backups").glob("flags-*.json.gz"))
    assert kept == sorted(made[-3:])
