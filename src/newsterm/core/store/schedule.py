"""Each feed's schedule as the store keeps it: when it was last fetched and the floors
its server set (see :mod:`newsterm.core.schedule`, which decides what they mean)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from newsterm.core.schedule import FeedTiming
from newsterm.core.store._base import StoreBase, wrap_exceptions


@dataclass(frozen=True, slots=True)
class Fetched:
    """One fetch, for :meth:`ScheduleMixin.record_timings`."""

    key: str
    at: int
    """When it was made (unix seconds)."""
    ttl: int | None = None
    max_age: int | None = None
    body: bool = False
    """A full answer (a body): its ttl and max-age replace the stored ones. Otherwise
    (304, an error) only the ones it has replace them."""


class ScheduleMixin(StoreBase):
    @wrap_exceptions
    def feed_timings(self, keys: Sequence[str]) -> dict[str, FeedTiming]:
        """What the schedule of these sources needs, in one query."""
        wanted = set(keys)
        return {
            key: FeedTiming(key, fetched, ttl, max_age, retry, label)
            for key, fetched, ttl, max_age, retry, label in self._query(
                "SELECT key, fetched_at, ttl, max_age, retry_after, label FROM sources"
            )
            if key in wanted
        }

    @wrap_exceptions
    def record_timings(self, fetches: Sequence[Fetched]) -> None:
        """Note a refresh's fetches, in one transaction."""
        if not fetches:
            return
        with self._tx() as db:
            db.executemany(
                "UPDATE sources SET fetched_at = ?, "
                "ttl = CASE WHEN ? THEN ? ELSE COALESCE(?, ttl) END, "
                "max_age = CASE WHEN ? THEN ? ELSE COALESCE(?, max_age) END WHERE key = ?",
                [
                    (f.at, f.body, f.ttl, f.ttl, f.body, f.max_age, f.max_age, f.key)
                    for f in fetches
                ],
            )

    @wrap_exceptions
    def forget_timing(self, key: str) -> None:
        """A feed subscribed to again is due at once (its old server floors go)."""
        with self._tx() as db:
            db.execute(
                "UPDATE sources SET fetched_at = NULL, ttl = NULL, max_age = NULL WHERE key = ?",
                (key,),
            )
