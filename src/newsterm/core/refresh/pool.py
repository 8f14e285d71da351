"""The refresh's parsing processes: started as plain interpreters, fed over a socket.

Each worker is ``python -c "...serve(fd)"`` (:func:`newsterm.core.refresh.worker.serve`)
with one end of a socket pair; a job and its outcome cross it as length-prefixed
pickles. Jobs wait in one queue here; each worker holds at most :data:`DEPTH` of them
(one running, one ready in its socket), so a worker never waits for this process
between two feeds, and a worker stuck on a big feed never holds more than one other.

Why not ``ProcessPoolExecutor``: with the forkserver it takes two more processes
(the forkserver and the resource tracker, ~35 MB together) and two threads in this
one, each of which must win the GIL from the event loop to hand a job over. The
socket is read and written by the event loop itself (``add_reader``/``add_writer``),
from whichever loop runs the refresh (the CLI makes one per refresh).

Workers store one at a time: they share an ``flock`` on a lock file beside the store
(the kernel drops it when a worker dies). A worker that dies fails its own jobs
(:class:`WorkerDied`), and the next job gets a new worker.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import pickle
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsterm.core.errors import NewstermError
from newsterm.core.refresh.worker import HEADER, frame

log = logging.getLogger(__name__)

DEPTH = 2
"""Jobs a worker holds at most: the one it parses and the next."""
_RESPAWNS = 3
"""Workers that may die before the pool gives up (a broken install dies at once)."""


class WorkerDied(NewstermError):
    """A parsing process ended while it held this job."""


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    sock: socket.socket
    held: collections.deque[tuple[bytes, asyncio.Future[Any]]] = field(
        default_factory=collections.deque
    )
    """The frames sent and not answered, oldest (the one being parsed) first."""
    out: bytearray = field(default_factory=bytearray)
    inbox: bytearray = field(default_factory=bytearray)
    loop: asyncio.AbstractEventLoop | None = None
    writing: bool = False


class ParsePool:
    """``workers`` parsing processes, started by :meth:`start` (or the first job).

    One refresh uses it at a time (:class:`~newsterm.core.refresh.pipeline.Refresher`
    sees to it), from whichever thread and event loop runs that refresh."""

    def __init__(self, workers: int, lock_path: Path, log_file: str | None, yield_cpu: bool):
        self._size = max(1, workers)
        self._lock_path = lock_path
        self._log_file = log_file
        self._yield_cpu = yield_cpu
        self._workers: list[_Worker] = []
        self._queue: list[tuple[float, Any, asyncio.Future[Any]]] = []
        """Jobs no worker holds yet: (weight, payload, future), the payload pickled only
        when handed over (or a frame given back by a worker that died before it began)."""
        self._deaths = 0
        self._closed = False

    @property
    def started(self) -> bool:
        return bool(self._workers)

    def start(self) -> None:
        """Start the workers (they import the parsers while the feeds are fetched)."""
        while len(self._workers) < self._size and not self._closed:
            self._workers.append(self._spawn())

    async def run(self, payload: Any, weight: float = 0) -> Any:
        """What a worker's :func:`~newsterm.core.refresh.worker.serve` answers to
        ``payload``; raises :class:`WorkerDied` if its worker ended first.

        Of the jobs waiting, the heaviest goes first (a feed's size: the big ones early,
        so the last to end is a small one and the workers end together)."""
        if self._closed:
            raise WorkerDied("the refresh is closed")
        self.start()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((weight, payload, future))
        self._pump()
        return await future

    def close(self) -> None:
        """Stop taking jobs; each worker ends after the job it is on (its socket closed).
        From a thread other than the one running the pool's loop, the loop does it."""
        self._closed = True
        loop = next((w.loop for w in self._workers if w.loop is not None), None)
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if loop is not None and loop is not current and loop.is_running():
            loop.call_soon_threadsafe(self._close_now)
        else:
            self._close_now()

    def _close_now(self) -> None:
        for worker in self._workers:
            self._detach(worker)
            worker.sock.close()
            for _, future in worker.held:
                if not future.done():
                    future.set_exception(WorkerDied("the refresh is closed"))
        for _, _, future in self._queue:
            if not future.done():
                future.set_exception(WorkerDied("the refresh is closed"))
        self._queue.clear()
        self._workers = []

    # -- the workers -----------------------------------------------------------------

    def _spawn(self) -> _Worker:
        mine, theirs = socket.socketpair()
        # This process's own sys.path, as multiprocessing's spawn gives its children: the
        # worker imports the very newsterm this process runs.
        code = (
            f"import sys; sys.path[:] = {sys.path!r}; "
            "from newsterm.core.refresh.worker import serve; "
            f"serve({theirs.fileno()}, {str(self._lock_path)!r}, {self._log_file!r}, "
            f"{self._yield_cpu!r})"
        )
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", code],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                # under the TUI the terminal is the screen; the worker logs to the file
                stderr=subprocess.DEVNULL if self._log_file else None,
                pass_fds=(theirs.fileno(),),
                close_fds=True,
            )
        finally:
            theirs.close()
        mine.setblocking(False)
        return _Worker(process, mine)

    def _pump(self) -> None:
        """Hand waiting jobs to the workers holding the fewest."""
        while self._queue and not self._closed:
            alive = [w for w in self._workers if w.sock.fileno() >= 0]
            if len(alive) < self._size:
                if self._deaths > _RESPAWNS:
                    self._fail_queue("the parsing processes keep ending; see the log")
                    return
                self.start()
                alive = self._workers
            worker = min(alive, key=lambda w: len(w.held))
            if len(worker.held) >= DEPTH:
                return
            heaviest = max(range(len(self._queue)), key=lambda i: self._queue[i][0])
            _, payload, future = self._queue.pop(heaviest)
            if future.done():  # its refresh was cancelled
                continue
            self._attach(worker)
            data = payload if isinstance(payload, bytes) else frame(payload)
            worker.held.append((data, future))
            worker.out += data
            self._write(worker)

    def _fail_queue(self, message: str) -> None:
        while self._queue:
            _, _, future = self._queue.pop()
            if not future.done():
                future.set_exception(WorkerDied(message))

    def _attach(self, worker: _Worker) -> None:
        """Read ``worker``'s answers on the running loop (the CLI runs a loop a refresh)."""
        loop = asyncio.get_running_loop()
        if worker.loop is loop:
            return
        self._detach(worker)
        worker.loop = loop
        loop.add_reader(worker.sock.fileno(), self._readable, worker)

    def _detach(self, worker: _Worker) -> None:
        loop, worker.loop = worker.loop, None
        if loop is not None and not loop.is_closed() and worker.sock.fileno() >= 0:
            loop.remove_reader(worker.sock.fileno())
            if worker.writing:
                loop.remove_writer(worker.sock.fileno())
        worker.writing = False

    def _write(self, worker: _Worker) -> None:
        try:
            sent = worker.sock.send(worker.out) if worker.out else 0
        except BlockingIOError:
            sent = 0
        except OSError:
            self._died(worker)
            return
        del worker.out[:sent]
        want = bool(worker.out)
        if want != worker.writing and worker.loop is not None:
            if want:
                worker.loop.add_writer(worker.sock.fileno(), self._write, worker)
            else:
                worker.loop.remove_writer(worker.sock.fileno())
            worker.writing = want

    def _readable(self, worker: _Worker) -> None:
        try:
            data = worker.sock.recv(1 << 16)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._died(worker)
            return
        inbox = worker.inbox
        inbox += data
        while len(inbox) >= HEADER:
            size = int.from_bytes(inbox[:HEADER], "big")
            if len(inbox) < HEADER + size:
                break
            answer = pickle.loads(inbox[HEADER : HEADER + size])
            del inbox[: HEADER + size]
            _, future = worker.held.popleft()
            if not future.done():
                future.set_result(answer)
        self._pump()

    def _died(self, worker: _Worker) -> None:
        self._detach(worker)
        worker.sock.close()
        code = worker.process.poll()
        self._deaths += 1
        log.warning("a parsing process ended (exit code %s)", code)
        if worker.held:  # the job it was parsing fails; the ones it had not begun wait again
            _, future = worker.held.popleft()
            if not future.done():
                future.set_exception(WorkerDied(f"the parsing process ended (exit code {code})"))
            self._queue += [(float("inf"), data, future) for data, future in worker.held]
        self._workers = [w for w in self._workers if w is not worker]
        self._pump()


def lock_path_for(db_path: Path) -> Path:
    """The file the workers ``flock`` while one of them writes to ``db_path``."""
    return db_path.with_name(db_path.name + "-refresh.lock")


def worker_count() -> int:
    """Parsing processes: one a core, up to 4."""
    return max(1, min(4, os.cpu_count() or 1))
