"""Article extraction in worker processes that are killed past their time limit.

:mod:`newsterm.core.sources.extract` bounds a page before trafilatura reads it, but a
page can still be slow to read (seconds for 10,000 table cells), so it never runs in
the process that draws the UI, and never longer than :data:`EXTRACT_SECONDS`: each
worker is a process of its own that is killed when its page takes too long, or dies
when it outgrows :data:`MEMORY_MB` (then the next page gets a new worker). The refresh's
process pool (``pipeline.py``) cannot do that: a task there cannot be stopped.

:meth:`ExtractorPool.extract` blocks its thread: async callers use ``asyncio.to_thread``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from newsterm.core.sources.extract import Extraction, NotExtracted

log = logging.getLogger(__name__)

EXTRACT_SECONDS = 8.0
"""Longest time one page may take (real pages take 20-300 ms)."""
MEMORY_MB = 1536
"""Address space a worker may use (trafilatura's own runs up to ~250 MB)."""
WORKERS = 2
"""Pages read at once."""

_STARTING = threading.Lock()
"""Held while a worker process starts."""
_helpers_started = False
"""The forkserver and the resource tracker were started (by this module)."""


class ExtractorPool:
    """Workers that extract articles; made at the first page, stopped by :meth:`close`.

    Thread-safe: up to ``workers`` pages are read at once, the others wait their turn.
    """

    def __init__(
        self,
        workers: int = WORKERS,
        timeout: float = EXTRACT_SECONDS,
        memory_mb: int = MEMORY_MB,
    ) -> None:
        self.timeout = timeout
        self._memory = memory_mb * 1024 * 1024
        self._turns = threading.BoundedSemaphore(max(1, workers))
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._closed = False

    def extract(self, page: str | bytes, url: str | None, charset: str | None = None) -> Extraction:
        """The article of ``page`` (see :func:`~newsterm.core.sources.extract.extract_page`),
        or why there is none; never raises for a bad page."""
        from newsterm.core.sources.extract import extract_page

        result = self.run(extract_page, page, url, charset)
        return result if result is not None else NotExtracted("the page could not be read")

    def run(self, function: Callable[..., Any], *args: Any, timeout: float | None = None) -> Any:
        """``function(*args)`` in a worker (a module-level function, and arguments that
        pickle). A :class:`NotExtracted` when it took too long or its worker died."""
        limit = self.timeout if timeout is None else timeout
        with self._turns:
            worker = self._take()
            try:
                result = worker.call(function, args, limit)
            except TimeoutError:
                worker.kill()
                log.info("extraction stopped after %g s", limit)
                return NotExtracted(f"reading the page took over {limit:g} s")
            except (EOFError, OSError, BrokenPipeError) as exc:
                worker.kill()
                if self._closed:
                    return NotExtracted("newsterm is closing")
                log.warning("extraction worker died: %s", exc)
                return NotExtracted("the page could not be read (too large or too complex)")
            finally:
                with self._lock:
                    self._busy.discard(worker)
            self._give(worker)
            return result

    def close(self) -> None:
        """Stop the workers; a page being read is given up (its caller is answered)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = list(self._busy)
        for worker in idle:
            worker.stop()
        for worker in busy:  # its caller's wait then ends (the pipe closes)
            worker.end_process()

    def _take(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise RuntimeError("extractor pool is closed")
            worker = self._idle.pop() if self._idle else None
        if worker is None:
            worker = _Worker.start(self._memory)
        with self._lock:
            self._busy.add(worker)
        return worker

    def _give(self, worker: _Worker) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(worker)
                return
        worker.stop()


class _Worker:
    """One extraction process and the pipe to it."""

    def __init__(self, process: Any, connection: Connection) -> None:
        self._process = process
        self._connection = connection

    @classmethod
    def start(cls, memory: int) -> _Worker:
        import multiprocessing
        from multiprocessing import forkserver, resource_tracker

        global _helpers_started
        context = multiprocessing.get_context("forkserver")
        with _STARTING:
            if not _helpers_started:
                # As the refresh's pool does: under the TUI sys.stderr is Textual's
                # capture, whose descriptor cannot be passed on to the helper
                # processes. Once, and by one thread at a time: two threads swapping
                # it at once could leave the real stderr in place, under the TUI.
                captured, sys.stderr = sys.stderr, sys.__stderr__
                try:
                    resource_tracker.ensure_running()
                    forkserver.ensure_running()  # type: ignore[attr-defined]
                    _helpers_started = True
                finally:
                    if sys.stderr is sys.__stderr__:
                        sys.stderr = captured
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_serve,
                args=(theirs, _log_file(), memory),
                name="newsterm-extract",
                daemon=True,
            )
            process.start()
        theirs.close()
        return cls(process, ours)

    def call(self, function: Callable[..., Any], args: tuple[Any, ...], timeout: float) -> Any:
        self._connection.send((function, args))
        if not self._connection.poll(timeout):
            raise TimeoutError
        return self._connection.recv()

    def end_process(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._process.kill()
            self._process.join(2)

    def kill(self) -> None:
        self.end_process()
        self._connection.close()

    def stop(self) -> None:
        try:
            self._connection.send(None)
            self._process.join(1)
        except (OSError, ValueError, BrokenPipeError):
            pass
        if self._process.is_alive():
            self.kill()
        else:
            self._connection.close()


def _log_file() -> str | None:
    return next(
        (
            h.baseFilename
            for h in logging.getLogger().handlers
            if isinstance(h, logging.FileHandler)
        ),
        None,
    )


def _serve(connection: Connection, log_file: str | None, memory: int) -> None:
    """A worker's life: take a call, answer it, until told to stop (None) or killed."""
    _limit(memory)
    if log_file is not None:
        logging.basicConfig(
            filename=log_file,
            level=logging.WARNING,
            force=True,
            format="%(asctime)s %(levelname)s %(name)s[extract]: %(message)s",
        )
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - never write over the TUI
    # trafilatura and htmldate say much about pages they find odd: not ours to show.
    for name in ("trafilatura", "htmldate", "courlan", "justext", "charset_normalizer"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    with contextlib.suppress(OSError):
        os.nice(5)  # the UI comes first
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        function, args = message
        try:
            result = function(*args)
        except MemoryError:
            result = NotExtracted("the page is too large to read")
        except Exception as exc:  # a bug in a library must not end the worker
            log.warning("extraction failed", exc_info=True)
            result = NotExtracted(f"the page could not be read ({type(exc).__name__})")
        try:
            connection.send(result)
        except (OSError, ValueError):
            return


def _limit(memory: int) -> None:
    """Cap the worker's address space: a page that would need more fails alone."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):  # not on every platform
        pass
