"""Read and starred marks that never wait for, and are never lost to, a busy store.

A mark is written at once when the store is free. When another program holds the
store's write lock (a cron ``newsterm refresh``, a second newsterm, a backup tool),
the mark is kept in memory, shown at once (:meth:`MarkQueue.overlay`), and written
by a background thread when the store is free again: in order, retried with
backoff, never dropped. What is still waiting when the reader quits is written to a
journal beside the store (the store itself cannot take it: it is busy) and applied
at the next start.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from newsterm.core.errors import StoreBusy, StoreError
from newsterm.core.models import ArticleKey, ArticleRow
from newsterm.core.store import Store

log = logging.getLogger(__name__)

Flag = str
"""``read`` or ``starred``."""
FLAGS = ("read", "starred")
FIRST_TRY_SECONDS = 0.2
"""How long a mark waits for the write lock before it is queued instead."""
RETRY_SECONDS = (0.25, 0.5, 1.0, 2.0)
"""Backoff between the writer's tries; the last one repeats."""
JOURNAL = "pending-marks.json"


@dataclass(frozen=True, slots=True)
class Change:
    """Marks to write: ``flag`` set to each value, by article id."""

    flag: Flag
    values: dict[int, bool]
    keys: dict[int, ArticleKey]
    """The articles' keys (the journal names articles by key, not by row id)."""


class MarkQueue:
    """Writes marks to one store, now or as soon as it is free."""

    def __init__(self, store: Store, on_change: Callable[[int], None] | None = None) -> None:
        self._store = store
        self._queue: deque[Change] = deque()
        self._overlay: dict[tuple[int, Flag], bool] = {}
        self._lock = threading.Lock()
        """Guards the queue and the overlay (held briefly: the UI reads the overlay)."""
        self._order = threading.Lock()
        """Held while a mark is submitted, so marks reach the store in order."""
        self._writer: threading.Thread | None = None
        self._draining = False
        self._idle = threading.Event()
        self._idle.set()
        self.on_change = on_change
        """Called (from any thread) with the number of marks waiting, when it changes."""
        self.journal = store.path.parent / JOURNAL

    # -- marking ---------------------------------------------------------------------

    def mark(self, ids: Sequence[int], flag: Flag, value: bool) -> dict[int, bool]:
        """Set ``flag`` on ``ids``; returns their values before (for undo)."""
        if flag not in FLAGS:
            raise ValueError(flag)
        rows = self.overlay(self._store.rows(ids))
        before = {row.rowid: getattr(row, flag) for row in rows}
        keys = {row.rowid: row.key for row in rows}
        self._submit(Change(flag, dict.fromkeys(before, value), keys))
        return before

    def restore(self, flag: Flag, values: dict[int, bool]) -> None:
        """Put back what :meth:`mark` returned."""
        if flag not in FLAGS:
            raise ValueError(flag)
        rows = self._store.rows(list(values))
        keys = {row.rowid: row.key for row in rows}
        self._submit(Change(flag, {i: v for i, v in values.items() if i in keys}, keys))

    def _submit(self, change: Change) -> None:
        if not change.values:
            return
        with self._order:
            with self._lock:
                direct = not self._queue
            if direct:
                try:
                    with self._store.waiting_at_most(FIRST_TRY_SECONDS):
                        _write(self._store, change)
                    return
                except StoreBusy:
                    pass
            with self._lock:
                self._queue.append(change)
                for aid, value in change.values.items():
                    self._overlay[(aid, change.flag)] = value
                waiting = self._waiting()
                self._start_writer()
        self._notify(waiting)

    # -- what readers see ------------------------------------------------------------------

    @property
    def waiting(self) -> int:
        """Marks not yet in the store."""
        with self._lock:
            return self._waiting()

    def _waiting(self) -> int:
        return sum(len(c.values) for c in self._queue)

    def overlay(self, rows: Iterable[ArticleRow]) -> list[ArticleRow]:
        """``rows`` with the marks still waiting applied."""
        rows = list(rows)
        if not self._overlay:
            return rows
        with self._lock:
            out = []
            for row in rows:
                read = self._overlay.get((row.rowid, "read"), row.read)
                starred = self._overlay.get((row.rowid, "starred"), row.starred)
                if (read, starred) != (row.read, row.starred):
                    row = replace(row, read=read, starred=starred)
                out.append(row)
            return out

    def unread(self, ids: Iterable[int], stored_unread: set[int]) -> set[int]:
        """Which of ``ids`` are unread, given those the store says are."""
        if not self._overlay:
            return stored_unread
        with self._lock:
            out = set(stored_unread)
            for aid in ids:
                value = self._overlay.get((aid, "read"))
                if value is True:
                    out.discard(aid)
                elif value is False:
                    out.add(aid)
            return out

    # -- the writer ------------------------------------------------------------------------

    def _start_writer(self) -> None:
        """Start the writer thread unless it runs (call with ``_lock`` held)."""
        if not self._draining:
            self._draining = True
            self._idle.clear()
            self._writer = threading.Thread(target=self._drain, name="marks", daemon=True)
            self._writer.start()

    def _drain(self) -> None:
        tries = 0
        while True:
            with self._lock:
                if not self._queue:
                    self._draining = False
                    self._idle.set()
                    return
                change = self._queue[0]
            try:
                with self._store.waiting_at_most(RETRY_SECONDS[-1]):
                    _write(self._store, change)
            except StoreError as exc:  # busy (or briefly unusable): try again later
                if not isinstance(exc, StoreBusy):
                    log.warning("marks not written yet: %s", exc)
                time.sleep(RETRY_SECONDS[min(tries, len(RETRY_SECONDS) - 1)])
                tries += 1
                continue
            tries = 0
            with self._lock:
                self._queue.popleft()
                self._rebuild_overlay()
                waiting = self._waiting()
            self._notify(waiting)

    def _rebuild_overlay(self) -> None:
        self._overlay = {
            (aid, change.flag): value
            for change in self._queue
            for aid, value in change.values.items()
        }

    def _notify(self, waiting: int) -> None:
        if self.on_change is not None:
            self.on_change(waiting)

    # -- quitting and starting -------------------------------------------------------------

    def close(self, timeout: float = 3.0) -> int:
        """Wait up to ``timeout`` for waiting marks to be written; journal the rest.

        Returns how many marks went to the journal (0 when all are in the store)."""
        self._idle.wait(timeout)
        with self._lock:
            changes = list(self._queue)
            self._queue.clear()
            self._overlay.clear()
        if not changes:
            return 0
        entries = [
            [c.flag, k.source, k.id, v]
            for c in changes
            for aid, v in c.values.items()
            if (k := c.keys.get(aid)) is not None
        ]
        temporary = self.journal.with_suffix(".tmp")
        existing = _read_journal(self.journal)
        temporary.write_text(json.dumps({"version": 1, "marks": existing + entries}))
        os.replace(temporary, self.journal)
        log.warning(
            "store busy: %d marks kept in %s for the next start", len(entries), self.journal
        )
        return len(entries)

    def replay_journal(self) -> int:
        """Apply the marks a busy store kept from the last session; returns how many."""
        entries = _read_journal(self.journal)
        if not entries:
            return 0
        applied = 0
        for flag, source, guid, value in entries:
            aid = self._store.id_of(ArticleKey(source, guid))
            if aid is not None and flag in FLAGS:
                self._submit(Change(flag, {aid: bool(value)}, {aid: ArticleKey(source, guid)}))
                applied += 1
        self.journal.unlink(missing_ok=True)
        return applied


def _write(store: Store, change: Change) -> None:
    groups: dict[bool, list[int]] = {}
    for aid, value in change.values.items():
        groups.setdefault(value, []).append(aid)
    if len(groups) == 1:
        ((value, ids),) = groups.items()
        store.set_flag(ids, change.flag, value)
    else:
        store.restore_flags(change.flag, change.values)


def _read_journal(path: Path) -> list[list]:
    try:
        data = json.loads(path.read_text())
        entries = data["marks"]
        return [[str(f), str(s), str(g), bool(v)] for f, s, g, v in entries]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s: unreadable (%s); ignored", path, exc)
        return []
