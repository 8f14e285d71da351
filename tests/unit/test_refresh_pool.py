"""The refresh's parsing processes (core/refresh/pool.py): real worker processes."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from newsterm.core.models import Source
from newsterm.core.refresh.pool import ParsePool, WorkerDied, lock_path_for
from newsterm.core.refresh.worker import FeedJob, Stored
from newsterm.core.store import Store

FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Pool feed</title>
<item><title>One</title><guid>one</guid><description>First body</description></item>
<item><title>Two</title><guid>two</guid><description>Second body</description></item>
</channel></rss>"""


class _Dies:
    """Unpickled in a worker, it ends that process at once."""

    def __reduce__(self) -> tuple[object, tuple[int]]:
        return (os._exit, (3,))


def _job(key: str) -> FeedJob:
    return FeedJob(
        key=key,
        url=key,
        content_type="application/rss+xml",
        section=(),
        keep_days=0,
        max_articles=0,
        body_hash="h-" + key,
        validators={"etag": None, "last_modified": None, "url": None},
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "newsterm.db")
    store.sync_sources([Source(f"https://x.example/{i}.xml", "feed", None, ()) for i in range(6)])
    return store


def test_jobs_are_parsed_and_stored_and_a_dead_worker_fails_only_its_own_job(
    store: Store,
) -> None:
    db = str(store.path)
    pool = ParsePool(2, lock_path_for(store.path), None, False)

    async def run() -> list[object]:
        keys = [f"https://x.example/{i}.xml" for i in range(6)]
        jobs = [pool.run((db, FEED, _job(key))) for key in keys[:3]]
        dying = pool.run(_Dies())
        jobs += [pool.run((db, FEED, _job(key))) for key in keys[3:]]
        return await asyncio.gather(*jobs[:3], dying, *jobs[3:], return_exceptions=True)

    try:
        answers = asyncio.run(run())
        # a second event loop (the CLI runs one per refresh) is served too
        again = asyncio.run(pool.run((db, FEED, _job("https://x.example/0.xml"))))
    finally:
        pool.close()
    died = answers.pop(3)
    assert isinstance(died, WorkerDied)
    for ok, outcome in answers:  # type: ignore[misc]
        assert ok and isinstance(outcome, Stored) and outcome.saved.new == 2
    assert again[0] and again[1].saved.new == 0  # already stored
    assert (
        sum(
            store.source_state(f"https://x.example/{i}.xml").body_hash
            == f"h-https://x.example/{i}.xml"
            for i in range(6)
        )
        == 6
    )  # type: ignore[union-attr]
    store.close()


def test_a_closed_pool_answers_waiting_jobs(store: Store) -> None:
    pool = ParsePool(1, lock_path_for(store.path), None, False)

    async def run() -> object:
        waiting = asyncio.ensure_future(
            pool.run((str(store.path), FEED, _job("https://x.example/0.xml")))
        )
        await asyncio.sleep(0)
        pool.close()
        return await asyncio.gather(waiting, return_exceptions=True)

    (answer,) = asyncio.run(run())  # type: ignore[misc]
    assert isinstance(answer, WorkerDied)
    store.close()


def test_the_heaviest_waiting_job_goes_first(store: Store) -> None:
    """Big feeds early, so the last to end is a small one: one worker takes the first two
    jobs at once (the one it parses and the next), then the waiting ones by weight."""
    pool = ParsePool(1, lock_path_for(store.path), None, False)
    keys = [f"https://x.example/{i}.xml" for i in range(5)]
    weights = [1, 1, 3, 9, 5]
    done: list[int] = []

    async def one(i: int) -> None:
        await pool.run((str(store.path), FEED, _job(keys[i])), weights[i])
        done.append(weights[i])

    async def run() -> None:
        await asyncio.gather(*(one(i) for i in range(5)))

    try:
        asyncio.run(run())
    finally:
        pool.close()
    assert done == [1, 1, 9, 5, 3]
    store.close()
