"""The TUI never dies on a busy store or a failing worker (issue 11).

A real second connection holds the store's write lock (``BEGIN IMMEDIATE``) for longer
than the store's busy timeout while keys are pressed.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from textual.widgets import Static

from newsterm.core.models import View
from newsterm.ui.app import NewsApp
from newsterm.ui.widgets.article_list import ArticleList
from sample import settle

SIZE = (120, 40)


def _status(app: NewsApp) -> str:
    return str(app.screen.query_one("#status", Static).render())


def _stored(db: Path) -> dict[int, tuple[int, int]]:
    with sqlite3.connect(db) as reader:
        return {i: (r, s) for i, r, s in reader.execute("SELECT id, read, starred FROM articles")}


async def test_keys_on_a_busy_store_are_kept_and_written_when_it_is_free(
    make_app, sample: tuple[Path, Path]
) -> None:
    db = sample[1] / "newsterm.db"
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = list(app.screen.query_one(ArticleList).ids)
        other = sqlite3.connect(db, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press("m")  # the first row read
            await settle(pilot)
            await pilot.press("j", "s")  # the second starred
            await settle(pilot)
            assert app.is_running
            assert "store busy" in _status(app)
            rows = {r.rowid: r for r in app.library.rows(ids[:2])}
            assert rows[ids[0]].read and rows[ids[1]].starred  # shown at once
            assert _stored(db)[ids[0]] == (0, 0)  # not written yet
            await pilot.press("A")  # everything read, while still busy
            await settle(pilot)
            # longer than the store's busy timeout would let a write wait
            deadline = time.monotonic() + 1.5
            while time.monotonic() < deadline:
                await pilot.pause(0.1)
            assert app.is_running
            assert "store busy" in _status(app)
        finally:
            other.execute("COMMIT")
            other.close()
        deadline = time.monotonic() + 10
        while app.library.marks_waiting and time.monotonic() < deadline:
            await pilot.pause(0.1)
        await settle(pilot)
        stored = _stored(db)
        assert all(stored[i][0] == 1 for i in ids)
        assert stored[ids[1]][1] == 1
        assert "store busy" not in _status(app)


async def test_a_worker_that_raises_is_reported_and_the_app_goes_on(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        def broken(aid: int):  # type: ignore[no-untyped-def]
            raise RuntimeError("disk on fire")

        app.library.article = broken  # type: ignore[method-assign]
        messages: list[str] = []
        notify = app.notify

        def recording(message: str, **kwargs):  # type: ignore[no-untyped-def]
            messages.append(message)
            return notify(message, **kwargs)

        app.notify = recording  # type: ignore[method-assign]
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running
        assert any("disk on fire" in m and "failed" in m for m in messages), messages
        # still usable: the cursor moves
        before = app.screen.query_one(ArticleList).cursor
        await pilot.press("j")
        await settle(pilot)
        assert app.screen.query_one(ArticleList).cursor == before + 1
        assert app.library.article_ids(View("all"))
