"""The Library's queries (mixed into :class:`~newsterm.core.library.Library`): search,
saved searches and their counts, marking what a query selects, and the rules.
:mod:`newsterm.core.querylang` has the language; the store compiles it to SQL."""

from __future__ import annotations

from collections.abc import Sequence

from newsterm.core.config import Config
from newsterm.core.config_queries import SavedQuery
from newsterm.core.errors import QueryError
from newsterm.core.querylang import parse_any
from newsterm.core.store import Store


class QueriesMixin:
    """Search and the query language, for the Library."""

    config: Config
    _store: Store

    def set_read(self, ids: Sequence[int], read: bool = True) -> dict[int, bool]:
        raise NotImplementedError  # the Library's

    def set_starred(self, ids: Sequence[int], starred: bool = True) -> dict[int, bool]:
        raise NotImplementedError  # the Library's

    def search(
        self, query: str, show_read: bool = True, limit: int | None = None, hidden: bool = False
    ) -> list[int]:
        """Ids of every article matching ``query`` (or the first ``limit``), best first
        (:mod:`newsterm.core.querylang` has the language); QueryError when it cannot run.
        Articles rules hid are left out unless ``hidden`` (or the query says ``hidden``)."""
        return self._store.search(query, limit=limit, show_read=show_read, hidden=hidden)

    def query_count(self, query: str) -> tuple[int, int]:
        """(unread, total) of what ``query`` selects (QueryError when it cannot run)."""
        node = parse_any(query)
        return self._store.query_count(node) if node is not None else (0, 0)

    def saved_searches(self) -> list[tuple[SavedQuery, int, int]]:
        """The saved searches of feeds.toml with their (unread, total) counts."""
        return [(saved, *self.query_count(saved.query)) for saved in self.config.queries]

    def mark_query(self, query: str, read: bool = True) -> dict[int, bool]:
        """Mark every article ``query`` selects read (or unread); for undo, as
        :meth:`set_read`."""
        return self.set_read(self.search(query), read)

    def star_query(self, query: str, starred: bool = True) -> dict[int, bool]:
        """Star (or unstar) every article ``query`` selects; for undo."""
        return self.set_starred(self.search(query), starred)

    def saved_counts(self) -> list[tuple[str, str, int, int]]:
        """(name, query, unread, total) of each saved search (0, 0 for one that cannot
        run in this store)."""
        found = []
        for saved in self.config.queries:
            try:
                found.append((saved.name, saved.query, *self.query_count(saved.query)))
            except QueryError:
                found.append((saved.name, saved.query, 0, 0))
        return found

    def apply_rules(self) -> dict[str, int]:
        """Apply feeds.toml's rules to every stored article: action -> articles changed."""
        return self._store.apply_rules()
