"""Where newsterm's refresh time goes: each stage of `newsterm refresh` timed alone,
in one process, on the generated feeds (no process pool, so each figure is CPU time
on one core). Run with newsterm's Python:

    python bench/breakdown.py [--feeds 200] [--profile parse|store]

Stages: interpreter + imports of the CLI; fetching every feed with newsterm's Fetcher
(concurrency as configured) from the local server; feedparser alone (the options
newsterm uses); newsterm's parse_feed; the worker's whole job (_parse: parse_feed +
prepare(): compress, text for the index, fingerprint); pickling what a worker sends
back; storing (Store.save_articles + record_fetch + prune) into a fresh store.
--profile prints the top of a cProfile of one stage.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import pickle
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stores  # noqa: E402
from feedserver import feed_urls, start_server  # noqa: E402


def timed(label: str, results: dict, fn, *args):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    value = fn(*args)
    results[label] = time.perf_counter() - started
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", choices=["parse", "store", "fetch"])
    parser.add_argument("--corpus", choices=["real", "generated"], default="real")
    args = parser.parse_args(argv)

    import feedparser

    from newsterm.core.config import Settings
    from newsterm.core.errors import ParseError
    from newsterm.core.models import Source
    from newsterm.core.refresh.worker import Parsed
    from newsterm.core.refresh.worker import parse as _parse
    from newsterm.core.sources.feeds import parse_feed
    from newsterm.core.sources.http import Fetcher, FetchLimits
    from newsterm.core.store import Store

    corpus = stores.refresh_corpus(args.corpus, args.seed, args.feeds)
    feeds = corpus.feeds
    total_mb = sum(len(d) for _, d in feeds) / 1e6
    out: dict[str, float] = {}

    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import newsterm.cli"], check=True)
    out["python + import newsterm.cli"] = time.perf_counter() - started
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import newsterm.cli, newsterm.core.sources.http, "
         "newsterm.core.sources.feeds"], check=True,
    )  # fmt: skip
    out["... + httpx, feedparser"] = time.perf_counter() - started

    server, port = start_server(feeds, content_types=corpus.content_types)
    urls = feed_urls(port, feeds)
    settings = Settings()
    limits = FetchLimits(timeout_seconds=settings.timeout_seconds, concurrency=settings.concurrency)

    async def fetch_all() -> list:
        async with Fetcher(limits) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(u) for u in urls))

    profiler = cProfile.Profile()
    stage = args.profile
    if stage == "fetch":
        profiler.enable()
    results = timed(f"fetch {len(feeds)} feeds (Fetcher, loopback)", out, asyncio.run, fetch_all())
    profiler.disable()
    server.shutdown()
    bodies = [r.body for r in results]
    assert all(bodies), "a fetch failed"
    types = [r.content_type for r in results]

    def feedparser_alone() -> None:
        for body, ctype in zip(bodies, types, strict=True):
            if body.lstrip()[:1] != b"{":
                feedparser.parse(
                    body, sanitize_html=False, resolve_relative_uris=False,
                    response_headers={"content-type": ctype},
                )  # fmt: skip

    def parse_all() -> None:
        for body, url, ctype in zip(bodies, urls, types, strict=True):
            with contextlib.suppress(ParseError):
                parse_feed(body, url, url, ctype)

    prepared = []
    # since schema 5 the worker takes the feed's compression dictionary (none yet)
    no_zdict = (None,)

    def worker_jobs() -> None:
        for body, url, ctype in zip(bodies, urls, types, strict=True):
            parsed = _parse(body, url, url, ctype, (), {}, *no_zdict)
            prepared.append(parsed if isinstance(parsed, Parsed) else None)

    def etree_alone() -> None:
        # Not a parser: the floor a stdlib fast path for well-formed RSS/Atom starts
        # from (C expat building a tree, every item's fields looked at once).
        import xml.etree.ElementTree as ET

        for body in bodies:
            try:
                root = ET.fromstring(body)
            except (ET.ParseError, ValueError):  # broken, or a multi-byte charset
                continue
            for item in root.iter():
                item.text, item.attrib.get("href")

    timed("xml.etree.ElementTree.fromstring + walk (floor)", out, etree_alone)
    timed("feedparser.parse alone (XML feeds)", out, feedparser_alone)
    timed("parse_feed (every feed)", out, parse_all)
    timed("_parse = parse_feed + prepare (worker job)", out, worker_jobs)
    if stage == "parse":  # a second, profiled pass (cProfile roughly doubles the time)
        profiler.enable()
        for body, url, ctype in zip(bodies, urls, types, strict=True):
            _parse(body, url, url, ctype, (), {}, *no_zdict)
        profiler.disable()
    timed("pickle + unpickle the workers' results", out,
          lambda: [pickle.loads(pickle.dumps(p)) for p in prepared if p])  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "newsterm.db")
        store.sync_sources([Source(u, "feed", None, ()) for u in urls])

        def store_all() -> None:  # what the refresh worker does with a parsed feed
            for url, parsed in zip(urls, prepared, strict=False):
                if parsed is None:
                    continue
                store.save_feed(
                    url, parsed.rows, title=parsed.title, link=parsed.link,
                    present=parsed.present, keep_days=settings.keep_days,
                    max_articles=settings.max_articles_per_feed, body_hash="x",
                    zdict=parsed.zdict,
                )  # fmt: skip

        if stage == "store":
            profiler.enable()
        timed("store: the rows, one transaction per feed", out, store_all)
        profiler.disable()
        store.close()

    n_items = sum(len(parsed.rows) for parsed in prepared if parsed)
    print(f"{corpus.label}: {n_items} items, {total_mb:.1f} MB; one process, one core")
    for label, seconds in out.items():
        print(f"  {label:<46} {seconds:7.2f} s")
    if stage:
        print(f"\ncProfile of {stage}:")
        stats = pstats.Stats(profiler).sort_stats("tottime")
        stats.print_stats(18)
        stats.print_callers(6)
    return 0


if __name__ == "__main__":
    sys.exit(main())
