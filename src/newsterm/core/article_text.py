"""An article's text as the reader sees it, assembled in one place for the pane and
for ``newsterm show``: the rendered body with its attachments, the lines under the
title, the tags, and the whole article as Markdown. Pure: no I/O.
"""

from __future__ import annotations

from newsterm.core import commonmark
from newsterm.core.fulltext import origin_line
from newsterm.core.models import StoredArticle, section_shown
from newsterm.core.render import RenderedArticle, escape_markdown, reading_minutes, render_body


def render_article(article: StoredArticle) -> RenderedArticle:
    """The body made readable: Markdown with numbered links, then the attachments.
    The full article's body (read from its page) when ``article.shows_full``."""
    full = article.full_text
    if article.shows_full and full is not None:
        rendered = render_body(full.content, "html", full.url or article.row.url)
    else:
        rendered = render_body(
            article.content, article.content_type, article.row.url or article.source_link
        )
    return with_attachments(rendered, article)


def article_meta(article: StoredArticle, rendered: RenderedArticle) -> list[str]:
    """The lines under an article's title: where it is from, when, how long to read."""
    row = article.row
    parts = [section_shown(row.section)] if row.section else []
    if not row.section or row.source_title != row.section[-1]:  # not "Welcome · Welcome"
        parts.append(row.source_title)
    if article.author:
        parts.append(article.author)
    parts.append(
        row.published.astimezone().strftime("%a %d %b %Y %H:%M")
        if row.published
        else "date unknown"
    )
    parts.append(f"{reading_minutes(rendered.words)} min read")
    lines = [" · ".join(p for p in parts if p)]
    if row.url:
        lines.append(row.url)
    return lines


def with_attachments(rendered: RenderedArticle, article: StoredArticle) -> RenderedArticle:
    """Enclosures (podcast audio, images) listed after the body, numbered like links so
    ``3o`` opens attachment 3 too."""
    if not article.enclosures:
        return rendered
    links = list(rendered.links)
    lines = ["", "", "## Attachments", ""]
    for enclosure in article.enclosures:
        if enclosure.url not in links:
            links.append(enclosure.url)
        number = links.index(enclosure.url) + 1
        size = f", {enclosure.length / 1_048_576:.1f} MB" if enclosure.length else ""
        kind = escape_markdown(enclosure.type or "file")
        lines.append(f"- [{number}] {commonmark.url_text(enclosure.url)} ({kind}{size})")
    return RenderedArticle(
        rendered.markdown.rstrip() + "\n".join(lines), tuple(links), rendered.words
    )


def article_extras(article: StoredArticle) -> list[str]:
    """Markdown lines after the body and its attachments: the categories."""
    lines: list[str] = []
    if article.categories:
        lines += ["", "Tags: " + escape_markdown(", ".join(article.categories))]
    return lines


def body_markdown(article: StoredArticle, rendered: RenderedArticle) -> str:
    """The Markdown of the pane's body: rendered Markdown, attachments, tags."""
    return rendered.markdown.rstrip() + "\n" + "\n".join(article_extras(article))


def article_markdown(article: StoredArticle, rendered: RenderedArticle) -> str:
    """The whole article as Markdown (``newsterm show``): title, meta lines, body, tags."""
    lines = [f"# {escape_markdown(article.row.title)}", ""]
    meta, *url = article_meta(article, rendered)
    lines += [escape_markdown(meta), *(commonmark.url_text(u) for u in url)]
    origin = origin_line(article)
    if origin:
        lines += ["", escape_markdown(f"({origin})")]
    if article.note:
        lines += ["", escape_markdown(f"({article.note})")]
    lines += ["", body_markdown(article, rendered).strip()]
    return "\n".join(lines).rstrip() + "\n"
