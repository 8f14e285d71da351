"""A query of the language (:mod:`newsterm.core.querylang`) -> one SQL ``WHERE``.

Text goes to the FTS5 index (``search`` for every field, ``search_title`` for titles),
fields to the columns of ``articles a``, ``sources s`` and ``sections sec``, a regex to
the ``nt_regexp`` function every connection has (:func:`newsterm.core.querylang.regexp`). Nothing is filtered
in Python: the store asks SQLite for the ids, newest first.

A quoted phrase outside ``title:`` is matched as a phrase in titles and by its words in
the text (the body's index keeps no positions; the plain search checks them by
reading, :meth:`SearchMixin._with_phrases`, which a compiled query does not).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from datetime import datetime

from newsterm.core.errors import QueryError
from newsterm.core.query import Query
from newsterm.core.querylang import (
    REGEX_SECONDS,
    And,
    Field,
    Flag,
    Node,
    Not,
    Or,
    Text,
    Time,
    age_start,
    regex_deadlines,
)
from newsterm.core.store._base import SEP, StoreBase, wrap_exceptions

Matcher = Callable[[Query], tuple[str, str]]

FROM = "FROM articles a"
"""Fields of sources and sections are subqueries (:data:`_FEEDS`): no join per row."""


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


_COLUMNS = {
    "title": ("a.title",),
    "author": ("a.author",),
    "url": ("a.url",),
    "feed": ("s.label", "s.key", "s.title"),
}
_ANY_HIDDEN = "SELECT 1 FROM articles WHERE hidden = 1 LIMIT 1"
"""Whether a rule hid anything (the partial index answers): else no row is looked at
for its ``hidden`` flag, and a flag's count stays an index's count."""
_FEEDS = "a.source_id IN (SELECT s.id FROM sources s WHERE {})"
"""A feed's fields are asked of the few sources, not of every article's row."""


class _Compiler:
    def __init__(self, now: datetime, today: int, match: Matcher) -> None:
        self.now, self.today, self.match = now, today, match
        self.params: list[object] = []
        self.regexes: list[str] = []
        self.hidden = False

    def sql(self, node: Node) -> str:
        if isinstance(node, And | Or):
            joiner = " AND " if isinstance(node, And) else " OR "
            return "(" + joiner.join(self.sql(item) for item in node.items) + ")"
        if isinstance(node, Not):
            return f"NOT {self.sql(node.item)}"
        if isinstance(node, Text):
            return self._text(node)
        if isinstance(node, Flag):
            return self._flag(node.name)
        if isinstance(node, Time):
            if node.op in {"newer", "older"}:
                self.params.append(age_start(self.now, node.seconds))
            else:
                self.params.append(node.seconds)
            return "a.sort_time >= ?" if node.op in {"newer", "since"} else "a.sort_time < ?"
        return self._field(node)

    def _text(self, node: Text) -> str:
        every, titles = self.match(Query("", (node.term,)))
        title_sql = "a.id IN (SELECT rowid FROM search_title WHERE search_title MATCH ?)"
        every_sql = "a.id IN (SELECT rowid FROM search WHERE search MATCH ?)"
        if node.field == "title":
            self.params.append(titles)
            return title_sql
        if node.term.phrase and len(node.term.words) > 1 and node.field is None:
            self.params += [titles, every]
            return f"({title_sql} OR {every_sql})"
        self.params.append(every)
        return every_sql

    def _flag(self, name: str) -> str:
        if name == "today":
            self.params.append(self.today)
            return "(a.sort_time >= ? AND a.published IS NOT NULL)"
        if name == "hidden":
            self.hidden = True
            return "a.hidden = 1"
        if name == "full":
            raise QueryError("query: full: this store keeps no full texts yet")
        return {"unread": "a.read = 0", "read": "a.read = 1", "starred": "a.starred = 1"}[name]

    def _field(self, node: Field) -> str:
        if node.regex:
            self.regexes.append(node.value)
            columns = _COLUMNS[node.name]
            self.params += [node.value] * len(columns)
            found = "(" + " OR ".join(f"nt_regexp(?, {c})" for c in columns) + ")"
            return _FEEDS.format(found) if node.name == "feed" else found
        if node.name == "section":
            path = SEP.join(p.strip() for p in node.value.split("/") if p.strip())
            self.params += [path, _like(path)[1:-1] + SEP + "%"]
            return (
                "a.section_id IN (SELECT sec.id FROM sections sec WHERE "
                "sec.path = ? COLLATE NOCASE OR sec.path LIKE ? ESCAPE '\\')"
            )
        if node.name == "tag":
            self.params += [node.value, node.value]
            return (
                "(EXISTS (SELECT 1 FROM json_each(a.extra, '$.categories') "
                "WHERE value = ? COLLATE NOCASE) OR EXISTS (SELECT 1 FROM "
                "json_each(coalesce(a.tags, '[]')) WHERE value = ? COLLATE NOCASE))"
            )
        columns = _COLUMNS[node.name]
        self.params += [_like(node.value)] * len(columns)
        found = "(" + " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in columns) + ")"
        return _FEEDS.format(found) if node.name == "feed" else found


def compile_where(
    node: Node, now: datetime, today: int, match: Matcher
) -> tuple[str, list[object], bool]:
    """(``WHERE`` text, its parameters, whether it asks for hidden articles); ``match``
    gives the MATCH expressions of words (``search.match_expressions``)."""
    compiler = _Compiler(now, today, match)
    sql = compiler.sql(node)
    return sql, compiler.params, compiler.hidden


def local_midnight(now: datetime) -> int:
    """Unix time of ``now``'s local midnight."""
    return int(now.replace(hour=0, minute=0, second=0, microsecond=0).timestamp())


class QueryMixin(StoreBase):
    @wrap_exceptions
    def query_ids(
        self,
        node: Node,
        limit: int | None = None,
        show_read: bool = True,
        hidden: bool = False,
        extra: str = "",
        extra_params: tuple[object, ...] = (),
    ) -> list[int]:
        """The ids a compiled query selects, newest first (``extra``: more ``AND``)."""
        sql, params = self._query_where(node, show_read, hidden)
        if extra:
            sql += f" AND {extra}"
            params += list(extra_params)
        tail = f" LIMIT {int(limit)}" if limit else ""
        return [
            r[0]
            for r in self._query_timed(
                node,
                f"SELECT a.id {FROM} WHERE {sql} ORDER BY a.sort_time DESC, a.id DESC{tail}",
                params,
            )
        ]

    @wrap_exceptions
    def query_count(self, node: Node) -> tuple[int, int]:
        """(unread, total) of a query's articles."""
        sql, params = self._query_where(node, True)
        ((unread, total),) = self._query_timed(
            node, f"SELECT coalesce(sum(a.read = 0), 0), count(*) {FROM} WHERE {sql}", params
        )
        return unread, total

    def _query_where(
        self, node: Node, show_read: bool = True, hidden: bool = False
    ) -> tuple[str, list[object]]:
        """The ``WHERE`` of ``node`` (over ``FROM``): hidden articles left out unless it
        asks for them, read ones unless ``show_read``."""
        now = datetime.now().astimezone()
        sql, params, asked = compile_where(node, now, local_midnight(now), self._match)
        if not (hidden or asked) and self._query(_ANY_HIDDEN):
            sql += " AND a.hidden = 0"
        if not show_read:
            sql += " AND a.read = 0"
        return sql, params

    def _match(self, query: Query) -> tuple[str, str]:
        """The FTS5 MATCH expressions of ``query`` (the search mixin's)."""
        raise NotImplementedError

    def _query_timed(self, node: Node, sql: str, params: list[object]) -> list[tuple]:  # type: ignore[type-arg]
        patterns = _regexes(node)
        end = time.monotonic() + REGEX_SECONDS
        for p in patterns:
            regex_deadlines[p] = end
        try:
            return self._query(sql, params)
        except sqlite3.OperationalError as exc:
            if "user-defined function" not in str(exc):
                raise
            raise QueryError(
                f"query: a regex took longer than {REGEX_SECONDS:g} s; make it simpler"
            ) from None
        finally:
            for p in patterns:
                regex_deadlines.pop(p, None)


def _regexes(node: Node) -> list[str]:
    if isinstance(node, Field) and node.regex:
        return [node.value]
    if isinstance(node, And | Or):
        return [p for item in node.items for p in _regexes(item)]
    if isinstance(node, Not):
        return _regexes(node.item)
    return []
