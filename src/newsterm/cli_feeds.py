"""The commands that change the feeds: import-opml, export-opml, add (``cli.py`` runs them)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from newsterm.cli_read import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from newsterm.core.library import Library
from newsterm.core.models import section_from_string, section_shown
from newsterm.core.urls import FETCH_SCHEMES, scheme_of, web_address
from newsterm.core.urls import shown as shown_url

log = logging.getLogger("newsterm")


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
    folder = Path(args.output).parent
    if not folder.is_dir():  # never made for the reader: a typo would hide the file
        problem = "not a folder" if folder.exists() else "no such folder"
        print(f"newsterm: {args.output}: cannot write: {folder}: {problem}", file=sys.stderr)
        return EXIT_FAILED
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
    if getattr(args, "account", None):  # on a sync account's server
        from newsterm.cli_sync import cmd_add_remote

        return cmd_add_remote(library, args)
    if scheme_of(web_address(address)) not in FETCH_SCHEMES:
        print(
            f"newsterm: {shown_url(address)}: only http and https addresses are supported",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        from newsterm.core.refresh import fetch_limits

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
