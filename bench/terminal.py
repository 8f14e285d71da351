"""Run a TUI in a real pseudo-terminal and time what appears on its screen.

    with Terminal(argv, env, cols=120, rows=40) as term:
        seconds = term.wait_for(b"NewestMarker")   # from process start
        term.send(END)
        term.wait_for(b"OldestMarker")
        peak_kb = term.tree_peak_kb()
        term.send(b"q"); term.wait_exit()

The markers are unique ASCII words without spaces, so they arrive as one run of bytes
whatever the program does between cells (Textual writes a segment's text in one
piece; ncurses may replace spaces by cursor moves). The output is drained all the
time, so the program never blocks on a full pty buffer.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time

END = b"\x1b[F"  # the End key, xterm normal cursor mode


def tree_pids(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def _status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            m = re.search(rf"^{field}:\s+(\d+)", f.read(), re.M)
    except OSError:
        return 0
    return int(m.group(1)) if m else 0


class Terminal:
    def __init__(
        self, argv: list[str], env: dict[str, str], *, cols: int = 120, rows: int = 40,
        cwd: str | os.PathLike | None = None,
    ) -> None:  # fmt: skip
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = dict(env, TERM="xterm-256color", COLUMNS=str(cols), LINES=str(rows))

        def controlling_tty() -> None:  # runs in the child, after setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
            start_new_session=True, preexec_fn=controlling_tty, close_fds=True,
        )  # fmt: skip
        os.close(slave)
        self.output = bytearray()
        self._searched = 0
        self.peak_tree_kb = 0

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pump(self, timeout: float) -> bool:
        """Read what is there (waiting up to timeout); False at end of output."""
        ready, _, _ = select.select([self.master], [], [], max(0.0, timeout))
        if not ready:
            return True
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        if not data:
            return False
        self.output += data
        self._answer_queries(data)
        return True

    def _answer_queries(self, data: bytes) -> None:
        # A cursor position request (ESC [6n) gets an answer, as a terminal would.
        if b"\x1b[6n" in data:
            self.send(b"\x1b[1;1R")

    def sample_memory(self) -> int:
        kb = sum(_status_kb(pid, "VmRSS") for pid in tree_pids(self.proc.pid))
        self.peak_tree_kb = max(self.peak_tree_kb, kb)
        return kb

    def wait_for(self, marker: bytes, timeout: float = 60.0) -> float:
        """Seconds from process start until `marker` has been written to the screen."""
        deadline = time.perf_counter() + timeout
        last_sample = 0.0
        while True:
            found = self.output.find(marker, max(0, self._searched - len(marker)))
            if found >= 0:
                self._searched = found + len(marker)
                return time.perf_counter() - self.started
            self._searched = len(self.output)
            now = time.perf_counter()
            if now > deadline:
                tail = bytes(self.output[-600:])
                raise TimeoutError(f"{marker!r} not on screen after {timeout:g} s; last: {tail!r}")
            if now - last_sample > 0.05:
                self.sample_memory()
                last_sample = now
            if not self._pump(min(0.05, deadline - now)):
                if self.output.find(marker, max(0, self._searched - len(marker))) >= 0:
                    continue
                raise RuntimeError(
                    f"program ended before {marker!r} appeared: {bytes(self.output[-600:])!r}"
                )

    def settle(self, quiet: float = 0.3, limit: float = 5.0) -> None:
        """Drain output until nothing came for `quiet` seconds."""
        end = time.perf_counter() + limit
        last = time.perf_counter()
        size = len(self.output)
        while time.perf_counter() < end:
            if not self._pump(0.05):
                return
            self.sample_memory()
            if len(self.output) != size:
                size, last = len(self.output), time.perf_counter()
            elif time.perf_counter() - last >= quiet:
                return

    def tree_peak_kb(self) -> int:
        """Peak RSS of the process tree: the sum of each process's high-water mark
        (VmHWM; exact for one process), or the largest sampled sum if larger."""
        hwm = sum(_status_kb(pid, "VmHWM") for pid in tree_pids(self.proc.pid))
        self.sample_memory()
        return max(hwm, self.peak_tree_kb)

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def wait_exit(self, timeout: float = 10.0) -> int | None:
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            if self.proc.poll() is not None:
                return self.proc.returncode
            if not self._pump(0.05) and self.proc.poll() is not None:
                return self.proc.returncode
        return None

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        with contextlib.suppress(OSError):
            os.close(self.master)
