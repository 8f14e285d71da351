"""A deterministic sample reader: our own articles and feed, fixed dates, no network.

Used by the UI tests, the snapshot tests and ``screenshots/make.py``.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from newsterm.core.config import load_config
from newsterm.core.library import Library
from newsterm.core.sources.feeds import parse_feed
from newsterm.core.store import Store

SAMPLE = Path(__file__).parent / "data" / "sample"
FEED_URL = "http://127.0.0.1:9/daily.xml"
"""Never fetched (refresh_on_start is off); port 9 is the discard port. Nor are its
articles' pages (full_text is never)."""

# (file, day in March 2024) -> a fixed mtime, so lists sort and show the same dates
_DATES = {
    "phones.txt": 14,
    "batteries.txt": 13,
    "world/harbour.txt": 8,
    "world/rivers.md": 7,
    "comet.html": 6,
}

CONFIG = f"""\
[settings]
refresh_on_start = false
full_text = "never"

[[feeds]]
url = "{FEED_URL}"
section = "City"

[[local]]
path = "local"
section = "Saved"
"""


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Let an app's workers finish and their messages be handled (tests, screenshots)."""
    from textual.worker import WorkerCancelled

    for _ in range(4):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:  # an exclusive worker replaced by a newer one
            pass
        await pilot.pause()


def build_sample(root: Path) -> tuple[Path, Path]:
    """Write the sample config and articles under ``root``; returns (config, data dir)."""
    local = root / "local"
    shutil.copytree(SAMPLE / "local", local)
    for name, day in _DATES.items():
        stamp = datetime(2024, 3, day, 10, 0, tzinfo=UTC).timestamp()
        os.utime(local / name, (stamp, stamp))
    config = root / "feeds.toml"
    config.write_text(CONFIG, encoding="utf-8")
    data = root / "data"
    library = open_sample(config, data)
    library.close()
    return config, data


def open_sample(config: Path, data: Path) -> Library:
    """A Library on the sample: local files read, the sample feed stored as if fetched."""
    library = Library(load_config(config), Store.open(data / "newsterm.db"))
    library.sync_local()
    parsed = parse_feed((SAMPLE / "feeds" / "daily.xml").read_bytes(), FEED_URL, FEED_URL)
    from dataclasses import replace

    articles = [replace(a, section=("City",)) for a in parsed.articles]
    library._store.save_articles(FEED_URL, articles)
    library._store.record_fetch(FEED_URL, ok=True, title=parsed.title, link=parsed.link)
    return library
