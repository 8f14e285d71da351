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
_FULL = "a.id IN (SELECT article_id FROM fulltext WHERE content IS NOT NULL)"
"""``full``: the article's page was read and its full text is stored (``fulltext``)."""


class _Compiler:
    def __init__(self, now: datetime, today: int, match: Matcher, after: object) -> None:
        self.now, self.today, self.match, self.after = now, today, match, after
        self.params: list[object] = []
        self.regexes: list[str] = []
        self.hidden = False

    def sql(self, node: Node) -> str:
        if isinstance(node, Or):
            return self._either(node)
        if isinstance(node, And):  # SQLite tests them in this order: the dear ones last
            items = sorted(node.items, key=_cost)
            # Most articles are unread (85,000 of 100,000 in the bench): beside tests
            # that read every row anyway (a regex, a LIKE), walking the index of
            # read = 0 and fetching each row took twice as long as a scan.
            indexed = any(_indexed(i) for i in items if not _read_flag(i))
            found = [
                f"+{self.sql(i)}" if _read_flag(i) and not indexed else self.sql(i) for i in items
            ]
            return "(" + " AND ".join(found) + ")"
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

    def _either(self, node: Or) -> str:
        """``or``: its words asked of each index table in one MATCH (``(a) OR (b)``),
        one lookup instead of one per word; the other items as they are."""
        texts: dict[str, list[str]] = {}
        others: list[str] = []
        for item in node.items:
            if isinstance(item, Text):
                for table, match in self._lookups(item):
                    texts.setdefault(table, []).append(f"({match})")
            else:
                others.append(self.sql(item))
        # after the others: their parameters were added first
        found = [self._matching(table, " OR ".join(m)) for table, m in texts.items()]
        return "(" + " OR ".join(others + found) + ")"

    def _text(self, node: Text) -> str:
        found = [self._matching(table, match) for table, match in self._lookups(node)]
        return found[0] if len(found) == 1 else "(" + " OR ".join(found) + ")"

    def _lookups(self, node: Text) -> list[tuple[str, str]]:
        return text_lookups(node, self.match)

    def _matching(self, table: str, match: str) -> str:
        """``a.id`` among the rows of the index ``table`` that ``match`` finds (only
        those above ``after``, when given: the index seeks, it reads no whole doclist)."""
        self.params.append(match)
        if self.after is None:
            return f"a.id IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)"
        self.params.append(self.after)
        return f"a.id IN (SELECT rowid FROM {table} WHERE {table} MATCH ? AND rowid > ?)"

    def _flag(self, name: str) -> str:
        if name == "today":
            self.params.append(self.today)
            return "(a.sort_time >= ? AND a.published IS NOT NULL)"
        if name == "hidden":
            self.hidden = True
            return "a.hidden = 1"
        if name == "full":
            return _FULL
        if name == "starred":  # few are: the partial index finds them
            return "a.starred = 1"
        return "a.read = 0" if name == "unread" else "a.read = 1"

    def _field(self, node: Field) -> str:
        if node.regex:
            self.regexes.append(node.value)
        if node.name == "feed":
            found, params = feed_condition(node)
            self.params += params
            return _FEEDS.format(found)
        if node.regex:
            columns = _COLUMNS[node.name]
            self.params += [node.value] * len(columns)
            return "(" + " OR ".join(f"nt_regexp(?, {c})" for c in columns) + ")"
        if node.name == "section":
            found, params = section_condition(node)
            self.params += params
            return f"a.section_id IN (SELECT sec.id FROM sections sec WHERE {found})"
        if node.name == "tag":
            self.params += [node.value, node.value]
            return (
                "(EXISTS (SELECT 1 FROM json_each(a.extra, '$.categories') "
                "WHERE value = ? COLLATE NOCASE) OR EXISTS (SELECT 1 FROM "
                "json_each(coalesce(a.tags, '[]')) WHERE value = ? COLLATE NOCASE))"
            )
        columns = _COLUMNS[node.name]
        self.params += [_like(node.value)] * len(columns)
        return "(" + " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in columns) + ")"


def _read_flag(node: Node) -> bool:
    return isinstance(node, Flag) and node.name in {"unread", "read"}


def _indexed(node: Node) -> bool:
    """Whether an index (or the search index) finds the rows of ``node`` itself."""
    if isinstance(node, Time | Text):
        return True
    if isinstance(node, Flag):
        return node.name in {"starred", "hidden", "today", "full"}
    if isinstance(node, Field):
        return node.name in {"feed", "section"}
    if isinstance(node, And):
        return any(_indexed(item) for item in node.items)
    if isinstance(node, Or):
        return all(_indexed(item) for item in node.items)
    return False


def _cost(node: Node) -> int:
    """What testing ``node`` on a row costs, roughly: 0 a column, an index lookup or a
    materialised subquery; 1 reading a row's JSON (``tag:``); 2 a regex (Python, per
    row)."""
    if isinstance(node, Field) and node.name != "feed":
        return 2 if node.regex else 1 if node.name == "tag" else 0
    if isinstance(node, Not):
        return _cost(node.item)
    if isinstance(node, And | Or):
        return max(_cost(item) for item in node.items)
    return 0


def text_lookups(node: Text, match: Matcher) -> list[tuple[str, str]]:
    """(index table, MATCH expression) of each lookup that finds ``node`` (either of
    them: a phrase is a phrase in titles, its words in the text)."""
    every, titles = match(Query("", (node.term,)))
    if node.field == "title":
        return [("search_title", titles)]
    if node.term.phrase and len(node.term.words) > 1 and node.field is None:
        return [("search_title", titles), ("search", every)]
    return [("search", every)]


def section_condition(node: Field) -> tuple[str, list[object]]:
    """A ``section:`` field as a condition over ``sections sec`` (the path or one under
    it), with its parameters."""
    path = SEP.join(p.strip() for p in node.value.split("/") if p.strip())
    return "(sec.path = ? COLLATE NOCASE OR sec.path LIKE ? ESCAPE '\\')", [
        path,
        _like(path)[1:-1] + SEP + "%",
    ]


def feed_condition(node: Field) -> tuple[str, list[object]]:
    """A ``feed:`` field as a condition over ``sources s`` (its label, URL or title),
    with its parameters."""
    columns = _COLUMNS["feed"]
    if node.regex:
        return "(" + " OR ".join(f"nt_regexp(?, {c})" for c in columns) + ")", [node.value] * len(
            columns
        )
    found = "(" + " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in columns) + ")"
    return found, [_like(node.value)] * len(columns)


def compile_where(
    node: Node, now: datetime, today: int, match: Matcher, after: object = None
) -> tuple[str, list[object], bool]:
    """(``WHERE`` text, its parameters, whether it asks for hidden articles); ``match``
    gives the MATCH expressions of words (``search.match_expressions``). With ``after``
    (an id, or a stand-in the caller replaces in the parameters), text is looked for
    only in the articles with a greater id: a save's new ones."""
    compiler = _Compiler(now, today, match, after)
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
