"""The ``newsterm`` program's entry point. ``newsterm unread`` is answered here from the
store alone when it can be (cli_unread.py: a status bar runs it every few seconds and
must not wait for the whole program to load); every other command goes to cli.main."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if command_of(args) == "unread":
        from newsterm.cli_unread import unread_quick

        try:
            code = unread_quick(args)
            sys.stdout.flush()
        except BrokenPipeError:
            from newsterm.cli import _pipe_closed

            return _pipe_closed()
        if code is not None:
            return code
    from newsterm.cli import main as full_main

    return full_main(args)


def command_of(argv: Sequence[str]) -> str | None:
    """The command word of a newsterm command line (None: the TUI, or an option the
    full parser answers, such as --help or --version)."""
    args = iter(argv)
    for arg in args:
        if arg in ("--config", "--data-dir"):
            next(args, None)
        elif arg.startswith(("--config=", "--data-dir=")):
            continue
        elif arg.startswith("-"):
            return None
        else:
            return arg
    return None
