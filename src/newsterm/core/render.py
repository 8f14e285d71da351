"""Article bodies -> readable Markdown with numbered links. Pure: no textual, no rich.

HTML goes through a guarding pre-pass (size cap, nesting cap, scripts and styles
dropped, links resolved and numbered) and then html2text. Links become footnotes:
``link text[3]`` in the text and a final ``Links`` section listing ``[3] https://…``;
``RenderedArticle.links[2]`` is what the user's ``3o`` opens. Only http, https and
mailto links get a number; any other scheme is dropped to its text.
"""

from __future__ import annotations

import itertools
import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Literal
from urllib.parse import urljoin, urlsplit

from newsterm.core import commonmark
from newsterm.core.text import URL_MAX, clean_line, clean_text, clean_url

log = logging.getLogger(__name__)

INPUT_MAX = 1_000_000
"""Characters of a body rendered; the rest is cut with :data:`TRUNCATED_NOTE`."""
OUTPUT_MAX = 1_000_000
"""Characters of Markdown kept (before the link list)."""
TAGS_MAX = 50_000
"""Tags parsed per body; a body with more is cut there (as if truncated)."""
DEPTH_MAX = 32
"""Open elements deeper than this are dropped (their text is kept)."""
LINKS_MAX = 2_000
"""Links numbered per article; later ones keep their text only."""
WORDS_PER_MINUTE = 230
TRUNCATED_NOTE = "[… article truncated]"
LINKS_HEADING = "## Links"

_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
# A footnote marker travels through html2text as private-use characters, so nothing
# in the article's own text can be mistaken for one and html2text never escapes it;
# so do inline styles and the text's Markdown specials (see core/commonmark.py).
_MARK_OPEN, _MARK_CLOSE = commonmark.REF, commonmark.REF_END


@dataclass(frozen=True)
class RenderedArticle:
    """An article body made readable: Markdown text and the numbered links it cites."""

    markdown: str
    """Markdown-flavoured text; footnote refs ``[n]``, a final ``Links`` section."""
    links: tuple[str, ...]
    """The numbered links: ``links[n - 1]`` is footnote ``[n]``."""
    words: int
    """Words of readable text (link list and footnote refs not counted)."""


def render_body(
    content: str,
    content_type: Literal["html", "markdown", "text"],
    base_url: str | None = None,
) -> RenderedArticle:
    """Turn an article body into :class:`RenderedArticle`; never raises on bad input."""
    content = content or ""
    truncated = len(content) > INPUT_MAX
    if truncated:
        content = content[:INPUT_MAX]
    links = _Links(base_url)
    if content_type == "html":
        body, cut = _html_to_markdown(content, links)
        truncated = truncated or cut
    elif content_type == "markdown":
        body = _footnote_markdown(clean_text(content), links)
    else:
        body = _text_to_markdown(clean_text(content), links)
    body = _tidy(clean_text(body, OUTPUT_MAX * 2))
    if len(body) > OUTPUT_MAX:
        end = body.rfind("\n", 0, OUTPUT_MAX)
        body = body[: end if end > 0 else OUTPUT_MAX].rstrip()
        truncated = True
    if truncated:
        body = f"{body}\n\n{TRUNCATED_NOTE}" if body else TRUNCATED_NOTE
    words = word_count(_MARKER_REF.sub(" ", body))
    if links.urls:
        listing = "\n".join(
            f"[{n}] {commonmark.url_text(url)}" for n, url in enumerate(links.urls, 1)
        )
        body = "\n\n".join(part for part in (body, LINKS_HEADING, listing) if part)
    return RenderedArticle(clean_text(body, OUTPUT_MAX * 2), tuple(links.urls), words)


def escape_markdown(text: str) -> str:
    """Plain text (a title, a meta line) as Markdown that reads back as exactly it: for
    ``newsterm show``, whose title "2 * 3 = *six*" is no emphasis."""
    return commonmark.escape(text)


_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ALNUM = re.compile(r"[^\W_]")
_MARKER_REF = re.compile(r"\[\d+\]|\[image(?=[:\]])")


def word_count(text: str) -> int:
    """Whitespace-separated tokens holding a letter or digit; each CJK character counts."""
    cjk = len(_CJK.findall(text))
    if cjk:
        text = _CJK.sub(" ", text)
    return cjk + sum(1 for token in text.split() if _ALNUM.search(token))


def reading_minutes(words: int) -> int:
    """Minutes to read ``words`` at 230 words a minute, rounded, at least 1."""
    return max(1, (words + WORDS_PER_MINUTE // 2) // WORDS_PER_MINUTE)


# --- links -------------------------------------------------------------------


class _Links:
    """Resolves and numbers the links of one article; one number per distinct URL."""

    def __init__(self, base_url: str | None) -> None:
        self.base_url = base_url or None
        self.urls: list[str] = []
        self._numbers: dict[str, int] = {}

    def resolve(self, raw: str | None) -> str | None:
        """An absolute http/https/mailto URL, or None for anything else."""
        if not raw:
            return None
        url = re.sub(r"[\t\n\r]", "", raw.strip(" \t\n\r\f"))
        if not url or url.startswith("#"):  # in-page anchors lead nowhere new
            return None
        url = url.replace(" ", "%20")
        try:
            if self.base_url:
                url = urljoin(self.base_url, url)
            checked = clean_url(url)
            if checked is None:
                return None
            parts = urlsplit(checked)
        except ValueError:
            return None
        scheme = parts.scheme.lower()
        if scheme not in _LINK_SCHEMES or (scheme != "mailto" and not parts.netloc):
            return None
        if scheme == "mailto" and not parts.path:
            return None
        return checked

    def number(self, url: str) -> int | None:
        """The footnote number of ``url`` (new or existing); None past the cap."""
        number = self._numbers.get(url)
        if number is None and len(self.urls) < LINKS_MAX:
            self.urls.append(url)
            number = self._numbers[url] = len(self.urls)
        return number


# --- HTML ----------------------------------------------------------------------

# Elements whose content is never shown.
_SKIP = frozenset(
    {"script", "style", "noscript", "iframe", "template", "title", "svg", "select", "textarea"}
)
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
     "param", "source", "track", "wbr"}
)  # fmt: skip
# Elements passed to html2text (bare: no attributes but <ol start>), and renamings.
_KEEP = frozenset(
    {"h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "blockquote", "ul", "ol", "li", "dl",
     "dt", "dd", "pre", "q", "table", "tr", "td", "th"}
)  # fmt: skip
# Inline styles: markers for commonmark.finish(), never tags for html2text (it wrote
# "bold , and" and "foo _bar_" and read the article's own "*" as emphasis).
_INLINE = {
    **dict.fromkeys(("b", "strong"), "strong"),
    **dict.fromkeys(("i", "em", "var", "cite", "dfn"), "em"),
    **dict.fromkeys(("code", "kbd", "tt", "samp"), "code"),
    **dict.fromkeys(("del", "s", "strike"), "del"),
}
_INLINE_MARKS = {
    "strong": (commonmark.STRONG, commonmark.STRONG_END),
    "em": (commonmark.EM, commonmark.EM_END),
    "code": (commonmark.CODE, commonmark.CODE_END),
    "del": (commonmark.DEL, commonmark.DEL_END),
}
_SCRIPTS = frozenset({"sup", "sub"})
_AS_DIV = {
    tag: "<div>" if not tag.startswith("</") else "</div>"
    for tag in ("<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>", "<th>", "</th>")
}
_RENAME = {
    **dict.fromkeys(
        ("article", "section", "header", "footer", "main", "aside", "nav", "figure",
         "figcaption", "address", "details", "summary", "center", "fieldset", "legend",
         "form", "hgroup", "caption"),
        "div",
    ),
    "menu": "ul", "dir": "ul", "xmp": "pre", "listing": "pre", "plaintext": "pre",
}  # fmt: skip
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCK = frozenset(
    {"p", "div", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "pre", "table", "tr",
     "td", "th"}
) | _HEADINGS  # fmt: skip
# A start tag closes an open element of the first set found above any of the second
# (the HTML rules for unclosed <li>, <p>, <td> … in short).
_CLOSES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "li": (frozenset({"li"}), frozenset({"ul", "ol"})),
    "dt": (frozenset({"dt", "dd"}), frozenset({"dl"})),
    "dd": (frozenset({"dt", "dd"}), frozenset({"dl"})),
    "tr": (frozenset({"tr"}), frozenset({"table"})),
    "td": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "th": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
}
_P_CLOSERS = (frozenset({"p"}), _BLOCK - {"p"})
_H_CLOSERS = (frozenset({"p"}) | _HEADINGS, _BLOCK - {"p"} - _HEADINGS)
_CLOSE_SCAN = 16
_INT = re.compile(r"\s*-?\d{1,9}\s*")
_PIXEL = re.compile(r"\s*[01](?:px)?\s*")
_BAD_SECTION = re.compile(r"<!\[(?!CDATA\[)")
_LONE_LT = re.compile(r"<(?![A-Za-z/!?])")
_TAG_START = re.compile(r"<[A-Za-z/!?]")
# How html.parser finds the end of a comment and of a CDATA section.
_COMMENT_CLOSE = re.compile(r"--\s*>")
_CDATA_CLOSE = re.compile(r"\]\s*\]\s*>")


@dataclass(slots=True)
class _Open:
    name: str
    kept: bool
    url: str | None = None
    shown: int = 0
    role: str = ""
    """"style" (a marker, kept when written), "script" (sup/sub), "cell" (a kept
    td/th), "flat" (a table inside a cell or a list item: text only), or ""."""
    start: int = 0
    """Where in the output it starts (sup/sub, tables)."""
    cells: int = 0
    """Tables: cells of the row being read; widest row; the first row's, and where its
    ``</tr>`` is (padded to the widest row: a pipe table's first row counts them)."""
    widest: int = 0
    first_cells: int = 0
    first_end: int = -1


class _Prepass(HTMLParser):
    """Rewrites hostile HTML into small, shallow, attribute-free HTML for html2text."""

    def __init__(self, links: _Links) -> None:
        super().__init__(convert_charrefs=True)
        self.links = links
        self.out: list[str] = []
        self.stack: list[_Open] = []
        self.open_count: dict[str, int] = {}
        self.skip = 0
        self.shown = 0  # visible text pieces so far: did an <a> get any content?
        self.last_mark: int | None = None
        self.base_seen = False
        self.inline: list[_Open] = []  # styles whose marker was written, outermost first
        self.styled = True  # their markers are open (not while in <pre>)
        self.pre = 0  # kept <pre> open
        self.code = 0  # code spans open
        self.cells = 0  # kept table cells open
        self.flat = 0  # flattened tables open
        self.table: _Open | None = None  # the kept table open

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        if tag in _VOID:
            if tag == "base":
                self._base(dict(attrs).get("href"))
            elif tag == "img":
                self._image(dict(attrs))
            elif tag in ("br", "hr") and self.cells:
                self.out.append(" ")  # a pipe table's row is one line
            elif tag == "br" and self.pre:
                self.out.append("\n")  # (html2text wrote "  " before it, in the code)
            elif tag == "br":
                self._block_tag("<br>")
            elif tag == "hr":
                self._implicit_close(_P_CLOSERS)
                self._block_tag("<hr>")
            return
        if tag in _SCRIPTS:
            self._push(_Open(tag, False, role="script", start=len(self.out)))
            return
        style = _INLINE.get(tag)
        if style is not None:
            self._style(style)
            return
        name = "a" if tag == "a" else _RENAME.get(tag) or (tag if tag in _KEEP else None)
        if name is None:
            return
        if name == "a":
            if self.open_count.get("a"):
                self._pop_to("a")
            url = self.links.resolve(dict(attrs).get("href"))
            self._push(_Open("a", False, url, self.shown))
            return
        if name in _CLOSES:
            self._implicit_close(_CLOSES[name])
        elif name in _HEADINGS:
            self._implicit_close(_H_CLOSERS)
        elif name in _BLOCK:
            self._implicit_close(_P_CLOSERS)
        kept = len(self.stack) < DEPTH_MAX
        entry = _Open(name, kept)
        if kept and self.cells:
            # A pipe table's row is one line: blocks in a cell are only spaces.
            entry.kept = kept = False
        elif kept and self.flat and name in ("tr", "td", "th"):
            entry.kept = kept = False  # a flattened table's rows are lines of text
        if name == "table" and kept and self.open_count.get("li"):
            entry.kept = kept = False  # html2text cannot indent a table in a list
        if name == "table" and not kept:
            entry.role = "flat"
            self.flat += 1
        if kept:
            start = dict(attrs).get("start") if name == "ol" else None
            if name == "pre":
                self.pre += 1
            self._table_start(entry, len(self.out))
            if start and _INT.fullmatch(start):
                self._block_tag(f'<ol start="{int(start)}">')
            else:
                self._block_tag(f"<{name}>")
        elif name in _BLOCK:
            self.out.append(" ")
        self._push(entry)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        name = "a" if tag == "a" else _RENAME.get(tag) or (tag if tag in _KEEP else None)
        name = _INLINE.get(tag, tag if tag in _SCRIPTS else name)
        if name is not None and self.open_count.get(name):
            self._pop_to(name)

    def handle_data(self, data: str) -> None:
        if self.skip or not data:
            return
        data = commonmark.strip_private(data)
        if self.pre or self.code:
            # (in a table cell a "|" splits the row even in code: escaped, as GFM says)
            self.out.append(commonmark.literal(data, escape_pipe=bool(self.cells)))
        else:
            self.out.append(commonmark.stand_in(data))
        if not data.isspace():
            self.shown += 1
            self.last_mark = None

    def finish(self) -> str:
        self.close()
        while self.stack:
            self._close(self.stack.pop())
        return "".join(self.out)

    def _base(self, href: str | None) -> None:
        """The first ``<base href>`` of a saved page sets where its links are relative to."""
        if not self.base_seen:
            self.base_seen = True
            url = self.links.resolve(href)
            if url and not url.startswith("mailto:"):
                self.links.base_url = url

    def _image(self, attrs: dict[str, str | None]) -> None:
        if any(_PIXEL.fullmatch(attrs.get(k) or "x") for k in ("width", "height")):
            return  # a tracking pixel
        alt = clean_line(attrs.get("alt") or attrs.get("title") or "", 200)
        self.out.append(commonmark.IMAGE)
        self.handle_data(alt)
        self.out.append(commonmark.IMAGE_END)
        self.shown += 1  # a placeholder is something shown
        self.last_mark = None
        url = self.links.resolve(attrs.get("src")) or self.links.resolve(attrs.get("data-src"))
        if url:
            self._mark(url)

    def _mark(self, url: str) -> None:
        number = self.links.number(url)
        if number is not None and number != self.last_mark:
            self.out.append(f"{_MARK_OPEN}{number}{_MARK_CLOSE}")
            self.last_mark = number

    def _push(self, entry: _Open) -> None:
        self.stack.append(entry)
        self.open_count[entry.name] = self.open_count.get(entry.name, 0) + 1

    def _pop_to(self, name: str) -> None:
        while self.stack:
            entry = self.stack.pop()
            self.open_count[entry.name] -= 1
            self._close(entry)
            if entry.name == name:
                return

    def _close(self, entry: _Open) -> None:
        if entry.role == "style":
            self._style_end(entry)
        elif entry.role == "script":
            self._script(entry)
        elif entry.name == "a":
            if entry.url and self.shown > entry.shown:
                self._mark(entry.url)
        elif entry.kept:
            if entry.name == "pre":
                self.pre -= 1
            elif entry.role == "cell":
                self.cells -= 1
                if self.shown == entry.shown:
                    self.out.append(commonmark.EMPTY_CELL)
            elif entry.name == "tr" and self.table is not None:
                self._row_end(self.table)
            self._block_tag(f"</{entry.name}>")
            if entry.name == "table" and entry is self.table:
                self._table_end(entry)
        elif entry.name == "tr" and self.flat and not self.cells:
            self._block_tag("<br>")
        elif entry.name in _BLOCK:
            self.out.append(" ")
            if entry.role == "flat":
                self.flat -= 1

    # inline styles, sup and sub

    def _style(self, name: str) -> None:
        entry = _Open(name, False, role="style")
        # none in code, none inside one of its own kind
        if not (self.pre or self.code or self.open_count.get(name)):
            entry.kept = True
            if self.styled:
                self.out.append(_INLINE_MARKS[name][0])
            self.inline.append(entry)
            if name == "code":
                self.code += 1
        self._push(entry)

    def _style_end(self, entry: _Open) -> None:
        if not entry.kept:
            return
        if self.styled:
            self.out.append(_INLINE_MARKS[entry.name][1])
        if self.inline and self.inline[-1] is entry:
            self.inline.pop()
        elif entry in self.inline:
            self.inline.remove(entry)
        if entry.name == "code":
            self.code -= 1

    def _block_tag(self, tag: str) -> None:
        """A block boundary: the styles open around it end before it, start again after
        (not in ``<pre>``), so none spans two blocks or lines."""
        if self.styled:
            self.out.extend(_INLINE_MARKS[entry.name][1] for entry in reversed(self.inline))
        self.out.append(tag)
        self.styled = not self.pre
        if self.styled:
            self.out.extend(_INLINE_MARKS[entry.name][0] for entry in self.inline)

    def _script(self, entry: _Open) -> None:
        """``<sup>``/``<sub>`` as text of its own: ``2⁴``, ``x^(n+1)``, ``H₂O``."""
        pieces = [commonmark.unstyled(piece) for piece in self.out[entry.start :]]
        text = [piece for piece in pieces if commonmark.is_text(piece)]
        refs = [piece for piece in pieces if commonmark.is_ref(piece)]
        if len(text) + len(refs) == len(pieces):
            shown = commonmark.script(commonmark.plain("".join(text)), entry.name == "sup")
            made = (
                commonmark.literal(shown) if self.pre or self.code else commonmark.stand_in(shown)
            )
            self.out[entry.start :] = [made, *refs] if made else refs
        else:  # markup inside: marked and bracketed as it is
            mark = commonmark.stand_in("^(" if entry.name == "sup" else "_(")
            self.out.insert(entry.start, mark)
            self.out.append(commonmark.stand_in(")"))

    # tables: a pipe table as html2text writes it must read back as one

    def _table_start(self, entry: _Open, start: int) -> None:
        if entry.name == "table" and self.table is None:
            entry.start = start
            self.table = entry
        elif entry.name == "tr" and self.table is not None:
            # (cells outside any row went on the row before: html2text writes them so)
            self.table.widest = max(self.table.widest, self.table.cells)
            self.table.cells = 0
        elif entry.name in ("td", "th"):
            entry.role, entry.shown = "cell", self.shown
            self.cells += 1
            if self.table is not None:
                self.table.cells += 1

    def _row_end(self, table: _Open) -> None:
        if table.first_end < 0:
            table.first_end = len(self.out)
            table.first_cells = table.cells
        table.widest = max(table.widest, table.cells)

    def _table_end(self, table: _Open) -> None:
        self.table = None
        if table.first_end < 0 and table.cells:
            table.first_cells = table.cells
        table.widest = max(table.widest, table.cells)
        if table.widest <= 1:  # "a\n---\nb" would be a heading: rows as lines
            self.out[table.start :] = [
                _AS_DIV.get(piece, piece) for piece in self.out[table.start :]
            ]
        elif table.widest > table.first_cells >= 1 and table.first_end >= 0:
            cell = f"<td>{commonmark.EMPTY_CELL}</td>"
            self.out.insert(table.first_end, cell * (table.widest - table.first_cells))

    def _implicit_close(self, rule: tuple[frozenset[str], frozenset[str]]) -> None:
        closes, boundary = rule
        if not any(self.open_count.get(name) for name in closes):
            return
        for entry in reversed(self.stack[-_CLOSE_SCAN:]):
            if entry.name in closes:
                self._pop_to(entry.name)
                return
            if entry.name in boundary:
                return


def _html_to_markdown(content: str, links: _Links) -> tuple[str, bool]:
    """HTML -> Markdown with footnote refs; True when the body was cut at TAGS_MAX."""
    too_many = next(itertools.islice(_TAG_START.finditer(content), TAGS_MAX, None), None)
    if too_many is not None:
        content = content[: too_many.start()]
    # A "<" that cannot start a tag is text: html.parser would take it one at a time.
    content = escape_unclosed(_LONE_LT.sub("&lt;", _BAD_SECTION.sub("&lt;![", content)))
    prepass = _Prepass(links)
    note = ""
    try:
        prepass.feed(content)
    except AssertionError as error:  # html.parser gives up on some malformed markup
        log.warning("HTML parser stopped early: %s", error)
        note = "\n\n[… the rest of the article could not be read]"
    cleaned = prepass.finish()

    import html2text  # imported at first use: it is not needed to paint the app

    converter = html2text.HTML2Text(bodywidth=0)
    converter.unicode_snob = True
    converter.ignore_links = True
    converter.ignore_images = True
    markdown = commonmark.finish(converter.handle(cleaned))
    return markdown + note, too_many is not None


def escape_unclosed(content: str) -> str:
    """Tags, comments and CDATA sections that never end, with their ``<`` as ``&lt;``.

    html.parser shows those as text anyway, but it first scans to the end of the body
    again for each one: quadratic for comments (40,000 ``<!--`` took 26 s), far worse for
    start tags (40,000 ``<a `` took 4 minutes). Escaping them keeps the scan linear.
    """
    end = content.rfind(">") + 1
    if "<" in content[end:]:
        content = content[:end] + content[end:].replace("<", "&lt;")
    for opener, closer in (("<!--", _COMMENT_CLOSE), ("<![CDATA[", _CDATA_CLOSE)):
        start = content.find(opener)
        if start == -1:
            continue
        last = None
        for last in closer.finditer(content, start):  # noqa: B007 - the last one is wanted
            pass
        cut = last.end() if last is not None else start
        if opener in content[cut:]:
            content = content[:cut] + content[cut:].replace(opener, "&lt;" + opener[1:])
    return content


# --- Markdown and text -------------------------------------------------------

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_TEXT = r"(?P<text>(?:[^\[\]]|\[[^\[\]]*\])*)"  # may span lines, one bracket level
_DEST = (
    r"\s*(?:<(?P<angle>[^<>\n]*)>|(?P<bare>[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*))"
    r"(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?\s*"
)
_MD_LINK = re.compile(
    rf"(?<!\\)(?P<bang>!?)\[{_TEXT}\](?:\({_DEST}\)|\[(?P<label>[^\[\]\n]*)\])"
    r"|<(?P<auto>(?:https?|mailto):[^\s<>]+)>",
    re.IGNORECASE,
)
_MD_REFDEF = re.compile(
    r"^ {0,3}\[(?P<label>[^\[\]\n]{1,999})\]:[ \t]*<?(?P<url>[^\s<>]+)>?"
    r"(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?[ \t]*$"
)
_BARE_URL = re.compile(r"\bhttps?://[^\s<>\"]+", re.IGNORECASE)
_BLANKS = re.compile(r"\n{3,}")


def _footnote_markdown(content: str, links: _Links) -> str:
    """Inline, reference and auto links of Markdown -> ``text[n]`` (code fences kept)."""
    chunks: list[tuple[bool, list[str]]] = []  # (is code, lines)
    references: dict[str, str] = {}
    fence: str | None = None
    for line in content.split("\n"):
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
        elif fence is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
        elif (ref := _MD_REFDEF.match(line)) is not None:
            references.setdefault(_label(ref.group("label")), ref.group("url"))
            continue
        in_code = fence is not None or bool(match)
        if not chunks or chunks[-1][0] != in_code:
            chunks.append((in_code, []))
        chunks[-1][1].append(line)

    def replace(match: re.Match[str]) -> str:
        if match.group("auto"):
            return _with_mark(match.group("auto"), match.group("auto"))
        text = _MD_LINK.sub(replace, match.group("text"))
        if match.group("label") is not None:
            url = references.get(_label(match.group("label") or match.group("text")))
            if url is None:
                return match.group(0)
        else:
            url = match.group("angle") if match.group("angle") is not None else match.group("bare")
        if match.group("bang"):
            alt = clean_line(match.group("text"), 200)
            text = f"[image: {alt}]" if alt else "[image]"
        return _with_mark(text, url)

    def _with_mark(text: str, raw_url: str) -> str:
        url = links.resolve(raw_url)
        number = links.number(url) if url else None
        return text if number is None else f"{text}[{number}]"

    return "\n".join(
        "\n".join(lines) if code else _MD_LINK.sub(replace, "\n".join(lines))
        for code, lines in chunks
    )


def _label(label: str) -> str:
    return " ".join(label.split()).casefold()


def _text_to_markdown(content: str, links: _Links) -> str:
    """Plain text: paragraphs as they are, line breaks kept, bare URLs numbered; the
    text escaped (its ``*`` and ``#`` are text, its leading spaces no code block)."""

    def replace(match: re.Match[str]) -> str:
        raw = match.group(0)
        url = raw.rstrip(".,;:!?'\"")
        if len(url) > URL_MAX:
            return raw
        while url.endswith((")", "]")) and url.count(url[-1]) > url.count("(["[url[-1] == "]"]):
            url = url[:-1]
        resolved = links.resolve(url)
        number = links.number(resolved) if resolved else None
        if number is None:
            return raw
        return f"{url}{_MARK_OPEN}{number}{_MARK_CLOSE}{raw[len(url) :]}"

    content = _BARE_URL.sub(replace, commonmark.strip_private(content))
    lines = [commonmark.stand_in(line.strip()) for line in content.split("\n")]
    out: list[str] = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        out.append(f"{line}  " if line and following else line)
    return commonmark.finish("\n".join(out))


def _tidy(markdown: str) -> str:
    """Blank-only lines emptied, runs of blank lines collapsed, hard breaks kept only
    where a line follows, no blank lines at either end."""
    lines = markdown.split("\n")
    out: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.rstrip()
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if stripped and line.endswith("  ") and following.strip():
            stripped += "  "
        out.append(stripped)
    return _BLANKS.sub("\n\n", "\n".join(out)).strip("\n")
