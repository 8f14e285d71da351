"""One exception tree. Every error carries a short message meant for the user."""

from __future__ import annotations

import sqlite3


class NewstermError(Exception):
    """Base of every error newsterm raises on purpose; ``str()`` is the user's message."""


class ConfigError(NewstermError):
    """feeds.toml (or a command line value) is wrong. The message names file and line/key."""


class QueryError(NewstermError):
    """A search that cannot be run (nothing to look for, a misplaced ``*``); the
    message names the query."""


class SourceError(NewstermError):
    """A source (feed or local folder) could not be read."""


class FetchError(SourceError):
    """Fetching a feed over HTTP failed: network, HTTP status, size, deadline."""


class ParseError(SourceError):
    """The bytes are not a feed we can read."""


class StoreError(NewstermError):
    """The SQLite store cannot be opened or used."""


class StoreBusy(StoreError):
    """Another program holds the store's write lock longer than we may wait."""


class StoreCorrupt(StoreError, sqlite3.DatabaseError):
    """The store's file is not a (sound) database. Also a ``sqlite3.DatabaseError``,
    which it is, so code that catches those keeps catching it."""


class SyncError(NewstermError):
    """A sync server could not be reached or answered wrongly (one line, for the
    account's row): the sync is tried again later, nothing stored is lost."""


class SyncAuthError(SyncError):
    """The server refused the account's user or password (fix feeds.toml or the password
    command; not retried until then)."""


class SyncAuthExpired(SyncError):
    """The session ended (TT-RSS ``NOT_LOGGED_IN``, a GReader 401 on a used token): log
    in again and repeat the call once."""
