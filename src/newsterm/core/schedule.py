"""When a feed may be fetched, and when it is due: pure, no I/O.

Two things decide it:

- the feed's **schedule**, ``refresh_minutes`` (its own, else ``[settings]``): due that
  long after its last fetch; 0 means no schedule of its own, due whenever asked;
- the server's **floor**: the feed's ``<ttl>``, the ``Cache-Control: max-age`` of the
  last response, and a ``Retry-After`` it sent. A feed is never fetched before its
  floor has passed, however often a refresh runs (a plain ``refresh`` too: it says
  the feed is waiting). Floors are capped at :data:`FLOOR_MAX`.

A due time has a little **jitter** (at most :data:`JITTER` of the interval), the same
for the same feed and fetch, so feeds fetched together do not stay in step, and a
**grace** of :data:`GRACE` seconds, so a cron line every N minutes catches a feed due
every N minutes (its last fetch ended a few seconds after the minute).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsterm.core.config import FeedOptions
    from newsterm.core.models import Source

FLOOR_MAX = 24 * 3600
"""The longest floor a server can ask for (seconds); longer ones are cut to this."""
JITTER = 0.05
JITTER_MAX = 15 * 60
GRACE = 60
TTL_SCAN = 64 * 1024
"""How much of a body is searched for the channel's ``<ttl>`` (it comes before items)."""

_TTL = re.compile(rb"<ttl>\s*(\d{1,9})\s*</ttl>")
_FIRST_ITEM = re.compile(rb"<(?:item|entry)[\s>]")
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d{1,12})\"?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FeedTiming:
    """What the store knows of a feed's fetches, for its schedule (unix seconds)."""

    key: str
    fetched_at: int | None = None
    """The last fetch, whatever its outcome; None: never fetched."""
    ttl: int | None = None
    """The feed's ``<ttl>`` (seconds) when last read."""
    max_age: int | None = None
    """``Cache-Control: max-age`` (seconds) of the last response that had one."""
    retry_after: int | None = None
    """Not before this: the server answered 429/503 with ``Retry-After``."""
    label: str | None = None
    """The feed's name as the sidebar shows it."""


@dataclass(frozen=True, slots=True)
class NextDue:
    """When a feed is next due, for the errors view."""

    key: str
    at: int | None
    """Unix seconds; None: no time of its own (at every refresh, or disabled)."""
    why: str
    """What decides it, in a few words ("every 30 min", "server: at most every 60 min")."""


def feed_ttl(body: bytes) -> int | None:
    """The RSS channel's ``<ttl>`` (minutes in the feed) in seconds, or None."""
    head = body[:TTL_SCAN]
    item = _FIRST_ITEM.search(head)
    match = _TTL.search(head, 0, item.start() if item else len(head))
    if match is None:
        return None
    minutes = int(match.group(1))
    return min(minutes * 60, FLOOR_MAX) if minutes > 0 else None


def max_age(cache_control: str | None) -> int | None:
    """``Cache-Control``'s ``max-age`` in seconds; None without one, or with
    ``no-store``/``no-cache`` (the server asks for no caching at all)."""
    if not cache_control:
        return None
    lowered = cache_control.lower()
    if "no-store" in lowered or "no-cache" in lowered:
        return None
    match = _MAX_AGE.search(cache_control)
    if match is None:
        return None
    seconds = int(match.group(1))
    return min(seconds, FLOOR_MAX) if seconds > 0 else None


def floor_seconds(timing: FeedTiming) -> int:
    """The server's floor between two fetches (``ttl``, ``max-age``), capped."""
    return min(max(timing.ttl or 0, timing.max_age or 0), FLOOR_MAX)


def held_until(timing: FeedTiming) -> int | None:
    """Not to be fetched before this (the floor, Retry-After); None: no hold."""
    holds = [timing.retry_after or 0]
    if timing.fetched_at is not None and floor_seconds(timing):
        holds.append(timing.fetched_at + floor_seconds(timing))
    return max(holds) or None


def jitter(key: str, fetched_at: int, interval: int) -> int:
    """A delay in ``[0, JITTER * interval]`` (at most :data:`JITTER_MAX`), the same for
    the same feed and fetch."""
    digest = hashlib.sha256(f"{key}\0{fetched_at}".encode()).digest()
    fraction = int.from_bytes(digest[:4], "big") / 2**32
    return int(min(interval * JITTER, JITTER_MAX) * fraction)


def due_at(timing: FeedTiming, options: FeedOptions) -> int | None:
    """When the feed's schedule and floor next call for a fetch; None: whenever asked."""
    interval = max(options.refresh_minutes * 60, floor_seconds(timing))
    hold = held_until(timing)
    if timing.fetched_at is None or interval == 0:
        return hold
    scheduled = timing.fetched_at + interval + jitter(timing.key, timing.fetched_at, interval)
    return max(scheduled, hold or 0)


def is_due(timing: FeedTiming, options: FeedOptions, now: float) -> bool:
    """Does ``refresh --due`` fetch it now? Never inside its floor."""
    if not options.enabled:
        return False
    hold = held_until(timing)
    if hold is not None and now < hold:
        return False
    when = due_at(timing, options)
    return when is None or now + GRACE >= when


def waiting_reason(timing: FeedTiming, now: float) -> str | None:
    """Why a plain refresh leaves the feed alone now (inside the floor its ``ttl`` or
    ``max-age`` set), or None when it may be fetched. (A Retry-After still running is
    the refresh's own error line: "server asked to wait".)"""
    if timing.fetched_at is None or not floor_seconds(timing):
        return None
    hold = timing.fetched_at + floor_seconds(timing)
    if now >= hold:
        return None
    left = _duration(hold - now)
    return f"the server asks for at most one fetch every {_floor_text(timing)}; next in {left}"


def partition(
    sources: Sequence[Source],
    timings: Mapping[str, FeedTiming],
    options: Mapping[str, FeedOptions],
    due_only: bool,
    now: float,
) -> tuple[list[Source], dict[str, str]]:
    """The feeds a refresh fetches, and ``{key: why}`` of those it leaves waiting.

    ``due_only`` (``refresh --due``): only the due ones; the others are not fetched and
    not reported. Otherwise every feed, except those inside their floor (reported).
    """
    todo: list[Source] = []
    waiting: dict[str, str] = {}
    for source in sources:
        timing = timings.get(source.key) or FeedTiming(source.key)
        if due_only:
            opts = options.get(source.key)
            if opts is None or is_due(timing, opts, now):
                todo.append(source)
            continue
        reason = waiting_reason(timing, now)
        if reason is None:
            todo.append(source)
        else:
            waiting[source.key] = reason
    return todo, waiting


def next_due(timing: FeedTiming, options: FeedOptions, now: float) -> NextDue:
    """When the feed is next due and why, as the errors view shows it."""
    key = timing.key
    if not options.enabled:
        return NextDue(key, None, "disabled (enabled = false)")
    when = due_at(timing, options)
    floor = floor_seconds(timing)
    hold = held_until(timing) or 0
    if timing.retry_after and timing.retry_after >= hold and timing.retry_after > now:
        why = "the server asked to wait (Retry-After)"
    elif floor > options.refresh_minutes * 60:
        why = f"server: at most every {_floor_text(timing)}"
    elif options.refresh_minutes:
        why = f"every {_duration(options.refresh_minutes * 60)}"
    else:
        why = "at every refresh"
    if timing.fetched_at is None:
        why = "never fetched"
    if when is not None and when <= now and not options.refresh_minutes:
        when = None  # no time of its own: at every refresh
    return NextDue(key, max(int(now), when) if when is not None else None, why)


def _floor_text(timing: FeedTiming) -> str:
    source = "ttl" if (timing.ttl or 0) >= (timing.max_age or 0) else "Cache-Control"
    return f"{_duration(floor_seconds(timing))} ({source})"


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.5))
    if seconds < 60:
        return f"{seconds} s"
    minutes = -(-seconds // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"
