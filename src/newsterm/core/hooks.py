"""``[hooks]``: what runs after a refresh that stored new articles.

- ``on_new``: the user's command, given the new articles on stdin as JSON lines (the
  ``list --json`` object of each, plus ``body_text``), ``NEWSTERM_NEW`` = how many;
- ``notify = true``: a desktop notification ("12 new in Technology") through
  ``notify-send`` when it is installed, silently nothing otherwise.

Both run in a thread of their own, one refresh's after the other's, so a refresh (and
the UI's event loop) never waits for them; :mod:`newsterm.core.run` starts them (no
shell, a time limit, output captured). A hook's stderr goes to the log. A failing
hook never breaks a refresh, and is reported once: the same failure again is only
logged, until the hook works again.
"""

from __future__ import annotations

import json
import logging
import queue
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from newsterm.core.config_tools import HooksConfig
from newsterm.core.errors import StoreError
from newsterm.core.export import hook_object
from newsterm.core.models import SectionPath, SourceReport, StoredArticle, section_shown

log = logging.getLogger(__name__)

NOTIFY_SECONDS = 5.0
NOTIFY_SECTIONS = 3
"""Sections named in a notification at most ("…" for the rest)."""
STDERR_LINES = 20
"""Lines of a hook's stderr written to the log."""


@dataclass(frozen=True, slots=True)
class NewArticles:
    """What one refresh stored that was new: the ids, and how many per section."""

    ids: tuple[int, ...]
    sections: tuple[tuple[SectionPath, int], ...]
    """(section, count), most first."""


def new_articles(
    reports: Sequence[SourceReport], sections: Mapping[str, SectionPath]
) -> NewArticles:
    """The new articles of a refresh's reports (``sections``: each feed's section)."""
    ids: list[int] = []
    counts: dict[SectionPath, int] = {}
    for report in reports:
        if report.new_ids:
            ids.extend(report.new_ids)
            section = sections.get(report.key, ())
            counts[section] = counts.get(section, 0) + len(report.new_ids)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], [p.casefold() for p in kv[0]]))
    return NewArticles(tuple(ids), tuple(ordered))


def notification_text(new: NewArticles) -> str:
    """``12 new in Technology``; ``12 new: 7 in Technology, 5 in World``."""
    total = len(new.ids)
    named = [(section_shown(path), n) for path, n in new.sections if path]
    if len(new.sections) == 1 and named:
        return f"{total} new in {named[0][0]}"
    if not named:
        return f"{total} new article{'s' if total != 1 else ''}"
    listed = ", ".join(f"{n} in {name}" for name, n in named[:NOTIFY_SECTIONS])
    more = ", …" if len(named) > NOTIFY_SECTIONS or len(named) < len(new.sections) else ""
    return f"{total} new: {listed}{more}"


class Hooks:
    """Runs ``[hooks]`` after refreshes, in order, in one thread (made at first use)."""

    def __init__(self, article: Callable[[int], StoredArticle | None]) -> None:
        self._article = article
        self._queue: queue.Queue[tuple[HooksConfig, NewArticles] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()
        self._pending = 0
        self._lock = threading.Lock()
        self._cancel: threading.Event | None = None
        self._last_problem: str | None = None
        self.on_failure: Callable[[str], None] | None = None
        """Called (from the hooks' thread) with a failure's one line, once per failure."""

    def after_refresh(self, config: HooksConfig, new: NewArticles) -> None:
        """Start what ``config`` asks for after a refresh that stored ``new``."""
        if not new.ids or not (config.on_new or config.notify):
            return
        with self._lock:
            self._pending += 1
            self._idle.clear()
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="hooks", daemon=True)
                self._thread.start()
        self._queue.put((config, new))

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every hook started so far has ended; False when time ran out."""
        return self._idle.wait(timeout)

    def close(self, wait: float) -> None:
        """Give running hooks ``wait`` seconds, then stop them (newsterm is quitting)."""
        if not self.wait(wait):
            with self._lock:
                self._pending = 0
            while not self._queue.empty():
                self._queue.get_nowait()
            if self._cancel is not None:
                self._cancel.set()
        self._queue.put(None)

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                self._run(*job)
            except Exception:  # a hook must never take newsterm down
                log.exception("hooks failed")
            finally:
                with self._lock:
                    self._pending = max(0, self._pending - 1)
                    if self._pending == 0:
                        self._idle.set()

    def _run(self, config: HooksConfig, new: NewArticles) -> None:
        from newsterm.core.run import run

        if config.on_new:
            self._cancel = threading.Event()
            finished = run(
                config.on_new,
                self._lines(new.ids),
                timeout=config.timeout_seconds,
                env={"NEWSTERM_NEW": str(len(new.ids))},
                cancel=self._cancel,
            )
            for line in finished.stderr.splitlines()[:STDERR_LINES]:
                log.warning("on_new hook: %s", line)
            problem = finished.problem(config.timeout_seconds)
            if problem is None:
                self._last_problem = None
            else:
                self._failed(f"on_new hook failed: {problem}")
        if config.notify:
            self._notify(notification_text(new))

    def _failed(self, message: str) -> None:
        log.warning("%s", message)
        if message == self._last_problem:
            return  # reported already
        self._last_problem = message
        if self.on_failure is not None:
            try:
                self.on_failure(message)
            except Exception:  # the UI may be gone
                log.exception("reporting a hook failure failed")

    def _lines(self, ids: Sequence[int]) -> Iterator[bytes]:
        """The new articles as JSON lines, read one by one as the hook takes them."""
        for aid in ids:
            try:
                article = self._article(aid)
            except StoreError as exc:
                log.warning("on_new hook: article %d not read: %s", aid, exc)
                return
            if article is not None:
                line = json.dumps(hook_object(article), ensure_ascii=False) + "\n"
                yield line.encode("utf-8")

    def _notify(self, text: str) -> None:
        from newsterm.core.run import run

        program = shutil.which("notify-send")
        if program is None:
            return  # no desktop notifications here: nothing to say
        finished = run(
            [program, "--app-name=newsterm", "--", "newsterm", text], timeout=NOTIFY_SECONDS
        )
        problem = finished.problem(NOTIFY_SECONDS)
        if problem is not None:
            log.warning("notification not shown: %s", problem)
