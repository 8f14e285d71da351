"""The reading commands: sections, list, search, show, refresh (``cli.py`` runs them)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from newsterm.core.article_text import article_markdown
from newsterm.core.library import Library
from newsterm.core.models import ArticleRow, StoredArticle, View, section_from_string

log = logging.getLogger("newsterm")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
"""Exit codes: done; failed (a refresh where nothing worked, a missing article); a usage
or config error."""


def _row_json(row: ArticleRow) -> str:
    return json.dumps({
        "id": str(row.rowid),
        "title": row.title,
        "section": list(row.section),
        "source": row.source_title,
        "url": row.url,
        "published": row.published.isoformat() if row.published else None,
        "read": row.read,
        "starred": row.starred,
    }, ensure_ascii=False)  # fmt: skip


def _print_rows(rows: Sequence[ArticleRow], as_json: bool) -> None:
    if as_json:
        for row in rows:
            print(_row_json(row))
        return
    for row in rows:
        date = row.published.strftime("%Y-%m-%d") if row.published else "----------"
        mark = "*" if row.starred else ("N" if not row.read else " ")
        print(
            f"{row.rowid:>7} {mark} {date}  {_fit(row.title, 60):<60}  {_fit(row.source_title, 24)}"
        )


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def cmd_sections(library: Library, args: argparse.Namespace) -> int:
    for node in library.sections():
        if args.json:
            print(
                json.dumps(
                    {"section": list(node.path), "unread": node.unread, "total": node.total},
                    ensure_ascii=False,
                )
            )
        else:
            indent = "  " * (len(node.path) - 1)
            print(f"{indent}{node.path[-1]}  ({node.unread}/{node.total})")
    return EXIT_OK


def cmd_list(library: Library, args: argparse.Namespace) -> int:
    if args.starred:
        view = View("starred", show_read=not args.unread)
    elif args.section:
        view = View("section", section_from_string(args.section), show_read=not args.unread)
    else:
        view = View("unread" if args.unread else "all")
    ids = library.article_ids(view)
    if args.limit > 0:
        ids = ids[: args.limit]
    _print_rows(library.rows(ids), args.json)
    return EXIT_OK


def cmd_search(library: Library, args: argparse.Namespace) -> int:
    ids = library.search(args.query)[: max(1, args.limit)]
    _print_rows(library.rows(ids), args.json)
    return EXIT_OK


def cmd_show(library: Library, args: argparse.Namespace) -> int:
    article = library.article(int(args.id)) if args.id.isdigit() else None
    if article is None:
        print(f"newsterm: no article with id {args.id!r} (see `newsterm list`)", file=sys.stderr)
        return EXIT_FAILED
    code = EXIT_OK
    if args.full and not args.feed:
        article, code = _with_page(library, article)
    else:
        article = library.with_full_text(article, False if args.feed else None)
    print(article_markdown(article, library.rendered(article)))
    return code


def _with_page(library: Library, article: StoredArticle) -> tuple[StoredArticle, int]:
    """``show --full``: the stored full article, else its page read now; when there is
    none, the feed's text, why on stderr, and exit code 1."""
    shown = library.with_full_text(article, True)
    if shown.shows_full:
        return shown, EXIT_OK
    if not article.row.url:
        print("newsterm: this article has no link to read the full article from", file=sys.stderr)
        return shown, EXIT_FAILED
    full = library.read_page_sync(article.row.rowid)
    shown = library.with_full_text(article, True)
    if shown.shows_full:
        return shown, EXIT_OK
    reason = full.error if full is not None and full.error else "no article found on the page"
    print(
        f"newsterm: full article not available: {reason}; the feed's text follows", file=sys.stderr
    )
    return shown, EXIT_FAILED


def cmd_refresh(library: Library, args: argparse.Namespace) -> int:
    sources = library.configured_feeds()
    if not sources:
        print("no feeds configured")
        return EXIT_OK

    def progress(done: int, total: int, report) -> None:  # type: ignore[no-untyped-def]
        if report.error:
            outcome = f"error: {report.error}"
        elif report.skipped:
            outcome = f"skipped: {report.skipped}"
        elif report.not_modified:
            outcome = "not modified"
        else:
            outcome = f"{report.new} new, {report.updated} updated"
            if report.warning:
                outcome += f" ({report.warning})"
        print(f"[{done}/{total}] {report.title}: {outcome}", flush=True)

    reports = library.refresh_sync(progress=progress)
    failed = sum(1 for r in reports if r.error)
    new = sum(r.new for r in reports)
    updated = sum(r.updated for r in reports)
    unchanged = sum(1 for r in reports if r.not_modified)
    skipped = sum(1 for r in reports if r.skipped)
    summary = f"{len(reports)} feeds: {new} new, {updated} updated articles; {unchanged} not modified; {failed} failed"
    if skipped:
        summary += f"; {skipped} skipped (another newsterm is refreshing them)"
    print(summary, flush=True)
    pages = library.read_pages_sync()  # the full articles feeds.toml asks for
    if pages.read or pages.failed:
        print(f"full articles: {pages.read} read from their pages, {pages.failed} not available")
    return EXIT_FAILED if reports and failed == len(reports) else EXIT_OK
