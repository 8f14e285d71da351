"""The query language on the 100,000-article store (issue 15's budgets): a query with
two fields, a flag and a time limit (first page, <= 50 ms), each of 20 saved searches'
unread counts (<= 10 ms each) and the sidebar's 20 together (<= 100 ms). Run with
newsterm's Python:

    python bench/queries.py [--store newsterm.db] [--reps 7]

The store is the bench's 100k store (``stores.big_stores``, built on first use with
this checkout's newsterm), or a copy of ``--store``. The saved searches are of the kinds
a reader keeps: words, fields, flags, times, feeds, sections, phrases, ``or``, ``not``,
and regexes (over every title, and after a feed, a time or a flag narrowed the rows).
Times are counted back from the store's newest article. Each figure is the median of
``--reps`` runs of ``Store.query_count`` (what ``Library.saved_counts`` calls).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

SRC = Path(__file__).resolve().parent.parent / "src"


def the_store(given: str | None, tmp: Path) -> Path:
    """A copy of ``given``, or the bench's 100k store (built with this checkout)."""
    if given:
        source = Path(given)
    else:
        import stores

        wrapper = tmp / "newsterm"
        wrapper.write_text(
            f'#!/bin/sh\nPYTHONPATH="{SRC}" exec "{sys.executable}" -m newsterm "$@"\n'
        )
        wrapper.chmod(0o755)
        source = stores.big_stores(str(wrapper), newsboat=False).newsterm_db
    copy = tmp / "newsterm.db"
    shutil.copyfile(source, copy)
    return copy


def saved_searches(store) -> tuple[str, list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    """A query of two fields, a flag and a time limit, and 20 saved searches (kind,
    query), over what the store holds: its feeds and sections, the words and names the
    generated feeds are made of, its newest dates."""
    (newest,) = store._query("SELECT max(sort_time) FROM articles")[0]
    day = datetime.fromtimestamp(newest)

    def since(days: int) -> str:
        return f"since:{(day - timedelta(days=days)):%Y-%m-%d}"

    ((feed, feed_n),) = store._query(
        "SELECT s.label, count(*) FROM articles a JOIN sources s ON s.id = a.source_id "
        "GROUP BY s.id ORDER BY 2 DESC LIMIT 1"
    )
    small = store._query(
        "SELECT s.label FROM articles a JOIN sources s ON s.id = a.source_id "
        "GROUP BY s.id HAVING count(*) BETWEEN 50 AND 2000 ORDER BY count(*) DESC, s.label "
        "LIMIT 1"
    )
    small_feed = small[0][0] if small else feed
    (section,) = store._query(
        "SELECT sec.path FROM articles a JOIN sections sec ON sec.id = a.section_id "
        "WHERE sec.path != '' GROUP BY sec.id ORDER BY count(*) DESC LIMIT 1"
    )[0]
    section = section.replace("\x1f", "/")
    import feedgen  # the words and names the generated feeds are made of

    w = [feedgen.WORDS[i] for i in range(0, 12 * 7, 7)]
    who = feedgen.LAST_NAMES[3]
    del feed_n
    its_title, its_time = store._query(
        "SELECT a.title, a.sort_time FROM articles a JOIN sources s ON s.id = a.source_id "
        "WHERE s.label = ? ORDER BY a.sort_time DESC, a.title LIMIT 1",
        (feed,),
    )[0]
    its_word = max((x for x in its_title.split() if x.isalpha()), key=len, default=w[9]).lower()
    its_since = datetime.fromtimestamp(its_time) - timedelta(days=365)
    first = f'feed:"{feed}" title:{its_word} unread since:{its_since:%Y-%m-%d}'
    return first, [
        ("words", f"title:{w[0]} {since(7)}"),
        ("words", f"{w[1]} unread"),
        ("feed", f'feed:"{small_feed}" unread'),
        ("section", f'section:"{section}" title:{w[2]}'),
        ("field", f"author:{who} unread"),
        ("phrase", f'"{w[3]} {w[4]}"'),
        ("or", f"title:{w[5]} or title:{w[6]}"),
        ("not", f"-title:{w[7]} {since(30)}"),
        ("flag", "starred"),
        ("flag", "full"),
        ("time", f"unread {since(3)}"),
        ("content", f"content:{w[8]} {since(14)}"),
        ("two fields", f'feed:"{small_feed}" title:{w[9]} unread'),
        ("regex + feed", f'feed:"{small_feed}" title:/{w[10][:4]}|{w[11][:4]}/'),
        ("regex + time", f"title:/^{w[0][:3]}/ {since(30)}"),
        ("regex + flag", f"title:/{w[1][:4]}/ starred"),
        ("regex + feed", f'feed:"{small_feed}" author:/{who[:3]}/ unread'),
        ("regex, every title", f"/^{w[2][:3]}/"),
        ("regex, every title", f"title:/{w[3][:4]}|{w[4][:4]}/ unread"),
        ("regex, every url", "url:/[0-9]{4}/"),
    ]


def timed(fn, reps: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """(median ms, the result) of ``reps`` calls after one to warm up."""
    result = fn()
    samples = []
    for _ in range(reps):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="a newsterm.db to copy (default: the 100k bench store)")
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args(argv)

    from newsterm.core.querylang import parse_any
    from newsterm.core.store import Store

    with tempfile.TemporaryDirectory(prefix="newsterm-queries-") as tmp:
        store = Store.open(the_store(args.store, Path(tmp)))
        (n,) = store._query("SELECT count(*) FROM articles")[0]
        first_query, searches = saved_searches(store)
        rows = []
        node = parse_any(first_query)
        assert node is not None
        ms, ids = timed(lambda: store.rows(store.query_ids(node, limit=200)), args.reps)
        rows.append(("first page (200 rows)", first_query, ms, f"{len(ids):,} rows", 50))  # type: ignore[arg-type]
        total = 0.0
        for kind, query in searches:
            node = parse_any(query)
            assert node is not None
            ms, counts = timed(lambda node=node: store.query_count(node), args.reps)
            total += ms
            unread, all_ = counts  # type: ignore[misc]
            rows.append((f"count: {kind}", query, ms, f"{unread:,} / {all_:,}", 10))
        rows.append(("the sidebar's 20 counts", "", total, "", 100))
        store.close()
    print(
        f"queries on {n:,} articles, median of {args.reps}, "
        f"{datetime.now():%Y-%m-%d %H:%M}, load {os.getloadavg()[0]:.1f}"
    )
    print("| what | query | time | found (unread / all) | budget | met? |")
    print("| --- | --- | --- | --- | --- | --- |")
    for what, query, ms, found, budget in rows:
        shown = f"`{query}`".replace("|", "\\|") if query else ""
        met = "yes" if ms <= budget else "NO"
        print(f"| {what} | {shown} | {ms:.1f} ms | {found} | <= {budget} ms | {met} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
