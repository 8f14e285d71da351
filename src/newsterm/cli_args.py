"""What the command line's parsers share, kept light: ``newsterm unread``'s quick path
(cli_unread.py) builds its parser from these without importing the rest of the CLI."""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # not typing's: `newsterm unread` starts without that module
if TYPE_CHECKING:
    from typing import NoReturn

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
"""Exit codes: done; failed (a refresh where nothing worked, a missing article); a usage
or config error."""


class Parser(argparse.ArgumentParser):
    """argparse with every usage error on one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def common_options() -> Parser:
    """The options every command takes (a parent parser)."""
    common = Parser(add_help=False)
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
    return common


def add_unread(sub: argparse._SubParsersAction[Parser], common: Parser) -> None:
    """The ``unread`` command's parser."""
    p = sub.add_parser("unread", parents=[common], help="print the unread count (status bars)")
    p.add_argument("--section", help='only this section and its sub-sections, e.g. "World"')
    p.add_argument("--json", action="store_true", help="the count and each section's, as JSON")
