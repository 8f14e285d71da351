"""What the lists and the sidebar show: the ids of a view, their rows, one article,
sections and counts, and the way between an article's id and its key."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import newsterm.core.store.counts as counts_sql
from newsterm.core.models import ArticleKey, ArticleRow, Enclosure, SectionPath, StoredArticle, View
from newsterm.core.querylang import parse_any
from newsterm.core.store._base import SEP, _chunks, _dt, wrap_exceptions
from newsterm.core.store.querysql import compile_where, local_midnight
from newsterm.core.store.search import SearchMixin

_ROW_COLUMNS = "a.id, s.key, a.guid, a.title, sec.path, s.label, a.url, a.published, a.read, a.starred, a.words"
_ORDER = {
    "newest": "a.sort_time DESC, a.id DESC",
    "oldest": "a.sort_time ASC, a.id ASC",
    "title": "a.title COLLATE NOCASE ASC, a.sort_time DESC",
    "source": "s.label COLLATE NOCASE ASC, a.sort_time DESC",
}

_TODAY = "a.sort_time >= ? AND a.published IS NOT NULL"
"""Today's articles: dated since midnight. An undated article's sort_time is when it was
first stored, which says nothing of when it was written."""


class ListsMixin(SearchMixin):
    @wrap_exceptions
    def sections(self) -> list[tuple[SectionPath, int, int]]:
        """(section path, unread, total) of every section that holds articles."""
        with self._reading() as db:
            return counts_sql.sections(db)

    @wrap_exceptions
    def source_counts(self) -> dict[str, tuple[str, int, int, str | None]]:
        """key -> (label, unread, total, last error) for every source."""
        with self._reading() as db:
            by_source = counts_sql.grouped(db, "source_id")
            sources = db.execute("SELECT id, key, label, last_error FROM sources").fetchall()
        return {
            key: (label, *by_source.get(sid, (0, 0)), error) for sid, key, label, error in sources
        }

    @wrap_exceptions
    def unread_count(self, section: SectionPath | None = None) -> int | None:
        """How many articles are unread, in all or in ``section`` and the sections
        under it (by index: cheap at any size); None when no article is in it."""
        with self._reading() as db:
            if section is None:
                return counts_sql.unread_total(db)
            return counts_sql.section_unread(db, section)

    @wrap_exceptions
    def counts(self, since: int) -> dict[str, tuple[int, int]]:
        """(unread, total) of the virtual sections: all, unread, starred, today."""
        totals = "SELECT count(*), coalesce(sum(read = 0), 0) FROM articles a"
        with self._reading() as db:

            def minus_hidden(where: str, params: tuple[object, ...] = ()) -> tuple[int, int]:
                # all minus hidden: see core/store/counts.py
                sql = f"{totals} WHERE {where}" if where else totals
                total, unread = db.execute(sql, params).fetchone()
                joiner = f"{where} AND " if where else ""
                h_total, h_unread = db.execute(
                    f"{totals} WHERE {joiner}a.hidden = 1", params
                ).fetchone()
                return total - h_total, unread - h_unread

            total, unread = minus_hidden("")
            starred_total, starred_unread = minus_hidden("a.starred = 1")
            today_total, today_unread = minus_hidden(_TODAY, (since,))
        return {
            "all": (unread, total),
            "unread": (unread, unread),
            "starred": (starred_unread, starred_total),
            "today": (today_unread, today_total),
        }

    def _section_ids(self, prefix: SectionPath) -> list[int]:
        rows = self._query("SELECT id, path FROM sections")
        return [sid for sid, path in rows if _path(path)[: len(prefix)] == prefix]

    @wrap_exceptions
    def article_ids(self, view: View, since: int = 0, limit: int | None = None) -> list[int]:
        """The ids a view shows, in its order (a search: every match, in the view it is
        ``within`` if any; a search that cannot run raises QueryError)."""
        if view.kind == "search":
            within = self._within(view.within, since) if view.within else None
            return self.search(
                view.query, limit=limit, show_read=view.show_read, hidden=view.hidden,
                within=within,
            )  # fmt: skip
        found = self._view_where(view, since)
        if found is None:
            return []
        where, params = found
        if not view.hidden:
            where.insert(0, "a.hidden = 0")
        if not view.show_read and view.kind != "unread":
            where.append("a.read = 0")
        join = " JOIN sources s ON s.id = a.source_id" if view.sort == "source" else ""
        sql = f"SELECT a.id FROM articles a{join}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {_ORDER[view.sort]}"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [r[0] for r in self._query(sql, params)]

    def _view_where(self, view: View, since: int) -> tuple[list[str], list[object]] | None:
        """The conditions (over ``articles a``) of the articles of a view that is no
        search, leaving hidden and read ones to the caller; None when it holds none."""
        where: list[str] = []
        params: list[object] = []
        if view.kind == "unread":
            where.append("a.read = 0")
        elif view.kind == "starred":
            where.append("a.starred = 1")
        elif view.kind == "today":
            where.append(_TODAY)
            params.append(since)
        elif view.kind == "source":
            where.append("a.source_id = (SELECT id FROM sources WHERE key = ?)")
            params.append(view.source)
        elif view.kind == "section":
            ids = self._section_ids(view.section)
            if not ids:
                return None
            where.append(f"a.section_id IN ({','.join(map(str, ids))})")
        return where, params

    def _within(self, view: View, since: int) -> tuple[str, list[object]]:
        """A search's scope as one condition over ``articles a`` (a saved search's: its
        query's), with its parameters."""
        if view.kind == "search":
            node = parse_any(view.query)
            if node is None:
                return "0", []
            sql, params, _ = compile_where(node, *_clock(), self._match)
            return sql, params
        found = self._view_where(view, since)
        if found is None:
            return "0", []
        where, params = found
        return " AND ".join(where) or "1", params

    @wrap_exceptions
    def rows(self, ids: Sequence[int]) -> list[ArticleRow]:
        """The list rows of ``ids``, in the same order (missing ids are left out)."""
        found: dict[int, ArticleRow] = {}
        for chunk in _chunks(ids, 500):
            sql = (
                f"SELECT {_ROW_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id "
                f"JOIN sections sec ON sec.id = a.section_id WHERE a.id IN ({','.join('?' * len(chunk))})"
            )
            for r in self._query(sql, chunk):
                found[r[0]] = _row(r)
        return [found[i] for i in ids if i in found]

    @wrap_exceptions
    def article(self, aid: int) -> StoredArticle | None:
        rows = self._query(
            f"SELECT {_ROW_COLUMNS}, a.author, a.updated, a.content, a.content_type, a.extra, s.link "
            "FROM articles a JOIN sources s ON s.id = a.source_id "
            "JOIN sections sec ON sec.id = a.section_id WHERE a.id = ?",
            (aid,),
        )
        if not rows:
            return None
        r = rows[0]
        extra = json.loads(r[15]) if r[15] else {}
        return StoredArticle(
            row=_row(r[:11]),
            author=r[11],
            updated=_dt(r[12]),
            content=self._body(r[13]),
            content_type=r[14],
            summary=extra.get("summary", ""),
            categories=tuple(extra.get("categories", ())),
            enclosures=tuple(Enclosure(*e) for e in extra.get("enclosures", ())),
            note=extra.get("note"),
            source_link=r[16],
        )

    @wrap_exceptions
    def unread_among(self, ids: Sequence[int]) -> set[int]:
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        return {
            r[0]
            for r in self._query(f"SELECT id FROM articles WHERE read = 0 AND id IN ({marks})", ids)
        }

    @wrap_exceptions
    def key_of(self, aid: int) -> ArticleKey | None:
        rows = self._query(
            "SELECT s.key, a.guid FROM articles a JOIN sources s ON s.id = a.source_id WHERE a.id = ?",
            (aid,),
        )
        return ArticleKey(*rows[0]) if rows else None

    @wrap_exceptions
    def id_of(self, key: ArticleKey) -> int | None:
        rows = self._query(
            "SELECT a.id FROM articles a JOIN sources s ON s.id = a.source_id WHERE s.key = ? AND a.guid = ?",
            (key.source, key.id),
        )
        return rows[0][0] if rows else None


def _clock() -> tuple[datetime, int]:
    """Now, and today's local midnight (unix seconds): what a query's times count from."""
    now = datetime.now().astimezone()
    return now, local_midnight(now)


def _path(stored: str) -> SectionPath:
    return tuple(stored.split(SEP)) if stored else ()


def _row(r: Sequence[Any]) -> ArticleRow:
    return ArticleRow(
        rowid=r[0],
        key=ArticleKey(r[1], r[2]),
        title=r[3],
        section=_path(r[4]),
        source_title=r[5],
        url=r[6],
        published=_dt(r[7]),
        read=bool(r[8]),
        starred=bool(r[9]),
        words=r[10],
    )
