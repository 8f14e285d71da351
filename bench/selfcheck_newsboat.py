"""Hand-run self-check: newsboat reload figures for each benchmark scenario.

    python bench/selfcheck_newsboat.py [--feeds 200] [--reps 3] [--only fresh,304]

Scenarios (each with newsboat's default reload-threads and with 16):
  fresh          empty cache, server with validators
  304            cache after two reloads (validators stored), every feed answers 304
  no-validators  cache after one reload, server sends the same bodies, always 200
  latency-250    empty cache, 250 ms per response
Every measured run is checked against the server's response counts.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from feedgen import count_items, generate  # noqa: E402
from feedserver import feed_urls, start_server  # noqa: E402
from newsboat import ensure_newsboat, feeds_with_validators, run_newsboat_reload  # noqa: E402

# name -> (server mode, latency ms, warm-up reloads before each measured one)
SCENARIOS = {
    "fresh": ("validators", 0, 0),
    "304": ("validators", 0, 2),
    "no-validators": ("no-validators", 0, 1),
    "latency-250": ("validators", 250, 0),
}


def measure(name, feeds, n_items, workdir, threads, reps, newsboat):
    mode, latency, warmups = SCENARIOS[name]
    expect_status = 304 if name == "304" else 200
    server, port = start_server(feeds, mode, latency)
    urls = feed_urls(port, feeds)
    run = Path(workdir) / f"{name}-{threads or 'default'}"
    try:
        snapshot = None
        if warmups:
            for i in range(warmups):
                run_newsboat_reload(
                    urls, run, threads, fresh=(i == 0), min_items=n_items, newsboat=newsboat
                )
            if name == "304":
                stored, total = feeds_with_validators(run / "cache.db")
                if stored != total:
                    raise RuntimeError(f"only {stored}/{total} feeds have validators stored")
            snapshot = run / "cache.db.warm"
            shutil.copyfile(run / "cache.db", snapshot)
        results = []
        for _ in range(reps):
            if snapshot:
                shutil.copyfile(snapshot, run / "cache.db")
            server.reset_stats()
            results.append(
                run_newsboat_reload(
                    urls, run, threads, fresh=snapshot is None, min_items=n_items, newsboat=newsboat
                )
            )
            stats = server.reset_stats()
            if stats != Counter({expect_status: len(feeds)}):
                raise RuntimeError(
                    f"{name}: server answered {dict(stats)}, "
                    f"expected {len(feeds)} x {expect_status}"
                )
        return results
    finally:
        server.shutdown()
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    args = parser.parse_args(argv)
    newsboat, reason = ensure_newsboat()
    if newsboat is None:
        print(f"newsboat unavailable: {reason}, comparison skipped")
        return 0
    feeds = generate(args.feeds)
    n_items = sum(count_items(data) for _, data in feeds)
    n_mb = sum(len(data) for _, data in feeds) / 1e6
    print(f"{len(feeds)} feeds, {n_items} items, {n_mb:.1f} MB; median of {args.reps}")
    print(f"{'scenario':<14} {'threads':>7} {'wall s':>7} {'min-max s':>13} {'peak RSS MB':>11}")
    with tempfile.TemporaryDirectory(prefix="bench-newsboat-") as workdir:
        for name in args.only.split(","):
            for threads in (None, 16):
                results = measure(name, feeds, n_items, workdir, threads, args.reps, newsboat)
                walls = [w for w, _ in results]
                rss = statistics.median(r for _, r in results) / 1024
                print(
                    f"{name:<14} {threads or 'default':>7} {statistics.median(walls):>7.2f} "
                    f"{min(walls):>6.2f}-{max(walls):<6.2f} {rss:>11.1f}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
