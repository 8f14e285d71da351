"""Read and starred flags, their rolling backups beside the store, and the UI's
key-value state."""

from __future__ import annotations

import gzip
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path

from newsterm.core.paths import BACKUP_DIR, backup_dir_of
from newsterm.core.store._base import StoreBase, _chunks, log, wrap_exceptions
from newsterm.core.store.outbox import queue_marks

__all__ = ["BACKUP_DIR", "FlagsMixin", "latest_backup"]

FLAGS = ("read", "starred")


def latest_backup(folder: Path) -> Path | None:
    """The newest backup of flags in ``folder`` (None when there is none)."""
    backups = sorted(folder.glob("flags-*.json.gz")) if folder.is_dir() else []
    return backups[-1] if backups else None


class FlagsMixin(StoreBase):
    @wrap_exceptions
    def set_flag(self, ids: Sequence[int], flag: str, value: bool) -> dict[int, bool]:
        """Set ``read`` or ``starred`` on ``ids``; returns the previous values (for undo)."""
        if flag not in FLAGS:
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
            queue_marks(db, ids, flag, value)  # an account's articles: for its server
        self.flags_changed = True
        return before

    @wrap_exceptions
    def restore_flags(self, flag: str, values: dict[int, bool]) -> None:
        """Put back what :meth:`set_flag` returned."""
        if flag not in FLAGS:
            raise ValueError(flag)
        with self._tx() as db:
            db.executemany(
                f"UPDATE articles SET {flag} = ? WHERE id = ?",
                [(int(v), k) for k, v in values.items()],
            )
            queue_marks(db, list(values), flag, values=values)
        self.flags_changed = True

    # -- backups ---------------------------------------------------------------------

    @wrap_exceptions
    def backup_flags(self, keep: int = 3) -> Path | None:
        """Write read/starred flags to a rolling backup beside the store (if they changed)."""
        if not self.flags_changed:
            return None
        rows = self._query(
            "SELECT s.key, a.guid, a.read, a.starred FROM articles a JOIN sources s ON s.id = a.source_id "
            "WHERE a.read = 1 OR a.starred = 1"
        )
        folder = backup_dir_of(self.path)
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

    @wrap_exceptions
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

    def _recover(self) -> None:
        backup = latest_backup(backup_dir_of(self.path))
        if backup is not None:
            self.load_backup(backup)

    # -- the UI's key-value state ------------------------------------------------------

    @wrap_exceptions
    def get_state(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM state WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    @wrap_exceptions
    def set_state(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (key, value))
