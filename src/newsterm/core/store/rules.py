"""The rules of feeds.toml (issue 15) in the store: kept in the ``state`` table (so a
refresh's worker processes see them), applied to the articles a save adds, in its
transaction, and to every stored article by :meth:`RulesMixin.apply_rules`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime

from newsterm.core.querylang import parse_any
from newsterm.core.store._base import wrap_exceptions
from newsterm.core.store.querysql import FROM, compile_where, local_midnight
from newsterm.core.store.search import SearchMixin

RULES_KEY = "rules"

_SET = {
    "hide": "hidden = 1",
    "read": "read = 1",
    "star": "starred = 1",
}


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
            return self._apply_rules(db, "1", ())

    def _apply_rules(
        self, db: sqlite3.Connection, scope: str, params: Sequence[object]
    ) -> dict[str, int]:
        """Apply the rules to the articles ``scope`` selects (over ``a``, ``s``, ``sec``)."""
        row = db.execute("SELECT value FROM state WHERE key = ?", (RULES_KEY,)).fetchone()
        changed: dict[str, int] = {}
        if row is None:
            return changed
        now = datetime.now().astimezone()
        for query, action in json.loads(row[0]):
            node = parse_any(query)
            if node is None:
                continue
            where, where_params, _ = compile_where(node, now, local_midnight(now), self._match)
            ids = f"SELECT a.id {FROM} WHERE ({scope}) AND {where}"
            if action.startswith("tag:"):
                tag = action[4:]
                cursor = db.execute(
                    "UPDATE articles SET tags = json_insert(coalesce(tags, '[]'), '$[#]', ?) "
                    f"WHERE id IN ({ids}) AND NOT EXISTS (SELECT 1 FROM "
                    "json_each(coalesce(articles.tags, '[]')) WHERE value = ?)",
                    (tag, *params, *where_params, tag),
                )
            else:
                column = _SET[action].split(" ")[0]
                cursor = db.execute(
                    f"UPDATE articles SET {_SET[action]} WHERE {column} = 0 AND id IN ({ids})",
                    (*params, *where_params),
                )
            changed[action] = changed.get(action, 0) + cursor.rowcount
        return changed
