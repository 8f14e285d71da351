"""``[[queries]]`` (saved searches) and ``[[rules]]`` of feeds.toml (issue 15): each query
is parsed when the file is read, so a bad one names the file and line."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from newsterm.core.errors import ConfigError, QueryError
from newsterm.core.querylang import parse

ACTIONS = ("hide", "read", "star")
"""What a rule does to the articles its query selects; ``tag:NAME`` as well."""
_TAG = re.compile(r"tag:([^\s\"']{1,64})")


@dataclass(frozen=True, slots=True)
class SavedQuery:
    """A saved search: its name in the sidebar, and its query."""

    name: str
    query: str


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule: what ``action`` does (hide, read, star, tag:NAME) to what ``query`` selects."""

    query: str
    action: str


# (message, table, index, key) -> the error naming file:line
Where = Callable[[str, str, int | None, str | None], ConfigError]
# (table, key, name, index, required) -> the string
Reader = Callable[[dict[str, Any], str, str, int, bool], str | None]


def _checked_query(error: Where, name: str, i: int, text: str) -> str:
    try:
        node = parse(text)
        if node is None:
            from newsterm.core.query import parse_query

            if not parse_query(text).terms:
                raise QueryError("query: 1:1: the query is empty")
    except QueryError as exc:
        raise error(f"[[{name}]] entry {i + 1}: 'query': {exc}", name, i, "query") from None
    return text


def saved_queries(error: Where, read: Reader, raw: Any) -> tuple[SavedQuery, ...]:
    """The ``[[queries]]`` entries: name and query, both required, names unique."""
    if not isinstance(raw, list):
        raise error(
            "'queries' must be an array of tables: write [[queries]]", "queries", None, None
        )
    found: list[SavedQuery] = []
    names: dict[str, int] = {}
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise error(f"[[queries]] entry {i + 1} must be a table", "queries", i, None)
        for key in entry:
            if key not in ("name", "query"):
                raise error(
                    f"[[queries]] entry {i + 1}: unknown key {key!r} (allowed: name, query)",
                    "queries",
                    i,
                    key,
                )
        name = (read(entry, "name", "queries", i, True) or "").strip()
        if not name:
            raise error(f"[[queries]] entry {i + 1}: 'name' is empty", "queries", i, "name")
        if name.casefold() in names:
            raise error(
                f"[[queries]] entry {i + 1}: duplicate name (same as entry {names[name.casefold()] + 1})",
                "queries",
                i,
                "name",
            )
        names[name.casefold()] = i
        query = _checked_query(error, "queries", i, read(entry, "query", "queries", i, True) or "")
        found.append(SavedQuery(name, query))
    return tuple(found)


def rules(error: Where, read: Reader, raw: Any) -> tuple[Rule, ...]:
    """The ``[[rules]]`` entries: a query and an action, both required."""
    if not isinstance(raw, list):
        raise error("'rules' must be an array of tables: write [[rules]]", "rules", None, None)
    found: list[Rule] = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise error(f"[[rules]] entry {i + 1} must be a table", "rules", i, None)
        for key in entry:
            if key not in ("query", "action"):
                raise error(
                    f"[[rules]] entry {i + 1}: unknown key {key!r} (allowed: query, action)",
                    "rules",
                    i,
                    key,
                )
        query = _checked_query(error, "rules", i, read(entry, "query", "rules", i, True) or "")
        action = (read(entry, "action", "rules", i, True) or "").strip()
        if action not in ACTIONS and not _TAG.fullmatch(action):
            raise error(
                f"[[rules]] entry {i + 1}: 'action' {action!r} is not one of hide, read, star, tag:NAME",
                "rules",
                i,
                "action",
            )
        found.append(Rule(query, action))
    return tuple(found)
