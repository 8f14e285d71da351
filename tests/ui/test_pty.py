"""Issue 6, end to end: the real ``python -m newsterm`` in a pseudo-terminal.

A local server serves a feed with terminal control sequences in every field (and feeds
whose URL holds a password). The app starts in a pty (xterm-256color, 140x40), refreshes,
shows the hostile article, and quits on ``q``. Every byte it wrote to the terminal is
kept, and none of the planted sequences may be among them. Textual writes escape
sequences of its own, so the tests look for the payloads, never for "any ESC".
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsterm.core.text import has_control

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile"
sys.path.insert(0, str(HOSTILE))
import hostile  # noqa: E402

PASSWORD = "hunter2secret"
USERINFO = f"reader:{PASSWORD}"
ROWS, COLUMNS = 40, 140
RSS = {"Content-Type": "application/rss+xml"}

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")


@dataclass
class Run:
    output: bytes
    """Every byte the app wrote to the terminal."""
    status: int
    """The exit status from ``waitpid``."""
    log: str
    """The app's log file (empty when it wrote none)."""
    steps: list[str]
    """What the run saw happen, in order (for failure messages)."""
    requests: list[str]


def _read(fd: int, buffer: bytearray, seconds: float) -> bool:
    """Read what the app writes for up to ``seconds``; False once the pty is closed."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed its side
            return False
        if not chunk:
            return False
        buffer.extend(chunk)
    return True


def _wait_for(fd: int, buffer: bytearray, marker: bytes, seconds: float, start: int = 0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if marker in buffer[start:]:
            return True
        if not _read(fd, buffer, 0.2):
            return marker in buffer[start:]
    return marker in buffer[start:]


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSTERM_", "TEXTUAL"))}
    env.update(
        TERM="xterm-256color",
        COLORTERM="truecolor",
        XDG_CONFIG_HOME=str(tmp_path / "xdg-config"),
        XDG_DATA_HOME=str(tmp_path / "xdg-data"),
        XDG_CACHE_HOME=str(tmp_path / "xdg-cache"),
    )
    env.pop("BROWSER", None)
    return env


def _session(tmp_path: Path, args: list[str], title: bytes, body: bytes) -> Run:
    """Run ``newsterm ARGS`` in a pty: wait for ``title`` in the list, open the article
    under the cursor (Enter) and wait for ``body``, go to its end (G), focus the sidebar
    (Tab), quit (q). Returns every byte written and what happened."""
    argv = [sys.executable, "-m", "newsterm", *args]
    env = _environment(tmp_path)
    pid, fd = pty.fork()
    if pid == 0:  # the child: size the terminal, then become newsterm
        try:
            winsize = struct.pack("HHHH", ROWS, COLUMNS, 0, 0)
            fcntl.ioctl(0, termios.TIOCSWINSZ, winsize)  # fd 0 is the pty now
            os.chdir(tmp_path)
            os.execve(sys.executable, argv, env)
        finally:
            os._exit(127)
    buffer = bytearray()
    steps: list[str] = []
    status = -1
    try:
        if _wait_for(fd, buffer, title, 90):
            steps.append("list shows the hostile title")
        _read(fd, buffer, 1.0)  # let a refresh settle
        mark = len(buffer)
        os.write(fd, b"\r")  # open the article under the cursor
        if _wait_for(fd, buffer, body, 30, mark):
            steps.append("article opened")
        os.write(fd, b"G")  # to its end
        _read(fd, buffer, 1.0)
        os.write(fd, b"\t")  # focus the sidebar, where the feed's title is drawn
        _read(fd, buffer, 1.0)
        os.write(fd, b"q")
        _read(fd, buffer, 20)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                steps.append("exited")
                break
            time.sleep(0.1)
    finally:
        if status == -1:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    return Run(bytes(buffer), status, "", steps, [])


def _run_app(tmp_path: Path, server: hostile.FeedServer) -> Run:
    config = tmp_path / "feeds.toml"
    config.write_text(
        "[settings]\nrefresh_on_start = true\ntimeout_seconds = 20\n\n"
        f'[[feeds]]\nurl = "{server.url("/hostile.xml")}"\nsection = "EVILSECTION"\n\n'
        f'[[feeds]]\nurl = "{server.url("/private.xml", USERINFO)}"\n\n'
        f'[[feeds]]\nurl = "{server.url("/crash.xml", USERINFO)}"\n'
    )
    data = tmp_path / "data"
    args = ["--config", str(config), "--data-dir", str(data)]
    result = _session(tmp_path, args, b"EVILTITLE", b"EVILBODY")
    log_file = data / "newsterm.log"
    result.log = log_file.read_text("utf-8", "replace") if log_file.exists() else ""
    result.requests = server.paths()
    return result


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    with hostile.FeedServer() as server:
        server.routes["/hostile.xml"] = (200, RSS, hostile.controls_feed(as_refs=False))
        server.routes["/crash.xml"] = (200, RSS, hostile.feedparser_crash_feed())
        yield _run_app(tmp_path_factory.mktemp("pty"), server)


def test_the_app_showed_the_hostile_article_and_quit(run: Run) -> None:
    assert run.steps == ["list shows the hostile title", "article opened", "exited"], run.steps
    assert os.WIFEXITED(run.status) and os.WEXITSTATUS(run.status) == 0
    assert {"/hostile.xml", "/private.xml", "/crash.xml"} <= set(run.requests)
    screen = run.output.decode("utf-8", "replace")
    for marker in ("EVILTITLE", "EVILBODY", "EVILAUTHOR", "EVILFEED", "EVILSECTION"):
        assert marker in screen, marker


@pytest.mark.parametrize("name", sorted(hostile.TERMINAL_PAYLOADS))
def test_no_planted_sequence_reached_the_terminal(run: Run, name: str) -> None:
    payload = hostile.TERMINAL_PAYLOADS[name]
    where = run.output.find(payload)
    assert where == -1, f"{name} written at byte {where}: {run.output[where - 40 : where + 40]!r}"


def test_no_hyperlink_or_title_sequence_carries_data(run: Run) -> None:
    # OSC 8 (hyperlinks) and OSC 0/1/2 (titles) may only come from Textual, never with data.
    for match in re.finditer(rb"\x1b\](\d+);([^\x07\x1b]*)", run.output):
        body = match.group(2).lower()
        for word in (b"evil", b"javascript", b"ZXZpbA".lower(), b"127.0.0.1"):
            assert word not in body, match.group(0)


def test_the_remains_of_the_payloads_are_inert_text(run: Run) -> None:
    # What is left of "ESC ] 52 ; c ; ZXZpbA== BEL" once ESC and BEL are gone is drawn as text.
    screen = run.output.decode("utf-8", "replace")
    assert "]52;c;ZXZpbA==" in screen
    assert "\x1b]52;c;ZXZpbA==" not in screen


def test_the_password_is_never_on_screen_or_in_the_log(run: Run) -> None:
    # The crash feed makes the parser log a warning naming the feed: it must be there,
    # without the password, and in the log file, never drawn over the screen.
    assert "feedparser failed on http://127.0.0.1:" in run.log
    assert PASSWORD.encode() not in run.output
    assert PASSWORD not in run.log
    assert b"feedparser failed" not in run.output
    assert b"Traceback" not in run.output


def test_the_log_file_holds_no_control_characters(run: Run) -> None:
    assert not has_control(run.log.replace("\n", "").replace("\t", ""))


# --- newsterm read: local files whose names hold control sequences --------------------------

READ_PAYLOADS = {
    "OSC 0 in a folder name": b"\x1b]0;evil-folder",
    "OSC 52 in a sub-folder name": b"\x1b]52;c;Zm9sZGVy",
    "RLO in a file name": "\u202e".encode(),
    "ESC in a file name": b"\x1b\x1b",
}


@pytest.fixture(scope="module")
def read_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("pty-read")
    folder = root / "saved\x1b]0;evil-folder\x07"
    sub = folder / "sub\x1b]52;c;Zm9sZGVy\x07"
    sub.mkdir(parents=True)
    (sub / "article.txt").write_text(
        "Home » News » READTITLE one\n\nREADTITLE one\n\nREADBODY text.\n"
    )
    (folder / "\u202e\x1b\x1b.txt").write_text("")  # a name that is nothing but controls
    return _session(root, ["read", str(folder), "--data-dir", str(root / "data")],
                    b"READTITLE", b"READBODY")  # fmt: skip


def test_read_showed_the_local_article_and_quit(read_run: Run) -> None:
    assert read_run.steps == ["list shows the hostile title", "article opened", "exited"]


@pytest.mark.parametrize("name", sorted(READ_PAYLOADS))
def test_no_sequence_from_a_file_name_reached_the_terminal(read_run: Run, name: str) -> None:
    payload = READ_PAYLOADS[name]
    where = read_run.output.find(payload)
    assert where == -1, (
        f"{name} written at byte {where}: {read_run.output[where - 40 : where + 40]!r}"
    )
