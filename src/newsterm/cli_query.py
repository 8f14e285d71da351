"""The commands of the query language (issue 15): ``rules apply`` and ``mark-read
--query`` (``cli.py`` runs them)."""

from __future__ import annotations

import argparse
import sys

from newsterm.core.errors import QueryError
from newsterm.core.library import Library

EXIT_OK, EXIT_USAGE = 0, 2


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    """The parsers of ``rules`` and ``mark-read``."""
    p = sub.add_parser("rules", parents=[common], help="apply feeds.toml's [[rules]] to the store")
    p.add_argument("rules_action", choices=["apply"], help="apply: to every stored article")
    p = sub.add_parser(
        "mark-read", parents=[common], help="mark every article a query selects read"
    )
    p.add_argument("--query", required=True, help="the articles (see README: queries)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--unread", action="store_true", help="mark them unread instead")
    how.add_argument("--star", action="store_true", help="star them instead")


def cmd_rules(library: Library, args: argparse.Namespace) -> int:
    changed = library.apply_rules()
    if not library.config.rules:
        print("no rules in feeds.toml")
        return EXIT_OK
    done = ", ".join(f"{action}: {count}" for action, count in changed.items())
    print(f"{len(library.config.rules)} rules applied ({done or 'nothing to change'})")
    return EXIT_OK


def cmd_mark_read(library: Library, args: argparse.Namespace) -> int:
    try:
        if args.star:
            before = library.star_query(args.query)
            word = "starred"
        else:
            before = library.mark_query(args.query, read=not args.unread)
            word = "unread" if args.unread else "read"
    except QueryError as exc:
        print(f"newsterm: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{len(before)} articles marked {word}")
    return EXIT_OK
