"""The rules of feeds.toml (issue 15) in the store: kept in the ``state`` table (so a
refresh's worker processes see them), applied to the articles a save adds, in its
transaction, and to every stored article by :meth:`RulesMixin.apply_rules`.

Rules are grouped by action (its rules joined by ``or``), the actions in the order each
first appears in feeds.toml; an action sees what the ones before it did. At store time
they cost little (``bench/rules.py``):

- the rules' ``feed:`` conditions are answered once per save, for the one source it
  writes (one ``SELECT`` of them all), and their ``section:`` ones for the sections its
  new articles are in, and folded in: a rule scoped to another feed or section is
  dropped for the save, one scoped to this one loses the condition;
- the words left are asked of each index table once (one MATCH joining them, for the
  new rows only: ``rowid > ?``); a table holding none of them there drops its words;
- one ``SELECT`` over the save's new rows (ids above the greatest before the save: a
  range of the primary key) asks every action's rules at once, and one ``executemany``
  updates the rows they change; an action reading a flag or a tag that an earlier one
  sets gets a ``SELECT`` of its own, after it;
- what the rules compile to, for each answer to the feed conditions and each set of
  empty tables, is kept while the rules are the same (and the day, for ``newer:``).

``rules apply`` runs one ``UPDATE`` per action over every stored article.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from newsterm.core.querylang import And, Field, Flag, Node, Not, Or, Text, parse_any
from newsterm.core.store._base import wrap_exceptions
from newsterm.core.store.outbox import queue_marks
from newsterm.core.store.querysql import (
    Matcher,
    compile_where,
    feed_condition,
    local_midnight,
    section_condition,
    text_lookups,
)
from newsterm.core.store.search import SearchMixin

RULES_KEY = "rules"

_SET = {"hide": "hidden", "read": "read", "star": "starred"}
"""The flag each action sets (``tag:NAME`` adds to ``tags``)."""

_AFTER = object()
"""Stands in a compiled rule's parameters for the id new rows are above."""


@dataclass(frozen=True, slots=True)
class _Step:
    """One action's rules, compiled."""

    action: str
    where: str
    """One ``WHERE`` over ``articles a`` for all its rules (``or``)."""
    params: tuple[object, ...]
    reads: frozenset[str]
    """The columns rules set that its rules read (``read`` for ``unread``, ``tags``
    for ``tag:``…): an action setting one runs before it."""


Plan = tuple[_Step, ...]
"""The steps of every action with rules, in order."""

Answers = tuple[bool | None, ...]
"""For a save: the rules' ``feed:`` conditions answered for its source, then their
``section:`` conditions for its new rows (None: true of some, false of others)."""


@dataclass(slots=True)
class _Rules:
    """The kept rules, parsed once: what every save needs of them."""

    kept: tuple[str, int]
    """(the rules as kept, the day they were compiled on)."""
    actions: tuple[tuple[str, tuple[Node, ...]], ...]
    """(action, its rules' queries), in the order each action first appears."""
    feeds: tuple[Field, ...]
    """Every distinct ``feed:`` condition of the rules."""
    feeds_sql: str
    """One ``SELECT`` answering each of :attr:`feeds` for one source (``s``)."""
    feeds_params: tuple[object, ...]
    sections: tuple[Field, ...]
    """Every distinct ``section:`` condition of the rules."""
    sections_sql: str
    """One ``SELECT`` answering each of :attr:`sections` for each section new rows are
    in (``sec``)."""
    sections_params: tuple[object, ...]
    now: datetime
    checks: dict[Answers, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    """By the answers: (index table, every word left to look for there, in one MATCH)
    (:meth:`RulesMixin._text_checks`)."""
    plans: dict[tuple[Answers | None, frozenset[str]], Plan] = field(default_factory=dict)
    """Compiled plans by the answers and the index tables that hold none of the rules'
    words for the new rows."""


class RulesMixin(SearchMixin):
    @wrap_exceptions
    def set_rules(self, rules: Sequence[tuple[str, str]]) -> bool:
        """Keep the rules, (query, action) each, for the saves to come; True when they
        differ from those kept."""
        value = json.dumps([list(rule) for rule in rules])
        with self._tx() as db:
            row = db.execute("SELECT value FROM state WHERE key = ?", (RULES_KEY,)).fetchone()
            if row is not None and row[0] == value or (row is None and not rules):
                return False
            db.execute(
                "INSERT INTO state (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (RULES_KEY, value),
            )
        return True

    @wrap_exceptions
    def apply_rules(self) -> dict[str, int]:
        """Apply the kept rules to every stored article: action -> articles changed."""
        with self._tx() as db:
            rules = self._rules(db)
            if rules is None:
                return {}
            plan = self._plan(rules, None)
            return _run(db, plan, 0)

    def _apply_rules_to_new(self, db: sqlite3.Connection, source_id: int, after: int) -> None:
        """Apply the kept rules to the articles a save of source ``source_id`` added
        (ids above ``after``), in the save's transaction."""
        rules = self._rules(db)
        if rules is None:
            return
        answers: Answers = ()
        if rules.feeds:
            row = db.execute(rules.feeds_sql, (*rules.feeds_params, source_id)).fetchone()
            if row is None:
                return
            answers = tuple(bool(v) for v in row)
        if rules.sections:
            rows = db.execute(rules.sections_sql, (*rules.sections_params, after)).fetchall()
            answers += tuple(
                all(r[i] for r in rows) or (None if any(r[i] for r in rows) else False)
                for i in range(len(rules.sections))
            )
        if answers not in rules.checks:
            rules.checks[answers] = self._text_checks(rules, answers)
        empty = frozenset(
            table
            for table, match in rules.checks[answers]
            if db.execute(
                f"SELECT 1 FROM {table} WHERE {table} MATCH ? AND rowid > ? LIMIT 1",
                (match, after),
            ).fetchone()
            is None
        )
        _run_new(db, self._plan(rules, answers, empty), after)

    def _rules(self, db: sqlite3.Connection) -> _Rules | None:
        """The kept rules, parsed (None when there are none). Kept while the rules are
        the same (a refresh saves hundreds of feeds); ``newer:`` and ``today`` count
        from the day they were parsed."""
        row = db.execute("SELECT value FROM state WHERE key = ?", (RULES_KEY,)).fetchone()
        if row is None:
            return None
        now = datetime.now().astimezone()
        kept = (row[0], local_midnight(now))
        cached: _Rules | None = getattr(self, "_rules_cache", None)
        if cached is not None and cached.kept == kept:
            return cached if cached.actions else None
        grouped: dict[str, list[Node]] = {}
        for query, action in json.loads(row[0]):
            node = parse_any(query)
            if node is not None:
                grouped.setdefault(action, []).append(node)
        fields = [f for nodes in grouped.values() for n in nodes for f in _fields(n)]
        feeds = tuple(dict.fromkeys(f for f in fields if f.name == "feed"))
        sections = tuple(dict.fromkeys(f for f in fields if f.name == "section"))
        conditions = [feed_condition(f) for f in feeds]
        in_sections = [section_condition(f) for f in sections]
        rules = _Rules(
            kept=kept,
            actions=tuple((a, tuple(nodes)) for a, nodes in grouped.items()),
            feeds=feeds,
            feeds_sql="SELECT "
            + ", ".join(sql for sql, _ in conditions)
            + " FROM sources s WHERE s.id = ?",
            feeds_params=tuple(p for _, params in conditions for p in params),
            sections=sections,
            sections_sql="SELECT "
            + ", ".join(sql for sql, _ in in_sections)
            + " FROM sections sec WHERE sec.id IN "
            "(SELECT DISTINCT section_id FROM articles WHERE id > ?)",
            sections_params=tuple(p for _, params in in_sections for p in params),
            now=now,
        )
        self._rules_cache = rules
        return rules if rules.actions else None

    def _text_checks(self, rules: _Rules, answers: Answers) -> tuple[tuple[str, str], ...]:
        """(index table, one MATCH of every word the rules left for a source whose
        ``feed:`` conditions answered ``answers`` look for there): when it finds none of
        a save's new rows, none of those words is asked again."""
        decide = _deciding(rules, answers, frozenset(), self._match)
        found: dict[str, list[str]] = {}
        for _, nodes in rules.actions:
            for node in nodes:
                folded = _fold(node, decide)
                if not isinstance(folded, bool):
                    for text in _texts(folded):
                        for table, match in text_lookups(text, self._match):
                            found.setdefault(table, []).append(f"({match})")
        return tuple((table, " OR ".join(dict.fromkeys(m))) for table, m in found.items())

    def _plan(
        self, rules: _Rules, answers: Answers | None, empty: frozenset[str] = frozenset()
    ) -> Plan:
        """What the rules compile to for a source whose ``feed:`` conditions answered
        ``answers`` (None: every source, the conditions asked of each article), when the
        index tables ``empty`` hold none of their words in the rows looked at."""
        key = (answers, empty)
        if answers is not None and key in rules.plans:
            return rules.plans[key]
        decide = _deciding(rules, answers, empty, self._match)
        today = rules.kept[1]
        plan: list[_Step] = []
        for action, nodes in rules.actions:
            folded = [_fold(node, decide) for node in nodes]
            if any(f is True for f in folded):
                plan.append(_Step(action, "1", (), frozenset()))
                continue
            left = [f for f in folded if not isinstance(f, bool)]
            if not left:
                continue  # no rule of this action can hold here
            node = left[0] if len(left) == 1 else Or(tuple(left))
            where, params, _ = compile_where(node, rules.now, today, self._match, after=_AFTER)
            plan.append(_Step(action, where, tuple(params), frozenset(_reads(node))))
        if answers is not None:
            rules.plans[key] = tuple(plan)
        return tuple(plan)


def _run(db: sqlite3.Connection, plan: Plan, after: int) -> dict[str, int]:
    """Apply ``plan`` to the articles with ids above ``after``, one statement per action
    in turn: action -> articles changed."""
    changed: dict[str, int] = {}
    for step in plan:
        test, params = _unset(step, after)
        if step.action.startswith("tag:"):
            sql = "tags = json_insert(coalesce(a.tags, '[]'), '$[#]', ?)"
            params = (step.action[4:], after, *params)
        else:
            sql = f"{_SET[step.action]} = 1"
            params = (after, *params)
        ids = [
            aid
            for (aid,) in db.execute(
                f"UPDATE articles AS a NOT INDEXED SET {sql} WHERE a.id > ? AND {test} "
                "RETURNING id",
                params,
            )
        ]
        if step.action in ("read", "star") and ids:  # a sync account's server is told
            queue_marks(db, ids, _SET[step.action], True)
        changed[step.action] = changed.get(step.action, 0) + len(ids)
    return changed


def _run_new(db: sqlite3.Connection, plan: Plan, after: int) -> None:
    """Apply ``plan`` to a save's new articles (ids above ``after``): one ``SELECT``
    asks every action's rules of the new rows at once, then the rows some rule changes
    are updated. An action whose rules read what an earlier one of the same ``SELECT``
    sets (a flag, a tag) waits for a ``SELECT`` of its own, after it."""
    stage: list[_Step] = []
    sets: set[str] = set()
    for step in plan:
        if stage and step.reads & sets:
            _run_stage(db, stage, after)
            stage, sets = [], set()
        stage.append(step)
        sets.add(_sets(step.action))
    if stage:
        _run_stage(db, stage, after)


def _run_stage(db: sqlite3.Connection, stage: list[_Step], after: int) -> None:
    """One ``SELECT`` of the new rows asking each step's test, then one ``UPDATE``
    (``executemany``) of the rows some step changes, every flag and tag at once."""
    tests: list[str] = []
    params: list[object] = []
    for step in stage:
        test, test_params = _unset(step, after)
        tests.append(test)
        params += test_params
    rows = db.execute(
        f"SELECT a.id, a.hidden, a.read, a.starred, a.tags, {', '.join(tests)} "
        "FROM articles AS a NOT INDEXED WHERE a.id > ?",
        (*params, after),
    ).fetchall()
    changes: list[tuple[object, ...]] = []
    newly: dict[str, list[int]] = {"read": [], "starred": []}
    for aid, hidden, read, starred, tags, *held in rows:
        if not any(held):
            continue
        flags = {"hidden": hidden, "read": read, "starred": starred}
        added: list[str] = []
        for step, holds in zip(stage, held, strict=True):
            if not holds:
                continue
            if step.action.startswith("tag:"):
                added.append(step.action[4:])
            else:
                flags[_SET[step.action]] = 1
        if added:
            tags = json.dumps([*json.loads(tags or "[]"), *added], separators=(",", ":"))
        changes.append((flags["hidden"], flags["read"], flags["starred"], tags, aid))
        for flag, before in (("read", read), ("starred", starred)):
            if flags[flag] and not before:
                newly[flag].append(aid)
    if changes:
        db.executemany(
            "UPDATE articles SET hidden = ?, read = ?, starred = ?, tags = ? WHERE id = ?",
            changes,
        )
    for flag, ids in newly.items():  # a sync account's server is told, as of a mark
        if ids:
            queue_marks(db, ids, flag, True)


def _sets(action: str) -> str:
    """What ``action`` sets, as :func:`_reads` names it: its flag, or its tag."""
    return action.casefold() if action.startswith("tag:") else _SET[action]


def _unset(step: _Step, after: int) -> tuple[str, tuple[object, ...]]:
    """The test that ``step`` changes an article (over ``a``): its rules hold and the
    article's flag is not set yet (or it has not the tag), with its parameters."""
    params = tuple(after if p is _AFTER else p for p in step.params)
    if step.action.startswith("tag:"):
        return (
            "(NOT EXISTS (SELECT 1 FROM json_each(coalesce(a.tags, '[]')) WHERE value = ?) "
            f"AND ({step.where}))",
            (step.action[4:], *params),
        )
    return f"(a.{_SET[step.action]} = 0 AND ({step.where}))", params


_FLAG_READS = {"unread": "read", "read": "read", "starred": "starred", "hidden": "hidden"}


def _reads(node: Node) -> set[str]:
    """What rules set that ``node`` reads: flags (``unread`` reads ``read``) and tags
    (``tag:x`` reads what the action ``tag:x`` sets; :func:`_sets`)."""
    if isinstance(node, Flag):
        return {_FLAG_READS[node.name]} if node.name in _FLAG_READS else set()
    if isinstance(node, Field):
        return {f"tag:{node.value.casefold()}"} if node.name == "tag" else set()
    if isinstance(node, Not):
        return _reads(node.item)
    if isinstance(node, And | Or):
        return {c for item in node.items for c in _reads(item)}
    return set()


def _fields(node: Node) -> list[Field]:
    """The ``feed:`` and ``section:`` conditions of ``node`` (not regexes of a feed)."""
    if isinstance(node, Field):
        return [node] if node.name in {"feed", "section"} else []
    if isinstance(node, Not):
        return _fields(node.item)
    if isinstance(node, And | Or):
        return [f for item in node.items for f in _fields(item)]
    return []


def _deciding(
    rules: _Rules, answers: Answers | None, empty: frozenset[str], match: Matcher
) -> Callable[[Node], bool | None]:
    """What :func:`_fold` knows: the answers to the ``feed:`` conditions, and that words
    looked for only in the tables ``empty`` are not found."""
    known: dict[Field, bool] = {}
    if answers is not None:
        pairs = zip((*rules.feeds, *rules.sections), answers, strict=True)
        known = {f: answer for f, answer in pairs if answer is not None}

    def decide(node: Node) -> bool | None:
        if isinstance(node, Field):
            return known.get(node)
        tables = {t for t, _ in text_lookups(node, match)} if isinstance(node, Text) else None
        return False if tables and tables <= empty else None

    return decide


def _texts(node: Node) -> list[Text]:
    """The words and phrases ``node`` looks for (under a ``not`` too)."""
    if isinstance(node, Text):
        return [node]
    if isinstance(node, Not):
        return _texts(node.item)
    if isinstance(node, And | Or):
        return [t for item in node.items for t in _texts(item)]
    return []


def _fold(node: Node, decide: Callable[[Node], bool | None]) -> Node | bool:
    """``node`` with what ``decide`` knows answered: True or False when that decides
    it, else what is left to ask."""
    if isinstance(node, Not):
        inner = _fold(node.item, decide)
        return (not inner) if isinstance(inner, bool) else Not(inner)
    if isinstance(node, And | Or):
        every = isinstance(node, And)
        items: list[Node] = []
        for item in node.items:
            folded = _fold(item, decide)
            if folded is (not every):  # a False in an and, a True in an or
                return folded
            if not isinstance(folded, bool):
                items.append(folded)
        if not items:
            return every
        return items[0] if len(items) == 1 else (And(tuple(items)) if every else Or(tuple(items)))
    decided = decide(node)
    return node if decided is None else decided
