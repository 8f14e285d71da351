"""Copying a link (core/clipboard.py): a clipboard tool found on PATH gets the text on
stdin, the terminal's OSC 52 is judged from the environment, and the message says
"Copied" only where it can have worked. The tools here are small scripts of ours."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from newsterm.core.clipboard import CopyResult, available_tools, copy, terminal_clipboard

URL = "https://example.org/a?b=1&c=$(reboot)"


def fake_tool(folder: Path, name: str, *, status: int = 0, output: str = "") -> Path:
    """A program called ``name`` that writes its stdin and arguments to files."""
    folder.mkdir(exist_ok=True)
    script = folder / name
    script.write_text(
        f"#!{sys.executable}\nimport sys, json\n"
        f"data = sys.stdin.read()\n"
        f"open({str(folder / (name + '.in'))!r}, 'w').write(data)\n"
        f"open({str(folder / (name + '.args'))!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
        f"sys.stdout.write({output!r})\n"
        f"sys.exit({status})\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_the_first_tool_with_its_display_gets_the_text_on_stdin(tmp_path: Path) -> None:
    fake_tool(tmp_path, "wl-copy")
    fake_tool(tmp_path, "xclip")
    env = {"PATH": str(tmp_path), "DISPLAY": ":0", "TERM": "dumb"}  # no Wayland here
    result = copy(URL, env)
    assert result.tool == "xclip"
    assert (tmp_path / "xclip.in").read_text() == URL
    assert (tmp_path / "xclip.args").read_text() == '["-selection", "clipboard"]'
    assert not (tmp_path / "wl-copy.in").exists()
    assert result.message() == f"Copied {URL}"


def test_a_failing_tool_hands_on_to_the_next(tmp_path: Path) -> None:
    fake_tool(tmp_path, "xclip", status=1)
    fake_tool(tmp_path, "xsel")
    result = copy(URL, {"PATH": str(tmp_path), "DISPLAY": ":0", "TERM": "dumb"})
    assert result.tool == "xsel"
    assert (tmp_path / "xsel.in").read_text() == URL


def test_tools_without_their_display_are_not_tried(tmp_path: Path) -> None:
    fake_tool(tmp_path, "wl-copy")
    fake_tool(tmp_path, "xclip")
    assert available_tools({"PATH": str(tmp_path)}) == []
    fake_tool(tmp_path, "pbcopy")
    assert available_tools({"PATH": str(tmp_path)}) == [[str(tmp_path / "pbcopy")]]


def test_nothing_to_copy_with_says_so_and_gives_the_link(tmp_path: Path) -> None:
    result = copy(URL, {"PATH": str(tmp_path), "TERM": "dumb"})
    assert result.tool is None and result.terminal == "no" and not result.copied
    message = result.message()
    assert message.startswith("Copy: no clipboard found") and message.endswith(
        f"; the link is {URL}"
    )
    assert "Copied" not in message


@pytest.mark.parametrize(
    ("env", "verdict"),
    [
        ({"TERM": "dumb"}, "no"),
        ({"TERM": "linux"}, "no"),
        ({}, "no"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "Apple_Terminal"}, "no"),
        ({"TERM": "screen-256color", "STY": "1.pts-0"}, "no"),
        ({"TERM": "xterm-kitty"}, "yes"),
        ({"TERM": "foot"}, "yes"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, "yes"),
        ({"TERM": "xterm-256color", "WT_SESSION": "x"}, "yes"),
        ({"TERM": "xterm-256color"}, "unknown"),
    ],
)
def test_the_terminal_is_judged_from_the_environment(env: dict[str, str], verdict: str) -> None:
    assert terminal_clipboard({"PATH": "", **env})[0] == verdict


@pytest.mark.parametrize(("option", "verdict"), [("on", "yes"), ("external", "no"), ("off", "no")])
def test_inside_tmux_only_set_clipboard_on_passes_osc52(
    tmp_path: Path, option: str, verdict: str
) -> None:
    fake_tool(tmp_path, "tmux", output=option + "\n")
    env = {"PATH": str(tmp_path), "TMUX": "/tmp/tmux-1/default,1,0", "TERM": "tmux-256color"}
    assert terminal_clipboard(env)[0] == verdict
    assert (tmp_path / "tmux.args").read_text() == '["show-options", "-sv", "set-clipboard"]'


def test_inside_tmux_that_cannot_be_asked_osc52_counts_as_lost(tmp_path: Path) -> None:
    verdict, why = terminal_clipboard({"PATH": str(tmp_path), "TMUX": "x", "TERM": "xterm-kitty"})
    assert verdict == "no" and "set-clipboard" in why


def test_a_terminal_that_may_take_it_is_not_called_certain() -> None:
    assert CopyResult(URL, None, "unknown").message() == (
        f"Copied through the terminal (if it allows it): {URL}"
    )
    assert CopyResult(URL, None, "yes").message() == f"Copied {URL}"
