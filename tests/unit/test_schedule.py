"""core/schedule.py: when a feed may be fetched (the server's floor) and when it is due
(its schedule), pure: times are given, never read from a clock."""

from __future__ import annotations

import pytest

from newsterm.core.config import FeedOptions
from newsterm.core.models import Source
from newsterm.core.schedule import (
    FLOOR_MAX,
    GRACE,
    JITTER,
    FeedTiming,
    due_at,
    feed_ttl,
    held_until,
    is_due,
    jitter,
    max_age,
    next_due,
    partition,
    waiting_reason,
)

T0 = 1_700_000_000
KEY = "https://example.org/feed.xml"


def test_ttl_is_the_channels_in_seconds_read_before_the_items() -> None:
    body = b"<rss><channel><title>x</title><ttl> 60 </ttl><item><ttl>1</ttl></item></channel></rss>"
    assert feed_ttl(body) == 3600
    # only an item's: not the channel's
    assert feed_ttl(b"<rss><channel><item><ttl>5</ttl></item></channel></rss>") is None
    assert feed_ttl(b"<feed><entry><ttl>5</ttl></entry></feed>") is None
    assert feed_ttl(b"<rss><channel><ttl>0</ttl></channel></rss>") is None
    assert feed_ttl(b"<rss><channel><ttl>999999</ttl></channel></rss>") == FLOOR_MAX
    assert feed_ttl(b"<rss><channel><ttl>soon</ttl></channel></rss>") is None


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("max-age=600", 600),
        ("public, max-age=300, must-revalidate", 300),
        ('private,max-age="120"', 120),
        ("s-maxage=60", None),
        ("max-age=0", None),
        ("no-cache, max-age=600", None),
        ("no-store", None),
        ("max-age=99999999", FLOOR_MAX),
        ("", None),
        (None, None),
    ],
)
def test_max_age(header: str | None, seconds: int | None) -> None:
    assert max_age(header) == seconds


def test_the_floor_holds_from_the_last_fetch() -> None:
    timing = FeedTiming(KEY, fetched_at=T0, ttl=600, max_age=1800)
    assert held_until(timing) == T0 + 1800
    assert waiting_reason(timing, T0 + 60) == (
        "the server asks for at most one fetch every 30 min (Cache-Control); next in 29 min"
    )
    assert waiting_reason(timing, T0 + 1800) is None
    assert waiting_reason(FeedTiming(KEY, fetched_at=T0), T0 + 1) is None  # no floor
    assert waiting_reason(FeedTiming(KEY), T0) is None  # never fetched


def test_due_never_inside_the_floor_however_often_asked() -> None:
    timing = FeedTiming(KEY, fetched_at=T0, ttl=3600)
    every_minute = FeedOptions(refresh_minutes=1)
    asked = [T0 + n * 60 for n in range(0, 120)]
    due = [t for t in asked if is_due(timing, every_minute, t)]
    assert due and min(due) >= T0 + 3600


def test_a_schedule_calls_for_a_fetch_after_its_interval_with_grace_and_jitter() -> None:
    timing = FeedTiming(KEY, fetched_at=T0 + 5)  # the cron run ended a few seconds late
    options = FeedOptions(refresh_minutes=30)
    at = due_at(timing, options)
    assert at is not None
    assert T0 + 5 + 1800 <= at <= T0 + 5 + 1800 + 1800 * JITTER
    assert not is_due(timing, options, T0 + 1200)
    # the next cron minute after the interval catches it (grace), jitter or not
    assert is_due(timing, options, at - GRACE)
    assert is_due(timing, options, T0 + 1800 + 1800 * JITTER + 5)


def test_jitter_is_the_same_for_a_feed_and_fetch_and_bounded() -> None:
    assert jitter(KEY, T0, 3600) == jitter(KEY, T0, 3600)
    values = {jitter(f"{KEY}?{n}", T0, 3600) for n in range(50)}
    assert len(values) > 10  # feeds fetched together drift apart
    assert all(0 <= v <= 3600 * JITTER for v in values)
    assert jitter(KEY, T0, 10 * 24 * 3600) <= 15 * 60


def test_no_schedule_means_whenever_asked_but_never_inside_the_floor() -> None:
    options = FeedOptions(refresh_minutes=0)
    assert is_due(FeedTiming(KEY), options, T0)
    assert is_due(FeedTiming(KEY, fetched_at=T0), options, T0 + 1)
    held = FeedTiming(KEY, fetched_at=T0, max_age=600)
    assert not is_due(held, options, T0 + 599)
    assert is_due(held, options, T0 + 600 + 600 * JITTER)


def test_retry_after_holds_a_due_refresh() -> None:
    timing = FeedTiming(KEY, fetched_at=T0, retry_after=T0 + 900)
    options = FeedOptions(refresh_minutes=5)
    assert not is_due(timing, options, T0 + 600)
    assert is_due(timing, options, T0 + 900)
    assert next_due(timing, options, T0 + 60).why == "the server asked to wait (Retry-After)"


def test_a_disabled_feed_is_never_due() -> None:
    options = FeedOptions(enabled=False)
    assert not is_due(FeedTiming(KEY), options, T0)
    assert next_due(FeedTiming(KEY), options, T0).at is None


def test_partition_due_only_and_plain() -> None:
    sources = [Source(f"{KEY}?{n}", "feed") for n in range(3)]
    fresh, floored, never = (s.key for s in sources)
    timings = {
        fresh: FeedTiming(fresh, fetched_at=T0),
        floored: FeedTiming(floored, fetched_at=T0, ttl=3600),
    }
    options = {s.key: FeedOptions(refresh_minutes=30) for s in sources}
    now = T0 + 600
    todo, waiting = partition(sources, timings, options, True, now)
    assert [s.key for s in todo] == [never] and waiting == {}  # not due: not even told
    todo, waiting = partition(sources, timings, options, False, now)
    assert [s.key for s in todo] == [fresh, never]
    assert list(waiting) == [floored] and "60 min (ttl)" in waiting[floored]


def test_next_due_says_why() -> None:
    now = T0 + 60
    assert next_due(FeedTiming(KEY), FeedOptions(), now).why == "never fetched"
    plain = next_due(FeedTiming(KEY, fetched_at=T0), FeedOptions(), now)
    assert plain.at is None and plain.why == "at every refresh"
    scheduled = next_due(FeedTiming(KEY, fetched_at=T0), FeedOptions(refresh_minutes=30), now)
    assert scheduled.why == "every 30 min" and scheduled.at is not None
    assert scheduled.at >= T0 + 1800
    floored = next_due(
        FeedTiming(KEY, fetched_at=T0, ttl=7200), FeedOptions(refresh_minutes=30), now
    )
    assert floored.why == "server: at most every 2 h (ttl)"
    assert floored.at is not None and floored.at >= T0 + 7200
