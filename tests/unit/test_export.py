"""core/export.py: safe file names, saving without replacing, Markdown as plain text,
the HTML page, the JSON objects."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsterm.core.article_text import render_article
from newsterm.core.export import (
    NAME_MAX,
    article_html,
    hook_object,
    markdown_text,
    row_object,
    safe_filename,
    save_markdown,
)
from newsterm.core.models import ArticleKey, ArticleRow, StoredArticle

WHEN = datetime(2024, 3, 12, 9, 30, tzinfo=UTC)


def article(
    title: str = "A title",
    content: str = "<p>Hello <b>world</b></p>",
    url: str | None = "https://example.org/a",
) -> StoredArticle:
    row = ArticleRow(
        7,
        ArticleKey("https://example.org/feed", "g"),
        title,
        ("News",),
        "Example",
        url,
        WHEN,
        False,
        False,
        2,
    )
    return StoredArticle(row, None, None, content, "html", "", (), (), None, None)


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Plain title", "2024-03-12 Plain title.md"),
        ("../../etc/passwd", "2024-03-12 etc passwd.md"),
        ('a/b\\c:d*e?f"g<h>i|j', "2024-03-12 a b c d e f g h i j.md"),
        ("\x1b[31mred\x07 bell\u202e", "2024-03-12 [31mred bell.md"),
        ("...hidden", "2024-03-12 hidden.md"),
        ("--rm -rf", "2024-03-12 rm -rf.md"),
        ("CON", "2024-03-12 _CON.md"),
        ("nul.txt", "2024-03-12 _nul.txt.md"),
        ("   ", "2024-03-12 article.md"),
        ("Ünïcödé — ok", "2024-03-12 Ünïcödé — ok.md"),
    ],
)
def test_safe_filename(title: str, name: str) -> None:
    assert safe_filename(title, WHEN) == name


def test_safe_filename_is_short_in_characters_and_bytes() -> None:
    long = safe_filename("語" * 500)
    assert len(long) <= NAME_MAX + 3 and len(long.encode()) <= 2 * NAME_MAX + 3
    assert safe_filename("x" * 500, None) == "x" * NAME_MAX + ".md"


def test_save_never_replaces_a_file(tmp_path: Path) -> None:
    one = article()
    rendered = render_article(one)
    folder = tmp_path / "new" / "folder"
    first = save_markdown(one, rendered, folder)
    assert first == folder / "2024-03-12 A title.md"
    text = first.read_text()
    assert text.startswith("# A title\n") and "Hello **world**" in text
    assert save_markdown(one, rendered, folder) == first  # the same text: that file
    other = article(content="<p>Another body</p>")
    second = save_markdown(other, render_article(other), folder)
    assert second == folder / "2024-03-12 A title (2).md"
    assert first.read_text() == text
    assert {p.name for p in folder.iterdir()} == {first.name, second.name}


def test_markdown_as_plain_text() -> None:
    markdown = (
        "# Title\n\nSome *emphasis* and `code` and [a link](https://x.example) ![alt](i.png)\n"
        "next line\n\n- one\n- two\n  - nested\n\n3. three\n4. four\n\n> quoted\n> more\n>\n> again\n\n"
        "    indented code\n\n```\nfenced\n```\n\n---\n\n\\*not emphasis\\* 1\\. no list\n"
    )
    assert markdown_text(markdown) == (
        "Title\n\nSome emphasis and code and a link alt\nnext line\n\n- one\n- two\n  - nested\n\n"
        "3. three\n4. four\n\n> quoted\n> more\n>\n> again\n\n    indented code\n\n    fenced\n\n----\n\n"
        "*not emphasis* 1. no list\n"
    )


def test_html_page_escapes_what_it_writes_itself() -> None:
    hostile = article(title="</title><script>alert(1)</script>", url="javascript:alert(1)")
    page = article_html(hostile, render_article(hostile))
    assert "<title>&lt;/title&gt;&lt;script&gt;" in page
    assert "<base" not in page  # only an http(s) link is a base
    good = article()
    assert '<base href="https://example.org/a">' in article_html(good, render_article(good))


def test_json_objects() -> None:
    one = article()
    assert list(row_object(one.row)) == [
        "id", "title", "section", "source", "url", "published", "read", "starred",
    ]  # fmt: skip
    obj = hook_object(one)
    assert obj["id"] == "7" and obj["published"] == "2024-03-12T09:30:00+00:00"
    assert obj["body_text"] == "Hello world"
