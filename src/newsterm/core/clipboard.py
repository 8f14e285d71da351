"""Copying a link: a system clipboard tool, or the terminal's own clipboard (OSC 52),
and whether either can have worked, so the reader is told the truth.

OSC 52 is a request written to the terminal; nothing answers it. Whether it can work
is judged from the environment: a terminal known to take it, one known to drop it
(``TERM=dumb``, the Linux console, macOS Terminal, GNU screen, tmux without
``set-clipboard on``), or one we cannot tell. Tools run as an argument list with the
text on stdin, never through a shell. No Textual here: the UI sends the OSC 52.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["yes", "no", "unknown"]
"""Can the terminal's clipboard (OSC 52) take a copy?"""

TOOL_SECONDS = 2.0
"""How long a clipboard tool may take (xclip and wl-copy stay behind as a daemon; the
command itself returns at once)."""


@dataclass(frozen=True, slots=True)
class Tool:
    """A clipboard program and what it needs to reach a clipboard."""

    argv: tuple[str, ...]
    """The command; the text goes to its stdin."""
    needs: str | None
    """An environment variable that must be set (the display it talks to), if any."""


TOOLS: tuple[Tool, ...] = (
    Tool(("wl-copy",), "WAYLAND_DISPLAY"),
    Tool(("xclip", "-selection", "clipboard"), "DISPLAY"),
    Tool(("xsel", "--clipboard", "--input"), "DISPLAY"),
    Tool(("pbcopy",), None),
)
"""Tried in this order; the first that takes the text wins."""

OSC52_TERMINALS = ("xterm-kitty", "foot", "alacritty", "xterm-ghostty", "wezterm", "contour")
"""``TERM`` values (prefixes) of terminals that take OSC 52 by default."""
OSC52_PROGRAMS = ("WezTerm", "ghostty", "kitty")
"""``TERM_PROGRAM`` values of terminals that take OSC 52 by default."""
NO_OSC52_TERMINALS = ("", "dumb", "linux", "cons25")


@dataclass(frozen=True, slots=True)
class CopyResult:
    """What a copy reached."""

    text: str
    tool: str | None
    """The clipboard program that took the text, if one did."""
    terminal: Verdict
    """Whether the terminal's clipboard can have taken it (OSC 52)."""
    why: str = ""
    """Why the terminal's clipboard cannot, when it cannot."""

    @property
    def copied(self) -> bool:
        return self.tool is not None or self.terminal != "no"

    def message(self) -> str:
        """One line for the reader: "Copied" only where it can have worked."""
        if self.tool is not None or self.terminal == "yes":
            return f"Copied {self.text}"
        if self.terminal == "unknown":
            return f"Copied through the terminal (if it allows it): {self.text}"
        return f"Copy: no clipboard found ({self.why}); the link is {self.text}"


def terminal_clipboard(environ: Mapping[str, str]) -> tuple[Verdict, str]:
    """Whether OSC 52 written now can reach a clipboard, and if not, why."""
    term = environ.get("TERM", "")
    if environ.get("TMUX"):
        # tmux passes OSC 52 on (and keeps it as a buffer) only with set-clipboard on;
        # its default, "external", drops what programs inside it send.
        option = _tmux_option(environ)
        if option == "on":
            return "yes", ""
        return "no", f"tmux set-clipboard is {option or 'unknown'}, not on"
    if environ.get("STY") or term.startswith("screen"):
        return "no", "GNU screen does not pass it on"
    if term in NO_OSC52_TERMINALS:
        return "no", f"TERM is {term or 'unset'}"
    if environ.get("TERM_PROGRAM") == "Apple_Terminal":
        return "no", "macOS Terminal does not take it"
    if (
        term.startswith(OSC52_TERMINALS)
        or environ.get("TERM_PROGRAM") in OSC52_PROGRAMS
        or environ.get("KITTY_WINDOW_ID")
        or environ.get("WT_SESSION")  # Windows Terminal
    ):
        return "yes", ""
    return "unknown", ""


def _tmux_option(environ: Mapping[str, str]) -> str | None:
    tmux = shutil.which("tmux", path=environ.get("PATH"))
    if tmux is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603 - a list, never a shell
            [tmux, "show-options", "-sv", "set-clipboard"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=TOOL_SECONDS,
            env=dict(environ),
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode(errors="replace").strip() or None


def available_tools(environ: Mapping[str, str]) -> list[list[str]]:
    """The argv of each clipboard tool that is installed and has its display."""
    found = []
    for tool in TOOLS:
        if tool.needs and not environ.get(tool.needs):
            continue
        program = shutil.which(tool.argv[0], path=environ.get("PATH"))
        if program is not None:
            found.append([program, *tool.argv[1:]])
    return found


def copy_with_tool(text: str, environ: Mapping[str, str]) -> str | None:
    """Give ``text`` to the first clipboard tool that takes it; returns its name."""
    for argv in available_tools(environ):
        try:
            done = subprocess.run(  # noqa: S603 - a list, never a shell
                argv,
                input=text.encode("utf-8"),
                # Not pipes: xclip's daemon keeps them open, and we would wait for it.
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=TOOL_SECONDS,
                env=dict(environ),
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        if done.returncode == 0:
            return argv[0].rsplit("/", 1)[-1]
    return None


def copy(text: str, environ: Mapping[str, str]) -> CopyResult:
    """Copy ``text`` with a tool where one works, and judge the terminal's clipboard
    (the caller sends OSC 52 itself)."""
    verdict, why = terminal_clipboard(environ)
    return CopyResult(text, copy_with_tool(text, environ), verdict, why)
