"""newsterm against newsboat: every scenario of issues 7 and 13, one table.

    python bench/run.py                      # everything (median of 5)
    python bench/run.py --quick              # median of 3, no newsboat 1-thread run
    python bench/run.py --corpus generated   # the refresh rows on feedgen's feeds
    python bench/run.py refresh-fresh startup   # some scenarios (or --only a,b)
    python bench/run.py --list

The refresh rows use the real-shaped corpus (realfeeds.py) when ../shared is there.
It runs under newsterm's interpreter (it re-executes itself with the Python of the
`newsterm` on PATH, or of --newsterm, when newsterm is not importable here). The
100,000-article stores are built once and cached in bench/.cache/ (see stores.py).
Results also go to bench/out/results-<time>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

SCENARIOS = {
    "refresh-fresh": "refresh, fresh store, loopback",
    "refresh-304": "refresh, every feed answers 304",
    "refresh-unchanged": "refresh, unchanged bodies, no validators",
    "refresh-hosts": "refresh, 20 hosts, 250 ms per response",
    "startup": "start-up to article list, 100k articles (pty)",
    "store-size": "store size, 100k articles",
    "memory": "peak memory, TUI on 100k articles + End (pty)",
    "section": "switch to a 10k section; End in it (Pilot)",
    "open-article": "open a 10 KB article (Pilot)",
    "open-full-text": "open a 10 KB article, its full text stored, against one without (Pilot)",
    "search": "full-text search, 100k articles, first page",
    "key-latency": "key -> frame while a refresh parses (Pilot)",
}
SCENARIOS_EXTRA = {"refresh-rss": "peak RSS of the refresh's process tree (fresh)"}
HOSTS = 20
FLOOR_SLACK = 1.5  # seconds above the fetch floor the many-hosts budget allows
# name -> (server mode, latency ms, warm-up refreshes before each measured one)
REFRESH = {
    "refresh-fresh": ("validators", 0, 0),
    "refresh-304": ("validators", 0, 2),
    "refresh-unchanged": ("no-validators", 0, 1),
    "refresh-hosts": ("validators", 250, 0),
}
BUDGET = {  # ratio to newsboat with reload-threads 16 (same run), or milliseconds
    "refresh-fresh": 0.6,
    "refresh-304": 0.3,
    "refresh-unchanged": 0.3,
    "refresh-hosts": 0.4,
    "refresh-rss": 1.5,
    "startup": 0.5,
    "store-size": 0.4,
    "memory": 1.0,
}
NEWSBOAT_END = b"\x1bOF"  # End in keypad-transmit mode (newsboat turns it on)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- finding newsterm ---------------------------------------------------------------


def find_newsterm(given: str | None) -> str:
    if given:
        return str(Path(given).resolve())
    found = shutil.which("newsterm")
    if found:
        return found
    sibling = Path(sys.executable).with_name("newsterm")
    if sibling.exists():
        return str(sibling)
    if Path("/tmp/venv/bin/newsterm").exists():  # this project's development venv
        return "/tmp/venv/bin/newsterm"
    sys.exit("bench: no `newsterm` on PATH; pass --newsterm /path/to/venv/bin/newsterm")


def as_installed() -> None:
    """Run newsterm as pip installs it: with its bytecode compiled.

    `pip install` compiles every module; an editable install under
    PYTHONDONTWRITEBYTECODE=1 would compile newsterm's sources on every start instead
    (~0.15 s here), which no user sees.
    """
    import compileall

    import newsterm

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False
    compileall.compile_dir(Path(newsterm.__file__).parent, quiet=1)


def ensure_interpreter(newsterm: str) -> None:
    """Re-run this script with newsterm's Python when newsterm is not importable here."""
    try:
        import textual  # noqa: F401

        import newsterm  # noqa: F401
    except ImportError:
        first = Path(newsterm).read_text(errors="replace").splitlines()[0]
        python = first[2:].strip().split()[0] if first.startswith("#!") else ""
        if not python or os.environ.get("NEWSTERM_BENCH_REEXEC"):
            sys.exit(f"bench: cannot import newsterm here, nor with the Python of {newsterm}")
        os.environ["NEWSTERM_BENCH_REEXEC"] = "1"
        os.execv(python, [python, __file__, *sys.argv[1:]])


# -- results ---------------------------------------------------------------------------


@dataclass
class Row:
    scenario: str
    newsterm: str
    newsboat: str
    ratio: float | None  # newsterm / newsboat, or None for absolute budgets
    budget: str
    met: bool | None
    data: dict = field(default_factory=dict)


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p90(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def ratio_row(name: str, label: str, nt: str, nb: str, ratio: float, data: dict) -> Row:
    budget = BUDGET[name]
    return Row(label, nt, nb, ratio, f"<= {budget:g}x", ratio <= budget, data)


def ms_row(label: str, value: float, budget: float, data: dict, text: str | None = None) -> Row:
    return Row(
        label, text or f"{value:.0f} ms", "-", None, f"<= {budget:g} ms", value <= budget, data
    )


# -- context -------------------------------------------------------------------------


@dataclass
class Context:
    newsterm: str
    newsboat: str | None
    reps: int
    quick: bool
    seed: int
    n_feeds: int
    tmp: Path
    corpus_kind: str = "real"
    _big: object = None
    _corpus: object = None

    def corpus(self):  # type: ignore[no-untyped-def]
        """The refresh rows' feeds (stores.refresh_corpus), made once per run."""
        import stores

        if self._corpus is None:
            self._corpus = stores.refresh_corpus(self.corpus_kind, self.seed, self.n_feeds)
        return self._corpus

    def big(self):  # type: ignore[no-untyped-def]
        import stores

        if self._big is None:
            self._big = stores.big_stores(
                self.newsterm, self.seed, self.n_feeds, newsboat=self.newsboat is not None
            )
        return self._big


def age_fetches(db: Path, seconds: int = 3600) -> None:
    """The warm store as an hour later: every server floor of the corpus (its `<ttl>`s
    are 10-30 minutes) has passed, so newsterm asks every feed, as newsboat does
    (within a floor it would not ask: 15 of the 305 feeds)."""
    con = sqlite3.connect(db)
    try:
        with con:
            con.execute("UPDATE sources SET fetched_at = fetched_at - ?", (seconds,))
    finally:
        con.close()


def count_articles(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        con.close()


# -- 1-4: refresh ------------------------------------------------------------------------


def _hosts_servers(corpus, mode: str, latency: float, n_hosts: int):  # type: ignore[no-untyped-def]
    """One feed server per loopback address 127.0.0.2 … (the feeds dealt out in turn)."""
    from feedserver import start_server

    servers, urls = [], [""] * len(corpus.feeds)
    for h in range(n_hosts):
        mine = [(i, f) for i, f in enumerate(corpus.feeds) if i % n_hosts == h]
        host = f"127.0.0.{h + 2}"
        server, port = start_server([f for _, f in mine], mode, latency, host=host,
                                    content_types=corpus.content_types)  # fmt: skip
        servers.append(server)
        for i, (name, _) in mine:
            urls[i] = f"http://{host}:{port}/feed/{name}"
    return servers, urls


def scenario_refresh(name: str, ctx: Context) -> list[Row]:
    import stores
    from feedserver import feed_urls, start_server
    from newsboat import run_command_measured, run_newsboat_reload

    mode, latency, warmups = REFRESH[name]
    corpus = ctx.corpus()
    n_feeds, n_items = len(corpus.feeds), corpus.items
    work = ctx.tmp / name
    if name == "refresh-hosts":
        servers, urls = _hosts_servers(corpus, mode, latency, HOSTS)
    else:
        server, port = start_server(corpus.feeds, mode, latency, content_types=corpus.content_types)
        servers, urls = [server], feed_urls(port, corpus.feeds)

    def stats() -> Counter:
        total: Counter = Counter()
        for server in servers:
            total += server.reset_stats()
        return total

    def check(label: str, got: Counter) -> None:
        if sum(got.values()) != n_feeds:
            raise RuntimeError(f"{name} {label}: server answered {dict(got)} to {n_feeds} feeds")
        if name == "refresh-304" and got[304] < 0.8 * n_feeds:
            raise RuntimeError(f"{name} {label}: only {got[304]} answers were 304")
        if name != "refresh-304" and got[200] != n_feeds:
            raise RuntimeError(f"{name} {label}: server answered {dict(got)}")

    try:
        # One host, loopback: newsboat's reload threads have no per-host limit, so
        # newsterm may use all its connections on that host too. Over many hosts,
        # newsterm runs with its defaults.
        per_host = None if name == "refresh-hosts" else 16
        config = stores.newsterm_config(work / "newsterm" / "config.toml", urls, per_host=per_host)
        data = work / "newsterm" / "data"
        warm = work / "newsterm" / "warm"
        argv = [ctx.newsterm, "--config", str(config), "--data-dir", str(data), "refresh"]
        nt_log = work / "newsterm" / "newsterm.log"
        variants: list[int | None] = [16] if ctx.newsboat else []
        if ctx.newsboat and not ctx.quick and name == "refresh-fresh":
            variants = [None, 16]
        snapshots: dict[int | None, Path] = {}
        if warmups:
            # The warm stores: one unmeasured refresh of these very feeds (newsboat:
            # `warmups` reloads; 2.21 stores validators from its second reload on).
            run_command_measured(argv, log=nt_log)
            shutil.rmtree(warm, ignore_errors=True)
            shutil.copytree(data, warm)
            age_fetches(warm / "newsterm.db")
            for threads in variants:
                run = work / f"newsboat-{threads or 'default'}"
                for _ in range(warmups):
                    run_newsboat_reload(urls, run, threads, fresh=False)
                snapshots[threads] = run / "cache.db.warm"
                shutil.copyfile(run / "cache.db", snapshots[threads])
        stats()

        def run_newsterm() -> tuple[float, int]:
            shutil.rmtree(data, ignore_errors=True)
            if warmups:
                shutil.copytree(warm, data)
            result = run_command_measured(argv, tree=True, log=nt_log)
            stored = count_articles(data / "newsterm.db")
            if stored != n_items:
                raise RuntimeError(f"{name}: newsterm stored {stored} articles, not {n_items}")
            return result

        nb_items: dict[str, int] = {}

        def run_newsboat(threads: int | None) -> tuple[float, int]:
            from newsboat import count_items

            run = work / f"newsboat-{threads or 'default'}"
            if threads in snapshots:
                shutil.copyfile(snapshots[threads], run / "cache.db")
            result = run_newsboat_reload(urls, run, threads, fresh=threads not in snapshots)
            nb_items[str(threads or "default")] = count_items(run / "cache.db")
            return result

        results: dict[str, list[tuple[float, int]]] = {"newsterm": [], "default": [], "16": []}
        jobs: list[tuple[str, object]] = [("newsterm", run_newsterm)]
        for threads in variants:
            jobs.append((str(threads or "default"), lambda t=threads: run_newsboat(t)))
        for rep in range(ctx.reps):
            order = jobs[rep % len(jobs) :] + jobs[: rep % len(jobs)]  # interleaved
            for label, job in order:
                stats()
                results[label].append(job())  # type: ignore[operator]
                check(label, stats())
                wall, rss = results[label][-1]
                log(
                    f"{name} rep {rep + 1}/{ctx.reps} {label:>8}: {wall:6.2f} s {rss / 1024:6.0f} MB"
                )
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()

    nt = [w for w, _ in results["newsterm"]]
    nt_rss = med([r for _, r in results["newsterm"]]) / 1024
    data = {k: [[round(w, 3), r] for w, r in v] for k, v in results.items()}
    data |= {"feeds": n_feeds, "newsterm_articles": n_items, "newsboat_articles": nb_items}
    nt_text = f"{med(nt):.2f} s, {nt_rss:.0f} MB"
    rows = []
    budget = f"<= {BUDGET[name]:g}x"
    if name == "refresh-hosts":
        from newsterm.core.config import Settings

        concurrency = Settings().concurrency
        floor = latency / 1000 * -(-n_feeds // concurrency)
        data["floor_s"] = floor
        nt_text = f"{med(nt):.2f} s (floor {floor:.2f} s), {nt_rss:.0f} MB"
        budget += f", floor + {FLOOR_SLACK:g} s"
    if not ctx.newsboat:
        return [Row(SCENARIOS[name], nt_text, "skipped", None, budget, None, data)]
    s16 = [w for w, _ in results["16"]]
    ratios = [a / b for a, b in zip(nt, s16, strict=False)]
    nb_rss = med([r for _, r in results["16"]]) / 1024
    nb_text = f"16 thr {med(s16):.2f} s, {nb_rss:.0f} MB"
    if results["default"]:
        nb_text += f" (1 thr {med([w for w, _ in results['default']]):.2f} s)"
    data["paired_ratios"] = [round(r, 3) for r in ratios]
    met = med(ratios) <= BUDGET[name]
    if name == "refresh-hosts":
        met = met and med(nt) <= data["floor_s"] + FLOOR_SLACK
    rows.append(Row(SCENARIOS[name], nt_text, nb_text, med(ratios), budget, met, data))
    if name == "refresh-fresh":
        rss_ratios = [a[1] / b[1] for a, b in zip(results["newsterm"], results["16"], strict=False)]
        rows.append(Row(SCENARIOS_EXTRA["refresh-rss"], f"{nt_rss:.0f} MB", f"16 thr {nb_rss:.0f} MB",
                        med(rss_ratios), f"<= {BUDGET['refresh-rss']:g}x",
                        med(rss_ratios) <= BUDGET["refresh-rss"], {}))  # fmt: skip
    return rows


# -- 5, 7: the TUI in a pty ---------------------------------------------------------------


def scenario_tui(names: list[str], ctx: Context) -> list[Row]:
    import stores
    from terminal import END, Terminal

    big = ctx.big()
    work = ctx.tmp / "tui"
    data = work / "data"
    db = stores.scratch_copy(big.newsterm_db, data)
    nt_argv = [ctx.newsterm, "--config", str(big.newsterm_config), "--data-dir", str(data)]
    nb_dir = big.newsboat_dir
    nb_argv = ["newsboat", "-c", str(nb_dir / "cache.db"), "-u", str(nb_dir / "urls"),
               "-C", str(nb_dir / "config")]  # fmt: skip
    nb_env = dict(os.environ, HOME=str(nb_dir), XDG_CONFIG_HOME=str(nb_dir / "xdg-config"),
                  XDG_DATA_HOME=str(nb_dir / "xdg-data"))  # fmt: skip
    results: dict[str, list[dict]] = {"newsterm": [], "newsboat": []}

    def run_newsterm() -> dict:
        con = sqlite3.connect(db)
        con.execute("DELETE FROM state")  # no saved place, article or theme: a cold start
        con.commit()
        con.close()
        with Terminal(nt_argv, dict(os.environ)) as term:
            shown = term.wait_for(stores.NEWEST_MARKER.encode())
            term.settle(0.5)
            # End is pressed again when the last row does not show (see README,
            # "Other findings": it can stay hidden under a horizontal scrollbar, and an
            # End before the second list load at start is undone by it).
            end = None
            presses = 0
            while presses < 4:
                presses += 1
                pressed = time.perf_counter()
                term.send(END)
                try:
                    term.wait_for(stores.OLDEST_MARKER.encode(), timeout=3)
                    end = time.perf_counter() - pressed
                    break
                except TimeoutError:
                    pass
            if end is None:
                dump = ctx.tmp.parent / f"newsterm-bench-end-{os.getpid()}.bin"
                dump.write_bytes(bytes(term.output))
                log(f"newsterm: the last row never showed after End (output kept in {dump})")
            term.settle(0.3)
            peak = term.tree_peak_kb()
            term.send(b"q")
            if term.wait_exit() is None:
                raise RuntimeError("newsterm did not quit on q")
        return {"startup_s": shown, "end_s": end, "end_presses": presses, "peak_kb": peak}

    def run_newsboat() -> dict:
        (nb_dir / "cache.db.lock").unlink(missing_ok=True)
        with Terminal(nb_argv, nb_env, cwd=nb_dir) as term:
            shown = term.wait_for(stores.NEWSBOAT_MARKER.encode())
            term.settle(0.5)
            term.send(NEWSBOAT_END)
            term.settle(0.3)
            peak = term.tree_peak_kb()
            term.send(b"q")
            if term.wait_exit() is None:
                raise RuntimeError("newsboat did not quit on q")
        return {"startup_s": shown, "peak_kb": peak}

    jobs = [("newsterm", run_newsterm)] + ([("newsboat", run_newsboat)] if ctx.newsboat else [])
    for _, job in jobs:  # unmeasured: warms the page cache, migrates a copy made by older code
        job()
    for rep in range(max(ctx.reps, 5)):
        for label, job in jobs if rep % 2 == 0 else jobs[::-1]:
            results[label].append(job())
            r = results[label][-1]
            log(f"tui rep {rep + 1} {label:>8}: start {r['startup_s']:.2f} s, "
                f"peak {r['peak_kb'] / 1024:.0f} MB")  # fmt: skip
    nt, nb = results["newsterm"], results["newsboat"]
    rows = []
    if "startup" in names:
        value = med([r["startup_s"] for r in nt])
        data = {"newsterm": nt, "newsboat": nb,
                "newsterm_end_in_pty_ms": round(med([r["end_s"] for r in nt if r["end_s"]]) * 1000, 1)}  # fmt: skip
        if nb:
            ratios = [a["startup_s"] / b["startup_s"] for a, b in zip(nt, nb, strict=False)]
            nb_value = med([r["startup_s"] for r in nb])
            rows.append(ratio_row("startup", SCENARIOS["startup"], f"{value:.2f} s",
                                  f"{nb_value:.2f} s", med(ratios), data))  # fmt: skip
        else:
            rows.append(
                Row(SCENARIOS["startup"], f"{value:.2f} s", "skipped", None, "<= 0.5x", None, data)
            )
    if "memory" in names:
        value = med([r["peak_kb"] for r in nt]) / 1024
        data = {
            "newsterm_kb": [r["peak_kb"] for r in nt],
            "newsboat_kb": [r["peak_kb"] for r in nb],
        }
        if nb:
            nb_value = med([r["peak_kb"] for r in nb]) / 1024
            rows.append(ratio_row("memory", SCENARIOS["memory"], f"{value:.0f} MB",
                                  f"{nb_value:.0f} MB", value / nb_value, data))  # fmt: skip
        else:
            rows.append(
                Row(SCENARIOS["memory"], f"{value:.0f} MB", "skipped", None, "<= 1x", None, data)
            )
    return rows


# -- 6: store size ---------------------------------------------------------------------------


def scenario_store_size(ctx: Context) -> list[Row]:
    big = ctx.big()
    db = big.newsterm_db
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    nt = sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())
    data = {"newsterm_bytes": nt, "template_newsterm_bytes": big.meta["template_newsterm_bytes"]}
    if not ctx.newsboat:
        return [
            Row(
                SCENARIOS["store-size"],
                f"{nt / 1e6:.0f} MB",
                "skipped",
                None,
                "<= 0.4x",
                None,
                data,
            )
        ]
    nb = (big.newsboat_dir / "cache.db").stat().st_size
    data |= {"newsboat_bytes": nb, "template_newsboat_bytes": big.meta["template_newsboat_bytes"]}
    return [ratio_row("store-size", SCENARIOS["store-size"], f"{nt / 1e6:.0f} MB",
                      f"{nb / 1e6:.0f} MB", nt / nb, data)]  # fmt: skip


# -- 8-11: in the app, with Pilot ----------------------------------------------------------


def run_inapp(ctx: Context, scenarios: list[str], db: Path, config: Path, reps: int) -> dict:
    argv = [sys.executable, str(BENCH / "inapp.py"), *scenarios, "--config", str(config),
            "--db", str(db), "--reps", str(reps),
            "--big-ids", json.dumps(ctx.big().meta["big_ids"])]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"inapp.py {scenarios} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def scenario_pilot(names: list[str], ctx: Context) -> list[Row]:
    import stores

    big = ctx.big()
    wanted = [s for s, n in (("section", "section"), ("open", "open-article"),
                             ("open-full", "open-full-text"), ("search", "search"))
              if n in names]  # fmt: skip
    reps = 5 if ctx.quick else 10
    db = stores.scratch_copy(big.newsterm_db, ctx.tmp / "pilot")
    out = run_inapp(ctx, wanted, db, big.newsterm_config, reps)
    rows = []
    if "section" in names:
        rows.append(ms_row("switch to the 10k section", out["section_switch_median_ms"], 50,
                           {"ms": out["section_switch_ms"]}))  # fmt: skip
        rows.append(ms_row("End in the 10k section", out["section_end_median_ms"], 50,
                           {"ms": out["section_end_ms"]}))  # fmt: skip
    if "open-article" in names or "open-full-text" in names:
        # with open-full-text, every other article opened has a full text: half the rows each
        plain = " (feed text)" if "open-full-text" in names else ""
        rows.append(ms_row(f"open 10 KB article{plain}: first frame", out["open_first_median_ms"],
                           50, {"ms": out["open_first_ms"]}))  # fmt: skip
        rows.append(ms_row(f"open 10 KB article{plain}: settled", out["open_settled_median_ms"],
                           150, {"ms": out["open_settled_ms"], "idle_ms": out["open_idle_ms"]}))  # fmt: skip
    if "open-full-text" in names:
        rows.append(ms_row("open 10 KB article (full text stored): first frame",
                           out["open_full_first_median_ms"], 50,
                           {"ms": out["open_full_first_ms"]}))  # fmt: skip
        rows.append(ms_row("open 10 KB article (full text stored): settled",
                           out["open_full_settled_median_ms"], 150,
                           {"ms": out["open_full_settled_ms"], "idle_ms": out["open_full_idle_ms"]}))  # fmt: skip
    if "search" in names:
        rows.append(ms_row("search 100k: Library.search + page", out["search_library_median_ms"],
                           50, {"ms": out["search_library_ms"]}))  # fmt: skip
        rows.append(ms_row("search 100k: in the UI", out["search_ui_median_ms"], 50,
                           {"ms": out["search_ui_ms"], "rows": out["search_ui_rows"]}))  # fmt: skip
    return rows


def scenario_keys(ctx: Context) -> list[Row]:
    import stores

    big = ctx.big()
    work = ctx.tmp / "keys"
    db = stores.scratch_copy(big.newsterm_db, work / "data")
    server = subprocess.Popen(
        [sys.executable, str(BENCH / "feedserver.py"), "--dir", str(stores.feeds_dir(ctx.seed, ctx.n_feeds))],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        port = int(server.stdout.readline())  # type: ignore[union-attr]
        old = big.meta["urls"][0].rsplit("/feed/", 1)[0]
        new = f"http://127.0.0.1:{port}"
        urls = [u.replace(old, new) for u in big.meta["urls"]]
        con = sqlite3.connect(db)
        # The feeds now live on this server; the template's own rows are renamed and moved
        # 10 years back, so all 13,055 items of the refresh are new and land above them.
        con.execute(
            "UPDATE sources SET key = replace(key, ?, ?), url = replace(url, ?, ?), etag = NULL, "
            "last_modified = NULL, body_hash = NULL WHERE key LIKE ? || '%'",
            (old, new, old, new, old),
        )
        con.execute(
            "UPDATE articles SET guid = guid || '-old', sort_time = sort_time - 3650 * 86400 "
            "WHERE id <= ?",
            (big.meta["max_template_id"],),
        )
        con.commit()
        con.close()
        config = stores.newsterm_config(work / "config.toml", urls, ten=True)
        out = run_inapp(ctx, ["keys"], db, config, 1)
    finally:
        server.terminate()
        server.wait()
    lat = out["keys_ms"]
    text = f"p50 {med(lat):.0f} / p90 {p90(lat):.0f} ms"
    data = {"ms": lat, "stalled": out["keys_stalled"], "refresh_s": out["keys_refresh_s"],
            "new_articles": out["keys_new_articles"], "slow_callbacks": out.get("slow_callbacks")}  # fmt: skip
    if out["keys_new_articles"] != big.meta["items"]:
        raise RuntimeError(f"key-latency: the refresh stored {out['keys_new_articles']} articles")
    return [ms_row(SCENARIOS["key-latency"] + " (p90)", p90(lat), 20, data, text)]


def newsterm_version() -> str:
    """The commit of the newsterm being measured, "+dirty" when src/ has changes."""
    import newsterm

    src = Path(newsterm.__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(src), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(src), "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return getattr(newsterm, "__version__", "?")
    return commit + ("+dirty" if dirty else "")  # fmt: skip


# -- the table -------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    head = ["scenario", "newsterm", "newsboat", "ratio", "budget", "met?"]
    body = [
        [r.scenario, r.newsterm, r.newsboat, "-" if r.ratio is None else f"{r.ratio:.2f}x",
         r.budget, "-" if r.met is None else ("yes" if r.met else "NO")]
        for r in rows
    ]  # fmt: skip
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, body)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", help="names (default: all); see --list")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--quick", action="store_true", help="median of 3 instead of 5")
    parser.add_argument("--reps", type=int, help="repetitions of each measured run")
    parser.add_argument("--newsterm", help="the newsterm executable (default: on PATH)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--corpus", choices=["real", "generated"], default="real",
        help="the refresh rows' feeds: copies of ../shared/corpus/feeds/real, or feedgen's",
    )  # fmt: skip
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--list", action="store_true", help="list the scenarios")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (prints it)")
    args = parser.parse_args(argv)
    if args.list:
        for name, text in SCENARIOS.items():
            print(f"{name:<18} {text}")
        return 0
    names = args.scenarios + [n for n in args.only.split(",") if n]
    names = names or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario {unknown[0]!r} (see --list)")
    newsterm = find_newsterm(args.newsterm)
    ensure_interpreter(newsterm)
    as_installed()

    from newsboat import ensure_newsboat

    newsboat, reason = ensure_newsboat()
    if newsboat is None:
        print(f"newsboat unavailable: {reason}, comparison skipped")
    reps = args.reps or (3 if args.quick else 5)
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="newsterm-bench-"))
    ctx = Context(newsterm, newsboat, reps, args.quick, args.seed, args.feeds, tmp, args.corpus)
    rows: list[Row] = []
    pilot = [n for n in ("section", "open-article", "open-full-text", "search") if n in names]
    try:
        for name in [n for n in SCENARIOS if n in names]:  # table order
            log(f"{name}: {SCENARIOS[name]}")
            if name in REFRESH:
                rows += scenario_refresh(name, ctx)
            elif name == "startup" or (name == "memory" and "startup" not in names):
                rows += scenario_tui([n for n in ("startup", "memory") if n in names], ctx)
            elif name == "store-size":
                rows += scenario_store_size(ctx)
            elif name in pilot:
                if name == pilot[0]:  # one app session for the three
                    rows += scenario_pilot(pilot, ctx)
            elif name == "key-latency":
                rows += scenario_keys(ctx)
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    minutes = (time.perf_counter() - started) / 60
    header = (
        f"newsterm {newsterm_version()} vs newsboat, {time.strftime('%Y-%m-%d %H:%M')}, "
        f"{os.cpu_count()} cores, "
        f"median of {reps} (in-app: {5 if args.quick else 10}), {minutes:.1f} min"
    )
    if any(n in REFRESH for n in names):
        corpus = ctx.corpus()
        megabytes = sum(len(d) for _, d in corpus.feeds) / 1e6
        header += f"\nrefresh rows: {corpus.label}, {corpus.items:,} articles, {megabytes:.1f} MB"
    print(header)
    print(table(rows))
    out = BENCH / "out"
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"results-{stamp}.json").write_text(
        json.dumps({"header": header, "rows": [r.__dict__ for r in rows]}, indent=1)
    )
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
