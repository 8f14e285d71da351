"""The worker-process side of a refresh: parse one fetched feed and store it.

Runs in the refresh's parsing processes (:mod:`newsterm.core.refresh.pool`, started by
:mod:`newsterm.core.refresh.pipeline`), never in the process that draws the UI.
:func:`serve` is such a process's main loop. Everything that crosses the process
boundary is a frozen dataclass: a :class:`FeedJob` goes in, an :data:`Outcome` comes back.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsterm.core.bodies import Compressor, build_zdict
from newsterm.core.errors import ParseError, StoreError
from newsterm.core.models import Article, SectionPath
from newsterm.core.store import SaveResult, Store
from newsterm.core.store.prepare import Prepared, fingerprint, prepare

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FeedJob:
    """What a worker needs, besides the body, to parse and store one fetched feed."""

    key: str
    url: str
    content_type: str | None
    section: SectionPath
    keep_days: int
    max_articles: int
    body_hash: str
    validators: dict[str, str | None]


@dataclass(frozen=True, slots=True)
class Stored:
    """The feed was parsed and its articles stored."""

    title: str | None
    """The feed's own title (None when it has none)."""
    saved: SaveResult
    warning: str | None
    """Something the reader should know, e.g. the feed was read leniently."""


@dataclass(frozen=True, slots=True)
class Failed:
    """The feed could not be parsed or stored; its stored articles are untouched."""

    error: str
    """One line for the reader (also recorded on the feed when the store allows)."""


Outcome = Stored | Failed


@dataclass(frozen=True, slots=True)
class Parsed:
    """A parsed feed, its articles made ready for their rows."""

    title: str | None
    link: str | None
    warning: str | None
    rows: list[Prepared]
    """New or changed articles only."""
    present: frozenset[str]
    """Every article id the feed lists (retention never prunes these)."""
    zdict: bytes | None
    """A new compression dictionary for the feed, which ``rows`` use; else None."""


_worker_stores: dict[str, Store] = {}
"""Each worker process's connection to the store, by path (opened on first use)."""
_write_lock: Any = contextlib.nullcontext()
"""Held while a worker stores (see :func:`worker_init`)."""


def worker_init(log_file: str | None, write_lock: Any, yield_cpu: bool = True) -> None:
    """A parser process logs where the app logs; under the TUI it never writes to the
    terminal (its stderr would draw over the screen). ``write_lock`` is shared by the
    workers: one stores at a time, and the others wait on it, not in SQLite's busy
    handler, which sleeps in steps of up to 100 ms. ``yield_cpu``: a UI draws in the
    process that made the pool, so the workers run at a lower priority."""
    global _write_lock
    _write_lock = write_lock if write_lock is not None else contextlib.nullcontext()
    if log_file is not None:
        logging.basicConfig(
            filename=log_file,
            level=logging.WARNING,
            force=True,
            format="%(asctime)s %(levelname)s %(name)s[worker]: %(message)s",
        )
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the process's lifetime
    # Parsing yields to the UI: on 2 cores the workers otherwise starve the event loop
    # (key -> frame p90 of 230 ms during a refresh). A headless refresh (cron, the
    # command line) has nothing to yield to: niced, it waited for every other program
    # on a busy machine (8.9 s instead of ~5 s for the bench's 305 real feeds).
    if yield_cpu:
        with contextlib.suppress(OSError):
            os.nice(5)


class FileLock:
    """An exclusive ``flock`` on ``path`` while held (the kernel drops it with its
    process, so a worker that dies never leaves the others waiting)."""

    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def __enter__(self) -> None:
        import fcntl

        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        import fcntl

        fcntl.flock(self._fd, fcntl.LOCK_UN)


HEADER = 8
"""Bytes of a frame's length, before its pickle."""


def frame(payload: object) -> bytes:
    """``payload`` pickled, after its length (:data:`HEADER` bytes, big-endian)."""
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(HEADER, "big") + data


def serve(fd: int, lock_path: str, log_file: str | None, yield_cpu: bool) -> None:
    """A parsing process's life: read ``(db_path, body, job)`` frames from the socket
    ``fd``, answer each with ``(True, outcome)`` or ``(False, exception)``; end when
    the socket closes (the refresh closed, or its process ended)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ctrl+c is the refresh's to handle
    sock = socket.socket(fileno=fd)
    worker_init(log_file, FileLock(lock_path), yield_cpu)
    from newsterm.core.sources import feeds  # noqa: F401 - the parsers, before the first feed

    reader = sock.makefile("rb")
    while True:
        header = reader.read(HEADER)
        if len(header) < HEADER:
            return
        size = int.from_bytes(header, "big")
        data = reader.read(size)
        if len(data) < size:
            return
        db_path, body, job = pickle.loads(data)
        try:
            answer: tuple[bool, object] = (True, parse_and_store(db_path, body, job))
        except Exception as exc:  # the coordinator reports it on the feed
            log.warning("%s: parsing failed", getattr(job, "key", "?"), exc_info=True)
            answer = (False, exc)
        try:
            reply = frame(answer)
        except Exception:  # an exception that does not pickle
            reply = frame((False, RuntimeError(f"{type(answer[1]).__name__}: {answer[1]}")))
        try:
            sock.sendall(reply)
        except OSError:  # the refresh went away
            return


def parse_and_store(db_path: str, body: bytes, job: FeedJob) -> Outcome:
    """Parse the feed and store it in one transaction (in a worker process)."""
    store = _worker_stores.get(db_path)
    try:
        if store is None:
            store = _worker_stores[db_path] = Store.attach(Path(db_path))
        known, zdict = store.fingerprints_and_zdict(job.key)
        parsed = parse(body, job.key, job.url, job.content_type, job.section, known, zdict)
        if isinstance(parsed, Failed):  # the same body is not parsed again (its hash is kept)
            store.record_fetch(job.key, ok=False, error=parsed.error, body_hash=job.body_hash)
            return parsed
        with _write_lock:
            saved = store.save_feed(
                job.key,
                parsed.rows,
                title=parsed.title,
                link=parsed.link,
                present=parsed.present,
                keep_days=job.keep_days,
                max_articles=job.max_articles,
                zdict=parsed.zdict,
                body_hash=job.body_hash,
                **job.validators,
            )
    except StoreError as exc:
        # Busy (another program writing for longer than the busy timeout) or broken:
        # nothing of this feed was written; the next refresh fetches it again.
        log.warning("%s: not stored: %s", job.key, exc)
        return Failed(f"not stored: {exc}")
    return Stored(parsed.title, saved, parsed.warning)


def parse(
    body: bytes,
    key: str,
    url: str,
    content_type: str | None,
    section: SectionPath,
    known: dict[str, str],
    zdict: bytes | None,
) -> Parsed | Failed:
    """Parse, and prepare the rows of new or changed articles (in a worker process).

    Bodies are compressed with the feed's dictionary ``zdict``; a feed without one gets
    one made from this fetch's bodies when they are enough to pay for it.
    """
    from newsterm.core.sources.feeds import parse_feed

    try:
        feed = parse_feed(body, key, url, content_type)
    except ParseError as exc:
        return Failed(str(exc))
    changed: list[tuple[Article, str]] = []
    for article in feed.articles:  # (the section is no part of the fingerprint)
        fp = fingerprint(article)
        if known.get(article.key.id) != fp:
            changed.append((article, fp))
    new_zdict = None
    if zdict is None and changed:  # from every body the feed lists, new or stored
        zdict = new_zdict = build_zdict([a.content for a in feed.articles])
    compress = Compressor(zdict)
    return Parsed(
        title=feed.title,
        link=feed.link,
        warning=feed.warning,
        rows=[prepare(article, fp, compress, section) for article, fp in changed],
        present=frozenset(a.key.id for a in feed.articles),
        zdict=new_zdict,
    )
