"""Full-text search and the upkeep of its index.

The index is two contentless FTS5 tables: ``search`` (title, source label, body text)
keeps no positions (``detail=none``: the store's size allows no more, see
``bench/store_size.py``), and ``search_title`` (titles alone) keeps them, so a quoted
phrase is matched in titles by the index, and title matches rank first. Elsewhere the
index finds the articles holding a phrase's words, and :meth:`SearchMixin._with_phrases`
reads their text to keep those holding the phrase itself.

FTS5's tokenizer cuts ``hardened_malloc``, ``node.js`` or ``C++`` into their parts, and
an index without positions cannot ask for parts next to each other. So such a compound
(letters and digits joined by ``_ . - +``, or ending in ``+`` or ``#``) is also indexed
whole: one token whose joining characters are private-use characters, which the
tokenizer keeps inside a token (:func:`indexed_text`). A search for ``C++`` asks for
that token, not for the letter c; ``malloc`` still finds ``hardened_malloc``.

Contentless, the tables keep no copy of the text, so a row is taken out only by handing
FTS5 the very text it indexed. That rule lives here alone: :func:`index_rows` and
:func:`_unindex`, and the one way articles leave the store,
:meth:`SearchMixin._delete_where`.

An article's indexed body is the text of its full article when one is stored (the
``fulltext`` table, :mod:`.fulltext`), else of its feed body: every query here that
reads what was indexed joins :data:`_FULL_TEXT` and reads :data:`_BODY`.
"""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

from newsterm.core.bodies import SEARCH_BODY_MAX, plain_text
from newsterm.core.errors import QueryError
from newsterm.core.query import Query, parse_query
from newsterm.core.querylang import parse
from newsterm.core.store._base import _chunks, log, wrap_exceptions
from newsterm.core.store.querysql import QueryMixin
from newsterm.core.store.schema import SEARCH_REBUILD

TIME_ORDER_MAX = 5_000
"""Up to this many results are ordered by date; more, by when they were stored (the
order of the index: sorting 80,000 results by date takes longer than a keystroke)."""

_FULL_TEXT = "LEFT JOIN fulltext f ON f.article_id = a.id"
"""Joined to ``articles a``: the article's stored full text, if any (``f``)."""
_BODY = (
    "COALESCE(f.content, a.content), "
    "CASE WHEN f.content IS NULL THEN a.content_type ELSE f.content_type END"
)
"""The (blob, content type) the index holds the text of: the full text's, else the feed's."""

PHRASE_CHECK_MAX = 1_000
"""A phrase is looked for in the text of at most this many of the newest articles that
hold its words (reading a body costs ~0.5 ms; titles are matched by the index, all)."""

_JOINED = str.maketrans({"_": "\ue05f", ".": "\ue02e", "-": "\ue02d", "+": "\ue02b", "#": "\ue023"})
# A compound: from a word's start, letters/digits joined by single _ . - +, or ending
# in + or # (C++, C#). Possessive, and anchored at a word's start: linear time.
_COMPOUND = re.compile(r"(?<![^\W_])[^\W_]++(?:[_.+\-][^\W_]++|[+#]++(?![^\W_]))+")
_TOKEN = re.compile(r"[^\W_]+")
_DOT_WORD = re.compile(r"\.[^\W_]")
_TO_SPACE = re.compile(r"\S*")
_LONGEST = 200
"""Longer runs of non-space (a URL, base64) are indexed by their parts only."""


def _compounds(text: str) -> list[str]:
    """The compounds of ``text``, each once. Found from their joining characters (a
    string search, fast), then read in the word around each."""
    hits = [m.start() for m in _DOT_WORD.finditer(text)] if "." in text else []
    for joiner in "_-+#":
        at = text.find(joiner)
        while at >= 0:
            hits.append(at)
            at = text.find(joiner, at + 1)
    found: dict[str, None] = {}
    end = 0
    for at in sorted(hits):
        if at < end or not at or not text[at - 1].isalnum():
            continue
        start = at
        while start and not text[start - 1].isspace() and at - start <= _LONGEST:
            start -= 1
        end = _TO_SPACE.match(text, at).end()  # type: ignore[union-attr]
        if end - start <= _LONGEST:
            found.update(dict.fromkeys(_COMPOUND.findall(text, start, end)))
    return list(found)


def _folded_tokens(text: str) -> list[str]:
    """The words of ``text`` as the index compares them: case and diacritics folded
    (the tokenizer's ``remove_diacritics 2``), split at everything but letters/digits."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return _TOKEN.findall("".join(c for c in folded if not unicodedata.combining(c)))


def _holds(tokens: list[str], phrase: list[str], prefix: bool) -> bool:
    """Whether ``phrase`` is in ``tokens``, word after word (its last word a prefix
    when ``prefix``)."""
    size = len(phrase)
    first, last = phrase[0], phrase[-1]
    for start in range(len(tokens) - size + 1):
        if tokens[start] != first and size > 1:
            continue
        window = tokens[start : start + size]
        if window[:-1] == phrase[:-1] and (
            window[-1].startswith(last) if prefix else window[-1] == last
        ):
            return True
    return False


def indexed_text(text: str) -> str:
    """What the index is given for ``text``: the text, then its compounds whole."""
    compounds = _compounds(text)
    if not compounds:
        return text
    return text + "\n" + " ".join(c.translate(_JOINED) for c in compounds)


def _units(word: str) -> list[str]:
    """The index's tokens one written word is looked for by: each compound whole, the
    other parts alone (``foo.bar/baz`` -> the token ``foo.bar`` and ``baz``)."""
    if len(word) > _LONGEST:
        return _TOKEN.findall(word)
    units: list[str] = []
    last = 0
    for match in _COMPOUND.finditer(word):
        units += _TOKEN.findall(word, last, match.start())
        units.append(match.group().translate(_JOINED))
        last = match.end()
    return units + _TOKEN.findall(word, last)


def match_expressions(query: Query) -> tuple[str, str]:
    """The FTS5 MATCH expressions of ``query``: for ``search`` (every word), and for
    ``search_title`` (every word, each phrase as a phrase). Every token is quoted, so
    nothing the reader writes is an FTS5 operator."""
    every: list[str] = []
    titles: list[str] = []
    for term in query.terms:
        parts = [f'"{unit}"' for word in term.words for unit in _units(word)]
        if term.prefix:
            parts[-1] += "*"
        every += parts
        if term.phrase and len(parts) > 1:
            tokens = [token for word in term.words for token in _TOKEN.findall(word)]
            titles.append(f'"{" ".join(tokens)}"' + ("*" if term.prefix else ""))
        else:
            titles += parts
    return " ".join(every), " ".join(titles)


def _batches(
    rows: Iterable[tuple[int, str, str, str]], size: int
) -> Iterator[list[tuple[int, str, str, str]]]:
    it = iter(rows)
    while batch := list(itertools.islice(it, size)):
        yield batch


def _fts_row(aid: int, title: str, source_label: str, body: str) -> tuple[int, str, str, str]:
    return aid, indexed_text(title), indexed_text(source_label), indexed_text(body)


def index_rows(db: sqlite3.Connection, rows: Iterable[tuple[int, str, str, str]]) -> None:
    """Add articles to the index: (id, title, source label, body text cut to
    SEARCH_BODY_MAX) each."""
    for batch in _batches(rows, 1000):
        fts = [_fts_row(*row) for row in batch]
        db.executemany("INSERT INTO search (rowid, title, source, body) VALUES (?, ?, ?, ?)", fts)
        db.executemany(
            "INSERT INTO search_title (rowid, title) VALUES (?, ?)", [row[:2] for row in fts]
        )


def _index(db: sqlite3.Connection, aid: int, title: str, source_label: str, body: str) -> None:
    """Add article ``aid`` to the index (``body``: its text, cut to SEARCH_BODY_MAX)."""
    index_rows(db, [(aid, title, source_label, body)])


def _unindex(db: sqlite3.Connection, aid: int, title: str, source_label: str, body: str) -> None:
    """Take article ``aid`` out of the index: given exactly what :func:`_index` was."""
    row = _fts_row(aid, title, source_label, body)
    db.execute(
        "INSERT INTO search (search, rowid, title, source, body) VALUES ('delete', ?, ?, ?, ?)",
        row,
    )
    db.execute(
        "INSERT INTO search_title (search_title, rowid, title) VALUES ('delete', ?, ?)", row[:2]
    )


class SearchMixin(QueryMixin):
    def _match(self, query: Query) -> tuple[str, str]:
        return match_expressions(query)

    @wrap_exceptions
    def search(
        self,
        query: str,
        limit: int | None = None,
        show_read: bool = True,
        hidden: bool = False,
        within: tuple[str, Sequence[object]] | None = None,
    ) -> list[int]:
        """Ids of the articles matching ``query`` (:mod:`newsterm.core.query`), all of
        them (or the first ``limit``), best first; only those ``within`` selects (a
        condition over ``articles a`` and its parameters), when given.

        Best is: those whose title holds every word (and phrase) first, then the others;
        newest first in each (see :data:`TIME_ORDER_MAX`). There is no bm25: on a
        contentless table it needs positions. Raises :class:`QueryError` for a search
        that cannot run.
        """
        node = parse(query)
        if node is not None:
            extra, extra_params = within or ("", ())
            return self.query_ids(
                node, limit=limit, show_read=show_read, hidden=hidden, extra=extra,
                extra_params=tuple(extra_params),
            )  # fmt: skip
        parsed = parse_query(query)
        if not parsed.terms:
            return []
        every, titles = match_expressions(parsed)
        try:
            titled = self._matches("search_title", titles)
            matched = self._matches("search", every)
        except sqlite3.OperationalError as exc:
            if not str(exc).startswith("fts5:"):
                raise
            raise QueryError(f"cannot search for {query.strip()!r}: {exc}") from exc
        in_title = set(titled)
        ids = titled + self._with_phrases(parsed, [i for i in matched if i not in in_title])
        if not show_read and ids:
            unread = set(self._ids("SELECT id FROM articles WHERE read = 0 AND ", ids))
            ids = [i for i in ids if i in unread]
        if within is not None and ids:
            inside = set(self._ids(f"SELECT a.id FROM articles a WHERE ({within[0]}) AND a.", ids,
                                   params=within[1]))  # fmt: skip
            ids = [i for i in ids if i in inside]
        if not hidden and ids and self._query("SELECT 1 FROM articles WHERE hidden = 1 LIMIT 1"):
            shown = set(self._ids("SELECT id FROM articles WHERE hidden = 0 AND ", ids))
            ids = [i for i in ids if i in shown]
        if 1 < len(ids) <= TIME_ORDER_MAX:
            by_date = self._ids("SELECT id FROM articles WHERE ", ids, "sort_time DESC, id DESC")
            ids = [i for i in by_date if i in in_title] + [i for i in by_date if i not in in_title]
        return ids[:limit] if limit else ids

    def _with_phrases(self, parsed: Query, ids: list[int]) -> list[int]:
        """Those of ``ids`` whose text holds every quoted phrase of ``parsed``, its words
        next to each other and in order. The body's index keeps no positions (the
        store's size allows none), so it finds the articles holding the words, and
        this reads their text to keep those that hold the phrase."""
        phrases = [
            (tokens, term.prefix)
            for term in parsed.terms
            if term.phrase and len(tokens := _folded_tokens(" ".join(term.words))) > 1
        ]
        if not phrases or not ids:
            return ids
        ids = sorted(ids, reverse=True)[:PHRASE_CHECK_MAX]  # the newest stored first
        keep: set[int] = set()
        for chunk in _chunks(ids, 500):
            for aid, title, label, blob, ctype in self._query(
                f"SELECT a.id, a.title, s.label, {_BODY} FROM articles a "
                f"JOIN sources s ON s.id = a.source_id {_FULL_TEXT} "
                "WHERE a.id IN (SELECT value FROM json_each(?))",
                (json.dumps(list(chunk)),),
            ):
                text = _folded_tokens(f"{title}\n{label}\n{self._indexed_body(blob, ctype)}")
                if all(_holds(text, words, prefix) for words, prefix in phrases):
                    keep.add(aid)
        return [i for i in ids if i in keep]

    def _matches(self, table: str, match: str) -> list[int]:
        """The rowids ``table`` matches, newest (largest) first. As one JSON array: half
        the time of a row per match (80,000 of them for a common word)."""
        ((found,),) = self._query(
            f"SELECT json_group_array(rowid) FROM {table} WHERE {table} MATCH ?", (match,)
        )
        ids: list[int] = json.loads(found)
        ids.sort(reverse=True)
        return ids

    def _ids(
        self,
        sql: str,
        ids: Sequence[int],
        order: str = "rowid DESC",
        params: Sequence[object] = (),
    ) -> list[int]:
        """Ids from ``sql`` (its ``params``) + ``id IN`` the given ids, in ``order``."""
        return [
            r[0]
            for r in self._query(
                f"{sql}id IN (SELECT value FROM json_each(?)) ORDER BY {order}",
                (*params, json.dumps(ids)),
            )
        ]

    # -- the index's upkeep ------------------------------------------------------------

    @wrap_exceptions
    def _after_migrations(self) -> None:
        """Fill the index a migration rebuilt (schema 8), from every stored article, in
        one transaction: a store closed half-way starts again at its next opening."""
        super()._after_migrations()
        with self._tx() as db:
            if not db.execute("SELECT 1 FROM state WHERE key = ?", (SEARCH_REBUILD,)).fetchone():
                return
            log.warning("%s: rebuilding the search index", self.path)
            last = 0
            while rows := db.execute(
                f"SELECT a.id, a.title, s.label, {_BODY} FROM articles a "
                f"JOIN sources s ON s.id = a.source_id {_FULL_TEXT} "
                "WHERE a.id > ? ORDER BY a.id LIMIT 1000",
                (last,),
            ).fetchall():
                last = rows[-1][0]
                index_rows(
                    db,
                    [(r[0], r[1], r[2], self._indexed_body(r[3], r[4])) for r in rows],
                )
            db.execute("DELETE FROM state WHERE key = ?", (SEARCH_REBUILD,))

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
