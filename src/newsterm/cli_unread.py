"""``newsterm unread``, the quick way: a status bar or a shell prompt runs it every few
seconds, so it reads the counts from the store with sqlite3 alone (core/store/counts.py),
read-only, without the config, the Library or the rest of the program.

When the store cannot be read that way (not made yet, an older schema, damaged),
:func:`unread_quick` returns None and the ordinary command (cli_read.cmd_unread) runs
instead, which makes, updates or repairs the store first. Both print the same."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Sequence

from newsterm.cli_args import EXIT_FAILED, EXIT_OK, Parser, add_unread, common_options
from newsterm.core.paths import resolve_paths
from newsterm.core.store import counts


def unread_quick(argv: Sequence[str]) -> int | None:
    """Run ``newsterm unread …`` from the store alone; None: the full program must."""
    common = common_options()
    parser = Parser(prog="newsterm", parents=[common])
    add_unread(parser.add_subparsers(dest="command", parser_class=Parser), common)
    args = parser.parse_args(argv)
    paths = resolve_paths(getattr(args, "config", None), getattr(args, "data_dir", None))
    db = counts.open_read_only(paths.db)
    if db is None:
        return None
    try:
        with db:
            return _print_counts(db, args.section, args.json)
    except sqlite3.Error:
        return None  # the full program says what is wrong with the store
    finally:
        db.close()


def _print_counts(db: sqlite3.Connection, section: str | None, as_json: bool) -> int:
    wanted = section_parts(section)
    count = counts.section_unread(db, wanted) if wanted else counts.unread_total(db)
    by_section = {path: u for path, (u, _t) in counts.with_parents(counts.sections(db)).items()}
    return print_unread(count, by_section, section, as_json)


def section_parts(section: str | None) -> tuple[str, ...]:
    """``--section "World/Europe"`` as parts (as models.section_from_string reads it)."""
    return tuple(part.strip() for part in (section or "").split("/") if part.strip())


def print_unread(
    count: int | None,
    by_section: dict[tuple[str, ...], int],
    section: str | None,
    as_json: bool,
) -> int:
    """What ``newsterm unread`` prints, both ways: the count (None: no such section),
    or with ``--json`` the count and the unread of each section inside the one asked."""
    if count is None:
        print(f"newsterm: no section {section!r} (see `newsterm sections`)", file=sys.stderr)
        return EXIT_FAILED
    if not as_json:
        print(count)
        return EXIT_OK
    import json

    wanted = section_parts(section)
    inside = {
        "/".join(path): by_section[path]
        for path in sorted(by_section, key=lambda parts: [p.casefold() for p in parts])
        if path[: len(wanted)] == wanted
    }
    print(json.dumps({"unread": count, "sections": inside}, ensure_ascii=False))
    return EXIT_OK
