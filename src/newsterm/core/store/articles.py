"""Articles: the upsert of a source's articles, a fetched feed in one transaction,
retention (pruning), and the flags a backup left pending for articles to come."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from newsterm.core.errors import StoreError
from newsterm.core.models import Article
from newsterm.core.store._base import wrap_exceptions
from newsterm.core.store.fulltext import follow_feed_update
from newsterm.core.store.prepare import Prepared, _without_zdict, fingerprint, prepare
from newsterm.core.store.rules import RulesMixin
from newsterm.core.store.search import _index, index_rows
from newsterm.core.store.sources import SourcesMixin


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What a save did: articles added, articles changed."""

    new: int
    updated: int
    new_ids: tuple[int, ...] = ()
    """The ids of the articles added."""


@dataclass(frozen=True, slots=True)
class _Target:
    """The source a save writes to, as the save began."""

    id: int
    key: str
    label: str
    known: Mapping[str, tuple[int, str | None]]
    """guid -> (article id, fingerprint) of its stored articles."""
    pending: bool
    """Some flags from a backup wait for their articles (worth a look per new one)."""


class ArticlesMixin(SourcesMixin, RulesMixin):
    @wrap_exceptions
    def save_feed(
        self,
        key: str,
        articles: Iterable[Article | Prepared],
        *,
        title: str | None,
        link: str | None,
        present: Iterable[str],
        keep_days: int,
        max_articles: int,
        zdict: bytes | None = None,
        **validators: str | None,
    ) -> SaveResult:
        """A fetched feed, in one transaction: its title first (so new articles are
        indexed under it), its articles, the validators of the fetch, then retention.

        ``zdict`` is a new compression dictionary for the feed, which ``articles``
        (prepared) were compressed with.
        """
        present = list(present)
        with self._tx() as db:
            if title:
                self._set_title(db, key, title)
            if zdict is not None and not self._add_zdict(db, key, zdict):
                articles = [_without_zdict(a, zdict) for a in articles]
            saved = self.save_articles(key, articles)
            self.record_fetch(key, ok=True, title=title, link=link, **validators)  # type: ignore[arg-type]
            if present:  # an empty feed never prunes anything
                self.prune(key, keep_days, max_articles, present)
        return saved

    @wrap_exceptions
    def save_articles(
        self,
        source_key: str,
        articles: Iterable[Article | Prepared],
        *,
        fingerprints: dict[str, str] | None = None,
        remove_others: bool = False,
        keep: set[str] | None = None,
    ) -> SaveResult:
        """Insert new articles and update changed ones of one source, in one transaction.

        ``articles`` may come already :func:`prepare`-d (compressed, indexed text made),
        which the refresh does in its worker processes. Read and starred state of an
        existing article are kept. ``remove_others`` deletes the source's articles
        neither in ``articles`` nor in ``keep`` (local folders, where a file went away);
        feeds never remove anything here: a feed that drops an item keeps it stored.
        """
        now = int(time.time())
        new = updated = 0
        added: list[int] = []
        with self._tx() as db:
            target = _target(db, source_key)
            (last_id,) = db.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()
            seen: set[str] = set()
            index: list[tuple[int, str, str, str]] = []  # the new articles, indexed at once
            for item in articles:
                guid = item.key.id if isinstance(item, Article) else item.guid
                if guid in seen:
                    continue
                seen.add(guid)
                old = target.known.get(guid)
                ready = _if_changed(item, old[1] if old else None, fingerprints or {})
                if ready is None:
                    continue
                if old is None:
                    added.append(self._insert_article(db, target, ready, now, index))
                    new += 1
                else:
                    self._update_article(db, target, old[0], ready)
                    updated += 1
            index_rows(db, index)  # before the rules, whose words the index finds
            if new:
                self._apply_rules_to_new(db, target.id, last_id)
            if remove_others:
                kept = seen | (keep or set())
                self._delete_ids(db, [a for g, (a, _) in target.known.items() if g not in kept])
        return SaveResult(new, updated, tuple(added))

    def _columns(self, db: sqlite3.Connection, item: Prepared) -> tuple[object, ...]:
        """The values of the columns an insert and an update both write, in order."""
        return (
            self._section_id(db, item.section), item.title, item.url, item.author,
            item.published, item.updated, item.content, item.content_type,
            item.extra, item.words, item.fingerprint,
        )  # fmt: skip

    def _insert_article(
        self,
        db: sqlite3.Connection,
        target: _Target,
        item: Prepared,
        now: int,
        index: list[tuple[int, str, str, str]],
    ) -> int:
        """A new article's row; what the search index gets for it goes on ``index``
        (one statement for a feed's new articles, not one each)."""
        aid = db.execute(
            "INSERT INTO articles (section_id, title, url, author, published, updated, "
            "content, content_type, extra, words, fingerprint, source_id, guid, sort_time) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*self._columns(db, item), target.id, item.guid, item.published or now),
        ).lastrowid
        assert aid is not None
        if target.pending:
            _apply_pending(db, aid, target.key, item.guid)
        index.append((aid, item.title, target.label, item.search_body))
        return aid

    def _update_article(
        self, db: sqlite3.Connection, target: _Target, aid: int, item: Prepared
    ) -> None:
        """A changed article: new content, same read and starred flags; a full text
        stays with its word count (unless the link changed: :func:`follow_feed_update`)."""
        self._unindex_article(db, aid, target.label)
        full_words = follow_feed_update(db, aid, item.url)
        db.execute(
            "UPDATE articles SET section_id = ?, title = ?, url = ?, author = ?, "
            "published = ?, updated = ?, content = ?, content_type = ?, extra = ?, "
            "words = ?, fingerprint = ?, sort_time = COALESCE(?, sort_time) WHERE id = ?",
            (*self._columns(db, item), item.published, aid),
        )
        if full_words is not None:
            db.execute("UPDATE articles SET words = ? WHERE id = ?", (full_words, aid))
        _index(db, aid, item.title, target.label, self._body_to_index(db, aid, item.search_body))

    @wrap_exceptions
    def prune(
        self, source_key: str, keep_days: int, max_articles: int, present: Iterable[str] = ()
    ) -> int:
        """Delete old READ, unstarred articles of a feed. Unread and starred stay.

        Articles the feed still lists (``present``) stay too: pruned, they would come
        back as new and unread at the next refresh.
        """
        removed = 0
        with self._tx() as db:
            row = db.execute("SELECT id FROM sources WHERE key = ?", (source_key,)).fetchone()
            if row is None:
                return 0
            sid = row[0]
            db.execute("CREATE TEMP TABLE IF NOT EXISTS present (guid TEXT PRIMARY KEY)")
            db.execute("DELETE FROM temp.present")
            db.executemany("INSERT OR IGNORE INTO temp.present VALUES (?)", [(g,) for g in present])
            base = (
                "a.source_id = ? AND a.read = 1 AND a.starred = 0 "
                "AND a.guid NOT IN (SELECT guid FROM temp.present)"
            )
            if keep_days > 0:
                cutoff = int(time.time()) - keep_days * 86_400
                removed += self._delete_where(db, f"{base} AND a.sort_time < ?", (sid, cutoff))
            if max_articles > 0:
                removed += self._delete_where(
                    db,
                    f"{base} AND a.id NOT IN "
                    "(SELECT id FROM articles WHERE source_id = ? ORDER BY sort_time DESC, id DESC LIMIT ?)",
                    (sid, sid, max_articles),
                )
            db.execute("DELETE FROM temp.present")
        return removed


def _target(db: sqlite3.Connection, source_key: str) -> _Target:
    row = db.execute("SELECT id, label FROM sources WHERE key = ?", (source_key,)).fetchone()
    if row is None:
        raise StoreError(f"unknown source {source_key}")
    sid, label = row
    known = {
        guid: (aid, fp)
        for aid, guid, fp in db.execute(
            "SELECT id, guid, fingerprint FROM articles WHERE source_id = ?", (sid,)
        )
    }
    pending = db.execute("SELECT 1 FROM pending_flags LIMIT 1").fetchone() is not None
    return _Target(sid, source_key, label, known, pending)


def _if_changed(
    item: Article | Prepared, stored: str | None, fingerprints: Mapping[str, str]
) -> Prepared | None:
    """``item`` ready for its row, or None when the stored row (fingerprint ``stored``,
    None for a new article) already shows it."""
    if isinstance(item, Article):
        fp = fingerprints.get(item.key.id) or fingerprint(item)
        return None if fp == stored else prepare(item, fp)
    return None if item.fingerprint == stored else item


def _apply_pending(db: sqlite3.Connection, aid: int, source: str, guid: str) -> None:
    """A new article some backup's flags waited for takes them (once)."""
    flags = db.execute(
        "DELETE FROM pending_flags WHERE source = ? AND guid = ? RETURNING read, starred",
        (source, guid),
    ).fetchone()
    if flags is not None:
        db.execute("UPDATE articles SET read = ?, starred = ? WHERE id = ?", (*flags, aid))
