"""The command line: the TUI by default, and headless subcommands for scripts and cron.

Only the core is imported here at start; the UI is imported when the TUI starts.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from newsterm import __version__
from newsterm.core.article_text import article_markdown
from newsterm.core.config import Config, load_config, local_only
from newsterm.core.errors import ConfigError, NewstermError
from newsterm.core.library import Library
from newsterm.core.models import ArticleRow, View, section_from_string, section_shown
from newsterm.core.paths import Paths, install_default_config, resolve_paths
from newsterm.core.refresh import fetch_limits
from newsterm.core.store import Store
from newsterm.core.urls import FETCH_SCHEMES, scheme_of, web_address
from newsterm.core.urls import shown as shown_url

log = logging.getLogger("newsterm")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, like every usage error
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--config",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="feeds.toml to use (default: $NEWSTERM_CONFIG, else the user config dir)",
    )
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="where read state is kept (default: $NEWSTERM_DATA_DIR, else the user data dir)",
    )
    parser = _Parser(
        prog="newsterm",
        parents=[common],
        description="A terminal news reader: RSS, Atom, JSON Feed and local article folders.",
    )
    parser.add_argument("--version", action="version", version=f"newsterm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("sections", parents=[common], help="list sections with unread/total counts")
    p.add_argument("--json", action="store_true", help="one JSON object per line")

    p = sub.add_parser("list", parents=[common], help="list articles, newest first")
    p.add_argument(
        "--section", help='only this section and its sub-sections, e.g. "Technology/Mobiles"'
    )
    p.add_argument("--unread", action="store_true", help="only unread articles")
    p.add_argument("--starred", action="store_true", help="only starred articles")
    p.add_argument("--limit", type=int, default=0, help="at most N articles")
    p.add_argument("--json", action="store_true", help="one JSON object per line")

    p = sub.add_parser("search", parents=[common], help="full-text search, best matches first")
    p.add_argument("query", help="words to look for")
    p.add_argument("--limit", type=int, default=50, help="at most N results")
    p.add_argument("--json", action="store_true", help="one JSON object per line")

    p = sub.add_parser("show", parents=[common], help="print one article as Markdown text")
    p.add_argument("id", help="an id from `newsterm list`")

    p = sub.add_parser(
        "read", parents=[common], help="read local files or folders in the TUI, no config needed"
    )
    p.add_argument(
        "paths", nargs="+", metavar="PATH", help=".txt, .md, .html files or folders of them"
    )

    sub.add_parser("refresh", parents=[common], help="fetch every feed once and report (for cron)")

    p = sub.add_parser(
        "import-opml", parents=[common], help="add the feeds of an OPML file to feeds.toml"
    )
    p.add_argument("file", metavar="FILE", help="an OPML file, or - for standard input")

    p = sub.add_parser(
        "export-opml", parents=[common], help="write the configured feeds as OPML 2.0"
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (replaced atomically), not stdout"
    )

    p = sub.add_parser(
        "add", parents=[common], help="find the feed of a page or feed URL, subscribe, fetch it"
    )
    p.add_argument("url", metavar="URL", help="a feed, or a page that links to its feeds")
    p.add_argument("--section", default="", help='where it goes, e.g. "Technology/Mobiles"')
    p.add_argument("--title", help="the name to show instead of the feed's own title")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "tui"
    logging.basicConfig(level=logging.WARNING, format="newsterm: %(message)s")
    try:
        return _run(command, args)
    except ConfigError as exc:
        print(f"newsterm: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except NewstermError as exc:
        print(f"newsterm: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130


def _run(command: str, args: argparse.Namespace) -> int:
    paths = resolve_paths(getattr(args, "config", None), getattr(args, "data_dir", None))
    if command == "read":
        missing = [p for p in args.paths if not Path(p).exists()]
        if missing:
            raise ConfigError(f"{missing[0]}: no such file or folder")
        library = Library(local_only([Path(p) for p in args.paths]), Store.open(paths.read_db))
        return _tui(library, paths, notices=library.sync_local())
    notices: list[str] = []
    config = _config(paths, notices)
    library = Library(config, _open_store(paths, notices))
    try:
        if command == "tui":
            return _tui(library, paths, notices)
        for notice in notices:
            print(f"newsterm: {notice}", file=sys.stderr)
        warnings = library.sync_local()
        for warning in warnings:
            log.warning("%s", warning)
        return COMMANDS[command](library, args)
    finally:
        library.close()


def _config(paths: Paths, notices: list[str]) -> Config:
    if not paths.config_file.exists() and paths.config_is_default:
        install_default_config(paths.config_file)
        notices.append(
            f"wrote the default config to {paths.config_file}; edit it to add your feeds"
        )
    return load_config(paths.config_file)


def _open_store(paths: Paths, notices: list[str]) -> Store:
    store = Store.open(paths.db)
    if store.moved_aside:
        notices.append(
            f"{paths.db} was not a usable database; kept it as {store.moved_aside} "
            "and started a fresh store"
        )
    if store.restored_from:
        notices.append(
            f"read and starred marks come back from {store.restored_from} "
            "as their articles are read in again"
        )
    return store


def _tui(library: Library, paths: Paths, notices: Sequence[str] = ()) -> int:
    from newsterm.ui.app import NewsApp

    log_file = paths.data_dir / "newsterm.log"
    logging.getLogger().handlers.clear()
    logging.basicConfig(
        filename=log_file,
        level=logging.WARNING,
        force=True,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    app = NewsApp(library, notices=list(notices))
    app.run()
    kept = library.close()
    if kept:
        print(
            f"newsterm: the store was busy; {kept} marks are kept for the next start",
            file=sys.stderr,
        )
    return app.return_code or EXIT_OK


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
    print(article_markdown(article, library.rendered(article)))
    return EXIT_OK


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
    print(summary)
    return EXIT_FAILED if reports and failed == len(reports) else EXIT_OK


def cmd_import_opml(library: Library, args: argparse.Namespace) -> int:
    from newsterm.core import manage
    from newsterm.core.errors import ParseError

    name = "standard input" if args.file == "-" else args.file
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        print(f"newsterm: {name}: cannot read: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        report = manage.import_opml(library, data)
    except ParseError as exc:
        print(f"newsterm: {name}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if report.lenient:
        print(f"{name}: not well-formed XML; read leniently")
    for feed in report.added:
        where = f"  [{section_shown(feed.section)}]" if feed.section else ""
        print(f"added    {shown_url(feed.url)}  {feed.title or ''}{where}".rstrip())
    for skip in report.skipped:
        label = skip.url or skip.title or "(an outline)"
        if skip.url and skip.title:
            label += f" ({skip.title})"
        print(f"skipped  {label}: {skip.reason}")
    print(
        f"{len(report.added)} feeds added to {report.config_path}, {len(report.skipped)} skipped"
        + ("; `newsterm refresh` fetches them" if report.added else "")
    )
    return EXIT_OK


def cmd_export_opml(library: Library, args: argparse.Namespace) -> int:
    from newsterm.core import manage
    from newsterm.core.feeds_file import atomic_write

    text = manage.export(library)
    if not args.output:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        atomic_write(Path(args.output), text)
    except OSError as exc:
        print(f"newsterm: {args.output}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"wrote {len(library.config.feeds)} feeds to {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_add(library: Library, args: argparse.Namespace) -> int:
    import asyncio

    from newsterm.core import manage
    from newsterm.core.errors import SourceError

    address = args.url.strip()
    if scheme_of(web_address(address)) not in FETCH_SCHEMES:
        print(
            f"newsterm: {shown_url(address)}: only http and https addresses are supported",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        links = asyncio.run(manage.find_feeds(address, fetch_limits(library.config.settings)))
    except SourceError as exc:  # a page that cannot be read, a feed the guard refuses
        print(f"newsterm: {shown_url(address)}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if not links:
        print(f"newsterm: {manage.not_found(address)}", file=sys.stderr)
        return EXIT_FAILED
    url = links[0][0]
    if len(links) > 1:
        print(
            f"{shown_url(address)} has {len(links)} feeds; adding the first, {shown_url(url)}. The others:"
        )
        for other, title, kind in links[1:]:
            print(f"  {shown_url(other)}  ({kind}{', ' + title if title else ''})")
    section = section_from_string(args.section)
    if not manage.add_feed(library, url, args.title, section):
        print(
            f"newsterm: {shown_url(url)} is already in {manage.config_path(library)}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    where = f" in section {section_shown(section)}" if section else ""
    print(f"added {shown_url(url)}{where} to {manage.config_path(library)}")
    for report in library.refresh_sync([url]):
        if report.error:
            print(f"{report.title}: first fetch failed: {report.error}", file=sys.stderr)
        else:
            print(f"{report.title}: {report.new} articles fetched")
    return EXIT_OK


COMMANDS = {
    "sections": cmd_sections,
    "list": cmd_list,
    "search": cmd_search,
    "show": cmd_show,
    "refresh": cmd_refresh,
    "import-opml": cmd_import_opml,
    "export-opml": cmd_export_opml,
    "add": cmd_add,
}
