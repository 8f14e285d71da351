"""Counts of articles, as the sidebar and ``newsterm unread`` show them.

Every count leaves out what a rule hid (``articles.hidden``). Asking SQLite for
``hidden = 0`` directly reads every counted row from the table (170 ms at 100,000
articles); counting everything by a covering index, then taking away the hidden ones,
which the partial index ``articles_hidden`` finds alone, costs 5-10 ms. So each count
here is "all, minus hidden".

This module needs nothing but sqlite3: ``newsterm unread``, which a status bar runs
every few seconds, opens the store read-only with :func:`open_read_only` and counts,
without the rest of the store package (core/store/__init__ loads its parts lazily).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SEP = "\x1f"
"""How ``sections.path`` joins a path's parts (the store's own, see _base.SEP)."""

COUNTS_SCHEMA = 10
"""The first schema these queries read (migration 10 added ``articles.hidden``)."""

Parts = tuple[str, ...]


def _path(joined: str) -> Parts:
    return tuple(joined.split(SEP)) if joined else ()


def unread_total(db: sqlite3.Connection) -> int:
    """Unread articles, hidden ones left out."""
    (unread,) = db.execute("SELECT count(*) FROM articles WHERE read = 0").fetchone()
    (hidden,) = db.execute("SELECT count(*) FROM articles WHERE hidden = 1 AND read = 0").fetchone()
    return int(unread - hidden)


def grouped(db: sqlite3.Connection, column: str) -> dict[int, tuple[int, int]]:
    """``column`` (``section_id`` or ``source_id``) -> (unread, total), hidden left out;
    groups with no article are absent."""
    if column not in ("section_id", "source_id"):
        raise ValueError(column)
    counts = {
        gid: [unread, total]
        for gid, unread, total in db.execute(
            f"SELECT {column}, sum(read = 0), count(*) FROM articles GROUP BY {column}"
        )
    }
    for gid, unread, total in db.execute(
        f"SELECT {column}, sum(read = 0), count(*) FROM articles WHERE hidden = 1 GROUP BY {column}"
    ):
        counts[gid][0] -= unread
        counts[gid][1] -= total
    return {gid: (u, t) for gid, (u, t) in counts.items() if t > 0}


def sections(db: sqlite3.Connection) -> list[tuple[Parts, int, int]]:
    """(section path, unread, total) of every section that holds articles."""
    paths = dict(db.execute("SELECT id, path FROM sections").fetchall())
    return [(_path(paths[sid]), u, t) for sid, (u, t) in grouped(db, "section_id").items()]


def section_unread(db: sqlite3.Connection, prefix: Parts) -> int | None:
    """Unread articles in section ``prefix`` and the sections under it; None when no
    section has that path (nor one under it)."""
    ids = [
        sid
        for sid, joined in db.execute("SELECT id, path FROM sections")
        if _path(joined)[: len(prefix)] == prefix
    ]
    if not ids:
        return None
    unread = 0
    for start in range(0, len(ids), 500):  # SQLite's variables: at most 999 at once
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        (all_unread,) = db.execute(
            f"SELECT count(*) FROM articles WHERE section_id IN ({marks}) AND read = 0", chunk
        ).fetchone()
        (hidden,) = db.execute(
            f"SELECT count(*) FROM articles WHERE hidden = 1 AND read = 0 "
            f"AND section_id IN ({marks})",
            chunk,
        ).fetchone()
        unread += all_unread - hidden
    return int(unread)


def with_parents(rows: list[tuple[Parts, int, int]]) -> dict[Parts, list[int]]:
    """Each section's [unread, total] with its sub-sections', parents included."""
    totals: dict[Parts, list[int]] = {}
    for path, unread, total in rows:
        for depth in range(1, len(path) + 1):
            counts = totals.setdefault(path[:depth], [0, 0])
            counts[0] += unread
            counts[1] += total
    return totals


def open_read_only(path: Path) -> sqlite3.Connection | None:
    """The store at ``path`` for reading only, or None when it cannot be read so (no
    file yet, an older schema, not a database): the caller then opens it as the
    store does, which makes, updates or repairs it."""
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=2)
        (version,) = db.execute("PRAGMA user_version").fetchone()
    except sqlite3.Error:
        return None
    if version < COUNTS_SCHEMA:
        db.close()
        return None
    return db
