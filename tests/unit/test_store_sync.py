"""The store's side of sync (core/store/sync.py): the outbox is written with the mark,
holds desired states, and a pull leaves queued flags alone."""

from __future__ import annotations

from pathlib import Path

from newsterm.core.models import Article, ArticleKey, Source
from newsterm.core.store import Store

KEY = "account:home:feed/https://a.example/f"


def _store(tmp_path: Path) -> tuple[Store, dict[str, int]]:
    store = Store.open(tmp_path / "n.db")
    store.sync_sources([Source("https://plain.example/f", "feed")])
    store.save_remote_feed(KEY, "A", "https://a.example/f", None, ("home", "Folder"))
    store.save_remote_items(
        "home", KEY, [Article(ArticleKey(KEY, g), f"t{g}", ("home", "Folder")) for g in "12"],
        {"1": (False, False), "2": (True, False)},
    )  # fmt: skip
    store.save_articles(
        "https://plain.example/f", [Article(ArticleKey("https://plain.example/f", "x"), "x")]
    )
    ids = {guid: aid for aid, guid in store._query("SELECT id, guid FROM articles")}
    return store, ids


def test_a_mark_of_an_account_article_is_queued_with_it(tmp_path: Path) -> None:
    store, ids = _store(tmp_path)
    store.set_flag([ids["1"], ids["x"]], "read", True)
    assert [row[1:] for row in store.outbox("home", 10)] == [("1", "read", True)]
    store.set_flag([ids["1"]], "read", False)  # the newest wish replaces the older
    ((first, *rest),) = store.outbox("home", 10)
    assert rest == ["1", "read", False]
    store.set_flag([ids["1"]], "starred", True)
    store.outbox_pushed([first])  # a push of the older state...
    assert [row[1:] for row in store.outbox("home", 10)] == [("1", "starred", True)]
    previous = store.set_flag([ids["2"]], "read", False)
    store.restore_flags("read", previous)  # undo is a wish too
    assert ("2", "read", True) in [row[1:] for row in store.outbox("home", 10)]
    assert store.account_state("home").queued == 2
    store.close()


def test_the_outbox_survives_reopening_and_a_pull_leaves_queued_flags(tmp_path: Path) -> None:
    store, ids = _store(tmp_path)
    store.set_flag([ids["1"]], "read", True)
    store.close()
    store = Store.open(tmp_path / "n.db")
    assert store.account_state("home").queued == 1
    assert store.reconcile("home", "read", {"1", "2"}) == 1  # 2 becomes unread, 1 stays read
    rows = dict(store._query("SELECT guid, read FROM articles WHERE guid IN ('1', '2')"))
    assert rows == {"1": 1, "2": 0}
    store.close()


def test_migration_12_adds_the_sync_tables_to_a_version_11_store(tmp_path: Path) -> None:
    import sqlite3

    from newsterm.core.store.schema import SCHEMA_VERSION

    Store.open(tmp_path / "n.db").close()
    con = sqlite3.connect(tmp_path / "n.db")
    con.executescript("DROP TABLE accounts; DROP TABLE outbox; PRAGMA user_version = 11;")
    con.close()
    store, ids = _store(tmp_path)
    store.set_flag([ids["1"]], "starred", True)
    assert store.account_state("home").queued == 1
    store.close()
    con = sqlite3.connect(tmp_path / "n.db")
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 12
    con.close()
