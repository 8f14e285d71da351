"""Article bodies -> readable Markdown with numbered links. Pure: no textual, no rich.

HTML goes through a guarding pre-pass (:mod:`newsterm.core.htmltext`: size cap,
nesting cap, scripts and styles dropped, links resolved and numbered) and then
html2text. Links become footnotes: ``link text[3]`` in the text and a final ``Links``
section listing ``[3] https://…``; ``RenderedArticle.links[2]`` is what the user's
``3o`` opens. Only the links :func:`newsterm.core.urls.resolve` keeps (http, https,
mailto) get a number; any other is dropped to its text.

The reading time counts the words of :func:`newsterm.core.bodies.plain_text`, the
text the store counts for the list's "Nm", so the two always agree.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Literal

from newsterm.core import commonmark
from newsterm.core.bodies import plain_text
from newsterm.core.htmltext import DEPTH_MAX
from newsterm.core.prepass import clean_html
from newsterm.core.text import URL_MAX, clean_line, clean_text, word_count
from newsterm.core.urls import resolve

__all__ = [
    "DEPTH_MAX",
    "escape_markdown",
    "INPUT_MAX",
    "LINKS_HEADING",
    "LINKS_MAX",
    "OUTPUT_MAX",
    "TAGS_MAX",
    "TRUNCATED_NOTE",
    "WORDS_PER_MINUTE",
    "RenderedArticle",
    "reading_minutes",
    "render_body",
    "word_count",
]

INPUT_MAX = 1_000_000
"""Characters of a body rendered; the rest is cut with :data:`TRUNCATED_NOTE`."""
OUTPUT_MAX = 1_000_000
"""Characters of Markdown kept (before the link list)."""
TAGS_MAX = 50_000
"""Tags parsed per body; a body with more is cut there (as if truncated)."""
LINKS_MAX = 2_000
"""Links numbered per article; later ones keep their text only."""
WORDS_PER_MINUTE = 230
TRUNCATED_NOTE = "[… article truncated]"
LINKS_HEADING = "## Links"

_MARK_OPEN, _MARK_CLOSE = commonmark.REF, commonmark.REF_END
_TAG_START = re.compile(r"<[A-Za-z/!?]")


@dataclass(frozen=True)
class RenderedArticle:
    """An article body made readable: Markdown text and the numbered links it cites."""

    markdown: str
    """Markdown-flavoured text; footnote refs ``[n]``, a final ``Links`` section."""
    links: tuple[str, ...]
    """The numbered links: ``links[n - 1]`` is footnote ``[n]``."""
    words: int
    """Words of the body's text (:func:`~newsterm.core.text.word_count` of
    :func:`~newsterm.core.bodies.plain_text`): the same number the store keeps."""


def render_body(
    content: str,
    content_type: Literal["html", "markdown", "text"],
    base_url: str | None = None,
) -> RenderedArticle:
    """Turn an article body into :class:`RenderedArticle`; never raises on bad input."""
    content = content or ""
    words = word_count(plain_text(content, content_type))
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


def reading_minutes(words: int) -> int:
    """Minutes to read ``words`` at 230 words a minute, rounded, at least 1."""
    return max(1, (words + WORDS_PER_MINUTE // 2) // WORDS_PER_MINUTE)


class _Links:
    """Resolves and numbers the links of one article; one number per distinct URL."""

    def __init__(self, base_url: str | None) -> None:
        self.base_url = base_url or None
        self.urls: list[str] = []
        self._numbers: dict[str, int] = {}

    def resolve(self, raw: str | None) -> str | None:
        """An absolute http/https/mailto URL (an ``href`` read as browsers do), or None."""
        return resolve(raw, self.base_url, html=True)

    def number(self, url: str) -> int | None:
        """The footnote number of ``url`` (new or existing); None past the cap."""
        number = self._numbers.get(url)
        if number is None and len(self.urls) < LINKS_MAX:
            self.urls.append(url)
            number = self._numbers[url] = len(self.urls)
        return number


# --- HTML ----------------------------------------------------------------------------


def _html_to_markdown(content: str, links: _Links) -> tuple[str, bool]:
    """HTML -> Markdown with footnote refs; True when the body was cut at TAGS_MAX."""
    too_many = next(itertools.islice(_TAG_START.finditer(content), TAGS_MAX, None), None)
    if too_many is not None:
        content = content[: too_many.start()]
    cleaned, stopped = clean_html(content, links)
    note = "\n\n[… the rest of the article could not be read]" if stopped else ""

    import html2text  # imported at first use: it is not needed to paint the app

    converter = html2text.HTML2Text(bodywidth=0)
    converter.unicode_snob = True
    converter.ignore_links = True
    converter.ignore_images = True
    markdown = commonmark.finish(converter.handle(cleaned))
    return markdown + note, too_many is not None


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
