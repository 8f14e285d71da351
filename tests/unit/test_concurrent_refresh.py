"""A refresh beside a refresh: a cron ``newsterm refresh`` in another process while this
one refreshes and marks. Neither side crashes, no mark is lost, and only one process
refreshes a feed at a time (the other says so)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from test_refresh import FeedServer, Route, library, rss, server  # noqa: F401 - fixture

from newsterm.core.models import View


def _leases(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as reader:
            return reader.execute("SELECT count(*) FROM leases").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_a_second_process_leaves_the_feeds_another_is_refreshing(
    tmp_path: Path,
    server: FeedServer,  # noqa: F811
) -> None:
    paths = [f"/f{i}.xml" for i in range(4)]
    for i, path in enumerate(paths):
        server.routes[path] = Route(body=rss([(f"g{i}-{n}", f"Item {n} of {i}") for n in range(3)]))
    lib = library(tmp_path, server, paths)
    lib.refresh_sync()  # the store as it was before: 12 articles
    ids = lib.article_ids(View())
    assert len(ids) == 12
    # The feeds change and become slow, so the cron run holds them for a while.
    for i, path in enumerate(paths):
        server.routes[path] = Route(
            body=rss([(f"g{i}-{n}", f"Item {n} of {i}") for n in range(4)]), delay=1.5
        )
    config = tmp_path / "feeds.toml"
    config.write_text(
        '[settings]\nfull_text = "never"\n\n'  # the articles' pages are not this test's
        + "".join(
            f'[[feeds]]\nurl = "{server.url(p)}"\nsection = "S{i}"\n' for i, p in enumerate(paths)
        )
    )
    db = tmp_path / "data" / "newsterm.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSTERM_")}
    cron = subprocess.Popen(
        [sys.executable, "-m", "newsterm", "refresh", "--config", str(config)],
        env={**env, "NEWSTERM_DATA_DIR": str(db.parent)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while _leases(db) < len(paths) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _leases(db) == len(paths)
        # meanwhile, here: marks and a refresh of our own
        lib.set_read(ids[:5], True)
        lib.set_starred(ids[5:6], True)
        reports = lib.refresh_sync()
        assert len(reports) == len(paths)
        assert all(r.skipped and "another newsterm" in r.skipped for r in reports), reports
        assert not any(r.error for r in reports)
        out, err = cron.communicate(timeout=60)
    finally:
        if cron.poll() is None:
            cron.kill()
    assert cron.returncode == 0, err
    assert "Traceback" not in err
    assert _leases(db) == 0  # released
    every = lib.article_ids(View())
    assert len(every) == 16  # the cron run stored the new items
    rows = {r.rowid: r for r in lib.rows(ids)}
    assert all(rows[i].read for i in ids[:5])
    assert rows[ids[5]].starred
    # and with the other process done, this one refreshes the feeds itself
    again = lib.refresh_sync()
    assert not any(r.error for r in again)
    lib.close()


def test_a_store_notices_what_another_connection_wrote(tmp_path: Path) -> None:
    from newsterm.core.store import Store

    db = tmp_path / "newsterm.db"
    mine, other = Store.open(db), Store.attach(db)
    try:
        assert mine.changed_elsewhere() is False  # the first call only looks
        other.set_state("x", "1")
        assert mine.changed_elsewhere() is True
        assert mine.changed_elsewhere() is False
        mine.set_state("y", "2")  # its own writes do not count
        assert mine.changed_elsewhere() is False
    finally:
        mine.close()
        other.close()
