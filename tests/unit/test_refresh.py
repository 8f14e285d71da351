"""Library.refresh end to end: a real HTTP server on 127.0.0.1, a real SQLite file.

Every case refreshes several feeds at once and checks the others are not hurt.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newsterm.core.bodies import zdict_id
from newsterm.core.config import parse_config
from newsterm.core.library import Library
from newsterm.core.models import View
from newsterm.core.store import Store

DATA = Path(__file__).resolve().parents[1] / "data" / "feeds"


def rss(items: list[tuple[str, str]], title: str = "Test feed") -> bytes:
    entries = "".join(
        f"<item><title>{t}</title><guid>{g}</guid><link>https://example.org/{g}</link>"
        f"<pubDate>Tue, 12 Mar 2024 09:{sum(map(ord, g)) % 60:02d}:00 +0000</pubDate>"
        f"<description>&lt;p&gt;Body of {t}&lt;/p&gt;</description></item>"
        for g, t in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{entries}</channel></rss>'.encode()


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    validators: bool = True
    delay: float = 0.0


class FeedServer:
    """A stdlib server whose routes a test changes between refreshes."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                server.requests.append((self.path, dict(self.headers)))
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                if route.delay:
                    time.sleep(route.delay)
                etag = f'"{hash(route.body) & 0xFFFFFFFF:x}"'
                if (
                    route.validators
                    and route.status == 200
                    and self.headers.get("If-None-Match") == etag
                ):
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                for key, value in route.headers.items():
                    self.send_header(key, value)
                if route.validators and route.status == 200:
                    self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.handle_error = lambda request, address: None  # clients hang up on purpose
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    feeds = FeedServer()
    yield feeds
    feeds.httpd.shutdown()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)


def library(tmp_path: Path, server: FeedServer, paths: list[str], settings: str = "") -> Library:
    text = f"[settings]\n{settings}\n" + "".join(
        f'[[feeds]]\nurl = "{server.url(p)}"\nsection = "S{i}"\n' for i, p in enumerate(paths)
    )
    config = parse_config(text, tmp_path / "feeds.toml")
    return Library(config, Store.open(tmp_path / "data" / "newsterm.db"))


def reports_by_path(reports, server: FeedServer) -> dict:  # type: ignore[no-untyped-def]
    return {r.key.replace(server.url(""), ""): r for r in reports}


def count(lib: Library) -> int:
    return len(lib.article_ids(View()))


def test_every_failure_stays_on_its_own_feed(tmp_path: Path, server: FeedServer) -> None:
    good = rss([("a", "Alpha"), ("b", "Beta")])
    server.routes = {
        "/good.xml": Route(body=good),
        "/json.json": Route(body=(DATA / "jsonfeed11.json").read_bytes()),
        "/latin1.xml": Route(body=(DATA / "latin1.xml").read_bytes()),
        "/gone.xml": Route(status=404),
        "/broken.xml": Route(status=500),
        "/html.xml": Route(body=b"<!doctype html><html><body><p>Not a feed</p></body></html>"),
        "/empty.xml": Route(body=b""),
        "/wrongroot.xml": Route(body=b"<?xml version='1.0'?><catalog><book/></catalog>"),
        "/busy.xml": Route(status=429, headers={"Retry-After": "120"}),
        "/bomb.xml": Route(
            body=gzip.compress(b"\0" * (3 * 1024 * 1024)), headers={"Content-Encoding": "gzip"}
        ),
    }
    paths = list(server.routes) + ["/nothing-here.xml"]
    lib = library(tmp_path, server, paths, "max_feed_mb = 1")
    reports = reports_by_path(lib.refresh_sync(), server)
    assert len(reports) == len(paths)
    assert reports["/good.xml"].new == 2 and reports["/good.xml"].error is None
    assert reports["/json.json"].new > 0 and reports["/json.json"].error is None
    assert reports["/latin1.xml"].new > 0
    assert "404" in reports["/gone.xml"].error
    assert "500" in reports["/broken.xml"].error
    assert "not a feed" in reports["/html.xml"].error
    assert reports["/empty.xml"].error
    assert reports["/wrongroot.xml"].error
    assert "429" in reports["/busy.xml"].error
    assert "large" in reports["/bomb.xml"].error or "size" in reports["/bomb.xml"].error
    assert reports["/nothing-here.xml"].error
    # errors show on the feeds' rows (sidebar) and in the errors list
    errors = {f.key: f.error for f in lib.feed_nodes()}
    assert errors[server.url("/gone.xml")] and errors[server.url("/good.xml")] is None
    assert {e[0] for e in lib._store.source_errors()} >= {
        server.url("/gone.xml"),
        server.url("/html.xml"),
    }
    lib.close()


def test_failures_never_delete_stored_articles_or_marks(tmp_path: Path, server: FeedServer) -> None:
    server.routes = {"/f.xml": Route(body=rss([("a", "Alpha"), ("b", "Beta")]))}
    lib = library(tmp_path, server, ["/f.xml"])
    lib.refresh_sync()
    ids = lib.article_ids(View())
    lib.set_read(ids[:1])
    lib.set_starred(ids[1:])
    for broken in (
        Route(status=500),
        Route(body=b""),
        Route(body=b"<html><body>maintenance</body></html>"),
        Route(body=rss([])),  # a feed that suddenly lists nothing
    ):
        server.routes["/f.xml"] = broken
        report = lib.refresh_sync()[0]
        rows = lib.rows(lib.article_ids(View()))
        assert [r.rowid for r in rows] == ids, (broken, report)
        assert rows[0].read and rows[1].starred
    lib.close()


def test_second_refresh_is_conditional_and_costs_no_parse(
    tmp_path: Path, server: FeedServer
) -> None:
    server.routes = {
        "/f.xml": Route(body=rss([("a", "Alpha")])),
        "/nov.xml": Route(body=rss([("x", "X")]), validators=False),
    }
    lib = library(tmp_path, server, ["/f.xml", "/nov.xml"])
    first = reports_by_path(lib.refresh_sync(), server)
    assert first["/f.xml"].new == 1
    second = reports_by_path(lib.refresh_sync(), server)
    assert second["/f.xml"].not_modified
    assert second["/nov.xml"].not_modified  # same body (hash): not parsed again
    sent = [h for p, h in server.requests if p == "/f.xml"][-1]
    assert "If-None-Match" in sent
    assert count(lib) == 2
    # both unchanged feeds are noted as fetched fine (one transaction at the end)
    keys = [server.url(p) for p in ("/f.xml", "/nov.xml")]
    lib._store.record_fetch(keys[0], ok=False, error="an old failure")
    started = datetime.now(UTC).replace(microsecond=0)
    third = reports_by_path(lib.refresh_sync(), server)
    assert third["/f.xml"].not_modified and third["/nov.xml"].not_modified
    states = lib._store.source_states(keys)
    for key in keys:
        assert states[key].last_error is None
        assert states[key].last_ok_at is not None and states[key].last_ok_at >= started
        assert states[key].etag is not None or key.endswith("/nov.xml")
    lib.close()


def test_an_unreadable_body_fetched_again_is_not_parsed_again(
    tmp_path: Path, server: FeedServer
) -> None:
    """A body that failed to parse is remembered by its hash: fetched again unchanged it
    keeps its error and never reaches a worker (none is started); after another kind of
    failure, or once the body changes, it is parsed again."""
    broken = b"<!doctype html><html><body><p>Not a feed</p></body></html>"
    server.routes = {
        "/broken.xml": Route(body=broken, validators=False),
        "/good.xml": Route(body=rss([("a", "Alpha")])),
    }
    paths = ["/broken.xml", "/good.xml"]
    lib = library(tmp_path, server, paths)
    first = reports_by_path(lib.refresh_sync(), server)["/broken.xml"]
    assert "not a feed" in first.error
    lib.close()

    def again() -> tuple[str | None, bool]:
        lib = library(tmp_path, server, paths)
        report = reports_by_path(lib.refresh_sync(), server)["/broken.xml"]
        pool = lib._refresher._pool if lib._refresher is not None else None
        parsed = pool is not None and pool.started
        lib.close()
        return report.error, parsed

    assert again() == (first.error, False)  # the same body: its error, no worker
    assert again() == (first.error, False)
    server.routes["/broken.xml"] = Route(status=500)
    error, _ = again()
    assert error is not None and "500" in error
    server.routes["/broken.xml"] = Route(body=broken, validators=False)
    assert again() == (first.error, True)  # the mark went with the other failure
    server.routes["/broken.xml"] = Route(body=rss([("b", "Beta")]), validators=False)
    error, parsed = again()
    assert error is None and parsed
    lib = library(tmp_path, server, paths)
    assert {r.title for r in lib.rows(lib.article_ids(View()))} == {"Alpha", "Beta"}
    lib.close()


def test_two_refreshes_at_once_from_two_threads_both_parse(
    tmp_path: Path, server: FeedServer
) -> None:
    """The TUI adds a feed (a refresh of its own, in a thread) while a refresh runs on
    the event loop: each gets parsing processes, and both feeds are stored."""
    server.routes = {
        "/a.xml": Route(body=rss([("a1", "A one"), ("a2", "A two")]), delay=0.3),
        "/b.xml": Route(body=rss([("b1", "B one")]), delay=0.3),
    }
    lib = library(tmp_path, server, ["/a.xml", "/b.xml"])
    results: dict[str, object] = {}

    def other() -> None:
        results["b"] = lib.refresh_sync([server.url("/b.xml")])

    thread = threading.Thread(target=other)
    thread.start()
    results["a"] = lib.refresh_sync([server.url("/a.xml")])
    thread.join(30)
    assert [r.new for r in results["a"]] == [2]  # type: ignore[attr-defined]
    assert [r.new for r in results["b"]] == [1]  # type: ignore[attr-defined]
    assert count(lib) == 3
    lib.close()


def test_refresh_never_duplicates_and_keeps_read_state(tmp_path: Path, server: FeedServer) -> None:
    server.routes = {"/f.xml": Route(body=rss([("a", "Alpha"), ("b", "Beta")]), validators=False)}
    lib = library(tmp_path, server, ["/f.xml"])
    lib.refresh_sync()
    alpha = next(r for r in lib.rows(lib.article_ids(View())) if r.title == "Alpha")
    lib.set_read([alpha.rowid])
    # reordered, one changed title, one new item
    server.routes["/f.xml"] = Route(
        body=rss([("c", "Gamma"), ("b", "Beta v2"), ("a", "Alpha")]), validators=False
    )
    report = lib.refresh_sync()[0]
    assert (report.new, report.updated) == (1, 1)
    rows = {r.key.id: r for r in lib.rows(lib.article_ids(View()))}
    assert set(rows) == {"a", "b", "c"}
    assert rows["a"].read and not rows["b"].read and not rows["c"].read
    assert rows["b"].title == "Beta v2"
    lib.close()


def test_permanent_redirect_moves_the_next_fetch(tmp_path: Path, server: FeedServer) -> None:
    server.routes = {
        "/old.xml": Route(status=301, headers={"Location": "/new.xml"}),
        "/new.xml": Route(body=rss([("a", "Alpha")])),
    }
    lib = library(tmp_path, server, ["/old.xml"])
    assert lib.refresh_sync()[0].new == 1
    assert lib._store.source_state(server.url("/old.xml")).url == server.url("/new.xml")
    before = server.hits("/old.xml")
    lib.refresh_sync()
    assert server.hits("/old.xml") == before  # went straight to the new URL
    lib.close()


def test_retry_after_is_honoured(tmp_path: Path, server: FeedServer) -> None:
    server.routes = {"/busy.xml": Route(status=503, headers={"Retry-After": "600"})}
    lib = library(tmp_path, server, ["/busy.xml"])
    lib.refresh_sync()
    hits = server.hits("/busy.xml")
    report = lib.refresh_sync()[0]
    assert server.hits("/busy.xml") == hits  # not asked again before the time is up
    assert "wait" in report.error
    lib.close()


def test_slow_feed_does_not_hold_up_the_others(tmp_path: Path, server: FeedServer) -> None:
    server.routes = {
        "/slow.xml": Route(body=rss([("s", "Slow")]), delay=5),
        "/fast.xml": Route(body=rss([("f", "Fast")])),
    }
    lib = library(tmp_path, server, ["/slow.xml", "/fast.xml"], "timeout_seconds = 1")
    done: list[str] = []
    reports = lib.refresh_sync(progress=lambda d, t, r: done.append(r.key))
    assert done[0] == server.url("/fast.xml")  # finished first
    slow = reports_by_path(reports, server)["/slow.xml"]
    assert "timed out" in slow.error
    lib.close()


def test_retention_prunes_old_read_articles_only(tmp_path: Path, server: FeedServer) -> None:
    items = [(f"g{i}", f"Item {i}") for i in range(6)]
    server.routes = {"/f.xml": Route(body=rss(items), validators=False)}
    lib = library(tmp_path, server, ["/f.xml"], "max_articles_per_feed = 2\nkeep_days = 30")
    lib.refresh_sync()
    every = {r.key.id: r.rowid for r in lib.rows(lib.article_ids(View()))}
    assert len(every) == 6
    lib.set_read([every[g] for g in ("g0", "g1", "g2", "g3")])
    lib.set_starred([every["g3"]])
    # the feed drops g0..g3 (old: 2024, beyond keep_days) and brings g6
    server.routes["/f.xml"] = Route(
        body=rss([("g4", "Item 4"), ("g5", "Item 5"), ("g6", "Item 6")]), validators=False
    )
    lib.refresh_sync()
    left = {r.key.id for r in lib.rows(lib.article_ids(View()))}
    # read, unstarred and gone from the feed: pruned. Starred g3 stays, unread g4/g5 stay.
    assert left == {"g3", "g4", "g5", "g6"}
    lib.close()


def test_read_articles_still_in_the_feed_are_not_pruned(tmp_path: Path, server: FeedServer) -> None:
    items = [(f"g{i}", f"Item {i}") for i in range(4)]
    server.routes = {"/f.xml": Route(body=rss(items), validators=False)}
    lib = library(tmp_path, server, ["/f.xml"], "max_articles_per_feed = 1\nkeep_days = 1")
    lib.refresh_sync()
    ids = lib.article_ids(View())
    lib.set_read(ids)
    server.routes["/f.xml"] = Route(body=rss(items + [("g9", "Item 9")]), validators=False)
    report = lib.refresh_sync()[0]
    assert report.new == 1  # pruned articles would come back as new here
    rows = lib.rows(lib.article_ids(View()))
    assert len(rows) == 5 and sum(r.read for r in rows) == 4
    lib.close()


def test_offline_fails_fast_with_a_clear_message(tmp_path: Path) -> None:
    text = '[[feeds]]\nurl = "https://no-such-host.invalid/feed.xml"\n'
    lib = Library(parse_config(text, tmp_path / "feeds.toml"), Store.open(tmp_path / "n.db"))
    started = time.monotonic()
    report = lib.refresh_sync()[0]
    assert report.error and (
        "DNS" in report.error or "offline" in report.error or "resolve" in report.error
    )
    assert time.monotonic() - started < 15  # bounded by the deadline, not hanging
    lib.close()


def test_list_json_contract_for_feed_articles(tmp_path: Path, server: FeedServer) -> None:
    import subprocess
    import sys

    server.routes = {"/f.xml": Route(body=rss([("a", "Alpha")], title="The Feed"))}
    config = tmp_path / "feeds.toml"
    config.write_text(
        f'[settings]\nrefresh_on_start = false\nfull_text = "never"\n'  # its pages: elsewhere
        f'[[feeds]]\nurl = "{server.url("/f.xml")}"\nsection = "News/World"\n'
    )
    base = [
        sys.executable,
        "-m",
        "newsterm",
        "--config",
        str(config),
        "--data-dir",
        str(tmp_path / "d"),
    ]
    refresh = subprocess.run([*base, "refresh"], capture_output=True, text=True, timeout=60)
    assert refresh.returncode == 0, refresh.stderr
    assert "The Feed: 1 new" in refresh.stdout
    again = subprocess.run([*base, "refresh"], capture_output=True, text=True, timeout=60)
    assert "not modified" in again.stdout
    listed = subprocess.run([*base, "list", "--json"], capture_output=True, text=True, timeout=60)
    (row,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert row["title"] == "Alpha"
    assert row["source"] == "The Feed"
    assert row["url"] == "https://example.org/a"
    assert row["section"] == ["News", "World"]
    assert row["published"].startswith("2024-03-12T09:")


def test_enclosures_are_numbered_links(tmp_path: Path, server: FeedServer) -> None:
    body = (DATA.parent / "sample" / "feeds" / "daily.xml").read_bytes()
    server.routes = {"/daily.xml": Route(body=body)}
    lib = library(tmp_path, server, ["/daily.xml"])
    lib.refresh_sync()
    (aid,) = lib.search("podcast")
    article = lib.article(aid)
    rendered = lib.rendered(article)
    assert rendered.links == ("https://daily.example.org/podcast/12.mp3",)
    assert "[1] https://daily.example.org/podcast/12.mp3 (audio/mpeg, 30.0 MB)" in rendered.markdown
    lib.close()


def long_rss(prefix: str, n: int) -> bytes:
    """n items with ~2 KB bodies of a shared vocabulary, one word unique to each."""
    words = [
        "harbour",
        "council",
        "budget",
        "bridge",
        "election",
        "festival",
        "museum",
        "railway",
        "stadium",
    ]
    entries = []
    for i in range(n):
        text = " ".join(words[(i + k) % len(words)] for k in range(300))
        entries.append(
            f"<item><title>{prefix} story {i}</title><guid>{prefix}{i}</guid>"
            f"<description>&lt;p&gt;{text} only{prefix}{i}&lt;/p&gt;</description></item>"
        )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Long</title>'
        + "".join(entries)
        + "</channel></rss>"
    ).encode()


def test_a_feed_gets_its_compression_dictionary_and_keeps_it(
    tmp_path: Path, server: FeedServer
) -> None:
    server.routes = {
        "/long.xml": Route(body=long_rss("first", 40)),
        "/short.xml": Route(body=rss([("a", "Alpha")])),
    }
    lib = library(tmp_path, server, ["/long.xml", "/short.xml"])
    lib.refresh_sync()
    _, zdict = lib._store.fingerprints_and_zdict(server.url("/long.xml"))
    assert zdict is not None and b"harbour" in zdict
    assert lib._store.fingerprints_and_zdict(server.url("/short.xml"))[1] is None  # too small
    server.routes["/long.xml"] = Route(body=long_rss("second", 40))  # all new articles
    lib.refresh_sync()
    assert lib._store.fingerprints_and_zdict(server.url("/long.xml"))[1] == zdict  # kept
    for word in ("onlyfirst39", "onlysecond27"):  # no other id starts so
        (aid,) = lib.search(word)
        article = lib.article(aid)
        assert article is not None and word in article.content and "harbour" in article.content
    lib.close()
    con = sqlite3.connect(tmp_path / "data" / "newsterm.db")
    try:
        blobs = [b for (b,) in con.execute("SELECT content FROM articles WHERE guid LIKE 's%'")]
        (count_dicts,) = con.execute("SELECT count(*) FROM zdicts").fetchone()
    finally:
        con.close()
    assert len(blobs) == 40 and count_dicts == 1
    assert {zdict_id(b) for b in blobs} == {zlib.adler32(zdict)}  # the later fetch used it


def test_a_feed_stored_without_a_dictionary_gets_one_from_the_bodies_it_lists(
    tmp_path: Path, server: FeedServer
) -> None:
    # A feed stored before dictionaries (schema 4): its next fetch brings one new item,
    # too little alone, but the feed lists 40 bodies.
    server.routes = {"/long.xml": Route(body=long_rss("first", 39))}
    lib = library(tmp_path, server, ["/long.xml"])
    lib.refresh_sync()
    db = tmp_path / "data" / "newsterm.db"
    con = sqlite3.connect(db)
    con.execute("UPDATE sources SET zdict_id = NULL")
    con.commit()
    con.close()
    assert lib._store.fingerprints_and_zdict(server.url("/long.xml"))[1] is None
    server.routes["/long.xml"] = Route(body=long_rss("first", 40))
    (report,) = lib.refresh_sync()
    assert report.new == 1
    _, zdict = lib._store.fingerprints_and_zdict(server.url("/long.xml"))
    assert zdict is not None
    (aid,) = lib.search("onlyfirst39")
    article = lib.article(aid)
    assert article is not None and "onlyfirst39" in article.content
    lib.close()
    con = sqlite3.connect(db)
    try:
        (blob,) = con.execute("SELECT content FROM articles WHERE guid = 'first39'").fetchone()
    finally:
        con.close()
    assert zdict_id(blob) == zlib.adler32(zdict)
