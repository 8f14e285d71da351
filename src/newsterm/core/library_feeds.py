"""The Library's part for managing feeds (mixed into
:class:`~newsterm.core.library.Library`; core/manage.py uses it): what a source left in
the store, its state and errors, its web page, its counts, and forgetting it."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from newsterm.core.models import ArticleRow, SourceState, View
from newsterm.core.store import Store

if TYPE_CHECKING:
    from newsterm.core.render import RenderedArticle


class FeedsMixin:
    """Sources as manage sees them."""

    _store: Store
    _rendered: OrderedDict[tuple[int, bool], RenderedArticle]

    def rows(self, ids: Sequence[int]) -> list[ArticleRow]:
        raise NotImplementedError  # the Library's

    def forget_source(self, key: str, keep_starred: bool = True) -> int:
        """Delete what a source left in the store; returns how many articles went."""
        removed = self._store.forget_source(key, keep_starred=keep_starred)
        self._store.forget_timing(key)
        self._rendered.clear()
        return removed

    def source_state(self, key: str) -> SourceState | None:
        return self._store.source_state(key)

    def source_errors(self) -> list[tuple[str, str, str, datetime | None, datetime | None]]:
        """(key, label, error, when, last ok) of every source whose last refresh failed."""
        return self._store.source_errors()

    def site_link(self, key: str) -> str | None:
        """A feed's web page, as its last fetch stored it."""
        ids = self._store.article_ids(View("source", source=key), limit=1)
        article = self._store.article(ids[0]) if ids else None
        return article.source_link if article is not None else None

    def article_counts(self, key: str) -> tuple[int, int]:
        """(stored, starred) articles of one source."""
        rows = self.rows(self._store.article_ids(View("source", source=key)))
        return len(rows), sum(1 for row in rows if row.starred)
