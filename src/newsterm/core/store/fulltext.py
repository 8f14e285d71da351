"""Full articles read from their web pages, kept beside the feed's text (``fulltext``).

One row per article at most, deleted with it (ON DELETE CASCADE; :mod:`.search` takes
it out of the index first). A stored full text is what the search index holds as the
article's body, so each change here takes the article out of the index, changes the
row, and puts it back, in one transaction, through :mod:`.search`'s helpers.

A feed that changes an article keeps its full text, and the article keeps the full
text's word count (its reading time), unless the article's link changed: the page read
was another's then, so its full text (or why there was none) goes, and the new page is
read as for a new article (:func:`follow_feed_update`, called by :mod:`.articles`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from newsterm.core.bodies import PLAIN
from newsterm.core.models import ContentType, FullText
from newsterm.core.store._base import _dt, _ts, wrap_exceptions
from newsterm.core.store.search import SearchMixin

RECENT_FOR_TYPICAL = 50
"""A feed's typical length is read from this many of its newest articles."""


@dataclass(frozen=True, slots=True)
class PageCandidate:
    """An article whose page an automatic fetch may read: what the choice needs."""

    article_id: int
    source: str
    """The source's key."""
    url: str
    words: int
    """Words of the feed's text."""
    body: str
    content_type: ContentType


class FullTextMixin(SearchMixin):
    @wrap_exceptions
    def full_text(self, aid: int) -> FullText | None:
        """The full text stored for article ``aid`` (or why there is none); None when
        its page was never read."""
        rows = self._query(
            "SELECT content, url, title, author, published, words, fetched_at, error, note, "
            "tries FROM fulltext WHERE article_id = ?",
            (aid,),
        )
        if not rows:
            return None
        content, url, title, author, published, words, fetched, error, note, tries = rows[0]
        return FullText(
            article_id=aid,
            content=self._body(content) if content else "",
            url=url,
            title=title,
            author=author,
            published=_dt(published),
            words=words,
            fetched_at=_dt(fetched),  # type: ignore[arg-type]
            error=error,
            note=note,
            tries=tries,
        )

    @wrap_exceptions
    def save_full_text(self, full: FullText) -> bool:
        """Keep a page's article (``full.ok``), in place of any earlier row; the index
        and the list's word count follow. False when the article is gone."""
        with self._tx() as db:
            label = self._label_of(db, full.article_id)
            if label is None:
                return False
            self._unindex_article(db, full.article_id, label)
            db.execute(
                "INSERT OR REPLACE INTO fulltext (article_id, content, content_type, url, "
                "title, author, published, words, note, fetched_at, error, tries) "
                "VALUES (?, ?, 'html', ?, ?, ?, ?, ?, ?, ?, NULL, 0)",
                (
                    full.article_id,
                    PLAIN(full.content.encode("utf-8", "replace")),
                    full.url,
                    full.title,
                    full.author,
                    _ts(full.published),
                    full.words,
                    full.note,
                    _ts(full.fetched_at),
                ),
            )
            db.execute("UPDATE articles SET words = ? WHERE id = ?", (full.words, full.article_id))
            self._index_article(db, full.article_id, label)
        return True

    @wrap_exceptions
    def record_full_text_error(self, aid: int, error: str, when: int, url: str | None) -> bool:
        """Note why the page of article ``aid`` gave no article. A full text stored
        before stays (the reader keeps what was read); False when the article is gone."""
        with self._tx() as db:
            if self._label_of(db, aid) is None:
                return False
            db.execute(
                "INSERT INTO fulltext (article_id, url, fetched_at, error, tries) "
                "VALUES (?, ?, ?, ?, 1) ON CONFLICT (article_id) DO UPDATE SET "
                "url = excluded.url, fetched_at = excluded.fetched_at, "
                "error = excluded.error, tries = tries + 1 WHERE content IS NULL",
                (aid, url, when, error),
            )
        return True

    @wrap_exceptions
    def page_candidates(
        self, source: str, limit: int, retry_before: int, max_tries: int
    ) -> list[PageCandidate]:
        """The newest unread articles of ``source`` with a link whose page was never
        read, or failed before ``retry_before`` fewer than ``max_tries`` times."""
        rows = self._query(
            "SELECT a.id, a.url, a.words, a.content, a.content_type FROM articles a "
            "JOIN sources s ON s.id = a.source_id "
            "LEFT JOIN fulltext f ON f.article_id = a.id "
            "WHERE s.key = ? AND a.read = 0 AND a.url IS NOT NULL AND (f.article_id IS NULL "
            "OR (f.content IS NULL AND f.tries < ? AND f.fetched_at < ?)) "
            "ORDER BY a.sort_time DESC, a.id DESC LIMIT ?",
            (source, max_tries, retry_before, limit),
        )
        return [
            PageCandidate(aid, source, url, words, self._body(blob), ctype)
            for aid, url, words, blob, ctype in rows
        ]

    @wrap_exceptions
    def feed_word_counts(self, source: str) -> list[int]:
        """Words of the feed's own text of its newest articles without a full text
        (theirs counts the page's words)."""
        return [
            r[0]
            for r in self._query(
                "SELECT a.words FROM articles a JOIN sources s ON s.id = a.source_id "
                "LEFT JOIN fulltext f ON f.article_id = a.id "
                "WHERE s.key = ? AND f.content IS NULL ORDER BY a.sort_time DESC LIMIT ?",
                (source, RECENT_FOR_TYPICAL),
            )
        ]

    def _label_of(self, db: sqlite3.Connection, aid: int) -> str | None:
        """The label of article ``aid``'s source (its index rows hold it); None when
        the article is gone."""
        row = db.execute(
            "SELECT s.label FROM articles a JOIN sources s ON s.id = a.source_id WHERE a.id = ?",
            (aid,),
        ).fetchone()
        return row[0] if row else None


def follow_feed_update(db: sqlite3.Connection, aid: int, url: str | None) -> int | None:
    """A feed is changing article ``aid``, whose link is now ``url`` (called before its
    row changes, once it is out of the index). Returns the words the article keeps
    (its full text's), or None for the feed's own; a changed link drops the full text."""
    row = db.execute(
        "SELECT a.url, f.words, f.content IS NOT NULL FROM fulltext f "
        "JOIN articles a ON a.id = f.article_id WHERE f.article_id = ?",
        (aid,),
    ).fetchone()
    if row is None:
        return None
    link, words, ok = row
    if link != url:
        db.execute("DELETE FROM fulltext WHERE article_id = ?", (aid,))
        return None
    return int(words) if ok else None
