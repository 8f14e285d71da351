"""Full-text search and the upkeep of its index.

The index is two contentless FTS5 tables: ``search`` (title, source label, body text)
and ``search_title`` (titles alone, to rank title matches first). Contentless, they
keep no copy of the text, so a row is taken out only by handing FTS5 the very text it
indexed. That rule lives here alone: :func:`_index` and :func:`_unindex`, and the one
way articles leave the store, :meth:`SearchMixin._delete_where`.

An article's indexed body is the text of its full article when one is stored (the
``fulltext`` table, :mod:`.fulltext`), else of its feed body: every query here that
reads what was indexed joins :data:`_FULL_TEXT` and reads :data:`_BODY`.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence

from newsterm.core.bodies import SEARCH_BODY_MAX, plain_text
from newsterm.core.store._base import StoreBase, _chunks, log, wrap_exceptions

SEARCH_LIMIT = 200
"""Results a search list shows (best first)."""
RANK_WINDOW = 2_000
"""Search ranks at most this many of the newest matches."""


_FULL_TEXT = "LEFT JOIN fulltext f ON f.article_id = a.id"
"""Joined to ``articles a``: the article's stored full text, if any (``f``)."""
_BODY = (
    "COALESCE(f.content, a.content), "
    "CASE WHEN f.content IS NULL THEN a.content_type ELSE f.content_type END"
)
"""The (blob, content type) the index holds the text of: the full text's, else the feed's."""


def fts_query(query: str) -> str:
    """User words -> an FTS5 query: each word quoted (no operators), the last a prefix."""
    words = re.findall(r"\w+", query)
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def _index(db: sqlite3.Connection, aid: int, title: str, source_label: str, body: str) -> None:
    """Add article ``aid`` to the index (``body``: its text, cut to SEARCH_BODY_MAX)."""
    db.execute(
        "INSERT INTO search (rowid, title, source, body) VALUES (?, ?, ?, ?)",
        (aid, title, source_label, body),
    )
    db.execute("INSERT INTO search_title (rowid, title) VALUES (?, ?)", (aid, title))


def _unindex(db: sqlite3.Connection, aid: int, title: str, source_label: str, body: str) -> None:
    """Take article ``aid`` out of the index: given exactly what :func:`_index` was."""
    db.execute(
        "INSERT INTO search (search, rowid, title, source, body) VALUES ('delete', ?, ?, ?, ?)",
        (aid, title, source_label, body),
    )
    db.execute(
        "INSERT INTO search_title (search_title, rowid, title) VALUES ('delete', ?, ?)",
        (aid, title),
    )


class SearchMixin(StoreBase):
    @wrap_exceptions
    def search(self, query: str, limit: int = 200, show_read: bool = True) -> list[int]:
        """Ids of articles matching ``query`` (words, prefix of the last one), best first.

        Best is: among the newest :data:`RANK_WINDOW` matches, those whose title holds
        every word first, then the others; newest first in each. (The index keeps no
        positions, so there is no bm25: on a contentless table it needs them.)
        """
        match = fts_query(query)
        if not match:
            return []
        try:
            ids = self._ranked(match, limit)
        except sqlite3.OperationalError as exc:
            log.warning("search %r failed: %s", query, exc)
            return []
        if not show_read and ids:
            unread = {
                r[0]
                for r in self._query(
                    f"SELECT id FROM articles WHERE read = 0 AND id IN ({','.join('?' * len(ids))})",
                    ids,
                )
            }
            ids = [i for i in ids if i in unread]
        return ids

    def _ranked(self, match: str, limit: int) -> list[int]:
        # One scan of the big index: a prefix query costs the same whatever its
        # LIMIT (detail=none merges the prefix's whole doclist first, ~20 ms for a
        # word in most of 100,000 articles), so it is read once, not twice.
        window = [
            r[0]
            for r in self._query(
                "SELECT rowid FROM search WHERE search MATCH ? ORDER BY rowid DESC LIMIT ?",
                (match, RANK_WINDOW),
            )
        ]
        if not window:
            return []
        # every title match is a match: those from the window's oldest on are in it
        ids = [
            r[0]
            for r in self._query(
                "SELECT rowid FROM search_title WHERE search_title MATCH ? AND rowid >= ? "
                "ORDER BY rowid DESC LIMIT ?",
                (match, window[-1], limit),
            )
        ]
        in_title = set(ids)
        ids += [i for i in window[: limit + len(ids)] if i not in in_title]
        return ids[:limit]

    # -- the index's upkeep ------------------------------------------------------------

    def _indexed_body(self, blob: bytes | None, content_type: str) -> str:
        """The body text the index holds for a stored body."""
        return plain_text(self._body(blob), content_type)[:SEARCH_BODY_MAX]

    def _stored_body(self, db: sqlite3.Connection, aid: int) -> tuple[str, str] | None:
        """(title, indexed body) of a stored article as it is now, or None."""
        row = db.execute(
            f"SELECT a.title, {_BODY} FROM articles a {_FULL_TEXT} WHERE a.id = ?", (aid,)
        ).fetchone()
        return None if row is None else (row[0], self._indexed_body(row[1], row[2]))

    def _unindex_article(self, db: sqlite3.Connection, aid: int, source_label: str) -> None:
        """Take a stored article out of the index, from its row as it is now."""
        stored = self._stored_body(db, aid)
        if stored is not None:
            _unindex(db, aid, stored[0], source_label, stored[1])

    def _index_article(self, db: sqlite3.Connection, aid: int, source_label: str) -> None:
        """Put a stored article into the index, from its row as it is now (after a
        change :meth:`_unindex_article` took it out for)."""
        stored = self._stored_body(db, aid)
        if stored is not None:
            _index(db, aid, stored[0], source_label, stored[1])

    def _body_to_index(self, db: sqlite3.Connection, aid: int, feed_body: str) -> str:
        """What the index is to hold as the body of article ``aid``, whose feed body's
        text is ``feed_body``: its full text's, when one is stored."""
        row = db.execute(
            "SELECT content, content_type FROM fulltext WHERE article_id = ? "
            "AND content IS NOT NULL",
            (aid,),
        ).fetchone()
        return feed_body if row is None else self._indexed_body(row[0], row[1])

    def _reindex_source(self, db: sqlite3.Connection, sid: int, old: str, new: str) -> None:
        """A source's label changed from ``old`` to ``new``: its articles' rows follow."""
        for aid, title, content, ctype in db.execute(
            f"SELECT a.id, a.title, {_BODY} FROM articles a {_FULL_TEXT} WHERE a.source_id = ?",
            (sid,),
        ).fetchall():
            body = self._indexed_body(content, ctype)
            _unindex(db, aid, title, old, body)
            _index(db, aid, title, new, body)

    def _delete_where(self, db: sqlite3.Connection, where: str, params: Sequence[object]) -> int:
        """Delete the articles ``where`` selects (``a``: articles, ``s``: their source),
        out of the index first. Returns how many went (their full texts go with them)."""
        rows = db.execute(
            f"SELECT a.id, a.title, s.label, {_BODY} FROM articles a "
            f"JOIN sources s ON s.id = a.source_id {_FULL_TEXT} WHERE {where}",
            params,
        ).fetchall()
        for aid, title, label, content, ctype in rows:
            _unindex(db, aid, title, label, self._indexed_body(content, ctype))
        db.executemany("DELETE FROM articles WHERE id = ?", [(r[0],) for r in rows])
        return len(rows)

    def _delete_ids(self, db: sqlite3.Connection, ids: Sequence[int]) -> int:
        removed = 0
        for chunk in _chunks(ids, 500):
            removed += self._delete_where(db, f"a.id IN ({','.join('?' * len(chunk))})", chunk)
        return removed
