"""The SQLite store: sources, articles with read/starred state, full-text index,
refresh leases, UI state.

One file in the data dir, WAL mode, ``user_version`` migrations (:mod:`.schema`).
Writes for one source happen in one transaction; every sqlite3 error leaves the store
as a :class:`~newsterm.core.errors.StoreError`. The store is split by what it stores,
each part a mixin over :class:`._base.StoreBase`:

- :mod:`._store`: the :class:`Store` class, every part mixed in
- :mod:`.counts`: counts for the sidebar and ``newsterm unread`` (sqlite3 alone)
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
- :mod:`.sync`: sync accounts' state, their feeds and articles, the outbox of marks
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # not typing's: `newsterm unread` starts without that module
if TYPE_CHECKING:
    from newsterm.core.bodies import plain_text
    from newsterm.core.store._base import BUSY_MESSAGE, PAGE_SIZE, wrap_exceptions
    from newsterm.core.store._store import Store
    from newsterm.core.store.articles import SaveResult
    from newsterm.core.store.flags import BACKUP_DIR, latest_backup
    from newsterm.core.store.fulltext import PageCandidate
    from newsterm.core.store.leases import lease_owner
    from newsterm.core.store.prepare import Prepared, fingerprint
    from newsterm.core.store.schedule import Fetched
    from newsterm.core.store.search import TIME_ORDER_MAX, match_expressions
    from newsterm.core.store.sources import failed_body

_HOME = {
    "BACKUP_DIR": "newsterm.core.store.flags",
    "BUSY_MESSAGE": "newsterm.core.store._base",
    "Fetched": "newsterm.core.store.schedule",
    "PAGE_SIZE": "newsterm.core.store._base",
    "PageCandidate": "newsterm.core.store.fulltext",
    "Prepared": "newsterm.core.store.prepare",
    "SaveResult": "newsterm.core.store.articles",
    "Store": "newsterm.core.store._store",
    "TIME_ORDER_MAX": "newsterm.core.store.search",
    "failed_body": "newsterm.core.store.sources",
    "fingerprint": "newsterm.core.store.prepare",
    "latest_backup": "newsterm.core.store.flags",
    "lease_owner": "newsterm.core.store.leases",
    "match_expressions": "newsterm.core.store.search",
    "plain_text": "newsterm.core.bodies",
    "wrap_exceptions": "newsterm.core.store._base",
}
"""Where each name the package offers is defined: it is imported when first asked for,
so a program that needs one part (``newsterm unread``: :mod:`.counts`) loads no other.
(Not ``prepare`` the function: once imported, the package's ``prepare`` is its module.)"""

__all__ = [
    "BACKUP_DIR",
    "BUSY_MESSAGE",
    "Fetched",
    "PAGE_SIZE",
    "PageCandidate",
    "Prepared",
    "SaveResult",
    "Store",
    "TIME_ORDER_MAX",
    "failed_body",
    "fingerprint",
    "latest_backup",
    "lease_owner",
    "match_expressions",
    "plain_text",
    "wrap_exceptions",
]


def __getattr__(name: str) -> object:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
