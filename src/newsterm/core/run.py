"""Running the user's commands (hooks, pipes, notify-send): the one place newsterm
starts a program of the config's.

The rules, kept here for every caller: a command is an argument list from the user's
own feeds.toml, started without a shell; article data reaches it only on stdin (or in
environment variables the caller names), never in its arguments; it runs in a session
of its own, with a time limit after which it and its children are killed; what it
prints is captured (bounded), never written to our terminal. A command that needs
the terminal (a pager) is the UI's to run, with the reader suspended (it uses
:func:`command_argv` and :func:`command_env` too).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from newsterm.core.text import clean_line, clean_text

OUTPUT_MAX = 64 * 1024
"""Bytes of a command's stdout and of its stderr kept (the rest is dropped)."""


@dataclass(frozen=True, slots=True)
class Finished:
    """How a command ended."""

    argv: tuple[str, ...]
    returncode: int | None
    """None when it never started."""
    stdout: str = ""
    """What it printed (controls removed, at most :data:`OUTPUT_MAX` bytes)."""
    stderr: str = ""
    timed_out: bool = False
    error: str | None = None
    """Why it could not start."""

    @property
    def ok(self) -> bool:
        return self.error is None and not self.timed_out and self.returncode == 0

    def problem(self, seconds: float) -> str | None:
        """One line saying what went wrong, or None when it worked."""
        name = clean_line(Path(self.argv[0]).name if self.argv else "?", 60)
        if self.error is not None:
            return f"{name}: {self.error}"
        if self.timed_out:
            return f"{name}: stopped after {seconds:g} s (its time limit)"
        if self.returncode != 0:
            code = self.returncode or 0
            how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
            last = next((ln for ln in reversed(self.stderr.splitlines()) if ln.strip()), "")
            return f"{name}: {how}" + (f": {clean_line(last, 160)}" if last else "")
        return None


def command_argv(argv: Sequence[str]) -> list[str]:
    """The argv to start: ``~`` in the program's name is the home folder."""
    return [os.path.expanduser(argv[0]), *argv[1:]]


def command_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Our environment, with the caller's variables (``NEWSTERM_…``) added."""
    env = dict(os.environ)
    env.update(extra or {})
    return env


def run(
    argv: Sequence[str],
    stdin: bytes | Iterable[bytes] = b"",
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    cancel: threading.Event | None = None,
) -> Finished:
    """Run ``argv`` (no shell) with ``stdin`` written to it, for at most ``timeout``
    seconds (or until ``cancel`` is set); never raises for the command's own trouble.

    ``stdin`` may be an iterable of chunks, written as the command reads them."""
    args = tuple(argv)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            process = subprocess.Popen(  # noqa: S603 - an argv list, never a shell
                command_argv(args),
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=err,
                env=command_env(env),
                cwd=cwd,
                start_new_session=True,
                close_fds=True,
            )
        except FileNotFoundError:
            return Finished(args, None, error="program not found")
        except PermissionError:
            return Finished(args, None, error="not allowed to run it (permissions)")
        except OSError as exc:
            return Finished(args, None, error=f"cannot start it: {exc.strerror or exc}")
        stopped = threading.Event()
        ended = threading.Event()
        wake = cancel or threading.Event()

        def watch() -> None:
            wake.wait(timeout)
            if not ended.is_set():
                stopped.set()
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)

        watcher = threading.Thread(target=watch, name="command-time-limit", daemon=True)
        watcher.start()
        try:
            _feed(process.stdin, stdin)
            returncode = process.wait()
        finally:
            ended.set()
            if cancel is None:
                wake.set()
        if stopped.is_set():  # its children too, if it left any
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        return Finished(args, returncode, _read(out), _read(err), timed_out=stopped.is_set())


def _feed(pipe: IO[bytes] | None, data: bytes | Iterable[bytes]) -> None:
    """Write ``data`` to the command's stdin and close it; a command that stops reading
    (it exited, or never reads) ends the writing, not the caller."""
    if pipe is None:
        return
    try:
        for chunk in [data] if isinstance(data, bytes) else data:
            if chunk:
                pipe.write(chunk)
    except (BrokenPipeError, OSError):
        pass
    finally:
        with contextlib.suppress(BrokenPipeError, OSError):
            pipe.close()


def _read(file: IO[bytes]) -> str:
    file.seek(0)
    data = file.read(OUTPUT_MAX)
    return clean_text(data.decode("utf-8", errors="replace"))
