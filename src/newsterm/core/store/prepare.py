"""Rows made ready in the refresh's worker processes, so the process that owns the
database only runs SQL: compressed body, word count, text to index, fingerprint."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, replace

from newsterm.core.bodies import PLAIN, SEARCH_BODY_MAX, Compressor, decompress, plain_text
from newsterm.core.models import Article, SectionPath
from newsterm.core.store._base import _ts
from newsterm.core.text import word_count


@dataclass(frozen=True, slots=True)
class Prepared:
    """An article made ready for its row: compressed body, words, text to index.

    Made by :func:`prepare`, in the refresh's worker processes, so the process that
    owns the database only runs SQL.
    """

    guid: str
    section: SectionPath
    title: str
    url: str | None
    author: str | None
    published: int | None
    """Published, else updated, in unix seconds; None when unknown."""
    updated: int | None
    content: bytes
    content_type: str
    extra: str | None
    words: int
    fingerprint: str
    search_body: str


def prepare(
    article: Article,
    fp: str | None = None,
    compress: Compressor = PLAIN,
    section: SectionPath | None = None,
) -> Prepared:
    """``article``'s row; ``section`` (when given) instead of the article's own."""
    body = plain_text(article.content, article.content_type)
    return Prepared(
        guid=article.key.id,
        section=article.section if section is None else section,
        title=article.title,
        url=article.url,
        author=article.author,
        published=_ts(article.published or article.updated),
        updated=_ts(article.updated),
        content=compress(article.content.encode("utf-8", "replace")),
        content_type=article.content_type,
        extra=_extra(article),
        words=word_count(body),
        fingerprint=fp or fingerprint(article),
        search_body=body[:SEARCH_BODY_MAX],
    )


def fingerprint(article: Article) -> str:
    """Changes when anything shown of the article changes."""
    data = "\x00".join(
        (
            article.title,
            article.url or "",
            article.content,
            article.author or "",
            str(_ts(article.published)),
        )
    )
    return format(zlib.crc32(data.encode("utf-8", "replace")), "08x") + format(len(data), "x")


def _extra(article: Article) -> str | None:
    extra: dict[str, object] = {}
    if article.summary and article.summary != article.content:
        extra["summary"] = article.summary
    if article.categories:
        extra["categories"] = list(article.categories)
    if article.enclosures:
        extra["enclosures"] = [[e.url, e.type, e.length] for e in article.enclosures]
    if article.note:
        extra["note"] = article.note
    return json.dumps(extra, ensure_ascii=False) if extra else None


def _without_zdict(item: Article | Prepared, zdict: bytes) -> Article | Prepared:
    """``item`` compressed without ``zdict`` (a dictionary the store could not keep)."""
    if isinstance(item, Article):
        return item
    text = decompress(item.content, {zlib.adler32(zdict): zdict}.get)
    return replace(item, content=PLAIN(text.encode("utf-8", "replace")))
