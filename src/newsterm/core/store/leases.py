"""Refresh leases: one process at a time refreshes a source.

A refresh claims its sources for a while before fetching them and releases them when
it is done; a source another process holds is left to that process (a cron
``newsterm refresh`` beside the TUI, two TUIs on one store). A lease that ran out, a
crashed process's, is taken over.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Sequence

from newsterm.core.store._base import StoreBase, _chunks, wrap_exceptions


def lease_owner() -> str:
    """This process, as a lease names its owner: ``pid 1234 on host``."""
    return f"pid {os.getpid()} on {socket.gethostname()}"


class LeasesMixin(StoreBase):
    @wrap_exceptions
    def claim_sources(
        self, keys: Sequence[str], owner: str, seconds: int
    ) -> tuple[list[str], dict[str, str]]:
        """Claim ``keys`` for ``owner`` for ``seconds``, in one transaction.

        Returns the keys ``owner`` now holds (its own leases renewed, free and expired
        ones taken), in the order given, and ``{key: other owner}`` for keys someone
        else holds an unexpired lease on.
        """
        now = int(time.time())
        held: list[str] = []
        others: dict[str, str] = {}
        with self._tx() as db:
            for key in dict.fromkeys(keys):
                row = db.execute(
                    "SELECT owner, expires FROM leases WHERE source = ?", (key,)
                ).fetchone()
                if row is not None and row[0] != owner and row[1] > now:
                    others[key] = row[0]
                    continue
                db.execute(
                    "INSERT OR REPLACE INTO leases (source, owner, expires) VALUES (?, ?, ?)",
                    (key, owner, now + seconds),
                )
                held.append(key)
        return held, others

    @wrap_exceptions
    def release_sources(self, keys: Sequence[str], owner: str) -> None:
        """Give up ``owner``'s leases on ``keys`` (another owner's stay)."""
        with self._tx() as db:
            for chunk in _chunks(list(keys), 500):
                db.execute(
                    f"DELETE FROM leases WHERE owner = ? AND source IN ({','.join('?' * len(chunk))})",
                    (owner, *chunk),
                )
