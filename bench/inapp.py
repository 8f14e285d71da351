"""In-app timings with Textual's test harness (App.run_test + Pilot), 120x40.

Run by run.py with newsterm's interpreter; prints one JSON object (the results) as
its last line:

    python bench/inapp.py --config C --db D section open search [--reps 5]
    python bench/inapp.py --config C --db D keys            # needs a server in C

A frame counts when the screen's compositor update is made (App._display is wrapped)
and turned into terminal bytes (render_segments), as a real terminal would get it; a
condition "holds in a frame" when it is true as that frame is made. Keys go through
the driver (driver.send_message), as a real terminal's keys do.

- section: SectionTree.select_view(the 10k section) -> first frame where the list
  holds its 10,000 ids; then End -> first frame with the cursor on the last row.
- open: Enter on a row with a ~10 KB HTML body -> first frame with its title in the
  pane (ArticleView.article is it); settled = first frame where the body has been
  laid out (the pane can scroll); idle = last frame before 300 ms without frames.
- open-full: the same, on the same ten articles, five of them (in the order of
  --big-ids, ABBA: A B B A A B B A A B) given a stored full text first (another ~10 KB
  body, kept as pages.py keeps one), after an unmeasured open of an ordinary article;
  the figures are split into "feed text" (open_*) and "full text stored"
  (open_full_*), measured in one run.
- search: Library.search(word) + the rows of the first page; and in the UI, the
  search Input's value set -> first frame where the list shows the results.
- keys: a refresh of every feed runs (MainScreen.run_refresh(None)) while `j` is
  pressed every 50 ms; latency = press -> first frame with the cursor on the next row.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stores import N_BIG, TEN, TEN_SECTION, big_body  # noqa: E402

LIB_WORDS = ["river", "solar", "keyboard", "harvest", "festival", "tram", "vaccine", "profit",
             "island", "concert"]  # fmt: skip
UI_WORDS = ["budget", "museum", "patient", "league", "startup", "harbour", "judge", "energy",
            "camera", "forest"]  # fmt: skip
PAGE = 64


class FrameClock:
    """Timestamps of frames, and waiting for the first frame in which a condition holds."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.waiters: list[tuple[object, asyncio.Future[float]]] = []
        self.count = 0
        self.last = 0.0
        original = app._display

        def display(screen, renderable):  # type: ignore[no-untyped-def]
            original(screen, renderable)
            if renderable is None:
                return
            render = getattr(renderable, "render_segments", None)
            if render is not None:
                render(app.console)  # the bytes a terminal would get
            now = time.perf_counter()
            self.count += 1
            self.last = now
            for waiter in list(self.waiters):
                condition, future = waiter
                if future.done():
                    self.waiters.remove(waiter)
                elif condition():  # type: ignore[operator]
                    future.set_result(now)
                    self.waiters.remove(waiter)

        app._display = display

    async def until(self, condition, timeout: float = 20.0) -> float:  # type: ignore[no-untyped-def]
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiters.append((condition, future))
        return await asyncio.wait_for(future, timeout)

    async def quiet(self, seconds: float = 0.3, limit: float = 10.0) -> float:
        """Wait until no frame came for `seconds`; returns the time of the last frame."""
        end = time.perf_counter() + limit
        while time.perf_counter() < end:
            count = self.count
            await asyncio.sleep(seconds)
            if self.count == count:
                break
        return self.last


def press(app, key: str, char: str | None = None) -> float:  # type: ignore[no-untyped-def]
    from textual import events

    event = events.Key(key, char)
    event.set_sender(app)
    started = time.perf_counter()
    app._driver.send_message(event)
    return started


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


async def run(args: argparse.Namespace) -> dict:
    from newsterm.core.config import load_config
    from newsterm.core.library import Library
    from newsterm.core.models import View
    from newsterm.core.query import as_typed
    from newsterm.core.store import Store
    from newsterm.ui.app import NewsApp
    from newsterm.ui.widgets.article_list import ArticleList
    from newsterm.ui.widgets.article_view import ArticleView
    from newsterm.ui.widgets.section_tree import SectionTree

    slow: list[str] = []
    if os.environ.get("NEWSTERM_BENCH_SLOW_MS"):
        # Diagnosis: asyncio's debug mode names every callback that held the event loop
        # longer than this (it slows everything a little; not for the table's figures).
        import logging

        loop = asyncio.get_running_loop()
        loop.set_debug(True)
        loop.slow_callback_duration = float(os.environ["NEWSTERM_BENCH_SLOW_MS"]) / 1000

        class Collect(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                text = record.getMessage()
                slow.append(text[:200] + " ... " + text[-30:] if len(text) > 240 else text)

        logging.getLogger("asyncio").addHandler(Collect(logging.WARNING))
    # As `newsterm` starts the TUI (cli._tui): the log goes to a file, which is also how
    # the refresh knows a UI draws in its process (its parsing workers then run niced).
    import logging

    logging.basicConfig(
        filename=str(Path(args.db).with_name("newsterm.log")), level=logging.WARNING, force=True
    )
    library = Library(load_config(Path(args.config)), Store.open(Path(args.db)))
    big = set(json.loads(args.big_ids))
    # ABBA: the kinds take turns in pairs, so neither gets all the odd or even opens
    with_full = give_full_texts(
        library, [a for i, a in enumerate(json.loads(args.big_ids)) if i % 4 in (1, 2)]
    ) if "open-full" in args.scenarios else set()  # fmt: skip
    app = NewsApp(library)
    clock = FrameClock(app)
    out: dict = {}
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.main_screen
        lst = screen.query_one(ArticleList)
        tree = screen.query_one(SectionTree)
        view = screen.query_one(ArticleView)
        await clock.until(lambda: len(lst.ids) > 0, timeout=60)
        await pilot.pause()
        await clock.quiet(0.5)
        total = len(lst.ids)
        out["list_rows"] = total

        async def show_all() -> None:
            if screen.view.kind != "all":
                tree.select_view(View("all"))
                await clock.until(lambda: screen.view.kind == "all" and len(lst.ids) == total)
            lst.focus()
            await pilot.pause()
            await clock.quiet()

        if "section" in args.scenarios:
            switch, end = [], []
            for _ in range(args.reps):
                await show_all()
                started = time.perf_counter()
                tree.select_view(View("section", (TEN_SECTION,)))
                switch.append(await clock.until(lambda: len(lst.ids) == TEN) - started)
                lst.focus()
                await pilot.pause()
                await clock.quiet()
                started = press(app, "end")
                end.append(await clock.until(lambda: lst.cursor == TEN - 1) - started)
                await clock.quiet()
            out["section_switch_ms"] = [ms(s) for s in switch]
            out["section_end_ms"] = [ms(s) for s in end]

        if "open" in args.scenarios or "open-full" in args.scenarios:
            await show_all()
            first, settled, idle, full = [], [], [], []
            if with_full:  # an unmeasured first open (of an ordinary article) warms up
                lst.cursor = N_BIG
                lst.focus()
                await pilot.pause()
                await clock.quiet()
                press(app, "enter")
                await clock.until(lambda: view.article is not None)
                await clock.quiet()
                await show_all()
            # with full texts, all ten: five of each
            for index in range(N_BIG if with_full else min(args.reps, N_BIG)):
                target = lst.ids[index]
                if target not in big:
                    raise RuntimeError(f"row {index} is not one of the 10 KB articles")
                lst.cursor = index
                lst.focus()
                await pilot.pause()
                await clock.quiet()

                def shown(target: int = target, full: bool = target in with_full) -> bool:
                    article = view.article
                    return (
                        article is not None
                        and article.row.rowid == target
                        and article.shows_full == full
                    )

                # Both waiters before the key: the frame that shows the article may
                # already be the settled one.
                shown_at = asyncio.ensure_future(clock.until(shown))
                settled_at = asyncio.ensure_future(
                    clock.until(lambda: shown() and view.max_scroll_y > 0)
                )
                await asyncio.sleep(0)
                started = press(app, "enter")
                first.append(await shown_at - started)
                settled.append(await settled_at - started)
                idle.append(await clock.quiet() - started)
                full.append(target in with_full)
                if screen._full_texts.reading:
                    raise RuntimeError("opening an article read its page: not measured")

            def split(values: list[float], fulls: bool) -> list[float]:
                return [ms(v) for v, f in zip(values, full, strict=True) if f == fulls]

            for name, values in (("first", first), ("settled", settled), ("idle", idle)):
                out[f"open_{name}_ms"] = split(values, False)
                if with_full:
                    out[f"open_full_{name}_ms"] = split(values, True)

        if "search" in args.scenarios:
            direct, found = [], []
            for word in LIB_WORDS[: args.reps]:
                started = time.perf_counter()
                ids = library.search(word)
                library.rows(ids[:PAGE])
                direct.append(time.perf_counter() - started)
                found.append(len(ids))
            out["search_library_ms"] = [ms(s) for s in direct]
            out["search_library_hits"] = found
            await show_all()
            await pilot.press("slash")
            await clock.quiet()
            search = screen.query_one("#search")
            ui, shown_counts = [], []
            for word in UI_WORDS[: args.reps]:
                before = lst.ids
                typed = as_typed(word)  # the box makes the word being typed a prefix
                started = time.perf_counter()
                search.value = word
                ui.append(
                    await clock.until(
                        lambda w=typed, b=before: screen.view.query == w and lst.ids is not b
                    )
                    - started
                )
                expected = library.article_ids(View("search", query=typed, show_read=True))
                if lst.ids != expected:
                    raise RuntimeError(f"search {word!r}: the list does not show the results")
                shown_counts.append(len(lst.ids))
                await clock.quiet()
            out["search_ui_ms"] = [ms(s) for s in ui]
            out["search_ui_rows"] = shown_counts
            await pilot.press("escape")

        if "keys" in args.scenarios:
            await show_all()
            lst.cursor = 1000
            await pilot.pause()
            await clock.quiet()
            before = library._store._query("SELECT count(*) FROM articles")[0][0]
            started_refresh = time.perf_counter()
            screen.run_refresh(None)
            latencies: list[float] = []
            stalled = 0
            await asyncio.sleep(0.05)
            deadline = started_refresh + 300
            while getattr(screen, "_refreshing", False) and time.perf_counter() < deadline:
                cursor = lst.cursor
                if cursor + 1 >= len(lst.ids):
                    lst.cursor = 1000
                    await asyncio.sleep(0.05)
                    continue
                target = lst.ids[cursor + 1]
                started = press(app, "j")
                try:
                    done = await clock.until(
                        lambda t=target: (r := lst.current) is not None and r.rowid == t, timeout=5
                    )
                    latencies.append(done - started)
                except TimeoutError:
                    stalled += 1
                await asyncio.sleep(max(0.0, started + 0.05 - time.perf_counter()))
            refresh_s = time.perf_counter() - started_refresh
            await clock.quiet(0.5)
            after = library._store._query("SELECT count(*) FROM articles")[0][0]
            out["keys_ms"] = [ms(s) for s in latencies]
            out["keys_stalled"] = stalled
            out["keys_refresh_s"] = round(refresh_s, 2)
            out["keys_new_articles"] = after - before
        await pilot.press("q")
    library.close()
    if slow:
        out["slow_callbacks"] = slow
    return out


def give_full_texts(library, ids: list[int]) -> set[int]:  # type: ignore[no-untyped-def]
    """A full text for each of ``ids`` (a ~10 KB body of its own), stored as the page
    pass stores one."""
    from datetime import UTC, datetime

    from newsterm.core.models import FullText
    from newsterm.core.text import word_count

    now = datetime.now(UTC).replace(microsecond=0)
    for n, aid in enumerate(ids):
        body = big_body(1000 + n)
        library._store.save_full_text(
            FullText(aid, body, f"https://bench.example/full/{aid}", None, "Bench Author",
                     None, word_count(body), now, tries=0)
        )  # fmt: skip
    return set(ids)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "scenarios", nargs="+", choices=["section", "open", "open-full", "search", "keys"]
    )
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True, help="newsterm.db (a scratch copy: it is written)")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--big-ids", default="[]", help="JSON list of the 10 KB articles' ids")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args))
    for key, values in list(result.items()):
        if key.endswith("_ms") and values:
            result[key.removesuffix("_ms") + "_median_ms"] = round(statistics.median(values), 2)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
