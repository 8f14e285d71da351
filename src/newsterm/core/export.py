"""An article as other programs take it: the JSON object of ``list --json`` and of the
``on_new`` hook, ``show --format markdown|text|html|json``, and a Markdown file saved
under a safe name (``w``). Pure, except :func:`save_markdown`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from newsterm.core.bodies import plain_text
from newsterm.core.models import ArticleRow, StoredArticle
from newsterm.core.text import clean_line
from newsterm.core.urls import fetchable

if TYPE_CHECKING:
    from newsterm.core.render import RenderedArticle

Format = Literal["markdown", "text", "html", "json"]
FORMATS: tuple[Format, ...] = ("markdown", "text", "html", "json")

NAME_MAX = 120
"""Characters of a title kept in a file name (and at most twice that in UTF-8 bytes)."""
_QUOTE_ONLY = re.compile(r"^>+$")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{n}" for n in range(1, 10)]
    + [f"LPT{n}" for n in range(1, 10)]
)
"""Names Windows keeps for devices (a file saved here may travel)."""


def row_object(row: ArticleRow) -> dict[str, Any]:
    """One article as ``newsterm list --json`` prints it."""
    return {
        "id": str(row.rowid),
        "title": row.title,
        "section": list(row.section),
        "source": row.source_title,
        "url": row.url,
        "published": row.published.isoformat() if row.published else None,
        "read": row.read,
        "starred": row.starred,
    }


def body_text(article: StoredArticle) -> str:
    """The words of the body on one line, as the search index reads them."""
    return " ".join(plain_text(article.content, article.content_type).split())


def hook_object(article: StoredArticle) -> dict[str, Any]:
    """A new article as the ``on_new`` hook reads it: the list object and its text."""
    return {**row_object(article.row), "body_text": body_text(article)}


def article_object(article: StoredArticle, rendered: RenderedArticle) -> dict[str, Any]:
    """``show --format json``: everything stored of the article, and its Markdown."""
    from newsterm.core.article_text import article_markdown

    return {
        **row_object(article.row),
        "author": article.author,
        "updated": article.updated.isoformat() if article.updated else None,
        "categories": list(article.categories),
        "enclosures": [
            {"url": e.url, "type": e.type, "length": e.length} for e in article.enclosures
        ],
        "content_type": article.content_type,
        "content": article.content,
        "body_text": body_text(article),
        "markdown": article_markdown(article, rendered),
    }


def article_html(article: StoredArticle, rendered: RenderedArticle) -> str:
    """``show --format html``: a small page, the body as the feed sent it (text and
    Markdown bodies as preformatted text). Links resolve against the article's own."""
    from newsterm.core.article_text import article_meta

    row = article.row
    title = html.escape(row.title)
    head = [f'<meta charset="utf-8">\n<title>{title}</title>']
    base = row.url or article.source_link
    if base and fetchable(base):
        head.append(f'<base href="{html.escape(base)}">')
    meta = "<br>".join(html.escape(line) for line in article_meta(article, rendered))
    if article.content_type == "html":
        body = article.content
    else:
        body = f"<pre>{html.escape(article.content)}</pre>"
    return (
        "<!doctype html>\n<html>\n<head>\n" + "\n".join(head) + "\n</head>\n<body>\n<article>\n"
        f"<h1>{title}</h1>\n<p>{meta}</p>\n{body}\n</article>\n</body>\n</html>\n"
    )


def article_text(article: StoredArticle, rendered: RenderedArticle) -> str:
    """``show --format text``: the article as plain text, its Markdown read by a
    CommonMark parser and written without its markup (the link numbers stay)."""
    from newsterm.core.article_text import article_markdown

    return markdown_text(article_markdown(article, rendered))


def markdown_text(markdown: str) -> str:
    """CommonMark -> plain text: paragraphs, headings, ``- `` and ``1. `` items, ``> ``
    quotes, code indented, images by their alt text."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark", {"html": False}).parse(markdown)
    lines: list[str] = []
    quotes = 0
    indents: list[str] = []
    """One per open list item: its marker until its first line is out, then spaces."""
    lists: list[list[int]] = []
    """Per open list: [next number], or [] for a bullet list."""

    def emit(text: str) -> None:
        for line in text.split("\n"):
            lines.append(("> " * quotes + "".join(indents) + line).rstrip())
            indents[:] = [" " * len(i) for i in indents]

    for token in tokens:
        kind = token.type
        if kind == "inline":
            emit(_inline_text(token.children or []))
        elif kind in ("paragraph_close", "heading_close") and not token.hidden:
            lines.append(">" * quotes)
        elif kind == "bullet_list_open":
            lists.append([])
        elif kind == "ordered_list_open":
            lists.append([int(token.attrGet("start") or 1)])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            lines.append("")
        elif kind == "list_item_open":
            counter = lists[-1] if lists else []
            marker = "- " if not counter else f"{counter[0]}. "
            if counter:
                counter[0] += 1
            indents.append(marker)
        elif kind == "list_item_close":
            indents.pop()
        elif kind == "blockquote_open":
            quotes += 1
        elif kind == "blockquote_close":
            quotes -= 1
            lines.append("")
        elif kind in ("code_block", "fence"):
            emit("\n".join("    " + line for line in token.content.rstrip("\n").split("\n")))
            lines.append("")
        elif kind == "hr":
            emit("----")
            lines.append("")
    kept = [
        line
        for n, line in enumerate(lines)
        if not (_QUOTE_ONLY.match(line) and (n + 1 == len(lines) or not lines[n + 1]))
    ]  # a quote's last paragraph needs no separator
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip() + "\n"


def _inline_text(children: list[Any]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(_inline_text(child.children or []) or child.content)
    return "".join(parts)


def formatted(article: StoredArticle, rendered: RenderedArticle, fmt: Format) -> str:
    """The article in one of :data:`FORMATS` (JSON on one line)."""
    import json

    from newsterm.core.article_text import article_markdown

    if fmt == "json":
        return json.dumps(article_object(article, rendered), ensure_ascii=False) + "\n"
    if fmt == "html":
        return article_html(article, rendered)
    if fmt == "text":
        return article_text(article, rendered)
    return article_markdown(article, rendered)


# -- saving ------------------------------------------------------------------------------


def safe_filename(title: str, published: datetime | None = None, suffix: str = ".md") -> str:
    """A file name from an article's title that is safe on any common file system:
    no path separators, controls or characters Windows refuses, no leading dot or
    dash, not a device name, at most :data:`NAME_MAX` characters; its date first."""
    name = unicodedata.normalize("NFC", clean_line(title, 1000))
    name = _UNSAFE.sub(" ", name)
    name = " ".join(name.split()).strip(" .-")
    while len(name.encode("utf-8")) > NAME_MAX * 2 or len(name) > NAME_MAX:
        name = name[:-1].rstrip(" .-")
    if not name:
        name = "article"
    if name.split(".")[0].upper() in _RESERVED:
        name = f"_{name}"
    if published is not None:
        name = f"{published.astimezone().strftime('%Y-%m-%d')} {name}"
    return name + suffix


def save_markdown(article: StoredArticle, rendered: RenderedArticle, folder: Path) -> Path:
    """Write the article as Markdown in ``folder`` (made if missing) under
    :func:`safe_filename`; never replaces a file: an existing one with the same text
    is the answer, another gets `` (2)``, `` (3)``… Returns the path. OSError when it
    cannot be written."""
    from newsterm.core.article_text import article_markdown

    text = article_markdown(article, rendered)
    folder.mkdir(parents=True, exist_ok=True)
    stem = safe_filename(article.row.title, article.row.published, "")
    for number in range(1, 1000):
        path = folder / (f"{stem}.md" if number == 1 else f"{stem} ({number}).md")
        try:
            with path.open("x", encoding="utf-8") as file:
                file.write(text)
            return path
        except FileExistsError:
            try:
                if path.read_text(encoding="utf-8") == text:
                    return path
            except (OSError, UnicodeDecodeError):
                pass
    raise FileExistsError(f"{folder / stem}.md: too many files of that name")
