"""``newsterm sync`` (the accounts of feeds.toml, now, backoff or not) and
``newsterm add URL --account NAME`` (subscribe on the account's server)."""

from __future__ import annotations

import argparse
import asyncio

from newsterm.cli_args import EXIT_FAILED, EXIT_OK
from newsterm.core.library import Library
from newsterm.core.text import clean_line


def cmd_sync(library: Library, args: argparse.Namespace) -> int:
    names = args.account or None
    if not library.config.accounts:
        print("no accounts configured ([[accounts]] in feeds.toml)")
        return EXIT_OK
    reports = library.sync_accounts_blocking(names, force=True)
    for report in reports:
        print(report.line(), flush=True)
    return EXIT_FAILED if reports and all(r.error for r in reports) else EXIT_OK


def cmd_add_remote(library: Library, args: argparse.Namespace) -> int:
    """``add URL --account NAME``: the server subscribes (the section is its folder)."""
    folder = args.section.strip() or None
    title = asyncio.run(library.subscribe_remote(args.account, args.url.strip(), folder))
    where = f" in folder {clean_line(folder)}" if folder else ""
    print(f"{args.account}: subscribed to {clean_line(str(title))}{where}")
    return EXIT_OK
