"""The interface a sync protocol implements, and the values it hands over.

A provider is one logged-in conversation with one server: it knows the protocol and
nothing of the store. The sync engine (outbox, pulls, reconciling) drives it. Every
method is async and raises only :class:`~newsterm.core.errors.SyncError` and its
kinds, each with a one-line message fit for the account's row in the sidebar.

Ids are the server's own, as strings: GReader item ids are normalised to the decimal
form of the 64-bit id (``tag:google.com,2005:reader/item/<hex>`` and the decimal id of
``stream/items/ids`` are the same item); TT-RSS ids are decimal integers already.

Optional: a provider may also have ``async def items(self, ids: Sequence[str]) ->
list[RemoteItem]`` (those items by id); the engine then fetches the unread and starred
items the pulls never brought (older than the first pull's window). Without it, they
wait until they come in a pull.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

Flag = Literal["read", "starred"]


@dataclass(frozen=True, slots=True)
class RemoteFeed:
    """A subscription on the server."""

    id: str
    """The server's feed id (GReader ``feed/<url>`` stream id; TT-RSS feed id)."""
    title: str
    url: str
    """The feed's own URL, as the server knows it."""
    site_url: str | None = None
    folder: str | None = None
    """Its folder (GReader label / TT-RSS category); None: none."""


@dataclass(frozen=True, slots=True)
class RemoteItem:
    """An article as the server gives it."""

    id: str
    """The server's item id (see the module docstring)."""
    feed_id: str
    title: str
    url: str | None
    author: str | None
    published: datetime | None
    content: str
    """HTML, untrusted (it goes through our renderer like any feed's)."""
    read: bool
    starred: bool
    guid: str | None = None
    """The item's id in its feed, when the server says (newsterm keys by the server id)."""


@dataclass(frozen=True, slots=True)
class Pull:
    """One page of new items and where the next pull starts."""

    items: Sequence[RemoteItem]
    cursor: str | None
    """Opaque to the engine (GReader: the ``ot``/continuation; TT-RSS: the highest id);
    stored per account and handed back to :meth:`Provider.pull`."""
    more: bool
    """True when the server has more items right now (pull again with ``cursor``)."""


@dataclass(frozen=True, slots=True)
class Change:
    """A state the reader wants on the server: the desired value, never a toggle."""

    item_id: str
    flag: Flag
    value: bool


class Provider(Protocol):
    """One server's protocol. Made with the account's settings and a password; the
    engine calls :meth:`login` first and again when a call raises SyncAuthExpired."""

    async def login(self) -> None: ...

    async def subscriptions(self) -> list[RemoteFeed]: ...

    async def pull(self, cursor: str | None) -> Pull:
        """Items new since ``cursor`` (None: the first sync; the server's recent ones,
        up to the engine's retention), oldest first, one page at a time."""
        ...

    async def ids(self, flag: Flag) -> set[str]:
        """Every item id the server has unread (``flag="read"``: the unread set) or
        starred: how marks made elsewhere reach us."""
        ...

    async def push(self, changes: Sequence[Change]) -> None:
        """Set these states on the server, in as few requests as the protocol allows;
        all or nothing as far as the engine can tell (on an error it pushes them all
        again later: every change is idempotent)."""
        ...

    async def subscribe(self, url: str, folder: str | None) -> RemoteFeed: ...

    async def unsubscribe(self, feed_id: str) -> None: ...

    async def move(self, feed_id: str, folder: str | None) -> None: ...

    async def mark_feed_read(self, feed_id: str) -> None: ...

    async def close(self) -> None: ...
