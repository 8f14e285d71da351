"""Stores for the benchmarks, built once and cached under bench/.cache/ (git-ignored).

- feeds(seed, n): feedgen's feeds as files (generating 200 takes ~5 s; reading, 0.1 s).
- templates: one `newsterm refresh` and one `newsboat -x reload` of the 200 generated
  feeds from the local server, the organically grown stores (13,055 articles each).
- big stores: each template grown to exactly 100,000 articles in SQL, the same way
  on both sides: every round r copies the 13,055 template rows with guid + "-c<r>" and
  dates r * 30 days older, until 100,000 rows. Ten articles with ~10 KB HTML bodies
  are the newest ones (the newest has the unique title NEWEST_MARKER) and one article
  titled OLDEST_MARKER is the oldest, so a pty reader can see when the list is on
  screen and when End has been drawn. In newsterm's store 10,000 of the copies are
  moved to their own feed in the section TEN_SECTION, and every copy gets its row in
  the full-text index (title, feed label, the body's text, as the store writes them).
  newsterm's store is then VACUUMed (the bulk insert leaves free pages a store grown
  feed by feed would have reused); newsboat's cache gets ANALYZE (see _build_newsboat).

The cache key holds the seed, the feed count, newsterm's schema version and a hash of
newsterm's core/store/ package and bodies.py, so a change to how the store writes rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
CACHE = BENCH / ".cache"
sys.path.insert(0, str(BENCH))
import feedgen  # noqa: E402
from feedserver import feed_urls, start_server  # noqa: E402
from newsboat import count_items, run_newsboat_reload  # noqa: E402

BUILDER_VERSION = 3  # bump when this file builds stores differently
TOTAL = 100_000
TEN = 10_000
N_BIG = 10
BIG_BYTES = 10_000
NEWEST_MARKER = "NewestMarkerZq7"
OLDEST_MARKER = "OldestMarkerQx9"
NEWSBOAT_MARKER = "NewsboatMarkerFeedZq7"  # title of newsboat's first feed
TEN_SECTION = "Bench 10k"
TEN_URL = "http://127.0.0.1:9/bench-10k.xml"  # never fetched (refresh_on_start = false)
ROUND_SECONDS = 30 * 86_400


def log(message: str) -> None:
    print(f"  [stores] {message}", file=sys.stderr, flush=True)


# -- feeds ---------------------------------------------------------------------------


def feeds(seed: int = 1, n: int = 200) -> list[tuple[str, bytes]]:
    folder = CACHE / f"feeds-s{seed}-n{n}"
    names = [f"{i}.xml" for i in range(n)]
    if not (folder / "complete").exists():
        log(f"generating {n} feeds (seed {seed}) into {folder}")
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in feedgen.generate(n, seed):
            (folder / name).write_bytes(data)
        (folder / "complete").write_text("")
    return [(name, (folder / name).read_bytes()) for name in names]


@dataclass
class Corpus:
    """The feeds a refresh scenario serves."""

    kind: str
    """"real" (copies of ../shared/corpus/feeds/real, realfeeds.py) or "generated"."""
    label: str
    feeds: list[tuple[str, bytes]]
    content_types: dict[str, str] | None
    """Per feed, what the server sends (None: feedserver's default)."""
    items: int
    """The articles newsterm stores from them (its own parser counts them)."""


def refresh_corpus(kind: str = "real", seed: int = 1, n: int = 200, copies: int = 5) -> Corpus:
    """The refresh scenarios' feeds: the real-shaped corpus when ../shared is there,
    else (or when asked) the generated one, labelled so."""
    import realfeeds

    if kind == "real" and realfeeds.available():
        the_feeds = realfeeds.build(copies)
        types = {name: realfeeds.content_type(data) for name, data in the_feeds}
        label = f"{len(the_feeds)} real-shaped feeds"
        return Corpus("real", label, the_feeds, types, _count_articles(the_feeds, types))
    the_feeds = feeds(seed, n)
    label = f"{n} generated feeds" + ("" if kind == "generated" else " (no ../shared)")
    items = sum(feedgen.count_items(d) for _, d in the_feeds)
    return Corpus("generated", label, the_feeds, None, items)


def _count_articles(the_feeds: list[tuple[str, bytes]], types: dict[str, str]) -> int:
    from newsterm.core.errors import ParseError
    from newsterm.core.sources.feeds import parse_feed

    total = 0
    for name, data in the_feeds:
        url = f"http://127.0.0.1/feed/{name}"
        try:
            total += len(parse_feed(data, url, url, types[name]).articles)
        except ParseError:
            pass
    return total


def feeds_dir(seed: int = 1, n: int = 200) -> Path:
    feeds(seed, n)
    return CACHE / f"feeds-s{seed}-n{n}"


def big_body(k: int) -> str:
    """~10 KB of feedgen-style HTML, different for every k."""
    rng = random.Random(f"newsterm-bench-big:{k}")
    parts: list[str] = []
    size = 0
    while size < BIG_BYTES:
        block = feedgen._body(rng)
        parts.append(block)
        size += len(block.encode())
    text = "\n".join(parts)
    # cut at a block boundary near 10 KB
    cut = text.rfind("\n", 0, BIG_BYTES + 500)
    return text[: cut if cut > BIG_BYTES - 2000 else len(text)]


# -- newsterm's side, as config files --------------------------------------------------


def newsterm_config(
    path: Path, urls: list[str], ten: bool = False, per_host: int | None = None
) -> Path:
    # No web pages after the refresh: newsboat reads none, and the corpus's article
    # links point at the internet (unreachable here: every page waits for its timeout).
    lines = ["[settings]", "refresh_on_start = false", 'full_text = "never"']
    if per_host is not None:
        lines.append(f"per_host = {per_host}")
    lines.append("")
    for url in urls:
        lines += ["[[feeds]]", f'url = "{url}"', ""]
    if ten:
        lines += ["[[feeds]]", f'url = "{TEN_URL}"', 'title = "Bench ten thousand"']
        lines += [f'section = "{TEN_SECTION}"', ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path


def newsterm_fingerprint() -> tuple[int, str]:
    """(schema version, hash of the store package + bodies.py) of the newsterm in this
    interpreter (bodies.py: how bodies are compressed)."""
    import newsterm.core.bodies as bodies
    import newsterm.core.store as store
    from newsterm.core.store.schema import SCHEMA_VERSION

    digest = hashlib.sha1()
    for path in [*sorted(Path(store.__file__).parent.glob("*.py")), Path(bodies.__file__)]:
        digest.update(path.read_bytes())
    return SCHEMA_VERSION, digest.hexdigest()[:10]


@dataclass
class BigStores:
    """Where the 100k stores are, and what the scenarios need to know about them."""

    folder: Path
    meta: dict

    @property
    def newsterm_db(self) -> Path:
        return self.folder / "newsterm-100k" / "newsterm.db"

    @property
    def newsterm_config(self) -> Path:
        return self.folder / "newsterm-100k.toml"

    @property
    def newsboat_dir(self) -> Path:
        return self.folder / "newsboat-100k"

    @property
    def template_db(self) -> Path:
        return self.folder / "template-newsterm" / "data" / "newsterm.db"

    @property
    def newsboat_template(self) -> Path:
        return self.folder / "template-newsboat" / "cache.db"


def big_stores(newsterm: str, seed: int = 1, n: int = 200, *, newsboat: bool = True) -> BigStores:
    """The cached 100k stores (built on first use, ~1-2 minutes).

    A build happens in a folder of its own and is renamed into place when complete, so
    several bench runs can share the cache. Folders of other keys are removed once they
    are two hours old (a run still using one has had its stores for that long).
    """
    version, digest = newsterm_fingerprint()
    folder = CACHE / f"stores-s{seed}-n{n}-schema{version}-{digest}-b{BUILDER_VERSION}"
    for stale in CACHE.glob(f"stores-s{seed}-n{n}-*"):
        if stale != folder and time.time() - stale.stat().st_mtime > 2 * 3600:
            log(f"removing stale {stale.name}")
            shutil.rmtree(stale, ignore_errors=True)
    meta_file = folder / "meta.json"
    if not meta_file.exists():
        building = folder.with_name(f"{folder.name}.building-{os.getpid()}")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        _build(BigStores(building, {}), newsterm, seed, n, newsboat)
        try:
            building.rename(folder)
        except OSError:  # another run finished the same build first
            shutil.rmtree(building, ignore_errors=True)
    stores = BigStores(folder, json.loads(meta_file.read_text()))
    if newsboat and not stores.meta.get("newsboat_items"):  # built when newsboat was missing
        _build_newsboat_side(stores, seed, n)
        meta_file.write_text(json.dumps(stores.meta, indent=1))
    return stores


def _build(stores: BigStores, newsterm: str, seed: int, n: int, newsboat: bool) -> None:
    the_feeds = feeds(seed, n)
    n_items = sum(feedgen.count_items(d) for _, d in the_feeds)
    meta = stores.meta
    server, port = start_server(the_feeds)
    try:
        urls = feed_urls(port, the_feeds)
        meta.update(urls=urls, items=n_items, seed=seed, feeds=n)
        tdir = stores.folder / "template-newsterm"
        config = newsterm_config(tdir / "config.toml", urls)
        log("template: newsterm refresh of the generated feeds")
        subprocess.run(
            [newsterm, "--config", str(config), "--data-dir", str(tdir / "data"), "refresh"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        if newsboat:
            log("template: newsboat -x reload of the same feeds")
            run_newsboat_reload(urls, stores.folder / "template-newsboat", min_items=n_items)
    finally:
        server.shutdown()
        server.server_close()
    _checkpoint(stores.template_db)
    meta["template_newsterm_bytes"] = _db_bytes(stores.template_db)
    meta.update(_build_newsterm(stores, n_items))
    if newsboat:
        _build_newsboat_side(stores, seed, n)
    (stores.folder / "meta.json").write_text(json.dumps(meta, indent=1))


def _build_newsboat_side(stores: BigStores, seed: int, n: int) -> None:
    meta = stores.meta
    if not stores.newsboat_template.exists():  # same port as newsterm's template
        the_feeds = feeds(seed, n)
        port = int(meta["urls"][0].split(":")[2].split("/")[0])
        server, port = start_server(the_feeds, port=port)
        try:
            run_newsboat_reload(
                meta["urls"], stores.newsboat_template.parent, min_items=meta["items"]
            )
        finally:
            server.shutdown()
            server.server_close()
    meta["template_newsboat_bytes"] = stores.newsboat_template.stat().st_size
    meta.update(_build_newsboat(stores))


def _checkpoint(db: Path) -> None:
    con = sqlite3.connect(db)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def _db_bytes(db: Path) -> int:
    return sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())


def _clone_rows(
    con: sqlite3.Connection, table: str, shifted: dict[str, str], n_template: int, max_template: int
) -> None:
    """Grow ``table`` to TOTAL rows (less the big articles and the oldest marker) with
    copies of its first ``n_template`` rows; copy r has the columns of ``shifted`` set to
    their expressions (``:r`` is the copy's number, ``:d`` ROUND_SECONDS)."""
    columns = [r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[1] != "id"]
    select = ", ".join(shifted.get(c, c) for c in columns)
    insert = (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM {table} "
        "WHERE id <= :max ORDER BY id LIMIT :n"
    )
    n_clones = TOTAL - n_template - N_BIG - 1
    r = 0
    while n_clones > 0:
        r += 1
        take = min(n_template, n_clones)
        con.execute(insert, {"r": r, "d": ROUND_SECONDS, "max": max_template, "n": take})
        n_clones -= take


def _build_newsterm(stores: BigStores, n_items: int) -> dict:
    from newsterm.core import store as nstore

    started = time.perf_counter()
    out = stores.newsterm_db
    shutil.rmtree(out.parent, ignore_errors=True)
    out.parent.mkdir(parents=True)
    shutil.copyfile(stores.template_db, out)
    newsterm_config(stores.newsterm_config, stores.meta["urls"], ten=True)
    con = sqlite3.connect(out, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("BEGIN")
    (n_template,) = con.execute("SELECT count(*) FROM articles").fetchone()
    if n_template != n_items:
        raise RuntimeError(f"template store holds {n_template} articles, expected {n_items}")
    (max_template,) = con.execute("SELECT max(id) FROM articles").fetchone()
    shifted = {
        "guid": "guid || '-c' || :r",
        "published": "published - :r * :d",
        "updated": "updated - :r * :d",
        "sort_time": "sort_time - :r * :d",
        "read": "0",
        "starred": "0",
    }
    _clone_rows(con, "articles", shifted, n_template, max_template)
    # The ten big articles (newest) and the oldest marker, in the first feed.
    sid, section_id, top, bottom = con.execute(
        "SELECT a.source_id, a.section_id, (SELECT max(sort_time) FROM articles), "
        "(SELECT min(sort_time) FROM articles) FROM articles a ORDER BY a.id LIMIT 1"
    ).fetchone()
    extras = []
    for k in range(N_BIG):
        title = NEWEST_MARKER if k == 0 else f"Bench long article {k}"
        extras.append((f"bench-big-{k}", title, big_body(k), top + (N_BIG - k) * 3600))
    extras.append(("bench-oldest", OLDEST_MARKER, big_body(99)[:2000], bottom - 86_400))
    big_ids = []
    for guid, title, body, when in extras:
        words = len(nstore.plain_text(body, "html").split())
        aid = con.execute(
            "INSERT INTO articles (source_id, guid, section_id, title, url, author, published, "
            "updated, sort_time, content, content_type, words, fingerprint) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, 'html', ?, 'bench')",
            (sid, guid, section_id, title, f"https://bench.example.com/{guid}", "Bench Writer",
             when, when, zlib.compress(body.encode(), 6), words),
        ).lastrowid  # fmt: skip
        big_ids.append(aid)
    # The 10k section: its own feed (in the config too, or sync_sources would move them).
    ten_sid = con.execute(
        "INSERT INTO sources (key, kind, label, config_title, url) VALUES (?, 'feed', ?, ?, ?)",
        (TEN_URL, "Bench ten thousand", "Bench ten thousand", TEN_URL),
    ).lastrowid
    ten_section = con.execute("INSERT INTO sections (path) VALUES (?)", (TEN_SECTION,)).lastrowid
    con.execute(
        "UPDATE articles SET source_id = ?, section_id = ? WHERE id IN (SELECT id FROM articles "
        "WHERE id > ? AND guid LIKE '%-c%' ORDER BY id DESC LIMIT ?)",
        (ten_sid, ten_section, max_template, TEN),
    )
    # Full-text rows for every new article: title, feed label, the body's text (bodies
    # may be compressed with their feed's dictionary, which the blob names).
    from newsterm.core import bodies

    zdicts = {
        c: bodies.unpack_zdict(d) for c, d in con.execute("SELECT checksum, data FROM zdicts")
    }
    texts: dict[int, str] = {}

    def body_text(blob: bytes, ctype: str) -> str:
        text = bodies.decompress(blob, zdicts.get)
        return nstore.plain_text(text, ctype)[: bodies.SEARCH_BODY_MAX]

    base = {
        guid: aid
        for aid, guid in con.execute("SELECT id, guid FROM articles WHERE id <= ?", (max_template,))
    }
    rows = con.execute(
        "SELECT a.id, a.guid, a.title, s.label, a.content, a.content_type FROM articles a "
        "JOIN sources s ON s.id = a.source_id WHERE a.id > ? ORDER BY a.id",
        (max_template,),
    ).fetchall()

    def fts_rows():
        for aid, guid, title, label, blob, ctype in rows:
            origin = base.get(guid.rsplit("-c", 1)[0]) if "-c" in guid else None
            if origin is None:
                yield aid, title, label, body_text(blob, ctype)
                continue
            text = texts.get(origin)
            if text is None:
                text = texts[origin] = body_text(blob, ctype)
            yield aid, title, label, text

    # through the store's own rule (both tables, compounds whole: core/store/search.py)
    from newsterm.core.store.search import index_rows

    index_rows(con, fts_rows())
    con.execute("COMMIT")
    (total,) = con.execute("SELECT count(*) FROM articles").fetchone()
    (ten_count,) = con.execute(
        "SELECT count(*) FROM articles WHERE section_id = ?", (ten_section,)
    ).fetchone()
    # Bulk FTS inserts leave pages freed by segment merges (~30 MB here); a store grown
    # feed by feed reuses them, so the size compared is the one without free pages.
    (free_pages,) = con.execute("PRAGMA freelist_count").fetchone()
    con.execute("VACUUM")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    if total != TOTAL or ten_count != TEN:
        raise RuntimeError(f"built {total} articles ({ten_count} in the 10k section)")
    log(f"newsterm 100k store built in {time.perf_counter() - started:.0f} s")
    return {
        "newsterm_items": total,
        "max_template_id": max_template,
        "big_ids": big_ids[:N_BIG],
        "oldest_id": big_ids[N_BIG],
        "newsterm_bytes": _db_bytes(out),
        "newsterm_free_pages_before_vacuum": free_pages,
    }


def _build_newsboat(stores: BigStores) -> dict:
    started = time.perf_counter()
    work = stores.newsboat_dir
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cache = work / "cache.db"
    shutil.copyfile(stores.newsboat_template, cache)
    urls = stores.meta["urls"]
    (work / "urls").write_text("".join(u + "\n" for u in urls))
    (work / "config").write_text("# written by bench/stores.py\n")
    con = sqlite3.connect(cache, isolation_level=None)
    con.execute("BEGIN")
    (n_template,) = con.execute("SELECT count(*) FROM rss_item").fetchone()
    (max_template,) = con.execute("SELECT max(id) FROM rss_item").fetchone()
    shifted = {"guid": "guid || '-c' || :r", "pubDate": "pubDate - :r * :d", "unread": "1"}
    _clone_rows(con, "rss_item", shifted, n_template, max_template)
    top, bottom = con.execute("SELECT max(pubDate), min(pubDate) FROM rss_item").fetchone()
    extras = [
        (f"bench-big-{k}", NEWEST_MARKER if k == 0 else f"Bench long article {k}", big_body(k),
         top + (N_BIG - k) * 3600)
        for k in range(N_BIG)
    ]  # fmt: skip
    extras.append(("bench-oldest", OLDEST_MARKER, big_body(99)[:2000], bottom - 86_400))
    for guid, title, body, when in extras:
        con.execute(
            "INSERT INTO rss_item (guid, title, author, url, feedurl, pubDate, content, unread) "
            "VALUES (?, ?, 'Bench Writer', ?, ?, ?, ?, 1)",
            (guid, title, f"https://bench.example.com/{guid}", urls[0], when, body),
        )
    con.execute("UPDATE rss_feed SET title = ? WHERE rssurl = ?", (NEWSBOAT_MARKER, urls[0]))
    con.execute("COMMIT")
    # newsboat never runs ANALYZE on a grown cache (sqlite_stat1 stays empty), so its
    # per-feed query walks idx_deleted over every item: 40 s to start at 100k here.
    # With statistics it uses idx_feedurl. We measure newsboat at its best.
    con.execute("ANALYZE")
    con.close()
    total = count_items(cache)
    if total != TOTAL:
        raise RuntimeError(f"newsboat cache holds {total} items, expected {TOTAL}")
    log(f"newsboat 100k cache built in {time.perf_counter() - started:.0f} s")
    return {"newsboat_items": total, "newsboat_bytes": cache.stat().st_size}


def rekeyed_newsterm(template_data: Path, into: Path, old: str, new: str) -> Path:
    """A copy of newsterm's template data dir whose feeds moved from `old` to `new`
    (URL prefixes): the warm store of a refresh, with its validators and body hashes."""
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    db = scratch_copy(template_data / "newsterm.db", into)
    con = sqlite3.connect(db)
    con.execute(
        "UPDATE sources SET key = replace(key, ?, ?), url = replace(url, ?, ?) WHERE key LIKE ? || '%'",
        (old, new, old, new, old),
    )
    con.commit()
    con.close()
    return into


def rekeyed_newsboat(template: Path, into: Path, old: str, new: str, etags: dict | None) -> Path:
    """A copy of newsboat's template cache (one reload) whose feeds moved from `old` to
    `new`. With `etags` ({feed url: etag}) it also holds the validators newsboat's
    second reload would store (ETag and Last-Modified), so every feed answers 304."""
    into.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, into)
    con = sqlite3.connect(into)
    con.execute("UPDATE rss_feed SET rssurl = replace(rssurl, ?, ?)", (old, new))
    con.execute("UPDATE rss_item SET feedurl = replace(feedurl, ?, ?)", (old, new))
    if etags:
        from feedserver import LAST_MODIFIED_TS

        con.executemany(
            "UPDATE rss_feed SET etag = ?, lastmodified = ? WHERE rssurl = ?",
            [(etag, LAST_MODIFIED_TS, url) for url, etag in etags.items()],
        )
    con.commit()
    con.close()
    return into


def scratch_copy(db: Path, into: Path) -> Path:
    """A throw-away copy of a newsterm store (the scenarios write to theirs)."""
    into.mkdir(parents=True, exist_ok=True)
    target = into / db.name
    shutil.copyfile(db, target)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    return target


if __name__ == "__main__":
    newsterm_bin = sys.argv[1] if len(sys.argv) > 1 else shutil.which("newsterm") or "newsterm"
    built = big_stores(newsterm_bin)
    print(json.dumps(built.meta | {"folder": str(built.folder)}, indent=1)[:2000])
    os._exit(0)
