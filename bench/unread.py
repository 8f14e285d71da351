"""`newsterm unread` at 100,000 articles: what a status bar pays for each call.

Prints a table: the interpreter alone (the same venv python, `-c pass`), `newsterm
unread`, `unread --section`, `unread --json`, and the full program's `sections` for
scale, each the median wall time of N runs in fresh processes, and the command's own
work (its time minus the interpreter's). Budget (issue 16): ≤ 50 ms of its own work.

    python bench/unread.py [--runs 15] [--data-dir DIR --config FILE]

Without --data-dir it uses the cached 100k store of bench/stores.py (built on first
use); the store is copied first, so the runs never change the cache.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))


def _median_ms(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--data-dir", type=Path, help="a data dir holding newsterm.db")
    parser.add_argument("--config", type=Path, help="its feeds.toml")
    args = parser.parse_args()
    newsterm = shutil.which("newsterm") or str(Path(sys.executable).with_name("newsterm"))
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        if args.data_dir:
            shutil.copy(args.data_dir / "newsterm.db", data / "newsterm.db")
            config = args.config or args.data_dir / "feeds.toml"
        else:
            import stores

            big = stores.big_stores(newsterm, newsboat=False)
            shutil.copy(big.newsterm_db, data / "newsterm.db")
            config = big.newsterm_config
        base = [newsterm, "--config", str(config), "--data-dir", str(data)]
        subprocess.run([*base, "unread"], check=True, stdout=subprocess.DEVNULL)  # migrations
        section = "Bench 10k"
        rows = [
            ("python -c pass (same interpreter)", [sys.executable, "-c", "pass"]),
            ("newsterm unread", [*base, "unread"]),
            (f"newsterm unread --section {section!r}", [*base, "unread", "--section", section]),
            ("newsterm unread --json", [*base, "unread", "--json"]),
            ("newsterm sections (the full program)", [*base, "sections"]),
        ]
        load = os.getloadavg()[0]
        print(f"# {args.runs} runs each, median wall time; load average {load:.2f}")
        print(f"{'command':44s} {'wall ms':>8s} {'own work ms':>12s}")
        interpreter = None
        for name, argv in rows:
            ms = _median_ms(argv, args.runs)
            if interpreter is None:
                interpreter = ms
                print(f"{name:44s} {ms:8.1f} {'':>12s}")
            else:
                print(f"{name:44s} {ms:8.1f} {ms - interpreter:12.1f}")


if __name__ == "__main__":
    main()
