"""The query language: search, saved searches and rules (issue 15).

A query is terms joined by ``and`` (or nothing), ``or``, ``not``/``-`` and parentheses;
``and`` binds tighter than ``or``, ``not`` tightest. The operators are lowercase: ``AND``,
``OR``, ``NOT`` stay words, as in a plain search. A term is:

- a word, ``"a phrase"`` or ``word*``: the text (as :mod:`newsterm.core.query`);
- ``/regex/``: a regular expression over the title (bounded: :data:`REGEX_MAX`);
- a field: ``title:``, ``author:``, ``feed:`` (its name or URL), ``section:`` (a path
  prefix, ``section:Tech/Mobiles``), ``url:``, ``tag:`` (the feed's categories and the
  rules' tags), ``content:`` (the text); a value may be quoted or a ``/regex/``;
- a flag: ``unread``, ``read``, ``starred``, ``full``, ``hidden``, ``today``;
- a time: ``newer:7d``, ``older:2w`` (``h d w m y``), ``since:2026-11-01``, ``before:``.

A query with none of these (no field, flag, time, regex, ``or``, ``not`` or ``-word``)
is a plain search and :func:`parse` returns None for it: the store runs it as before.
Errors are one line with the position: ``query: 1:12: expected ')'``.

Pure: :mod:`newsterm.core.store.querysql` compiles the tree to SQL.
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from newsterm.core.errors import QueryError
from newsterm.core.query import Term, highlight_words, parse_query, query_error

FIELDS = frozenset({"title", "author", "feed", "section", "url", "tag", "content"})
TIMES = frozenset({"newer", "older", "since", "before"})
FLAGS = frozenset({"unread", "read", "starred", "full", "hidden", "today"})
REGEX_MAX = 200
"""The longest regular expression a query may hold."""
_UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400, "m": 30 * 86400, "y": 365 * 86400}
_AGE = re.compile(r"(\d{1,5})\s*([hdwmy])", re.IGNORECASE)
# A quantified group quantified again ((a+)+, (a|b*)*): the backtracking that never ends.
_NESTED = re.compile(r"\((?:[^()\\]|\\.)*[*+}](?:[^()\\]|\\.)*\)\s*[*+{]")


@dataclass(frozen=True, slots=True)
class Text:
    """Words or a phrase looked for in the index: every field (``field`` None), the
    title, or the content."""

    term: Term
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Field:
    """``name:value``: a substring (case-folded) of a column, or a regex when ``regex``."""

    name: str
    value: str
    regex: bool = False


@dataclass(frozen=True, slots=True)
class Flag:
    """A flag of the article: unread, read, starred, full, hidden, today."""

    name: str


@dataclass(frozen=True, slots=True)
class Time:
    """``newer``/``older`` (``seconds`` ago) or ``since``/``before`` (``seconds``: a
    local date's midnight, unix time)."""

    op: str
    seconds: int


@dataclass(frozen=True, slots=True)
class Not:
    """Everything but ``item``."""

    item: Node


@dataclass(frozen=True, slots=True)
class And:
    """Every item."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """One item at least."""

    items: tuple[Node, ...]


Node = Text | Field | Flag | Time | Not | And | Or


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "(" ")" "or" "and" "not" "atom"
    text: str
    at: int
    value: str = ""
    regex: bool = False
    quoted: bool = False


def error(text: str, at: int, reason: str) -> QueryError:
    """``query: line:column: reason`` for offset ``at`` of ``text``."""
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    return QueryError(f"query: {line}:{column}: {reason}")


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, size = 0, len(text)
    while i < size:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()":
            tokens.append(_Token(c, c, i))
            i += 1
        elif c == "-" and i + 1 < size and (text[i + 1].isalnum() or text[i + 1] in '("/'):
            tokens.append(_Token("not", "-", i))
            i += 1
        else:
            i = _atom(text, i, tokens)
    return tokens


def _closing(text: str, start: int, mark: str) -> int:
    """The offset of the ``mark`` closing what opens at ``start`` (``\\`` escapes in a
    regex), or -1."""
    i = start + 1
    while i < len(text):
        if text[i] == "\\" and mark == "/":
            i += 2
            continue
        if text[i] == mark:
            return i
        i += 1
    return -1


def _atom(text: str, i: int, tokens: list[_Token]) -> int:
    start = i
    name = ""
    field = re.match(r"([A-Za-z]+):(?=[^\s)])", text[i:])
    if field and field.group(1).lower() in FIELDS | TIMES:
        name = field.group(1).lower()
        i += field.end()
    if i < len(text) and text[i] in '"/':
        mark = text[i]
        end = _closing(text, i, mark)
        if end < 0:
            if mark == "/":
                raise error(text, i, "expected '/' closing the regex")
            end = len(text)
        value = text[i + 1 : end]
        i = end + 1
        while i < len(text) and text[i] == "*" and mark == '"':
            value += "*"
            i += 1
        tokens.append(_Token("atom", name, start, value, regex=mark == "/", quoted=mark == '"'))
        return i
    end = i
    while end < len(text) and not text[end].isspace() and text[end] not in '()"':
        end += 1
    word = text[i:end]
    if not name and word in {"or", "and", "not"}:  # lowercase: OR, AND, NOT stay words
        tokens.append(_Token(word, word, start))
    else:
        tokens.append(_Token("atom", name, start, word))
    return end


def _is_language(tokens: list[_Token]) -> bool:
    for t in tokens:
        if t.kind in {"or", "not"} or (t.kind == "atom" and (t.text or t.regex)):
            return True
        if t.kind == "atom" and not t.quoted and t.value.lower() in FLAGS:
            return True
    return False


def parse(text: str, now: datetime | None = None) -> Node | None:
    """The tree of ``text``, or None when it is a plain search (see the module's
    docstring). Raises :class:`QueryError` (one line, with the position)."""
    text = unicodedata.normalize("NFC", text)
    tokens = _lex(text)
    if not _is_language(tokens):
        return None
    parser = _Parser(text, tokens, now or datetime.now().astimezone())
    node = parser.either()
    if parser.i < len(tokens):
        raise error(text, tokens[parser.i].at, f"unexpected {tokens[parser.i].text!r}")
    return node


def parse_any(text: str) -> Node | None:
    """The tree of ``text``, a plain search too (its words and phrases, all of them);
    None for an empty one."""
    node = parse(text)
    if node is not None:
        return node
    terms = tuple(Text(term) for term in parse_query(text).terms)
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else And(terms)


class _Parser:
    def __init__(self, text: str, tokens: list[_Token], now: datetime) -> None:
        self.text, self.tokens, self.i, self.now = text, tokens, 0, now

    def _peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _at(self) -> int:
        token = self._peek()
        return token.at if token else len(self.text)

    def either(self) -> Node:
        items = [self.every()]
        while (t := self._peek()) and t.kind == "or":
            self.i += 1
            items.append(self.every())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def every(self) -> Node:
        items = [self.unary()]
        while (t := self._peek()) and t.kind not in {")", "or"}:
            if t.kind == "and":
                self.i += 1
            items.append(self.unary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self) -> Node:
        t = self._peek()
        if t is None:
            raise error(self.text, self._at(), "expected a term")
        if t.kind == "not":
            self.i += 1
            return Not(self.unary())
        if t.kind == "(":
            self.i += 1
            node = self.either()
            closing = self._peek()
            if closing is None or closing.kind != ")":
                raise error(self.text, self._at(), "expected ')'")
            self.i += 1
            return node
        if t.kind != "atom":
            raise error(self.text, t.at, f"expected a term, not {t.text!r}")
        self.i += 1
        return self.atom(t)

    def atom(self, t: _Token) -> Node:
        value, at = t.value, t.at
        if t.text in TIMES:
            return Time(t.text, self._time(t.text, value, at))
        if t.regex:
            if t.text in {"content", "section", "tag"}:
                raise error(
                    self.text, at, f"{t.text}: takes no regex (titles, authors, feeds and URLs do)"
                )
            _check_regex(self.text, at, value)
            return Field(t.text or "title", value, regex=True)
        if t.text in {"author", "feed", "section", "url", "tag"}:
            if not value:
                raise error(self.text, at, f"{t.text}: needs a value")
            return Field(t.text, value)
        if not t.text and not t.quoted and value.lower() in FLAGS:
            return Flag(value.lower())
        spelled = f'"{value}"' if t.quoted else value
        try:
            query = parse_query(spelled)
        except QueryError as exc:
            reason = str(exc).rsplit(": ", 1)[-1]
            raise error(self.text, at, reason) from None
        if not query.terms:
            raise error(self.text, at, "there is no letter or digit to look for")
        terms = [Text(term, t.text or None) for term in query.terms]
        return terms[0] if len(terms) == 1 else And(tuple(terms))

    def _time(self, name: str, value: str, at: int) -> int:
        if name in {"newer", "older"}:
            match = _AGE.fullmatch(value)
            if not match:
                raise error(self.text, at, f"{name}: expected an age such as 7d or 2w")
            return int(match.group(1)) * _UNITS[match.group(2).lower()]
        try:
            day = datetime.strptime(value, "%Y-%m-%d")
        except ValueError:
            raise error(self.text, at, f"{name}: expected a date such as 2026-11-01") from None
        return int(day.replace(tzinfo=self.now.tzinfo).timestamp())


def _check_regex(text: str, at: int, pattern: str) -> None:
    if not pattern:
        raise error(text, at, "an empty regex")
    if len(pattern) > REGEX_MAX:
        raise error(text, at, f"a regex longer than {REGEX_MAX} characters")
    if _NESTED.search(pattern):
        raise error(text, at, "a repeated group repeated again (slow to match), as in (a+)+")
    try:
        re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise error(text, at + 1 + (exc.pos or 0), f"bad regex: {exc.msg}") from None


def text_terms(node: Node | None) -> tuple[Term, ...]:
    """The words and phrases a query looks for (not under a ``not``): to highlight."""
    if isinstance(node, Text):
        return (node.term,)
    if isinstance(node, And | Or):
        return tuple(t for item in node.items for t in text_terms(item))
    return ()


def highlights(text: str) -> tuple[str, ...]:
    """What to highlight in titles for the query ``text`` (nothing when it cannot run)."""
    try:
        node = parse(text)
    except QueryError:
        return ()
    if node is None:
        return highlight_words(text)
    return tuple(" ".join(term.words) for term in text_terms(node))


def why_not(text: str) -> str | None:
    """Why the query ``text`` cannot run, or None when it can."""
    try:
        if parse(text) is not None:
            return None
    except QueryError as exc:
        return str(exc)
    return query_error(text)


def age_start(now: datetime, seconds: int) -> int:
    """Unix time ``seconds`` before ``now``."""
    return int((now - timedelta(seconds=seconds)).timestamp())


REGEX_SUBJECT_MAX = 2_000
"""A regex reads at most this much of a title, author, feed name or URL."""
REGEX_SECONDS = 2.0
"""A query's regex matching stops after this long (an error, not a hang)."""

regex_deadlines: dict[str, float] = {}
"""A running query's regexes -> when their matching must stop (monotonic)."""


_COMPILED: dict[str, re.Pattern[str]] = {}
"""Compiled patterns (at most :data:`_COMPILED_MAX`): ``nt_regexp`` runs once a row."""
_COMPILED_MAX = 64


def regexp(pattern: str, value: str | None) -> int:
    """``nt_regexp(pattern, value)``: 1 when ``pattern`` is found in ``value`` (its
    first :data:`REGEX_SUBJECT_MAX` characters); raises once the query's time is up.
    SQLite calls it once a row: it does as little as it can."""
    if value is None:
        return 0
    if regex_deadlines:
        end = regex_deadlines.get(pattern)
        if end is not None and time.monotonic() > end:
            raise QueryError(f"query: the regex /{pattern}/ took longer than {REGEX_SECONDS:g} s")
    compiled = _COMPILED.get(pattern)
    if compiled is None:
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        compiled = _COMPILED[pattern] = re.compile(pattern, re.IGNORECASE)
    return 1 if compiled.search(value, 0, REGEX_SUBJECT_MAX) else 0
