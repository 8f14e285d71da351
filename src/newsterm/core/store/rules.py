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
        rules = self._compiled_rules(row[0])
        if not rules:
            return changed
        # the articles in scope first: each rule then looks at those rows alone
        scoped = json.dumps([r[0] for r in db.execute(f"SELECT a.id {FROM} WHERE {scope}", params)])
        params = (scoped,)
        scope = "a.id IN (SELECT value FROM json_each(?))"
        for action, (where, where_params) in rules.items():
            ids = f"SELECT a.id {FROM} WHERE ({scope}) AND ({where})"
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

    def _compiled_rules(self, kept: str) -> dict[str, tuple[str, list[object]]]:
        """action -> one ``WHERE`` for all its rules (``or``): one UPDATE per action.
        Kept while the rules are the same (a refresh saves hundreds of feeds); ``newer:``
        and ``today`` count from the day the rules were compiled."""
        cached = getattr(self, "_rules_cache", None)
        today = local_midnight(datetime.now().astimezone())
        if cached is not None and cached[0] == (kept, today):
            return cached[1]  # type: ignore[no-any-return]
        now = datetime.now().astimezone()
        grouped: dict[str, tuple[list[str], list[object]]] = {}
        for query, action in json.loads(kept):
            node = parse_any(query)
            if node is None:
                continue
            where, params, _ = compile_where(node, now, today, self._match)
            wheres, all_params = grouped.setdefault(action, ([], []))
            wheres.append(where)
            all_params += params
        compiled = {a: (" OR ".join(w), p) for a, (w, p) in grouped.items()}
        self._rules_cache = ((kept, today), compiled)
        return compiled
