"""Queueing an account's marks for its server (the outbox's writing side), in the
caller's transaction: flags.py calls it for the reader's marks, rules.py for what rules
set as articles are stored. sync.py reads and empties the outbox."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

from newsterm.core.store._base import _chunks

ACCOUNT_OF_KEY = "substr(s.key, 9, instr(substr(s.key, 9), ':') - 1)"
"""SQL: the account name in a remote source's key ``account:<name>:<feed id>``."""


def queue_marks(
    db: sqlite3.Connection, ids: Sequence[int], flag: str, value: bool | None = None,
    values: Mapping[int, bool] | None = None,
) -> None:  # fmt: skip
    """Queue ``flag`` = ``value`` (or each article's ``values``) for those of ``ids``
    that belong to an account, in the caller's transaction. A newer change replaces an
    older one of the same article and flag (with a new id, so a push under way of the
    older one does not delete it)."""
    for chunk in _chunks(list(ids), 500):
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            f"SELECT a.id, {ACCOUNT_OF_KEY}, a.guid FROM articles a "
            f"JOIN sources s ON s.id = a.source_id WHERE s.kind = 'remote' AND a.id IN ({marks})",
            chunk,
        ).fetchall()
        db.executemany(
            "INSERT OR REPLACE INTO outbox (account, item_id, flag, value) VALUES (?, ?, ?, ?)",
            [
                (account, guid, flag, int(values[aid] if values is not None else bool(value)))
                for aid, account, guid in rows
            ],
        )
