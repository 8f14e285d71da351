"""Make the README's SVG screenshots from the deterministic sample reader.

    python screenshots/make.py

Uses the same sample data as the tests (tests/sample.py): our own articles and feed,
fixed dates, UTC, no network.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "tests"))
os.environ["TZ"] = "UTC"
time.tzset()

from textual.widgets import Input  # noqa: E402

from newsterm.core.models import View  # noqa: E402
from newsterm.ui.app import NewsApp  # noqa: E402
from newsterm.ui.widgets.section_tree import SectionTree  # noqa: E402
from sample import build_sample, open_sample, settle  # noqa: E402

SHOTS = {
    "main": ((120, 36), ["j", "j", "enter"], None),
    "help": ((100, 40), ["question_mark"], None),
    "search": ((120, 30), ["slash", *"tree"], None),
    "narrow": ((80, 24), ["enter"], View("section", ("Technology",))),
}


async def shoot(name: str, size: tuple[int, int], keys: list[str], place: View | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config, data = build_sample(Path(tmp))
        app = NewsApp(open_sample(config, data))
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            if place is not None:
                app.screen.query_one(SectionTree).select_view(place)
                await settle(pilot)
            await pilot.press(*keys)
            await settle(pilot)
            for widget in app.screen.query(Input):
                widget.cursor_blink = False
            await pilot.pause()
            app.save_screenshot(f"{name}.svg", str(HERE))
        print(f"screenshots/{name}.svg")


async def main() -> None:
    for name, (size, keys, place) in SHOTS.items():
        await shoot(name, size, keys, place)


if __name__ == "__main__":
    asyncio.run(main())
