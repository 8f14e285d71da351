"""The :class:`Store`: every part of the store mixed into one class (see the package's
docstring for what each part holds)."""

from __future__ import annotations

from newsterm.core.store._base import StoreBase
from newsterm.core.store.articles import ArticlesMixin
from newsterm.core.store.flags import FlagsMixin
from newsterm.core.store.fulltext import FullTextMixin
from newsterm.core.store.leases import LeasesMixin
from newsterm.core.store.lists import ListsMixin
from newsterm.core.store.schedule import ScheduleMixin
from newsterm.core.store.search import SearchMixin
from newsterm.core.store.sync import SyncMixin


class Store(
    SyncMixin,
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
