"""Markdown that a CommonMark parser reads back as meant. Pure: no textual, no rich.

html2text writes the blocks of an article (headings, lists, quotes, code, tables); what
it would get wrong is kept away from it. The pre-pass (``prepass.Prepass``) hands it the
article's text with every character Markdown could read as syntax replaced by a
private-use *stand-in*, and inline styles as private-use *markers* instead of tags.
:func:`finish` then writes the stand-ins back, backslash-escaped where CommonMark would
otherwise read them (a ``*`` always, a ``#`` or ``1.`` only at the start of a line, a
``_`` only where it could open emphasis …), and turns the markers into ``**strong**``,
``_em_``, `` `code` `` and ``~~struck~~`` whose delimiters CommonMark accepts: no space
inside them (html2text added one before punctuation: "bold , and"), a ``_`` only where
it may stand, and no style at all where none could be written (the text stays).

Text inside ``<pre>`` and ``<code>`` uses *literal* stand-ins: written back as they are.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

SPECIALS = "\\`*_[]<>&|~#+-=.)("
"""ASCII characters of the text that may be read as Markdown syntax somewhere."""
_ESCAPED = "".join(chr(0xE100 + i) for i in range(len(SPECIALS)))
_LITERAL = "".join(chr(0xE140 + i) for i in range(len(SPECIALS)))
_S = dict(zip(SPECIALS, _ESCAPED, strict=True))  # a special's escaped stand-in
_L = dict(zip(SPECIALS, _LITERAL, strict=True))  # and its literal one

STRONG, STRONG_END = "\ue180", "\ue181"
EM, EM_END = "\ue182", "\ue183"
CODE, CODE_END = "\ue184", "\ue185"
DEL, DEL_END = "\ue186", "\ue187"
IMAGE, IMAGE_END = "\ue188", "\ue189"
"""An image placeholder: ``IMAGE alt IMAGE_END`` becomes ``[image: alt]``."""
EMPTY_CELL = "\ue18a"
"""A table cell with nothing in it (a pipe table's first or last cell needs a pipe)."""
REF, REF_END = "\ue000", "\ue001"
"""A footnote ref: ``REF 3 REF_END`` becomes ``[3]``."""
OPENERS = {STRONG: STRONG_END, EM: EM_END, CODE: CODE_END, DEL: DEL_END}
CLOSERS = {end: start for start, end in OPENERS.items()}
_MARKERS = "".join(OPENERS) + "".join(CLOSERS)
_DELIMITER = {STRONG: "**", DEL: "~~"}


def _replacer(pairs: dict[str, str]) -> Callable[[str], str]:
    """A function replacing each key of ``pairs`` by its value: one ``str.replace``
    per key present, 30-100x quicker than ``str.translate`` to non-ASCII here."""
    items = tuple(pairs.items())

    def replace(text: str) -> str:
        for old, new in items:
            if old in text:
                text = text.replace(old, new)
        return text

    return replace


stand_in = _replacer(_S)
"""Article text with its Markdown specials as stand-ins (to be escaped)."""
_to_literal = _replacer(_L)
_to_literal_pipe = _replacer(_L | {"|": _S["|"]})
_from_literal = _replacer({v: k for k, v in _L.items()})
_from_escaped = _replacer({v: k for k, v in _S.items()})
# what finish() writes for a stand-in once those needing a look around are done
_always = _replacer({_S[c]: "\\" + c for c in "\\`*|"} | {_S[c]: c for c in "[]<>&~#+-=._)("})

_PRIVATE = re.compile("[\ue000-\ue1ff]")


def strip_private(text: str) -> str:
    """``text`` without the private-use characters this module gives a meaning to."""
    return _PRIVATE.sub("", text) if _PRIVATE.search(text) else text


def literal(text: str, *, escape_pipe: bool = False) -> str:
    """Code text with its Markdown specials as literal stand-ins (never escaped), but
    ``|`` when ``escape_pipe`` (in a table cell a ``|`` splits the row even in code)."""
    return _to_literal_pipe(text) if escape_pipe else _to_literal(text)


def plain(text: str) -> str:
    """Stand-ins of either kind back to the characters they stand for."""
    return _from_escaped(_from_literal(text))


_NOT_TEXT = re.compile("[<\ue000-\ue0ff\ue180-\ue1ff]")
_STYLE_MARKS = re.compile(f"[{_MARKERS}]")


def is_text(piece: str) -> bool:
    """Whether a piece of the pre-pass's output is text only (no tag, no marker)."""
    return _NOT_TEXT.search(piece) is None


def is_ref(piece: str) -> bool:
    """Whether a piece of the pre-pass's output is one footnote ref."""
    return piece.startswith(REF) and piece.endswith(REF_END)


def unstyled(piece: str) -> str:
    """A piece of the pre-pass's output without style markers."""
    return _STYLE_MARKS.sub("", piece) if _STYLE_MARKS.search(piece) else piece


def escape(text: str) -> str:
    """Plain text -> Markdown a CommonMark parser reads back as exactly that text."""
    return finish(stand_in(strip_private(text)))


_AUTOLINK = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>\x00-\x1f\x7f]*")
_URL_SPECIALS = re.compile(r"[\\`*_\[\]<&|~]")


def url_text(url: str) -> str:
    """A URL standing alone in Markdown: as it is when nothing in it needs escaping,
    else as an autolink ``<url>`` (copied whole; backslashes would break it)."""
    if _URL_SPECIALS.search(url) is None and _AUTOLINK.fullmatch(url):
        return url
    escaped = escape(url)
    if escaped == url or not _AUTOLINK.fullmatch(url):
        return escaped
    return f"<{url}>"


# --- super- and subscripts -------------------------------------------------------

_SUP = str.maketrans(
    "0123456789+-=()abcdefghijklmnoprstuvwxyz", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"
)
_SUB = str.maketrans("0123456789+-=()aeoxhklmnpst", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜ")
# (a superscript inside a superscript: 2<sup>2<sup>n</sup></sup> is 2²ⁿ)
_SUP_CHARS = frozenset(
    "0123456789+-=()abcdefghijklmnoprstuvwxyz⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"
)
_SUB_CHARS = frozenset("0123456789+-=()aeoxhklmnpst₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜ")
_BARE = re.compile(r"[^\W_]+|\[[^\[\]\s]*\]|\([^()\s]*\)")


def script(text: str, sup: bool) -> str:
    """The readable form of ``<sup>text</sup>`` (``sup``) or ``<sub>text</sub>``:
    Unicode super/subscripts when every character has one (``2⁴``, ``H₂O``), else
    ``^st``/``_max`` for a word (or ``^[2]``), ``^(1/2)`` for anything longer."""
    if not text.strip():
        return " " if text else ""
    text = " ".join(text.split())
    chars = _SUP_CHARS if sup else _SUB_CHARS
    if all(char in chars for char in text):
        return text.translate(_SUP if sup else _SUB)
    mark = "^" if sup else "_"
    return f"{mark}{text}" if _BARE.fullmatch(text) else f"{mark}({text})"


# --- writing it back -------------------------------------------------------------------

# What html2text writes at the start of a line before the text: quote marks, list
# markers, heading marks (a character of the text is a stand-in, never one of these).
_PREFIX = r"[ >]*(?:(?:[*+-]|\d{1,9}[.)])(?: +|$))?(?:#{1,6}(?: +|$))?"
_MARKS = f"[{_MARKERS}{REF}{IMAGE}]*"
_LINE_START = re.compile(
    f"^({_PREFIX}{_MARKS})([{_S['#']}{_S['>']}{_S['-']}{_S['+']}{_S['=']}{_S['[']}])",
    re.MULTILINE,
)
# A "[" or "]" of the text is escaped only where it would be read otherwise: "[3]" and
# "[image…" (what the pane draws as a footnote ref or an image), "](" (a link) and a
# "[" starting a line (a link reference definition); "[bold]" stays as it is.
_BRACKET = re.compile(f"{_S['[']}(?=\\d{{1,5}}{_S[']']}|image)|{_S[']']}(?={_S['(']})")
_LINE_NUMBER = re.compile(
    f"^({_PREFIX}{_MARKS}\\d{{1,9}})([{_S['.']}{_S[')']}])(?=[ \\t]|$)", re.MULTILINE
)
# "[3](x)" and "[image: y](x)" would be links: a "(" of the text right after is escaped
_PAREN_AFTER = re.compile(f"(?<=[{REF_END}{IMAGE_END}]){_S['(']}")
_LT = re.compile(f"{_S['<']}(?=[A-Za-z/?!])")
_AMP = re.compile(f"{_S['&']}(?=(?:{_S['#']}[xX]?[0-9A-Fa-f]{{1,8}}|[A-Za-z][A-Za-z0-9]{{0,31}});)")
_TILDE = re.compile(
    f"{_S['~']}(?=[~{_S['~']}{DEL}{DEL_END}])|(?<=[~{_S['~']}{DEL}{DEL_END}]){_S['~']}"
)
_UNDERSCORE = re.compile(_S["_"])
_HAS_MARKER = re.compile(f"[{_MARKERS}]")
_EMPTY_FIRST = re.compile(f"^([ >]*){EMPTY_CELL}", re.MULTILINE)
_EMPTY_LAST = re.compile(f"{EMPTY_CELL}([ \t]*)$", re.MULTILINE)
_IMAGE_RE = re.compile(f"{IMAGE}([^{IMAGE_END}\n]*){IMAGE_END}")
_REF_RE = re.compile(f"{REF}(\\d+){REF_END}")
_TOKENS = re.compile(f"({REF}\\d+{REF_END}|[{_MARKERS}])")
_SPACE = r"[^\S\n]"
_OPEN_SPACE = re.compile(f"({_SPACE}*)([{''.join(OPENERS)}])({_SPACE}+)")
_SPACE_CLOSE = re.compile(f"({_SPACE}+)([{''.join(CLOSERS)}])({_SPACE}*)")
_EMPTY = re.compile("|".join(f"{o}{c}" for o, c in OPENERS.items()))
_ADJACENT = re.compile("|".join(f"{c}{o}" for o, c in OPENERS.items()))


def _is_space(char: str) -> bool:
    return char.isspace()


def _is_punct(char: str) -> bool:
    """CommonMark's punctuation (ASCII punctuation, Unicode P and S), and our markers
    and stand-ins (each becomes punctuation)."""
    if char.isascii():
        return not char.isalnum() and not char.isspace() and char.isprintable()
    if "\ue000" <= char <= "\ue1ff":
        return True
    return unicodedata.category(char)[0] in "PS"


def _underscore(match: re.Match[str]) -> str:
    """A ``_`` that could open emphasis is escaped (one that can only close has nothing
    to close: the ``_`` before it were escaped, our own ``_em_`` avoids it)."""
    text, start = match.string, match.start()
    before = text[start - 1] if start else "\n"
    after = text[start + 1] if start + 1 < len(text) else "\n"
    if not _is_space(after) and (_is_space(before) or _is_punct(before)):
        return "\\_"
    return "_"


_WIDE_NUMBER = re.compile(r"^ *\d{2,9}[.)] ", re.MULTILINE)
_ITEM = re.compile(r"( *)([*+-]|\d{1,9}[.)])( |$)")


def _renest(markdown: str) -> str:
    """What is inside a list item numbered 10 and up, indented as far as its text.

    html2text indents what an item holds (a nested list, code) as if every "N. " were
    3 wide: CommonMark then reads a list nested in item "10. " as more of its text."""
    out: list[str] = []
    frames: list[tuple[int, int]] = []  # (html2text's indent of an item, shift inside it)
    for line in markdown.split("\n"):
        stripped = line.lstrip(" ")
        if not stripped:
            out.append(line)
            continue
        indent = len(line) - len(stripped)
        while frames and frames[-1][0] >= indent:
            frames.pop()
        if indent == 0:
            frames.clear()
        shift = frames[-1][1] if frames else 0
        item = _ITEM.match(line)
        if item is not None:
            marker = item.group(2)
            assumed = 3 if marker[0].isdigit() else 2
            frames.append((indent, shift + max(0, len(marker) + 1 - assumed)))
        out.append(" " * shift + line if shift else line)
    return "\n".join(out)


def finish(markdown: str) -> str:
    """html2text's output (stand-ins, markers) -> CommonMark that reads back as meant."""
    if _WIDE_NUMBER.search(markdown):
        markdown = _renest(markdown)
    markdown = _LINE_START.sub(lambda m: f"{m.group(1)}\\{plain(m.group(2))}", markdown)
    markdown = _LINE_NUMBER.sub(lambda m: f"{m.group(1)}\\{plain(m.group(2))}", markdown)
    markdown = _PAREN_AFTER.sub("\\\\(", markdown)
    markdown = _BRACKET.sub(lambda m: "\\" + plain(m.group()), markdown)
    markdown = _LT.sub("\\\\<", markdown)
    markdown = _AMP.sub("\\\\&", markdown)
    markdown = _TILDE.sub("\\\\~", markdown)
    if _S["_"] in markdown:
        markdown = _UNDERSCORE.sub(_underscore, markdown)
    markdown = _always(markdown)
    if IMAGE in markdown:
        markdown = _IMAGE_RE.sub(
            lambda m: f"[image: {m.group(1)}]" if m.group(1) else "[image]", markdown
        )
    if EMPTY_CELL in markdown:
        markdown = _EMPTY_FIRST.sub(r"\1| ", markdown)
        markdown = _EMPTY_LAST.sub(r" |\1", markdown).replace(EMPTY_CELL, "")
    if _HAS_MARKER.search(markdown):
        markdown = "\n".join(
            _styles(_tidy_markers(line)) if _HAS_MARKER.search(line) else line
            for line in markdown.split("\n")
        )
    if REF in markdown:
        markdown = _REF_RE.sub(r"[\1]", markdown)
    return _from_literal(markdown)


def _tidy_markers(line: str) -> str:
    """Spaces moved out of styles, empty styles dropped, touching ones joined."""
    while True:
        before = line
        line = _OPEN_SPACE.sub(lambda m: (m.group(1) or m.group(3)) + m.group(2), line)
        line = _SPACE_CLOSE.sub(lambda m: m.group(2) + (m.group(3) or m.group(1)), line)
        line = _EMPTY.sub("", line)
        line = _ADJACENT.sub("", line)
        if line == before:
            return line


def _code_span(code: str) -> str:
    """``code`` as a code span: a fence longer than any backtick run in it."""
    longest = max((len(run) for run in re.findall("`+", code)), default=0)
    fence = "`" * (longest + 1)
    if code.startswith("`") or code.endswith("`") or (code[0] == code[-1] == " " and code.strip()):
        code = f" {code} "
    return f"{fence}{code}{fence}"


class _Frame:
    __slots__ = ("kind", "index", "refs")

    def __init__(self, kind: str, index: int) -> None:
        self.kind = kind
        self.index = index
        self.refs: list[str] = []


def _styles(line: str) -> str:
    """One line's style markers -> delimiters CommonMark reads as those styles."""
    pieces = _TOKENS.split(line)
    out: list[str] = []
    stack: list[_Frame] = []
    for position, piece in enumerate(pieces):
        if not piece:
            continue
        if piece in OPENERS:
            stack.append(_Frame(piece, len(out)))
            out.append("")
        elif piece in CLOSERS:
            if not stack or stack[-1].kind != CLOSERS[piece]:
                continue  # never made by the pre-pass; dropped
            frame = stack.pop()
            content = "".join(out[frame.index + 1 :])
            del out[frame.index :]
            if frame.kind == CODE:
                if content:
                    out.append(_code_span(_from_literal(content)))
                out.extend(frame.refs)
                continue
            out.append(
                _delimited(frame.kind, content, _last_char(out), _next_char(pieces, position))
            )
        elif piece[0] == REF:  # written at the end; after the code span it is in
            code = next((frame for frame in stack if frame.kind == CODE), None)
            (code.refs if code is not None else out).append(piece)
        else:
            out.append(piece)
    for frame in reversed(stack):  # never closed on this line: no style
        del out[frame.index]
    return "".join(out)


def _last_char(out: list[str]) -> str:
    for piece in reversed(out):
        if piece:
            return piece[-1]
    return " "


def _next_char(pieces: list[str], position: int) -> str:
    for piece in pieces[position + 1 :]:
        if piece:
            return piece[0]
    return " "


def _delimited(kind: str, content: str, before: str, after: str) -> str:
    """``content`` between the delimiters of ``kind``, or bare when CommonMark would not
    read them as delimiters there."""
    if not content:
        return ""
    first, last = content[0], content[-1]
    open_ok = not _is_space(first) and (
        not _is_punct(first) or _is_space(before) or _is_punct(before)
    )
    close_ok = not _is_space(last) and (not _is_punct(last) or _is_space(after) or _is_punct(after))
    if not (open_ok and close_ok):
        return content
    if kind == EM:
        outside = (_is_space(before) or _is_punct(before)) and (
            _is_space(after) or _is_punct(after)
        )
        mark = "_" if outside and "_" not in content else "*"
    else:
        mark = _DELIMITER[kind]
    return f"{mark}{content}{mark}"
