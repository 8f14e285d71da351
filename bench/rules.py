"""What feeds.toml's rules cost when a refresh stores articles (issue 15's budget: 50
rules during a 300-feed refresh, at most 10 % more refresh time). Run with newsterm's
Python:

    python bench/rules.py [--reps 5] [--feeds 300] [--new 20] [--profile] [--no-refresh]

Each repetition stores ``--new`` new articles in each of ``--feeds`` feeds, one
``Store.save_feed`` per feed as a refresh's workers do (rows prepared beforehand, as the
workers prepare them, so only the store's part is timed), with no rules and with 50
rules like a reader's: feed-scoped hides with a title regex, title words and phrases,
authors, sections, text words, categories, global regexes, ``or`` and ``not``. Two
stores: a fresh one, and one that already holds ``--old`` articles per feed (its index
is that much bigger). Figures are the median of ``--reps``; the rules are checked to
have hidden, marked and tagged something.

Then the budget itself: ``newsterm refresh`` of the refresh corpus (``stores.
refresh_corpus``: the real-shaped feeds when ../shared is there) from a local server
into a fresh store, with no rules and with the same 50 rules in feeds.toml, runs
interleaved, median of ``--reps``. The newsterm run is this checkout's
(``python -m newsterm`` with ``src/`` first on the path).

Each row gives wall and CPU time (this process's for the stores, the refresh's whole
process tree's for the refresh); the cost of the rules is read in CPU time, which other
programs on a shared machine move far less than the wall clock.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

SECTIONS = [("Tech",), ("Tech", "Mobiles"), ("World",), ("Sports", "Cricket"), ("Culture",)]
AUTHORS = ["Staff", "Ana Ruiz", "PR Newswire", "J. Smith", None, "Editors", "Wire Service"]
CATEGORIES = ["news", "podcast", "review", "opinion", "deals", "science"]
CATEGORY_WEIGHTS = [60, 4, 15, 12, 4, 5]
SPICE = ["sponsored", "advert", "webinar", "casino", "deal", "rumor", "press release"]


def vocabulary(rng: random.Random, n: int = 3000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 10))) for _ in range(n)]


def rules() -> list[tuple[str, str]]:
    """50 rules of the kinds a reader writes."""
    out: list[tuple[str, str]] = []
    for i in range(15):  # a feed's sponsored posts
        out.append((f'feed:"Feed {i * 19:03d}" title:/sponsored|advert|partner content/', "hide"))
    for i in range(5):
        out.append((f'feed:"Feed {i * 37 + 5:03d}" (title:deal or title:sale)', "read"))
    for word in ["webinar", "giveaway", "horoscope", "quiz", "livestream"]:
        out.append((f"title:{word}", "hide"))
    for phrase in ["press release", "sponsored content", "paid post", "week in review", "top ten"]:
        out.append((f'title:"{phrase}"', "read"))
    for author in ["PR Newswire", "Wire Service", "Sponsor"]:
        out.append((f'author:"{author}"', "read"))
    out.append(("section:Sports/Cricket title:/^live:/", "read"))
    out.append(("section:Tech/Mobiles (title:rumor or title:leak)", "tag:rumor"))
    out.append(("section:Culture -title:review", "tag:culture"))
    out.append(("section:World title:/^(breaking|update):/", "star"))
    out.append(("section:Tech content:benchmark", "tag:benchmarks"))
    for word in ["casino", "crypto"]:
        out.append((word, "hide"))
    out.append(('"black friday"', "tag:shopping"))
    out.append(("content:recipe", "tag:food"))
    out.append(("tag:podcast", "read"))
    out.append(("tag:deals", "tag:shopping"))
    out.append(("title:/\\b(ad|promo)\\b/", "hide"))
    out.append(("title:/^\\[?sponsored\\]?/", "hide"))
    out.append(("url:/utm_source=/", "tag:tracked"))
    out.append(("title:nft or title:airdrop", "hide"))
    out.append(("author:Staff title:/correction/", "read"))
    out.append(("feed:newswire or feed:prweb", "read"))
    assert len(out) == 50, len(out)
    return out


def feed_label(i: int) -> str:
    return f"Feed {i:03d}"


def feed_articles(i: int, start: int, count: int, words: list[str], rng: random.Random):  # type: ignore[no-untyped-def]
    from newsterm.core.models import Article, ArticleKey

    key = f"https://feed{i}.bench.example/feed.xml"
    section = SECTIONS[i % len(SECTIONS)]
    base = datetime(2026, 12, 1, tzinfo=UTC)
    out = []
    for k in range(start, start + count):
        title_words = rng.choices(words[:800], k=rng.randint(4, 10))
        if rng.random() < 0.08:
            title_words.insert(rng.randint(0, len(title_words)), rng.choice(SPICE))
        body_words = rng.choices(words, k=rng.randint(150, 500))
        if rng.random() < 0.05:
            body_words.insert(rng.randint(0, len(body_words)), rng.choice(SPICE))
        paragraphs = [" ".join(body_words[j : j + 60]) for j in range(0, len(body_words), 60)]
        url = f"https://feed{i}.bench.example/{k}" + ("?utm_source=rss" if k % 7 == 0 else "")
        out.append(
            Article(
                key=ArticleKey(key, f"tag:bench,2026:{i}/{k}"),
                title=" ".join(title_words).capitalize(),
                section=section,
                url=url,
                author=rng.choice(AUTHORS),
                published=base - timedelta(minutes=k * 17 + i),
                content="".join(f"<p>{p}.</p>" for p in paragraphs),
                content_type="html",
                categories=tuple(
                    set(rng.choices(CATEGORIES, CATEGORY_WEIGHTS, k=rng.randint(0, 2)))
                ),
            )
        )
    return key, out


def prepared_batches(n_feeds: int, start: int, count: int, seed: int):  # type: ignore[no-untyped-def]
    from newsterm.core.store.prepare import prepare

    rng = random.Random(seed)
    words = vocabulary(rng)
    batches = []
    for i in range(n_feeds):
        key, articles = feed_articles(i, start, count, words, rng)
        batches.append((key, [prepare(a) for a in articles], [a.key.id for a in articles]))
    return batches


Timing = tuple[float, float]
"""(wall seconds, CPU seconds) of one run."""


def real_batches():  # type: ignore[no-untyped-def]
    """The refresh corpus's feeds parsed and prepared as a refresh's workers do:
    (url, rows, present, title, zdict) each, and the corpus's name."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import stores

    from newsterm.core.refresh.worker import Failed, parse

    corpus = stores.refresh_corpus("real")
    batches = []
    for name, body in corpus.feeds:
        url = f"http://127.0.0.1/feed/{name}"
        ctype = corpus.content_types.get(name) if corpus.content_types else None
        parsed = parse(body, url, url, ctype, SECTIONS[len(batches) % 5], {}, None)
        if not isinstance(parsed, Failed):
            batches.append((url, parsed.rows, list(parsed.present), parsed.title, parsed.zdict))
    return batches, corpus.label


def open_store(path: Path, keys: list[str], the_rules: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    from newsterm.core.models import Source
    from newsterm.core.store import Store

    store = Store.open(path)
    store.sync_sources(
        [Source(key, "feed", feed_label(i), SECTIONS[i % 5]) for i, key in enumerate(keys)]
    )
    store.set_rules(the_rules)
    return store


def store_all(store, batches) -> Timing:  # type: ignore[no-untyped-def]
    """Each batch stored as a refresh stores a feed: (wall, CPU seconds)."""
    started, cpu = time.perf_counter(), time.process_time()
    for key, rows, present, *own in batches:
        title, zdict = own or (None, None)
        store.save_feed(
            key, rows, title=title, link=None, present=present, keep_days=0,
            max_articles=0, zdict=zdict,
        )  # fmt: skip
    return time.perf_counter() - started, time.process_time() - cpu


def _tree_ticks(root: int) -> dict[int, int]:
    """utime + stime (clock ticks) of ``root`` and each of its descendants, from /proc."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(entry)] = int(fields[1])
        ticks[int(entry)] = int(fields[11]) + int(fields[12])
    inside = {root}
    while grown := {pid for pid, parent in parents.items() if parent in inside} - inside:
        inside |= grown
    return {pid: ticks[pid] for pid in inside if pid in ticks}


def run_tree(argv: list[str], env: dict[str, str]) -> Timing:
    """Run ``argv``: (wall seconds, CPU seconds of its whole process tree). The tree is
    sampled every 50 ms (worker processes are not waited for by the command itself),
    so a process's last 50 ms may be missed: the same for every run."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen: dict[int, int] = {}
    while proc.poll() is None:
        for pid, ticks in _tree_ticks(proc.pid).items():
            seen[pid] = max(seen.get(pid, 0), ticks)
        time.sleep(0.05)
    wall = time.perf_counter() - started
    if proc.returncode:
        raise RuntimeError(f"{argv} failed: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
    return wall, sum(seen.values()) / os.sysconf("SC_CLK_TCK")


def refresh_times(reps: int) -> tuple[str, dict[int, list[Timing]], int, int]:
    """``newsterm refresh`` into a fresh store with 0 and 50 rules, interleaved:
    (the corpus, timings by rule count, feeds, articles the rules changed)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import stores
    from feedserver import feed_urls, start_server

    corpus = stores.refresh_corpus("real")
    server, port = start_server(corpus.feeds, "validators", 0, content_types=corpus.content_types)
    src = Path(__file__).resolve().parent.parent / "src"
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    times: dict[int, list[Timing]] = {0: [], 50: []}
    changed = 0
    try:
        with tempfile.TemporaryDirectory(prefix="newsterm-rules-refresh-") as tmp:
            configs = {}
            for n in times:
                path = Path(tmp) / f"feeds-{n}.toml"
                stores.newsterm_config(path, feed_urls(port, corpus.feeds), per_host=16)
                # no article pages read from the internet
                text = path.read_text().replace("[settings]\n", '[settings]\nfull_text = "never"\n')
                for query, action in rules()[:n]:
                    text += f"\n[[rules]]\nquery = '{query}'\naction = \"{action}\"\n"
                path.write_text(text)
                configs[n] = path
            for _ in range(reps):
                for n, config in configs.items():
                    data = Path(tmp) / "data"
                    shutil.rmtree(data, ignore_errors=True)
                    argv = [sys.executable, "-m", "newsterm", "--config", str(config)]
                    argv += ["--data-dir", str(data), "refresh"]
                    times[n].append(run_tree(argv, env))
                    if n:
                        changed = _changed(data / "newsterm.db")
    finally:
        server.shutdown()
    return f"newsterm refresh, {corpus.label}, fresh store", times, len(corpus.feeds), changed


def _changed(db: Path) -> int:
    import sqlite3

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(
            "SELECT count(*) FROM articles WHERE hidden OR read OR starred OR tags IS NOT NULL"
        ).fetchone()[0]
    finally:
        con.close()


def row(name: str, zero: list[Timing], fifty: list[Timing], feeds: int, changed: int) -> str:
    """A table row: medians of wall and CPU time; the cost in CPU time."""
    wall0, cpu0 = (statistics.median(t[i] for t in zero) for i in (0, 1))
    wall50, cpu50 = (statistics.median(t[i] for t in fifty) for i in (0, 1))
    cost = cpu50 - cpu0
    return (
        f"| {name} | {wall0:.2f} s / {cpu0:.2f} s | {wall50:.2f} s / {cpu50:.2f} s | "
        f"{cost:+.2f} s ({cost / cpu0:+.0%}) | {cost / feeds * 1000:+.2f} ms | {changed:,} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--new", type=int, default=20)
    parser.add_argument("--old", type=int, default=100, help="articles per feed already stored")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="a cProfile of one run with rules")
    parser.add_argument("--no-refresh", action="store_true", help="no `newsterm refresh` row")
    args = parser.parse_args(argv)

    the_rules = rules()
    new = prepared_batches(args.feeds, args.old, args.new, args.seed + 1)
    old = prepared_batches(args.feeds, 0, args.old, args.seed)
    real, real_label = real_batches()
    keys = {"fresh": [b[0] for b in new], "warm": [b[0] for b in new], "real": [b[0] for b in real]}
    batches = {"fresh": new, "warm": new, "real": real}
    results: dict[tuple[str, int], list[Timing]] = {}
    effect: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="newsterm-rules-") as tmp:
        root = Path(tmp)
        warm = root / "warm.db"
        base = open_store(warm, keys["warm"], [])
        store_all(base, old)
        base.close()
        for rep in range(args.reps):
            for kind in ("fresh", "warm", "real"):
                for n_rules in (0, 50):
                    db = root / f"run-{rep}.db"
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{db}{suffix}").unlink(missing_ok=True)
                    if kind == "warm":
                        shutil.copy(warm, db)
                    store = open_store(db, keys[kind], the_rules[:n_rules])
                    profiler = cProfile.Profile() if args.profile and n_rules and rep == 0 else None
                    if profiler:
                        profiler.enable()
                    results.setdefault((kind, n_rules), []).append(store_all(store, batches[kind]))
                    if profiler:
                        profiler.disable()
                        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
                    if n_rules and rep == 0:
                        effect[kind] = store._query(
                            "SELECT count(*) FROM articles WHERE id > ? AND "
                            "(hidden OR read OR starred OR tags IS NOT NULL)",
                            ((args.old * args.feeds) if kind == "warm" else 0,),
                        )[0][0]
                    store.close()
    print(
        f"50 rules at store time, median of {args.reps}, {datetime.now():%Y-%m-%d %H:%M}, "
        f"load {os.getloadavg()[0]:.1f}; generated: {args.feeds} feeds x {args.new} new articles"
    )
    print(
        "| what is timed | no rules (wall / CPU) | 50 rules (wall / CPU) | the rules' CPU "
        "| per feed | articles a rule changed |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    names = {
        "fresh": f"Store.save_feed, generated, {args.feeds * args.new:,} into an empty store",
        "warm": f"Store.save_feed, generated, into a store of {args.old * args.feeds:,}",
        "real": f"Store.save_feed, {real_label} ({sum(len(b[1]) for b in real):,}), empty store",
    }
    for kind, name in names.items():
        n = len(batches[kind])
        print(row(name, results[(kind, 0)], results[(kind, 50)], n, effect[kind]))
    if not args.no_refresh:
        name, times, feeds, changed = refresh_times(args.reps)
        print(row(name, times[0], times[50], feeds, changed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
