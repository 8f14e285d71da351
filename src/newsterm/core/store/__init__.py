"""The SQLite store: sources, articles with read/starred state, full-text index,
refresh leases, UI state.

One file in the data dir, WAL mode, ``user_version`` migrations (:mod:`.schema`).
Writes for one source happen in one transaction; every sqlite3 error leaves the store
as a :class:`~newsterm.core.errors.StoreError`. The store is split by what it stores,
each part a mixin over :class:`._base.StoreBase`:

- :mod:`._base`: connections, transactions, opening and migrations, errors
- :mod:`.prepare`: rows made ready in the refresh's worker processes
- :mod:`.sources`: sources, what their fetches left, titles, dictionaries
- :mod:`.articles`: the upsert, a fetched feed, pruning, pending flags
- :mod:`.lists`: what lists and counts show
- :mod:`.search`: search and the upkeep of its index
- :mod:`.flags`: read/starred flags, their backups, the UI's key-value state
- :mod:`.leases`: one process at a time refreshes a source
- :mod:`.fulltext`: full articles read from their web pages
- :mod:`.schedule`: when each feed was fetched and the floors its server set
"""

from __future__ import annotations

from newsterm.core.bodies import plain_text
from newsterm.core.store._base import BUSY_MESSAGE, PAGE_SIZE, StoreBase, wrap_exceptions
from newsterm.core.store.articles import ArticlesMixin, SaveResult
from newsterm.core.store.flags import BACKUP_DIR, FlagsMixin, latest_backup
from newsterm.core.store.fulltext import FullTextMixin, PageCandidate
from newsterm.core.store.leases import LeasesMixin, lease_owner
from newsterm.core.store.lists import ListsMixin
from newsterm.core.store.prepare import Prepared, fingerprint, prepare
from newsterm.core.store.schedule import Fetched, ScheduleMixin
from newsterm.core.store.search import TIME_ORDER_MAX, SearchMixin, match_expressions
from newsterm.core.store.sources import failed_body

__all__ = [
    "BACKUP_DIR",
    "BUSY_MESSAGE",
    "Fetched",
    "PAGE_SIZE",
    "PageCandidate",
    "Prepared",
    "SaveResult",
    "TIME_ORDER_MAX",
    "Store",
    "failed_body",
    "fingerprint",
    "latest_backup",
    "lease_owner",
    "match_expressions",
    "plain_text",
    "prepare",
    "wrap_exceptions",
]


class Store(
    ArticlesMixin,
    ListsMixin,
    FullTextMixin,
    SearchMixin,
    FlagsMixin,
    LeasesMixin,
    ScheduleMixin,
    StoreBase,
):
    """The SQLite store. Open with :meth:`open`; use from any thread."""
