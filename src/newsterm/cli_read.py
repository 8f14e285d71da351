"""The reading commands: sections, list, search, show, refresh, unread (``cli.py`` runs
them)."""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace

from newsterm.cli_args import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from newsterm.core.config_queries import SavedQuery
from newsterm.core.errors import QueryError
from newsterm.core.export import Format, formatted, row_object
from newsterm.core.library import Library
from newsterm.core.models import (
    ArticleRow,
    SectionPath,
    SourceReport,
    StoredArticle,
    View,
    section_from_string,
    section_to_string,
)

log = logging.getLogger("newsterm")


def _row_json(row: ArticleRow) -> str:
    return json.dumps(row_object(row), ensure_ascii=False)


def _print_ids(library: Library, ids: Sequence[int], as_json: bool) -> None:
    """The rows of ``ids``, a page at a time (a search may find 100,000)."""
    for start in range(0, len(ids), 500):
        _print_rows(library.rows(ids[start : start + 500]), as_json)


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


def _top_level_sources(library: Library) -> list[tuple[str, str, int, int]]:
    """(label, kind, unread, total) of each source with articles in no section: the
    feeds without one, and the files of local folders that name none."""
    found = []
    feeds = {node.key: node for node in library.feed_nodes()}
    for source in library.config.sources():
        if source.section and source.kind == "feed":
            continue
        node = feeds.get(source.key)
        if node is not None:
            found.append((node.label, "feed", node.unread, node.total))
            continue
        if source.kind == "local":
            rows = [r for r in _rows_of(library, source.key) if not r.section]
            if rows:
                label = rows[0].source_title
                found.append((label, "local", sum(not r.read for r in rows), len(rows)))
    return found


def _rows_of(library: Library, key: str) -> list[ArticleRow]:
    ids = library.article_ids(View("source", source=key))
    return [
        row for start in range(0, len(ids), 500) for row in library.rows(ids[start : start + 500])
    ]


def _saved_searches(library: Library) -> list[tuple[SavedQuery, int, int]]:
    try:
        return library.saved_searches()
    except QueryError as exc:  # checked when feeds.toml was read; a store without a column
        print(f"newsterm: {exc}", file=sys.stderr)
        return []


def cmd_sections(library: Library, args: argparse.Namespace) -> int:
    """Every section, then every source whose articles are in none: the top-level lines
    add up to every article."""
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
    for saved, unread, total in _saved_searches(library):
        if args.json:
            line = {"query": saved.query, "name": saved.name, "unread": unread, "total": total}
            print(json.dumps(line, ensure_ascii=False))
        else:
            print(f"{saved.name} [query: {saved.query}]  ({unread}/{total})")
    for label, kind, unread, total in _top_level_sources(library):
        if args.json:
            line = {"section": [], "source": label, "kind": kind, "unread": unread, "total": total}
            print(json.dumps(line, ensure_ascii=False))
        else:
            print(f"{label} [{'local folder' if kind == 'local' else 'feed'}]  ({unread}/{total})")
    return EXIT_OK


def _unknown_section(library: Library, section: SectionPath) -> str | None:
    """Why ``section`` cannot be listed (naming the closest ones), or None when it exists."""
    known = [section_to_string(node.path) for node in library.sections()]
    wanted = section_to_string(section)
    if wanted in known:
        return None
    folded = {name.casefold(): name for name in known}
    close = [folded[c] for c in difflib.get_close_matches(wanted.casefold(), list(folded), 3, 0.5)]
    if close:
        return f"no section {wanted!r}; the closest: " + ", ".join(repr(c) for c in close)
    return f"no section {wanted!r} (`newsterm sections` lists them)"


def _list_query(args: argparse.Namespace) -> str:
    """``list --query Q`` with the other options as terms of the query."""
    parts = [f"({args.query})"]
    if args.section:
        parts.append('section:"' + args.section.replace('"', "") + '"')
    if args.starred:
        parts.append("starred")
    if args.unread:
        parts.append("unread")
    return " ".join(parts)


def cmd_list(library: Library, args: argparse.Namespace) -> int:
    if args.query is not None:
        try:
            ids = library.search(
                _list_query(args), limit=args.limit if args.limit > 0 else None, hidden=args.hidden
            )
        except QueryError as exc:
            print(f"newsterm: {exc}", file=sys.stderr)
            return EXIT_USAGE
        _print_ids(library, ids, args.json)
        return EXIT_OK
    if args.starred:
        view = View("starred", show_read=not args.unread)
    elif args.section:
        section = section_from_string(args.section)
        problem = _unknown_section(library, section)
        if problem:
            print(f"newsterm: {problem}", file=sys.stderr)
            return EXIT_USAGE
        view = View("section", section, show_read=not args.unread)
    else:
        view = View("unread" if args.unread else "all")
    view = replace(view, hidden=args.hidden)
    ids = library.article_ids(view)
    if args.limit > 0:
        ids = ids[: args.limit]
    _print_ids(library, ids, args.json)
    return EXIT_OK


def cmd_search(library: Library, args: argparse.Namespace) -> int:
    try:
        ids = library.search(
            args.query, limit=args.limit if args.limit > 0 else None, hidden=args.hidden
        )
    except QueryError as exc:
        print(f"newsterm: {exc}", file=sys.stderr)
        return EXIT_USAGE
    _print_ids(library, ids, args.json)
    return EXIT_OK


def cmd_show(library: Library, args: argparse.Namespace) -> int:
    article = library.article(int(args.id)) if args.id.isdigit() else None
    if article is None:
        print(f"newsterm: no article with id {args.id!r} (see `newsterm list`)", file=sys.stderr)
        return EXIT_FAILED
    code = EXIT_OK
    if getattr(args, "full", False) and not getattr(args, "feed", False):
        article, code = _with_page(library, article)
    else:
        article = library.with_full_text(article, False if getattr(args, "feed", False) else None)
    fmt: Format = getattr(args, "format", "markdown")
    if fmt == "markdown":
        from newsterm.core.article_text import article_markdown

        print(article_markdown(article, library.rendered(article)))
    else:
        sys.stdout.write(formatted(article, library.rendered(article), fmt))
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


def cmd_unread(library: Library, args: argparse.Namespace) -> int:
    """The unread count, for a status bar: all, or one section with its sub-sections;
    ``--json``: the count and each section's. Usually answered by cli_unread's quick
    path; this one runs when the store had to be made or updated first."""
    from newsterm.cli_unread import print_unread, section_parts

    wanted = section_parts(args.section)
    count = library.unread_count(wanted or None)
    by_section = {node.path: node.unread for node in library.sections() if node.total}
    return print_unread(count, by_section, args.section, args.json)


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
    if not sources and not library.config.accounts:
        print("no feeds configured")
        return EXIT_OK
    due = getattr(args, "due", False)
    library.on_hook_failed(lambda message: print(f"newsterm: {message}", file=sys.stderr))

    def progress(done: int, total: int, report: SourceReport) -> None:
        print(f"[{done}/{total}] {report.title}: {_outcome(report)}", flush=True)

    reports = library.refresh_sync(progress=progress, due=due)
    library.wait_for_hooks()
    for account in library.account_reports:  # a line per sync account
        print(account.line(), flush=True)
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
    print(summary, flush=True)
    pages = library.read_pages_sync()  # the full articles feeds.toml asks for
    if pages.read or pages.failed:
        print(f"full articles: {pages.read} read from their pages, {pages.failed} not available")
    fetched = [r for r in reports if not r.waiting]
    return EXIT_FAILED if fetched and failed == len(fetched) else EXIT_OK
