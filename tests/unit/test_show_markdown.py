"""``newsterm show``: the article as Markdown a CommonMark reader shows as the article."""

from __future__ import annotations

from datetime import UTC, datetime

from markdown_it import MarkdownIt

from newsterm.core.article_text import article_markdown
from newsterm.core.models import ArticleKey, ArticleRow, StoredArticle
from newsterm.core.render import escape_markdown, render_body


def stored(title: str, content: str) -> StoredArticle:
    row = ArticleRow(
        rowid=1,
        key=ArticleKey("https://feed.example/rss", "1"),
        title=title,
        section=("News",),
        source_title="Feed",
        url="https://feed.example/1",
        published=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        read=False,
        starred=False,
    )
    return StoredArticle(row, None, None, content, "html", "", (), (), None, None)


def test_show_prints_markdown_that_reads_back_as_the_title_and_the_text() -> None:
    article = stored(
        "2 * 3 = *six*, _not_ [1] # one", "<p>(A*B+C*D)* and x_(y) and <b>bold</b>.</p>"
    )
    markdown = article_markdown(article, render_body(article.content, "html"))
    html = MarkdownIt("commonmark").render(markdown)
    assert "<h1>2 * 3 = *six*, _not_ [1] # one</h1>" in html
    assert "<p>(A*B+C*D)* and x_(y) and <strong>bold</strong>.</p>" in html
    assert "<em>" not in html


def test_escape_markdown_reads_back_as_the_text() -> None:
    for text in ("*a* _b_ `c` [d](e) <f> &amp; \\g", "# h", "1. i", "- j", "| k |"):
        html = MarkdownIt("commonmark").enable("table").render(escape_markdown(text))
        assert (
            html
            == "<p>"
            + text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            + "</p>\n"
        )
