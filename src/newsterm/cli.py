"""The command line: the TUI by default, and headless subcommands for scripts and cron.

Only the core is imported here at start; the UI is imported when the TUI starts.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from newsterm import __version__
from newsterm.cli_args import Parser, add_unread, common_options
from newsterm.cli_feeds import cmd_add, cmd_export_opml, cmd_import_opml
from newsterm.cli_query import add_parsers as add_query_parsers
from newsterm.cli_query import cmd_mark_read, cmd_rules
from newsterm.cli_read import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    cmd_list,
    cmd_refresh,
    cmd_search,
    cmd_sections,
    cmd_show,
    cmd_unread,
)
from newsterm.cli_sync import cmd_sync
from newsterm.core.config import Config, load_config, local_only
from newsterm.core.errors import ConfigError, NewstermError
from newsterm.core.export import FORMATS
from newsterm.core.library import Library
from newsterm.core.paths import Paths, install_default_config, resolve_paths
from newsterm.core.store import Store

log = logging.getLogger("newsterm")

EXIT_PIPE = 141
"""128 + SIGPIPE (13): what a shell reports for a writer whose reader went away."""


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = Parser(
        prog="newsterm",
        parents=[common],
        description="A terminal news reader: RSS, Atom, JSON Feed and local article folders.",
    )
    parser.add_argument("--version", action="version", version=f"newsterm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    p = sub.add_parser("sections", parents=[common], help="list sections with unread/total counts")
    p.add_argument("--json", action="store_true", help="one JSON object per line")

    p = sub.add_parser("list", parents=[common], help="list articles, newest first")
    p.add_argument(
        "--section", help='only this section and its sub-sections, e.g. "Technology/Mobiles"'
    )
    p.add_argument("--unread", action="store_true", help="only unread articles")
    p.add_argument("--starred", action="store_true", help="only starred articles")
    p.add_argument("--query", help="only the articles a query selects (see README: queries)")
    p.add_argument("--hidden", action="store_true", help="also the articles rules hid")
    p.add_argument("--limit", type=int, default=0, help="at most N articles")
    p.add_argument("--json", action="store_true", help="one JSON object per line")

    p = sub.add_parser("search", parents=[common], help="full-text search, best matches first")
    p.add_argument(
        "query",
        help='words to look for (all of them); "a phrase"; word* for words that start so',
    )
    p.add_argument("--limit", type=int, default=0, help="at most N results (default: all)")
    p.add_argument("--hidden", action="store_true", help="also the articles rules hid")
    p.add_argument("--json", action="store_true", help="one JSON object per line")

    p = sub.add_parser("show", parents=[common], help="print one article (Markdown by default)")
    p.add_argument("id", help="an id from `newsterm list`")
    p.add_argument(
        "--full", action="store_true", help="the full article: read its page now if not yet"
    )
    p.add_argument("--feed", action="store_true", help="the feed's text, not the full article")
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="markdown",
        help="markdown (default), plain text, an HTML page, or one JSON object",
    )

    add_unread(sub, common)

    p = sub.add_parser(
        "read", parents=[common], help="read local files or folders in the TUI, no config needed"
    )
    p.add_argument(
        "paths", nargs="+", metavar="PATH", help=".txt, .md, .html files or folders of them"
    )

    p = sub.add_parser("refresh", parents=[common], help="fetch every feed once and report")
    p.add_argument(
        "--due",
        action="store_true",
        help="only the feeds whose schedule calls for it (what cron should run)",
    )

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
    p.add_argument("--account", help="subscribe on this sync account's server instead")

    p = sub.add_parser("sync", parents=[common], help="sync the accounts with their servers now")
    p.add_argument("account", nargs="*", help="only these accounts (default: all)")
    add_query_parsers(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The program (``newsterm`` is :func:`newsterm.launch.main`, which answers
    ``unread`` itself when it can)."""
    args = build_parser().parse_args(argv)
    command = args.command or "tui"
    logging.basicConfig(level=logging.WARNING, format="newsterm: %(message)s")
    try:
        code = _run(command, args)
        sys.stdout.flush()  # a closed pipe shows here, not at the interpreter's exit
        return code
    except BrokenPipeError:
        return _pipe_closed()
    except ConfigError as exc:
        print(f"newsterm: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except NewstermError as exc:
        print(f"newsterm: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130


def _pipe_closed() -> int:
    """The reader of our output went away (``newsterm list | head``): stop quietly, with
    the status a program killed by SIGPIPE has, as a shell expects of ``cmd | head``."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # what is still buffered goes nowhere
    except (OSError, ValueError):
        pass
    return EXIT_PIPE


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
        for warning in library.sync_local():
            log.warning("%s", warning)
        return COMMANDS[command](library, args)
    finally:
        if command != "tui":
            library.wait_for_hooks()  # a hook after `add` ends before the program does
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


COMMANDS = {
    "sections": cmd_sections,
    "list": cmd_list,
    "search": cmd_search,
    "show": cmd_show,
    "refresh": cmd_refresh,
    "unread": cmd_unread,
    "import-opml": cmd_import_opml,
    "export-opml": cmd_export_opml,
    "add": cmd_add,
    "rules": cmd_rules,
    "mark-read": cmd_mark_read,
    "sync": cmd_sync,
}
