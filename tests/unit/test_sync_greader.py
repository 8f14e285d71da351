"""Sync with a Google Reader API server (issue 17), end to end: feeds.toml's account,
the Library over a real SQLite file, our GReader client, and the protocol test server
of tests/servers/greader.py (FreshRSS's and Miniflux's ways)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from newsterm.core.config import parse_config
from newsterm.core.errors import SyncError
from newsterm.core.library import Library
from newsterm.core.models import View
from newsterm.core.store import Store
from newsterm.core.sync import engine
from newsterm.core.sync.greader import GReader, item_id, long_id
from servers.greader import GReaderServer


def _library(tmp_path: Path, server: GReaderServer, password_env: str = "NT_GR_PW") -> Library:
    text = (
        f'[[accounts]]\nname = "home"\nkind = "greader"\nurl = "{server.url}"\n'
        f'user = "me"\npassword_env = "{password_env}"\n'
    )
    config = parse_config(text, tmp_path / "feeds.toml")
    return Library(config, Store.open(tmp_path / "data" / "newsterm.db"))


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NT_GR_PW", "secret")
    monkeypatch.setenv("NT_GR_WRONG", "nope")


@pytest.fixture(params=["freshrss", "miniflux"])
def server(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    srv = GReaderServer(flavour=request.param)
    s = srv.state
    tech = s.add_feed("https://tech.example/feed", "Tech News", folder="Technology")
    plain = s.add_feed("https://blog.example/rss", "A Blog")
    s.add_item(tech, "First", read=True)
    s.add_item(tech, "Second", starred=True)
    s.add_item(plain, "Third")
    with srv:
        yield srv


def _titles(lib: Library, view: View) -> dict[str, tuple[bool, bool]]:
    return {r.title: (r.read, r.starred) for r in lib.rows(lib.article_ids(view))}


def _sync(lib: Library, force: bool = True) -> engine.AccountReport:
    (report,) = lib.sync_accounts_blocking(force=force)
    return report


def test_folders_are_sections_and_items_are_pulled(tmp_path: Path, server: GReaderServer) -> None:
    lib = _library(tmp_path, server)
    report = _sync(lib)
    assert report.error is None and report.new == 3 and report.feeds == 2
    paths = {node.path for node in lib.sections()}
    assert {("home",), ("home", "Technology")} <= paths
    nodes = {n.label: n.section for n in lib.feed_nodes()}
    assert nodes == {"Tech News": ("home", "Technology"), "A Blog": ("home",)}
    shown = _titles(lib, View("section", section=("home",)))
    assert shown == {"First": (True, False), "Second": (False, True), "Third": (False, False)}
    assert _titles(lib, View("unread")).keys() == {"Second", "Third"}
    lib.close()


def test_a_mark_in_newsterm_reaches_the_server(tmp_path: Path, server: GReaderServer) -> None:
    lib = _library(tmp_path, server)
    _sync(lib)
    ids = {r.title: r.rowid for r in lib.rows(lib.article_ids(View("all")))}
    lib.set_read([ids["Third"]])
    lib.set_starred([ids["Third"]])
    lib.set_read([ids["First"]], False)
    assert lib.account_states()[0].queued == 3
    report = _sync(lib)
    assert report.pushed == 3 and report.queued == 0
    items = {i.title: i for i in server.state.items.values()}
    assert items["Third"].read and items["Third"].starred and not items["First"].read
    edits = server.calls("/edit-tag")
    assert len(edits) == 3  # one request per (flag, value), each in a batch
    assert all(("T", v) for params in edits for k, v in params if k == "T")
    lib.close()


def test_a_mark_on_the_server_shows_in_newsterm(tmp_path: Path, server: GReaderServer) -> None:
    lib = _library(tmp_path, server)
    _sync(lib)
    for item in server.state.items.values():
        item.read = item.title != "First"
        item.starred = item.title == "Third"
    report = _sync(lib)
    assert report.changed == 5
    assert _titles(lib, View("all")) == {
        "First": (False, False), "Second": (True, False), "Third": (True, True),
    }  # fmt: skip
    lib.close()


def test_a_queued_mark_is_not_overwritten_by_a_pull(tmp_path: Path, server: GReaderServer) -> None:
    lib = _library(tmp_path, server)
    _sync(lib)
    (aid,) = [r.rowid for r in lib.rows(lib.article_ids(View("all"))) if r.title == "Third"]
    lib.set_read([aid])
    store = lib._store
    name = "home"
    (third,) = [i for i in server.state.items.values() if i.title == "Third"]
    store.reconcile(name, "read", {str(third.id)})  # the server still says unread
    store.save_remote_items(name, lib.feed_nodes()[1].key, [], {str(third.id): (False, False)})
    assert _titles(lib, View("all"))["Third"][0] is True
    lib.close()


def test_offline_marks_arrive_after_the_server_is_back_and_a_restart(
    tmp_path: Path, server: GReaderServer
) -> None:
    lib = _library(tmp_path, server)
    _sync(lib)
    ids = {r.title: r.rowid for r in lib.rows(lib.article_ids(View("all")))}
    server.stop()
    lib.set_read([ids["Second"], ids["Third"]])
    lib.set_starred([ids["First"]])
    report = _sync(lib)
    assert report.error and "cannot reach the server" in report.error
    assert report.line() == f"home: offline ({report.error}), 3 changes queued"
    assert lib.account_status() == "home: offline, 3 changes queued"
    assert {node.error for node in lib.feed_nodes()} == {report.error}  # the sidebar's "!"
    from newsterm.core.manage import feed_errors

    assert [(e.label, e.error) for e in feed_errors(lib)] == [("home (sync account)", report.error)]
    lib.close()
    server.start()  # same port
    lib = _library(tmp_path, server)  # a new Library on the same SQLite file
    assert lib.account_states()[0].queued == 3
    report = _sync(lib)
    assert report.error is None and report.pushed == 3
    items = {i.title: i for i in server.state.items.values()}
    assert items["Second"].read and items["Third"].read and items["First"].starred
    assert _titles(lib, View("all"))["Second"] == (True, True)
    assert lib.account_status() is None
    lib.close()


def test_a_wrong_password_is_one_line_and_nothing_is_lost(
    tmp_path: Path, server: GReaderServer
) -> None:
    lib = _library(tmp_path, server)
    _sync(lib)
    (aid, *_) = lib.article_ids(View("all"))
    lib.close()
    lib = _library(tmp_path, server, password_env="NT_GR_WRONG")
    lib.set_starred([aid])
    report = _sync(lib)
    assert report.error == "the server refused the user or password"
    assert report.queued == 1 and len(lib.article_ids(View("all"))) == 3
    assert _sync(lib, force=False).skipped  # not tried again inside the backoff
    lib.close()


@pytest.mark.parametrize("trouble", ["5xx", "timeout", "malformed"])
def test_server_trouble_is_one_line_and_retried_later(
    tmp_path: Path, server: GReaderServer, trouble: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = _library(tmp_path, server)
    _sync(lib)
    (aid, *_) = lib.article_ids(View("all"))
    lib.set_read([aid], False)
    if trouble == "5xx":
        server.fail = 503
    elif trouble == "malformed":
        server.malformed = True
    else:
        from newsterm.core.sources.http import FetchLimits

        server.stall = 1.5
        monkeypatch.setattr(engine, "FetchLimits", lambda: FetchLimits(timeout_seconds=0.5))
    report = _sync(lib)
    expected = {"5xx": "HTTP 503", "timeout": "no answer in 0.5 s", "malformed": "malformed"}
    assert report.error is not None and expected[trouble] in report.error
    assert "\n" not in report.error
    state = lib.account_states()[0]
    assert state.failures == 1 and state.retry_at is not None and state.queued == 1
    assert _sync(lib, force=False).skipped
    server.fail, server.malformed, server.stall = None, False, 0.0
    report = _sync(lib)  # later (forced here): it works, the mark arrives
    assert report.error is None and report.pushed == 1
    assert lib.account_states()[0].failures == 0
    lib.close()


def test_the_incremental_pull_asks_only_for_new_items(
    tmp_path: Path, server: GReaderServer
) -> None:
    lib = _library(tmp_path, server)
    _sync(lib)
    asked = [v for params in server.calls("/items/contents") for k, v in params if k == "i"]
    assert len(asked) == 3
    server.requests.clear()
    feed = next(iter(server.state.feeds.values()))
    new = server.state.add_item(feed, "Fourth")
    report = _sync(lib)
    assert report.new == 1
    asked = [v for params in server.calls("/items/contents") for k, v in params if k == "i"]
    assert asked == [long_id(str(new.id))]
    reading = [
        p for p in server.calls("/items/ids") if ("xt", "user/-/state/com.google/read") not in p
    ]
    assert any(k == "ot" for p in reading for k, _ in p)
    server.requests.clear()
    assert _sync(lib).new == 0
    assert server.calls("/items/contents") == []
    lib.close()


def test_feeds_gone_from_the_server_are_forgotten_but_starred_stay(
    tmp_path: Path, server: GReaderServer
) -> None:
    lib = _library(tmp_path, server)
    _sync(lib)
    del server.state.feeds["feed/https://tech.example/feed"]
    _sync(lib)
    assert set(_titles(lib, View("all"))) == {"Second", "Third"}  # Second is starred
    lib.close()


def test_subscribe_and_unsubscribe_through_the_library(
    tmp_path: Path, server: GReaderServer
) -> None:
    lib = _library(tmp_path, server)
    _sync(lib)
    asyncio.run(lib.subscribe_remote("home", "https://new.example/feed", "Later"))
    assert server.state.feeds["feed/https://new.example/feed"].folder == "Later"
    assert ("home", "Later") in {n.section for n in lib.feed_nodes()}
    key = "account:home:feed/https://blog.example/rss"
    asyncio.run(lib.unsubscribe_remote(key))
    assert "feed/https://blog.example/rss" not in server.state.feeds
    assert key not in {n.key for n in lib.feed_nodes()}
    lib.close()


def test_long_form_ids_from_items_ids() -> None:
    with GReaderServer(flavour="miniflux", long_ids=True) as srv:
        feed = srv.state.add_feed("https://x.example/f", "X")
        item = srv.state.add_item(feed, "One")

        async def go() -> set[str]:
            client = GReader(srv.url, "me", "secret")
            try:
                await client.login()
                return await client.ids("read")
            finally:
                await client.close()

        assert asyncio.run(go()) == {str(item.id)}


def test_item_ids_in_every_form_are_the_decimal_string() -> None:
    assert item_id("tag:google.com,2005:reader/item/000000000000001f") == "31"
    assert item_id("31") == "31"
    assert item_id("-1") == str(2**64 - 1)
    assert item_id("000000000000001f") == "31"
    assert item_id("tag:google.com,2005:reader/item/ffffffffffffffff") == str(2**64 - 1)
    assert long_id("31") == "tag:google.com,2005:reader/item/000000000000001f"
    with pytest.raises(SyncError):
        item_id("not an id")


def test_the_cli_refresh_prints_a_line_per_account_and_sync_and_add_work(
    tmp_path: Path, server: GReaderServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from newsterm.cli import main

    config = tmp_path / "feeds.toml"
    config.write_text(
        f'[[accounts]]\nname = "home"\nkind = "greader"\nurl = "{server.url}"\n'
        'user = "me"\npassword_command = ["printf", "secret\\\\n"]\n'
    )
    common = ["--config", str(config), "--data-dir", str(tmp_path / "data")]
    assert main(["refresh", *common]) == 0
    assert "home: 2 feeds, 3 new, 0 marks from the server, 0 sent" in capsys.readouterr().out
    assert main(["add", "https://new.example/feed", "--account", "home", *common]) == 0
    assert "home: subscribed to" in capsys.readouterr().out
    assert "feed/https://new.example/feed" in server.state.feeds
    server.stop()
    assert main(["sync", *common]) == 1
    assert capsys.readouterr().out.startswith("home: offline (cannot reach the server")


def test_unread_and_starred_items_beyond_the_first_pull_are_fetched(
    tmp_path: Path, server: GReaderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsterm.core.sync import greader

    feed = server.state.add_feed("https://old.example/feed", "Old", folder="Empty")
    server.state.add_feed("https://none.example/feed", "Nothing yet", folder="Later")
    old = [server.state.add_item(feed, f"Old {n}", read=n != 2) for n in range(4)]
    monkeypatch.setattr(greader, "FIRST_PULL", 2)  # the window holds only the newest two
    lib = _library(tmp_path, server)
    report = _sync(lib)
    titles = _titles(lib, View("all"))
    assert {"Old 3", "Old 2", "Second", "Third"} <= set(titles)  # the window; unread, starred
    assert "Old 0" not in titles and "First" not in titles  # read, beyond the window
    assert report.new == len(titles) and old[2].title in titles
    assert ("home", "Later") in {node.path for node in lib.sections()}  # a feed with none yet
    lib.close()


def test_hostile_answers_are_cleaned_and_bad_refs_skipped(
    tmp_path: Path, server: GReaderServer
) -> None:
    feed = next(iter(server.state.feeds.values()))
    item = server.state.add_item(feed, "\x1b[31mred\x1b[0m [b]bold[/b]\u202e")
    item.published = 10**15  # absurd
    server.junk_refs = [{"id": "zz-not-an-id"}, {"no": "id"}, "just a string"]
    lib = _library(tmp_path, server)
    report = _sync(lib)
    assert report.error is None and report.new == 4
    (row,) = [r for r in lib.rows(lib.article_ids(View("all"))) if "red" in r.title]
    assert "\x1b" not in row.title and "\u202e" not in row.title and "[b]bold[/b]" in row.title
    lib.close()


def test_an_account_taken_out_of_feeds_toml_is_forgotten_but_starred_stay(
    tmp_path: Path, server: GReaderServer
) -> None:
    lib = _library(tmp_path, server)
    _sync(lib)
    (aid,) = [r.rowid for r in lib.rows(lib.article_ids(View("all"))) if r.title == "Third"]
    server.stop()  # the mark cannot be sent, even at quit
    lib.set_read([aid])
    lib.close()
    config = parse_config("", tmp_path / "feeds.toml")
    lib = Library(config, Store.open(tmp_path / "data" / "newsterm.db"))
    assert set(_titles(lib, View("all"))) == {"Second"}  # the starred one
    state = lib._store.account_state("home")
    assert state.cursor is None and state.queued == 1  # the mark waits, should it return
    lib.close()


def test_quitting_sends_the_queued_marks(tmp_path: Path, server: GReaderServer) -> None:
    """Read and star, quit: the server has the marks (no sync was asked for)."""
    lib = _library(tmp_path, server)
    _sync(lib)
    ids = {r.title: r.rowid for r in lib.rows(lib.article_ids(View("all")))}
    lib.set_read([ids["Third"]])
    lib.set_starred([ids["First"]])
    assert lib.account_states()[0].queued == 2
    lib.close()
    items = {i.title: i for i in server.state.items.values()}
    assert items["Third"].read and items["First"].starred


def test_pushing_sends_only_the_queue(tmp_path: Path, server: GReaderServer) -> None:
    """The reader's push a moment after marks: the queue goes, nothing is pulled."""
    lib = _library(tmp_path, server)
    _sync(lib)
    (aid,) = [r.rowid for r in lib.rows(lib.article_ids(View("all"))) if r.title == "Third"]
    lib.set_read([aid])
    server.state.add_item(next(iter(server.state.feeds.values())), "Fourth")
    (report,) = asyncio.run(lib.push_accounts())
    assert report.error is None and report.pushed == 1
    assert {i.title: i for i in server.state.items.values()}["Third"].read
    assert "Fourth" not in _titles(lib, View("all"))  # not pulled
    assert asyncio.run(lib.push_accounts()) == []  # nothing queued: the server is not asked
    lib.close()


def test_a_rule_that_marks_an_account_article_tells_the_server(
    tmp_path: Path, server: GReaderServer
) -> None:
    """A read rule on an account's new article: read here, queued, read on the server
    after the next sync (not turned back to unread by the server's unread set)."""
    text = (
        f'[[accounts]]\nname = "home"\nkind = "greader"\nurl = "{server.url}"\n'
        'user = "me"\npassword_env = "NT_GR_PW"\n\n'
        "[[rules]]\nquery = 'title:Third'\naction = \"read\"\n"
    )
    config = parse_config(text, tmp_path / "feeds.toml")
    lib = Library(config, Store.open(tmp_path / "data" / "newsterm.db"))
    _sync(lib)
    assert _titles(lib, View("all"))["Third"] == (True, False)
    assert lib.account_states()[0].queued == 1
    _sync(lib)
    assert {i.title: i for i in server.state.items.values()}["Third"].read
    assert _titles(lib, View("all"))["Third"] == (True, False)
    lib.close()


def test_a_rule_applied_to_stored_account_articles_tells_the_server(
    tmp_path: Path, server: GReaderServer
) -> None:
    """A new rule is applied to what is stored (at start, as by `rules apply`)."""
    lib = _library(tmp_path, server)
    _sync(lib)
    lib.close()
    text = (
        f'[[accounts]]\nname = "home"\nkind = "greader"\nurl = "{server.url}"\n'
        'user = "me"\npassword_env = "NT_GR_PW"\n\n'
        "[[rules]]\nquery = 'title:Third'\naction = \"star\"\n"
    )
    config = parse_config(text, tmp_path / "feeds.toml")
    lib = Library(config, Store.open(tmp_path / "data" / "newsterm.db"))
    assert _titles(lib, View("all"))["Third"] == (False, True)
    assert lib.account_states()[0].queued == 1
    _sync(lib)
    assert {i.title: i for i in server.state.items.values()}["Third"].starred
    lib.close()
