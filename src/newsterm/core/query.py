"""A search as the reader writes it -> the words and phrases it looks for.

The syntax, for the command line and the search box alike:

- words, every one of which must be found (in the title, the source's name or the text);
- ``"a quoted phrase"``: its words next to each other, in that order (in a title by the
  index; in the text by reading the articles that hold its words: the body's index
  keeps no positions, see :mod:`newsterm.core.store.search`); a quote left open runs
  to the end;
- ``word*`` (or ``"a phra*"``): words that start with it. Only an explicit ``*`` makes a
  prefix; the search box adds one to the word being typed (:func:`as_typed`).

Nothing else is an operator: AND, OR, NOT, NEAR, ``column:``, ``-`` and ``^`` are words
or separators. Words keep their inner ``_ . - + #`` (``hardened_malloc``, ``node.js``,
``C++``): the index holds such words whole as well as by their parts.

Pure: the store builds the FTS5 query from a :class:`Query`, the UI highlights its words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from newsterm.core.errors import QueryError

MAX_TERMS = 64
"""Words and phrases one search may hold."""

# A quoted phrase (closed or not, maybe followed by *), or a word (anything else).
_PART = re.compile(r'"([^"]*)"?(\**)|([^\s"]+)')
_LETTER = re.compile(r"[^\W_]")


@dataclass(frozen=True, slots=True)
class Term:
    """One thing a search looks for: a word or a quoted phrase."""

    words: tuple[str, ...]
    """The words as written, without ``*``: one for a word, a phrase's in order."""
    phrase: bool
    """Quoted: its words next to each other, in this order (in titles)."""
    prefix: bool
    """The last word also matches every longer word that starts with it."""


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed search: what :func:`parse_query` read in ``text``."""

    text: str
    terms: tuple[Term, ...]

    @property
    def highlight(self) -> tuple[str, ...]:
        """What to highlight in a title: each word, each phrase as one string."""
        return tuple(" ".join(term.words) for term in self.terms)


def _error(text: str, reason: str) -> QueryError:
    return QueryError(f"cannot search for {text.strip()!r}: {reason}")


def _word(text: str, word: str) -> tuple[str, bool]:
    """A word without its closing ``*`` (and whether it had one); a ``*`` elsewhere is
    an error."""
    bare = word.rstrip("*")
    if "*" in bare:
        raise _error(text, "a * can only end a word, as in malloc*")
    return bare, bare != word


def parse_query(text: str) -> Query:
    """Read a search. An empty (or blank) text is a query of no terms; a text with no
    letter or digit in it, or a misplaced ``*``, raises :class:`QueryError`."""
    text = unicodedata.normalize("NFC", text)
    terms: list[Term] = []
    for match in _PART.finditer(text):
        quoted, stars, bare = match.groups()
        if bare is not None:
            word, prefix = _word(text, bare)
            if _LETTER.search(word):
                terms.append(Term((word,), phrase=False, prefix=prefix))
            continue
        words = quoted.split()
        prefix = bool(stars)
        if words:
            last, open_end = _word(text, words[-1])
            words[-1], prefix = last, prefix or open_end
            for word in words[:-1]:
                _word(text, word)
        words = [w for w in words if _LETTER.search(w)]
        if words:
            terms.append(Term(tuple(words), phrase=True, prefix=prefix))
    if len(terms) > MAX_TERMS:
        raise _error(text, f"more than {MAX_TERMS} words and phrases")
    if not terms and text.strip():
        raise _error(text, "there is no letter or digit to look for")
    return Query(text, tuple(terms))


def as_typed(text: str) -> str:
    """The search box's text with the word being typed made a prefix: the last word,
    unless the text ends with a space, a ``*`` or a closing quote. An open quote is
    closed, its last word the prefix."""
    if not text or text[-1].isspace():
        return text
    if text.count('"') % 2:
        return text + '"*'
    if text.endswith(('"', "*")):
        return text
    return text + "*"


def highlight_words(text: str) -> tuple[str, ...]:
    """What to highlight in titles for the search ``text`` (nothing when it is not a
    search that can run)."""
    try:
        return parse_query(text).highlight
    except QueryError:
        return ()


def query_error(text: str) -> str | None:
    """Why the search ``text`` cannot run, or None when it can."""
    try:
        parse_query(text)
    except QueryError as exc:
        return str(exc)
    return None
