"""Per-feed settings and schedules end to end: a real HTTP server on 127.0.0.1 serving
ttl, Cache-Control and Retry-After, a real store, ``refresh`` and ``refresh --due``,
and feeds.toml edited between refreshes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_refresh import FeedServer, Route, _no_proxy, rss  # noqa: F401 - autouse

from newsterm.core.config import load_config
from newsterm.core.config_file import ConfigChange
from newsterm.core.library import Library
from newsterm.core.models import View
from newsterm.core.store import Store


@pytest.fixture
def server() -> Iterator[FeedServer]:
    feeds = FeedServer()
    yield feeds
    feeds.httpd.shutdown()


def write_config(tmp_path: Path, server: FeedServer, feeds: dict[str, str], top: str = "") -> Path:
    """feeds.toml with ``feeds``: path -> the feed's own extra lines."""
    path = tmp_path / "feeds.toml"
    path.write_text(
        top
        + "".join(
            f'\n[[feeds]]\nurl = "{server.url(p)}"\nsection = "S{i}"\n{extra}\n'
            for i, (p, extra) in enumerate(feeds.items())
        )
    )
    return path


def open_library(tmp_path: Path, config: Path) -> Library:
    return Library(load_config(config), Store.open(tmp_path / "data" / "newsterm.db"))


def by_path(reports, server: FeedServer) -> dict:  # type: ignore[no-untyped-def]
    return {r.key.replace(server.url(""), ""): r for r in reports}


def with_ttl(minutes: int) -> bytes:
    return rss([("a", "Alpha")]).replace(
        b"<title>Test feed</title>", f"<title>T</title><ttl>{minutes}</ttl>".encode()
    )


def test_a_server_floor_holds_every_refresh(tmp_path: Path, server: FeedServer) -> None:
    server.routes = {
        "/ttl.xml": Route(body=with_ttl(60)),
        "/cached.xml": Route(body=rss([("c", "C")]), headers={"Cache-Control": "max-age=900"}),
        "/plain.xml": Route(body=rss([("p", "P")])),
    }
    lib = open_library(tmp_path, write_config(tmp_path, server, dict.fromkeys(server.routes, "")))
    first = by_path(lib.refresh_sync(), server)
    assert all(r.new == 1 and r.waiting is None for r in first.values())
    hits = {p: server.hits(p) for p in server.routes}
    for due in (False, True):
        reports = by_path(lib.refresh_sync(due=due), server)
        assert server.hits("/ttl.xml") == hits["/ttl.xml"]  # never asked inside the floor
        assert server.hits("/cached.xml") == hits["/cached.xml"]
        if due:  # not due: not fetched, not reported
            assert set(reports) == {"/plain.xml"}
        else:
            assert "every 60 min (ttl)" in reports["/ttl.xml"].waiting
            assert "every 15 min (Cache-Control)" in reports["/cached.xml"].waiting
            assert reports["/ttl.xml"].title == "T"
    assert server.hits("/plain.xml") == hits["/plain.xml"] + 2  # no floor: every time
    # a 304 keeps the floor the last body set (no ttl in a 304)
    timings = lib._store.feed_timings([server.url("/ttl.xml")])
    assert timings[server.url("/ttl.xml")].ttl == 3600
    lib.close()


def test_retry_after_keeps_a_due_refresh_away(tmp_path: Path, server: FeedServer) -> None:
    server.routes = {
        "/busy.xml": Route(status=503, headers={"Retry-After": "600"}),
        "/ok.xml": Route(body=rss([("o", "O")])),
    }
    lib = open_library(tmp_path, write_config(tmp_path, server, dict.fromkeys(server.routes, "")))
    lib.refresh_sync()
    hits = server.hits("/busy.xml")
    reports = by_path(lib.refresh_sync(due=True), server)
    assert server.hits("/busy.xml") == hits and set(reports) == {"/ok.xml"}
    (due,) = [d for d in lib.next_due() if d.key == server.url("/busy.xml")]
    assert due.why == "the server asked to wait (Retry-After)" and due.at is not None
    lib.close()


def test_refresh_minutes_per_feed_and_enabled(tmp_path: Path, server: FeedServer) -> None:
    server.routes = {
        "/hourly.xml": Route(body=rss([("h", "H")])),
        "/always.xml": Route(body=rss([("a", "A")])),
        "/off.xml": Route(body=rss([("x", "X")])),
    }
    feeds = {
        "/hourly.xml": "refresh_minutes = 60",
        "/always.xml": "",
        "/off.xml": "enabled = false",
    }
    lib = open_library(tmp_path, write_config(tmp_path, server, feeds))
    first = by_path(lib.refresh_sync(due=True), server)  # never fetched: due
    assert set(first) == {"/hourly.xml", "/always.xml"}
    second = by_path(lib.refresh_sync(due=True), server)
    assert set(second) == {"/always.xml"}  # the hourly one is not due yet
    plain = by_path(lib.refresh_sync(), server)  # a plain refresh fetches it anyway
    assert set(plain) == {"/hourly.xml", "/always.xml"}
    assert server.hits("/off.xml") == 0  # disabled: never
    assert lib.scheduled_feeds() == [server.url("/hourly.xml")]
    assert lib.due_feeds(lib.scheduled_feeds()) == []
    whys = {d.key.replace(server.url(""), ""): d.why for d in lib.next_due()}
    assert whys == {
        "/hourly.xml": "every 60 min",
        "/always.xml": "at every refresh",
        "/off.xml": "disabled (enabled = false)",
    }
    lib.close()


def test_user_agent_and_headers_per_feed(
    tmp_path: Path,
    server: FeedServer,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("NEWSTERM_TEST_TOKEN", "s3cret")
    server.routes = {"/own.xml": Route(body=rss([("o", "O")])), "/other.xml": Route(body=rss([]))}
    feeds = {
        "/own.xml": 'user_agent = "Mine/2"\nheaders = { Authorization = "Bearer $NEWSTERM_TEST_TOKEN" }',
        "/other.xml": "",
    }
    top = '[settings]\nheaders = { X-Client = "test" }\n'
    lib = open_library(tmp_path, write_config(tmp_path, server, feeds, top))
    lib.refresh_sync()
    sent = {path: headers for path, headers in server.requests}
    assert sent["/own.xml"]["User-Agent"] == "Mine/2"
    assert sent["/own.xml"]["Authorization"] == "Bearer s3cret"
    assert sent["/own.xml"]["X-Client"] == "test"
    assert sent["/other.xml"]["User-Agent"].startswith("newsterm/")
    assert "Authorization" not in sent["/other.xml"] and sent["/other.xml"]["X-Client"] == "test"
    lib.close()


def test_secrets_stay_with_the_feeds_own_server(
    tmp_path: Path, server: FeedServer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NEWSTERM_TEST_TOKEN", "s3cret")
    elsewhere = FeedServer()  # another port: another origin
    try:
        elsewhere.routes = {"/feed.xml": Route(body=rss([("m", "Moved")]))}
        server.routes = {
            "/moved.xml": Route(status=302, headers={"Location": elsewhere.url("/feed.xml")}),
            "/here.xml": Route(status=302, headers={"Location": "/final.xml"}),
            "/final.xml": Route(body=rss([("f", "Final")])),
        }
        token = 'headers = { Authorization = "Bearer $NEWSTERM_TEST_TOKEN" }'
        feeds = {"/moved.xml": token, "/here.xml": token}
        lib = open_library(tmp_path, write_config(tmp_path, server, feeds))
        reports = by_path(lib.refresh_sync(), server)
        assert reports["/moved.xml"].new == 1 and reports["/here.xml"].new == 1
        (moved,) = [h for p, h in elsewhere.requests if p == "/feed.xml"]
        assert "Authorization" not in moved
        (final,) = [h for p, h in server.requests if p == "/final.xml"]
        assert final["Authorization"] == "Bearer s3cret"  # same origin: it goes on
        lib.close()
    finally:
        elsewhere.httpd.shutdown()


def test_an_unset_variable_fails_only_its_feed(
    tmp_path: Path, server: FeedServer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("NEWSTERM_TEST_MISSING", raising=False)
    server.routes = {
        "/a.xml": Route(body=rss([("a", "A")])),
        "/b.xml": Route(body=rss([("b", "B")])),
    }
    feeds = {"/a.xml": 'headers = { X-Key = "$NEWSTERM_TEST_MISSING" }', "/b.xml": ""}
    lib = open_library(tmp_path, write_config(tmp_path, server, feeds))
    reports = by_path(lib.refresh_sync(), server)
    assert (
        reports["/a.xml"].error
        == "header X-Key: $NEWSTERM_TEST_MISSING is not set in the environment"
    )
    assert server.hits("/a.xml") == 0 and reports["/b.xml"].new == 1
    assert [e[2] for e in lib.source_errors()] == [reports["/a.xml"].error]
    lib.close()


def test_keep_and_max_articles_per_feed(tmp_path: Path, server: FeedServer) -> None:
    five = [(f"g{n}", f"Item {n}") for n in range(5)]
    server.routes = {"/small.xml": Route(body=rss(five)), "/big.xml": Route(body=rss(five))}
    feeds = {"/small.xml": "max_articles = 2", "/big.xml": ""}
    top = "[settings]\nkeep_days = 0\n"  # age alone prunes nothing
    lib = open_library(tmp_path, write_config(tmp_path, server, feeds, top))
    lib.refresh_sync()
    lib.set_read(lib.article_ids(View()), True)
    for path in server.routes:  # the feeds move on: the old items are no longer listed
        server.routes[path] = Route(body=rss([("z9", "Newest")]))
    lib.refresh_sync()
    small = lib.article_ids(View("source", source=server.url("/small.xml")))
    big = lib.article_ids(View("source", source=server.url("/big.xml")))
    assert len(small) == 2 and len(big) == 6  # the newest 2 of this feed; all of the other
    lib.close()


def test_an_outside_edit_is_followed_and_a_broken_one_refused(
    tmp_path: Path,
    server: FeedServer,
) -> None:
    server.routes = {
        "/a.xml": Route(body=rss([("a", "A")])),
        "/b.xml": Route(body=rss([("b", "B")])),
    }
    path = write_config(tmp_path, server, {"/a.xml": ""})
    lib = open_library(tmp_path, path)
    changes: list[ConfigChange] = []
    lib.on_config_change(changes.append)
    assert lib.follow_config() is None  # unchanged
    lib.refresh_sync()
    assert server.hits("/b.xml") == 0
    write_config(tmp_path, server, {"/a.xml": "", "/b.xml": ""})
    _touch_later(path)
    reports = lib.refresh_sync()  # the refresh reads it again first
    assert {r.key for r in reports} == {server.url("/a.xml"), server.url("/b.xml")}
    assert len(changes) == 1 and changes[0].error is None
    path.write_text(path.read_text() + "\n[[feeds]]\nurl = 42\n")
    _touch_later(path)
    assert lib.refresh_sync()  # the old config goes on
    assert len(lib.config.feeds) == 2
    assert len(changes) == 2 and changes[1].error is not None
    assert changes[1].error.startswith(f"{path}:") and "url" in changes[1].error
    assert lib.follow_config() is None  # told once per change
    lib.close()


def _touch_later(path: Path) -> None:
    """A modification time the file did not have (some file systems count seconds)."""
    stamp = time.time() + 5
    import os

    os.utime(path, (stamp, stamp))
