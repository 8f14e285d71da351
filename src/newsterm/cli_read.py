"""The reading commands: sections, list, search, show, refresh, unread (``cli.py`` runs
them)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from newsterm.core.export import Format, formatted, row_object
from newsterm.core.library import Library
from newsterm.core.models import (
    ArticleRow,
    SourceReport,
    View,
    section_from_string,
    section_to_string,
)

log = logging.getLogger("newsterm")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
"""Exit codes: done; failed (a refresh where nothing worked, a missing article); a usage
or config error."""


def _row_json(row: ArticleRow) -> str:
    return json.dumps(row_object(row), ensure_ascii=False)


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
    from newsterm.core.article_text import article_markdown

    fmt: Format = getattr(args, "format", "markdown")
    if fmt == "markdown":
        print(article_markdown(article, library.rendered(article)))
    else:
        sys.stdout.write(formatted(article, library.rendered(article), fmt))
    return EXIT_OK


def cmd_unread(library: Library, args: argparse.Namespace) -> int:
    """The unread count, for a status bar: all, or one section with its sub-sections;
    ``--json``: the count and each section's."""
    wanted = section_from_string(args.section) if args.section else ()
    count = library.unread_count(wanted or None)
    if count is None:
        print(f"newsterm: no section {args.section!r} (see `newsterm sections`)", file=sys.stderr)
        return EXIT_FAILED
    if not args.json:
        print(count)
        return EXIT_OK
    sections = {node.path: node.unread for node in library.sections()}
    inside = {
        section_to_string(path): unread
        for path, unread in sections.items()
        if path[: len(wanted)] == wanted
    }
    print(json.dumps({"unread": count, "sections": inside}, ensure_ascii=False))
    return EXIT_OK


def _outcome(report: SourceReport) -> str:
    if report.error:
        return f"error: {report.error}"
    if report.skipped:
        return f"skipped: {report.skipped}"
    if report.waiting:
        return f"waiting: {report.waiting}"
    if report.not_modified:
        return "not modified"
    outcome = f"{report.new} new, {report.updated} updated"
    return outcome + (f" ({report.warning})" if report.warning else "")


def cmd_refresh(library: Library, args: argparse.Namespace) -> int:
    sources = library.configured_feeds()
    if not sources:
        print("no feeds configured")
        return EXIT_OK
    due = getattr(args, "due", False)
    library.on_hook_failed(lambda message: print(f"newsterm: {message}", file=sys.stderr))

    def progress(done: int, total: int, report: SourceReport) -> None:
        print(f"[{done}/{total}] {report.title}: {_outcome(report)}", flush=True)

    reports = library.refresh_sync(progress=progress, due=due)
    library.wait_for_hooks()
    if due and not reports:
        print(f"no feed is due ({len(sources)} configured)")
        return EXIT_OK
    failed = sum(1 for r in reports if r.error)
    new = sum(r.new for r in reports)
    updated = sum(r.updated for r in reports)
    unchanged = sum(1 for r in reports if r.not_modified)
    skipped = sum(1 for r in reports if r.skipped)
    waiting = sum(1 for r in reports if r.waiting)
    summary = f"{len(reports)} feeds: {new} new, {updated} updated articles; {unchanged} not modified; {failed} failed"
    if skipped:
        summary += f"; {skipped} skipped (another newsterm is refreshing them)"
    if waiting:
        summary += f"; {waiting} waiting (their servers ask for fewer fetches)"
    print(summary)
    fetched = [r for r in reports if not r.waiting]
    return EXIT_FAILED if fetched and failed == len(fetched) else EXIT_OK
