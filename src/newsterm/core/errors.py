"""One exception tree. Every error carries a short message meant for the user."""

from __future__ import annotations


class NewstermError(Exception):
    """Base of every error newsterm raises on purpose; ``str()`` is the user's message."""


class ConfigError(NewstermError):
    """feeds.toml (or a command line value) is wrong. The message names file and line/key."""


class SourceError(NewstermError):
    """A source (feed or local folder) could not be read."""


class FetchError(SourceError):
    """Fetching a feed over HTTP failed: network, HTTP status, size, deadline."""


class ParseError(SourceError):
    """The bytes are not a feed we can read."""


class StoreError(NewstermError):
    """The SQLite store cannot be opened or used."""
