"""Local article files: ``.txt`` (scraped-page format), ``.md``, ``.html``/``.htm``.

A ``.txt`` file looks like a saved news page::

    Home » Technology » Mobiles » <title>

    <title>

    <paragraph>
    <short line without final punctuation = a subheading>
    <paragraph>

The breadcrumb gives the section (``Technology/Mobiles``, "Home" dropped) and the
title; the repeated title line is dropped. Without a breadcrumb the first non-empty
line is the title and the ``[[local]]`` section (else the folder name) is the section.
The article's id is its path relative to the folder, so read state sticks.

An ``.html`` page shows its article, not the whole page: :func:`read_article` is given
the library's extractor (worker processes, :mod:`newsterm.core.refresh.extractor`),
which finds the article and its title, byline and date; a page without one is shown
whole, with a note saying so.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from newsterm.core.models import Article, ArticleKey, SectionPath
from newsterm.core.sources.extract import Extraction, NotExtracted
from newsterm.core.text import (
    BODY_MAX,
    clean_line,
    clean_text,
    decode_bytes,
    looks_binary,
    strip_tags,
)

log = logging.getLogger(__name__)

SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm"})
MAX_FILE_BYTES = 8 * 1024 * 1024
"""Bigger files are listed with a note instead of being read."""
_BREADCRUMB = re.compile(r"\s*»\s*")
_SUBHEADING_MAX = 80
_HOME = frozenset({"home", "start", "homepage", "accueil", "startseite", "inicio"})
_FINAL_PUNCTUATION = tuple(".!?:;,…\"'”’»)]")
HTML_SUFFIXES = frozenset({".html", ".htm"})
EXTRACTED = ":article"
"""Ends the stored fingerprint of a page read for its article: pages stored whole (by
a newsterm before extraction) are read again once."""

Extract = Callable[[str], Extraction]
"""A page's text -> its article (the library's extraction pool)."""


@dataclass(frozen=True, slots=True)
class LocalFile:
    """A file found in a local folder, with what tells whether it changed."""

    path: Path
    id: str
    """Path relative to the folder (POSIX separators)."""
    fingerprint: str
    """``mtime_ns:size``: a change means the file is read again."""


def source_key(path: Path) -> str:
    return f"local:{path}"


def scan(root: Path) -> Iterator[LocalFile]:
    """Every article file under ``root`` (a folder, recursively, or one file)."""
    if root.is_file():
        candidates: Iterator[Path] = iter([root])
        base = root.parent
    elif root.is_dir():
        candidates = (p for p in sorted(root.rglob("*")) if not _hidden(p.relative_to(root)))
        base = root
    else:
        return
    for path in candidates:
        if path.suffix.lower() not in SUFFIXES:
            continue
        try:
            st = path.stat()
        except OSError as exc:
            log.warning("%s: cannot read: %s", path, exc.strerror)
            continue
        if not path.is_file():
            continue
        yield LocalFile(path, path.relative_to(base).as_posix(), f"{st.st_mtime_ns}:{st.st_size}")


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def stored_fingerprint(file: LocalFile) -> str:
    """The fingerprint the store keeps for ``file`` (a page's says it was extracted)."""
    if file.path.suffix.lower() in HTML_SUFFIXES:
        return file.fingerprint + EXTRACTED
    return file.fingerprint


def default_section(root: Path, file: LocalFile, configured: SectionPath) -> SectionPath:
    """``[[local]]`` section (else the folder's name), plus the file's sub-folders."""
    base = configured or ((clean_line(root.name, 200),) if root.is_dir() else ())
    subfolders = tuple(clean_line(part, 200) for part in Path(file.id).parts[:-1])
    return tuple(part for part in base + subfolders if part)


def read_article(
    root: Path,
    file: LocalFile,
    source: str,
    section: SectionPath,
    extract: Extract | None = None,
) -> Article | None:
    """Read one file into an Article; None (with a warning logged) when it is binary.

    A page's article is found by ``extract``; without it (or when it finds none) the
    page's ``<article>``, ``<main>`` or ``<body>`` is the body."""
    key = ArticleKey(source, file.id)
    fallback_title = clean_line(Path(file.id).stem.replace("_", " ")) or "(untitled)"
    try:
        st = file.path.stat()
        published = datetime.fromtimestamp(st.st_mtime, UTC)
        if st.st_size > MAX_FILE_BYTES:
            return Article(
                key,
                fallback_title,
                section,
                published=published,
                content_type="text",
                note=f"file too large to show ({st.st_size // 1_048_576} MB)",
            )
        data = file.path.read_bytes()
    except OSError as exc:
        log.warning("%s: cannot read: %s", file.path, exc.strerror)
        return None
    if looks_binary(data):
        log.warning("%s: skipped: binary file", file.path)
        return None
    text = decode_bytes(data)
    if not text.strip():
        return Article(
            key,
            fallback_title,
            section,
            published=published,
            content_type="text",
            note="empty file",
        )
    suffix = file.path.suffix.lower()
    if suffix == ".txt":
        title, found_section, body = parse_txt(text)
        return Article(
            key,
            title or fallback_title,
            found_section or section,
            published=published,
            content=body,
            content_type="markdown",
        )
    if suffix in (".md", ".markdown"):
        title, body = parse_markdown(text)
        return Article(
            key,
            title or fallback_title,
            section,
            published=published,
            content=body,
            content_type="markdown",
        )
    title, body = parse_html(text)
    article = Article(
        key,
        title or fallback_title,
        section,
        published=published,
        content=body,
        content_type="html",
    )
    return article if extract is None else _with_article(article, extract(text))


def _with_article(page: Article, found: Extraction) -> Article:
    """A saved page as its article: title, byline, date and text found in it."""
    if isinstance(found, NotExtracted):
        return replace(page, note=f"{found.reason}: the whole page is shown")
    return replace(
        page,
        title=found.title or page.title,
        author=found.author,
        published=found.published or page.published,
        url=found.url,
        content=found.content,
        note=found.note,
    )


def parse_txt(text: str) -> tuple[str, SectionPath, str]:
    """Scraped-page text -> (title, section from the breadcrumb, Markdown body)."""
    lines = clean_text(text, BODY_MAX).split("\n")
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index == len(lines):
        return "", (), ""
    first = lines[index].strip()
    section: SectionPath = ()
    title = first
    index += 1
    if "»" in first:
        parts = [clean_line(p, 200) for p in _BREADCRUMB.split(first) if p.strip()]
        following = next((ln.strip() for ln in lines[index:] if ln.strip()), "")
        # A title that quotes with « » is not a breadcrumb, unless it starts at Home
        # or its last part is repeated below as the title.
        home = bool(parts) and parts[0].casefold() in _HOME
        quoted = "«" in first
        if len(parts) > 1 and (home or not quoted or _same(parts[-1], following)):
            if home:
                parts = parts[1:]
            title = parts[-1]
            section = tuple(parts[:-1])
    paragraphs = _paragraphs(lines[index:])
    if paragraphs and _same(paragraphs[0], title):
        paragraphs = paragraphs[1:]
    blocks = []
    for number, paragraph in enumerate(paragraphs):
        between = 0 < number < len(paragraphs) - 1
        if between and _is_subheading(paragraph):
            blocks.append("## " + paragraph)
        else:
            blocks.append(_escape_block(paragraph))
    return clean_line(title), section, "\n\n".join(blocks)


def _paragraphs(lines: list[str]) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            out.append(" ".join(current))
            current = []
    if current:
        out.append(" ".join(current))
    return out


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _is_subheading(paragraph: str) -> bool:
    return len(paragraph) <= _SUBHEADING_MAX and not paragraph.endswith(_FINAL_PUNCTUATION)


def _escape_block(paragraph: str) -> str:
    """Plain text must not turn into Markdown structure by accident (``# x``, ``> x``)."""
    if paragraph[:1] in ("#", ">", "-", "*", "+", "`") or re.match(r"\d+\.\s", paragraph):
        return "\\" + paragraph
    return paragraph


def parse_markdown(text: str) -> tuple[str, str]:
    """Markdown -> (title from the first heading or line, body without that heading)."""
    lines = clean_text(text, BODY_MAX).split("\n")
    for number, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        heading = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", stripped)
        if heading:
            return clean_line(heading.group(1)), "\n".join(lines[number + 1 :]).strip("\n")
        setext = number + 1 < len(lines) and re.match(r"^(=+|-+)\s*$", lines[number + 1])
        if setext:
            return clean_line(stripped), "\n".join(lines[number + 2 :]).strip("\n")
        return clean_line(stripped), "\n".join(lines[number + 1 :]).strip("\n")
    return "", ""


_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.I | re.S)
_H1_RE = re.compile(r"<h1[^>]*>(.*?)</h1\s*>", re.I | re.S)
_MAIN_RE = re.compile(r"<(article|main)\b[^>]*>(.*)</\1\s*>", re.I | re.S)
_BODY_RE = re.compile(r"<body\b[^>]*>(.*)(?:</body\s*>|$)", re.I | re.S)


def parse_html(text: str) -> tuple[str, str]:
    """HTML page -> (title from <h1> or <title>, the article's HTML)."""
    text = clean_text(text, BODY_MAX)
    title = ""
    for pattern in (_H1_RE, _TITLE_RE):
        match = pattern.search(text)
        if match:
            title = clean_line(strip_tags(match.group(1)))
            if title:
                break
    main = _MAIN_RE.search(text) or _BODY_RE.search(text)
    body = main.group(main.lastindex or 0) if main else text
    return title, body
