"""core/store/: the SQLite store on real files (WAL, FTS5, migrations, corrupt files)."""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsterm.core.errors import QueryError, StoreError
from newsterm.core.models import Article, ArticleKey, Enclosure, Source, View
from newsterm.core.query import parse_query
from newsterm.core.store import PAGE_SIZE, Store, match_expressions
from newsterm.core.store.schema import SCHEMA_VERSION

FEED = "https://example.org/feed.xml"
OTHER = "https://other.example/rss"


def when(day: int) -> datetime:
    return datetime(2024, 3, day, 12, 0, tzinfo=UTC)


def art(guid: str, title: str, day: int = 1, source: str = FEED, **kw: object) -> Article:
    fields: dict[str, object] = {
        "section": ("Technology",),
        "url": f"https://example.org/{guid}",
        "published": when(day),
        "content": f"<p>Body of {title}</p>",
        "content_type": "html",
    }
    fields.update(kw)
    return Article(ArticleKey(source, guid), title, **fields)  # type: ignore[arg-type]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "newsterm.db"


@pytest.fixture
def store(db: Path):  # type: ignore[no-untyped-def]
    s = Store.open(db)
    s.sync_sources(
        [
            Source(FEED, "feed", "Example Feed", ("Technology",)),
            Source(OTHER, "feed", "Other", ("World",)),
        ]
    )
    yield s
    s.close()


def ids_of(store: Store, guids: list[str], source: str = FEED) -> list[int]:
    out = []
    for guid in guids:
        aid = store.id_of(ArticleKey(source, guid))
        assert aid is not None, guid
        out.append(aid)
    return out


def guids(store: Store, ids: list[int]) -> list[str]:
    return [row.key.id for row in store.rows(ids)]


# -- opening --------------------------------------------------------------------------------


def test_open_creates_schema_in_wal_mode(db: Path) -> None:
    store = Store.open(db)
    store.close()
    assert db.is_file()
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    finally:
        con.close()
    assert {"sources", "sections", "articles", "search", "state"} <= tables


def test_open_twice_keeps_data(db: Path) -> None:
    store = Store.open(db)
    store.sync_sources([Source(FEED, "feed")])
    store.save_articles(FEED, [art("a", "Alpha")])
    store.close()
    again = Store.open(db)
    try:
        assert again.moved_aside is None
        assert guids(again, again.article_ids(View())) == ["a"]
    finally:
        again.close()


def test_migrates_from_version_zero(db: Path) -> None:
    db.parent.mkdir(parents=True)
    sqlite3.connect(db).close()  # an empty file, user_version 0
    assert db.stat().st_size == 0
    store = Store.open(db)
    try:
        assert store.moved_aside is None
        store.sync_sources([Source(FEED, "feed")])
        assert store.save_articles(FEED, [art("a", "Alpha")]).new == 1
    finally:
        store.close()
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        con.close()


@pytest.mark.parametrize(
    "garbage",
    [
        b"this is not a database, just some text\n" * 200,
        os.urandom(4096),
        b"SQLite format 3\x00" + b"\xff" * 2000,
    ],
)
def test_not_a_database_is_moved_aside(db: Path, garbage: bytes) -> None:
    db.parent.mkdir(parents=True)
    db.write_bytes(garbage)
    store = Store.open(db)
    try:
        assert store.moved_aside is not None
        assert store.moved_aside.name.startswith("newsterm.db.corrupt-")
        assert store.moved_aside.read_bytes() == garbage
        store.sync_sources([Source(FEED, "feed")])
        assert store.save_articles(FEED, [art("a", "Alpha")]).new == 1
    finally:
        store.close()
    assert db.read_bytes() != garbage


def test_two_corrupt_files_in_the_same_second_both_kept(db: Path) -> None:
    # "A corrupt database is moved aside, never overwritten": a second move-aside must
    # not replace the first one's file even when the timestamps are equal.
    db.parent.mkdir(parents=True)
    while time.time() % 1 > 0.5:  # start early in a second so both moves share it
        time.sleep(0.05)
    first, second = b"first garbage " * 100, b"second garbage " * 100
    db.write_bytes(first)
    Store.open(db).close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    db.write_bytes(second)
    Store.open(db).close()
    kept = {p.read_bytes() for p in db.parent.glob("newsterm.db.corrupt-*") if p.is_file()}
    assert first in kept
    assert second in kept


def test_newer_schema_refused_and_untouched(db: Path) -> None:
    db.parent.mkdir(parents=True)
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE future (x)")
    con.execute("INSERT INTO future VALUES (1)")
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    before = (db.read_bytes(), db.stat().st_mtime_ns)
    listing = sorted(p.name for p in db.parent.iterdir())
    with pytest.raises(StoreError) as info:
        Store.open(db)
    assert str(db) in str(info.value)
    assert (db.read_bytes(), db.stat().st_mtime_ns) == before
    assert sorted(p.name for p in db.parent.iterdir()) == listing


# -- saving and reading ------------------------------------------------------------------------


def test_save_round_trip(store: Store) -> None:
    full = art(
        "guid-1",
        "Full article",
        day=5,
        author="Ada",
        updated=when(6),
        content="<p>Hello <b>world</b> " + "long " * 2000 + "</p>",
        summary="A summary",
        categories=("one", "two"),
        enclosures=(Enclosure("https://example.org/a.mp3", "audio/mpeg", 1234),),
        note="a note",
    )
    result = store.save_articles(FEED, [full])
    assert (result.new, result.updated) == (1, 0)
    (aid,) = ids_of(store, ["guid-1"])
    (row,) = store.rows([aid])
    assert row.rowid == aid
    assert row.key == ArticleKey(FEED, "guid-1")
    assert row.title == "Full article"
    assert row.section == ("Technology",)
    assert row.source_title == "Example Feed"
    assert row.url == "https://example.org/guid-1"
    assert row.published == when(5)
    assert (row.read, row.starred) == (False, False)
    assert row.words == 2002
    stored = store.article(aid)
    assert stored is not None
    assert stored.row == row
    assert stored.content == full.content
    assert stored.content_type == "html"
    assert stored.author == "Ada"
    assert stored.updated == when(6)
    assert stored.summary == "A summary"
    assert stored.categories == ("one", "two")
    assert stored.enclosures == (Enclosure("https://example.org/a.mp3", "audio/mpeg", 1234),)
    assert stored.note == "a note"
    assert store.key_of(aid) == ArticleKey(FEED, "guid-1")
    # the content really is compressed in the file
    blob = (
        sqlite3.connect(store.path)
        .execute("SELECT content FROM articles WHERE id = ?", (aid,))
        .fetchone()[0]
    )
    assert isinstance(blob, bytes) and len(blob) < len(full.content) // 5


def test_article_missing_id(store: Store) -> None:
    assert store.article(987654) is None
    assert store.rows([987654]) == []
    assert store.key_of(987654) is None


def test_rows_keep_order_and_skip_missing(store: Store) -> None:
    store.save_articles(FEED, [art("a", "A"), art("b", "B"), art("c", "C")])
    a, b, c = ids_of(store, ["a", "b", "c"])
    assert [r.rowid for r in store.rows([c, 999999, a, b])] == [c, a, b]


def test_save_again_is_idempotent(store: Store) -> None:
    batch = [art("a", "A"), art("b", "B", day=2)]
    assert store.save_articles(FEED, batch).new == 2
    again = store.save_articles(FEED, batch)
    assert (again.new, again.updated) == (0, 0)
    assert len(store.article_ids(View())) == 2


def test_duplicate_guid_in_one_batch(store: Store) -> None:
    result = store.save_articles(FEED, [art("a", "First"), art("a", "Second")])
    assert (result.new, result.updated) == (1, 0)
    assert len(store.article_ids(View())) == 1


def test_unknown_source_raises(store: Store) -> None:
    with pytest.raises(StoreError):
        store.save_articles(
            "https://nope.example/", [art("a", "A", source="https://nope.example/")]
        )


def test_changed_article_updated_keeps_read_and_starred(store: Store) -> None:
    store.save_articles(FEED, [art("a", "Old title"), art("b", "B")])
    (aid,) = ids_of(store, ["a"])
    store.set_flag([aid], "read", True)
    store.set_flag([aid], "starred", True)
    result = store.save_articles(
        FEED, [art("a", "New title", content="<p>changed</p>"), art("b", "B")]
    )
    assert (result.new, result.updated) == (0, 1)
    assert store.id_of(ArticleKey(FEED, "a")) == aid
    stored = store.article(aid)
    assert stored is not None
    assert stored.row.title == "New title"
    assert stored.content == "<p>changed</p>"
    assert (stored.row.read, stored.row.starred) == (True, True)


def test_read_state_survives_reopen(db: Path) -> None:
    store = Store.open(db)
    store.sync_sources([Source(FEED, "feed")])
    store.save_articles(FEED, [art("a", "A"), art("b", "B")])
    a, b = ids_of(store, ["a", "b"])
    store.set_flag([a], "read", True)
    store.set_flag([b], "starred", True)
    store.close()
    store = Store.open(db)
    try:
        rows = {r.key.id: r for r in store.rows([a, b])}
        assert (rows["a"].read, rows["a"].starred) == (True, False)
        assert (rows["b"].read, rows["b"].starred) == (False, True)
    finally:
        store.close()


def test_set_flag_returns_previous_and_restore(store: Store) -> None:
    store.save_articles(FEED, [art(g, g.upper(), day=i + 1) for i, g in enumerate("abcd")])
    a, b, c, d = ids_of(store, list("abcd"))
    store.set_flag([b, d], "read", True)
    previous = store.set_flag([a, b, c], "read", True)
    assert previous == {a: False, b: True, c: False}
    assert all(r.read for r in store.rows([a, b, c, d]))
    store.restore_flags("read", previous)
    assert {r.key.id: r.read for r in store.rows([a, b, c, d])} == {
        "a": False,
        "b": True,
        "c": False,
        "d": True,
    }
    previous = store.set_flag([c], "starred", True)
    assert previous == {c: False}
    store.restore_flags("starred", previous)
    assert not any(r.starred for r in store.rows([a, b, c, d]))
    with pytest.raises(ValueError):
        store.set_flag([a], "title", True)
    with pytest.raises(ValueError):
        store.restore_flags("read; DROP TABLE articles", {a: True})


def test_set_flag_many_ids(store: Store) -> None:
    store.save_articles(FEED, [art(f"g{i}", f"T{i}") for i in range(1200)])
    ids = store.article_ids(View())
    previous = store.set_flag(ids, "read", True)
    assert len(previous) == 1200 and not any(previous.values())
    assert store.counts(0)["all"] == (0, 1200)


# -- sections, counts, views ---------------------------------------------------------------


@pytest.fixture
def filled(store: Store) -> Store:
    store.save_articles(
        FEED,
        [
            art("t1", "banana", day=3),
            art("t2", "Apple", day=1, section=("Technology", "Mobiles")),
            art("t3", "cherry", day=2, section=("Technology", "Mobiles", "Android")),
            art("t4", "date", day=4, section=("Technology Extra",)),
        ],
    )
    store.save_articles(OTHER, [art("w1", "Elder", day=5, source=OTHER, section=("World",))])
    t1, t3 = ids_of(store, ["t1", "t3"])
    store.set_flag([t1], "read", True)
    store.set_flag([t3], "starred", True)
    return store


def test_sections(filled: Store) -> None:
    assert sorted(filled.sections()) == sorted(
        [
            (("Technology",), 0, 1),
            (("Technology", "Mobiles"), 1, 1),
            (("Technology", "Mobiles", "Android"), 1, 1),
            (("Technology Extra",), 1, 1),
            (("World",), 1, 1),
        ]
    )


def test_counts(filled: Store) -> None:
    counts = filled.counts(since=int(when(4).timestamp()))
    assert counts["all"] == (4, 5)
    assert counts["unread"] == (4, 4)
    assert counts["starred"] == (1, 1)
    assert counts["today"] == (2, 2)


def test_source_counts(filled: Store) -> None:
    counts = filled.source_counts()
    assert counts[FEED] == ("Example Feed", 3, 4, None)
    assert counts[OTHER] == ("Other", 1, 1, None)


def test_views(filled: Store) -> None:
    assert guids(filled, filled.article_ids(View())) == ["w1", "t4", "t1", "t3", "t2"]
    assert guids(filled, filled.article_ids(View("unread"))) == ["w1", "t4", "t3", "t2"]
    assert guids(filled, filled.article_ids(View("all", show_read=False))) == [
        "w1",
        "t4",
        "t3",
        "t2",
    ]
    assert guids(filled, filled.article_ids(View("starred"))) == ["t3"]
    assert guids(filled, filled.article_ids(View("source", source=OTHER))) == ["w1"]
    assert filled.article_ids(View("source", source="https://unknown/")) == []
    assert guids(filled, filled.article_ids(View("today"), since=int(when(4).timestamp()))) == [
        "w1",
        "t4",
    ]
    assert len(filled.article_ids(View(), limit=2)) == 2


def test_section_view_is_a_prefix_match(filled: Store) -> None:
    tech = guids(filled, filled.article_ids(View("section", ("Technology",))))
    # sub-sections included; "Technology Extra" is not a sub-section of "Technology"
    assert tech == ["t1", "t3", "t2"]
    assert guids(filled, filled.article_ids(View("section", ("Technology", "Mobiles")))) == [
        "t3",
        "t2",
    ]
    assert guids(filled, filled.article_ids(View("section", ("Technology",), show_read=False))) == [
        "t3",
        "t2",
    ]
    assert filled.article_ids(View("section", ("Nowhere",))) == []
    assert filled.article_ids(View("section", ("Tech",))) == []


def test_sort_orders(filled: Store) -> None:
    assert guids(filled, filled.article_ids(View(sort="newest"))) == ["w1", "t4", "t1", "t3", "t2"]
    assert guids(filled, filled.article_ids(View(sort="oldest"))) == ["t2", "t3", "t1", "t4", "w1"]
    # case-insensitive title order
    assert guids(filled, filled.article_ids(View(sort="title"))) == ["t2", "t1", "t3", "t4", "w1"]
    # by source label ("Example Feed" < "Other"), newest first inside a source
    assert guids(filled, filled.article_ids(View(sort="source"))) == ["t4", "t1", "t3", "t2", "w1"]


# -- search -----------------------------------------------------------------------------------


def test_match_expressions_quote_every_word() -> None:
    every, titles = match_expressions(parse_query('hello "world" AND NEAR('))
    assert every == titles == '"hello" "world" "AND" "NEAR"'
    with pytest.raises(QueryError):
        parse_query('"*^-:')


def test_search_title_body_and_prefix(store: Store) -> None:
    store.save_articles(
        FEED,
        [
            art(
                "a",
                "Volcanic eruption in Iceland",
                content="<p>Lava flows near <b>Grindavik</b>.</p>",
            ),
            art("b", "Football results", content="<p>The match ended in a draw.</p>"),
        ],
    )
    a, b = ids_of(store, ["a", "b"])
    assert store.search("volcanic") == [a]
    assert store.search("grindavik") == [a]  # body words, tags stripped
    assert store.search("Lava GRINDA*") == [a]  # a prefix, asked for
    assert store.search("Lava GRINDA") == []  # and only when asked for
    assert store.search("draw") == [b]
    assert store.search("lav*") == [a]
    assert store.search("lav flows") == []  # only the last word is a prefix
    assert sorted(store.search("example")) == sorted([a, b])  # the source label is indexed
    assert store.search("") == []
    assert store.article_ids(View("search", query="football")) == [b]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "*",
        "AND",
        "OR NOT",
        "NEAR(",
        "NEAR(a b",
        'title:"x',
        "a -b",
        "(",
        "^x",
        "{a b}: c",
    ],
)
def test_search_no_syntax_injection(store: Store, query: str) -> None:
    store.save_articles(FEED, [art("a", "Plain words", content="<p>and near title</p>")])
    try:  # a list, or our one-line error: never FTS5's own
        assert isinstance(store.search(query), list)
        parsed = parse_query(query)
    except QueryError as exc:
        assert "fts5" not in str(exc) and repr(query.strip()) in str(exc)
        return
    # the generated MATCH expressions are valid FTS5 on their own
    every, titles = match_expressions(parsed)
    con = sqlite3.connect(store.path)
    try:
        con.execute("SELECT rowid FROM search WHERE search MATCH ?", (every,)).fetchall()
        con.execute("SELECT rowid FROM search_title WHERE search_title MATCH ?", (titles,))
    finally:
        con.close()


@pytest.mark.parametrize("query", ["NEAR(", "AND", '"near', "title:"])
def test_search_operator_lookalikes_match_as_words(store: Store, query: str) -> None:
    store.save_articles(FEED, [art("a", "Plain words", content="<p>and near title</p>")])
    (a,) = ids_of(store, ["a"])
    assert store.search(query) == [a]


def test_search_operator_words_are_words(store: Store) -> None:
    store.save_articles(
        FEED, [art("a", "Rock AND roll", content="<p>x</p>"), art("b", "Other", content="<p>y</p>")]
    )
    (a,) = ids_of(store, ["a"])
    assert store.search("AND") == [a]
    assert store.search("rock AND") == [a]


def test_search_after_update(store: Store) -> None:
    store.save_articles(FEED, [art("a", "Title", content="<p>original pineapple text</p>")])
    (a,) = ids_of(store, ["a"])
    assert store.search("pineapple") == [a]
    store.save_articles(FEED, [art("a", "Title", content="<p>replaced mango text</p>")])
    assert store.search("mango") == [a]
    assert store.search("pineapple") == []
    assert store.search("title") == [a]


def test_search_show_read(store: Store) -> None:
    store.save_articles(FEED, [art("a", "Kiwi one"), art("b", "Kiwi two")])
    a, b = ids_of(store, ["a", "b"])
    store.set_flag([a], "read", True)
    assert store.search("kiwi", show_read=False) == [b]
    assert sorted(store.search("kiwi")) == sorted([a, b])


def test_search_after_feed_renamed_in_config(store: Store) -> None:
    # the source label is indexed; renaming the feed in feeds.toml must keep the index right
    store.save_articles(FEED, [art("a", "Title", content="<p>original pineapple text</p>")])
    (a,) = ids_of(store, ["a"])
    assert store.search("example") == [a]
    store.sync_sources(
        [Source(FEED, "feed", "Renamed Source", ("Technology",)), Source(OTHER, "feed", "Other")]
    )
    assert store.search("renamed") == [a]
    assert store.search("example") == []
    store.save_articles(FEED, [art("a", "Title", content="<p>replaced mango text</p>")])
    assert store.search("pineapple") == []
    assert store.search("mango") == [a]


def test_search_after_delete(store: Store) -> None:
    store.save_articles(OTHER, [art("w", "Walnut news", source=OTHER)])
    store.sync_sources([Source(FEED, "feed", "Example Feed")])
    assert store.search("walnut") == []


# -- sources, pruning ---------------------------------------------------------------------------


def test_sync_sources_removes_unconfigured_keeps_starred(store: Store) -> None:
    store.save_articles(OTHER, [art("w1", "One", source=OTHER), art("w2", "Two", source=OTHER)])
    store.save_articles(FEED, [art("a", "A")])
    w1, w2 = ids_of(store, ["w1", "w2"], OTHER)
    store.set_flag([w2], "starred", True)
    store.set_flag([w1], "read", True)
    store.sync_sources([Source(FEED, "feed", "Example Feed", ("Technology",))])
    remaining = {(r.key.source, r.key.id) for r in store.rows(store.article_ids(View()))}
    assert remaining == {(FEED, "a"), (OTHER, "w2")}
    stored = store.article(w2)
    assert stored is not None and stored.row.starred


def test_sync_sources_moves_feed_section(store: Store) -> None:
    store.save_articles(FEED, [art("a", "A", section=("Technology",))])
    store.sync_sources([Source(FEED, "feed", "Example Feed", ("Science", "Space"))])
    (a,) = ids_of(store, ["a"])
    assert store.rows([a])[0].section == ("Science", "Space")


def test_prune_removes_old_read_only(store: Store) -> None:
    old = datetime.now(UTC) - timedelta(days=40)
    new = datetime.now(UTC) - timedelta(days=1)
    store.save_articles(
        FEED,
        [
            art("old-read", "A", published=old),
            art("old-unread", "B", published=old),
            art("old-starred", "C", published=old),
            art("new-read", "D", published=new),
        ],
    )
    store.save_articles(OTHER, [art("other-old-read", "E", published=old, source=OTHER)])
    ids = ids_of(store, ["old-read", "old-starred", "new-read"])
    (other,) = ids_of(store, ["other-old-read"], OTHER)
    store.set_flag([*ids, other], "read", True)
    store.set_flag([ids[1]], "starred", True)
    assert store.prune(FEED, keep_days=30, max_articles=0) == 1
    remaining = sorted(guids(store, store.article_ids(View())))
    assert remaining == ["new-read", "old-starred", "old-unread", "other-old-read"]
    assert store.prune(FEED, keep_days=0, max_articles=0) == 0
    assert store.prune("https://unknown/", keep_days=1, max_articles=1) == 0


def test_prune_max_articles(store: Store) -> None:
    now = datetime.now(UTC)
    store.save_articles(
        FEED, [art(f"g{i}", f"T{i}", published=now - timedelta(hours=i)) for i in range(6)]
    )
    ids = ids_of(store, [f"g{i}" for i in range(6)])
    store.set_flag(ids[:5], "read", True)  # g5, the oldest, stays unread
    store.set_flag([ids[4]], "starred", True)
    assert store.prune(FEED, keep_days=0, max_articles=2) == 2  # g2, g3
    assert sorted(guids(store, store.article_ids(View()))) == ["g0", "g1", "g4", "g5"]
    assert store.search("t3") == []


def test_local_remove_others(store: Store) -> None:
    key = "local:/some/folder"
    store.sync_sources([Source(key, "local", None, (), "/some/folder")])
    store.save_articles(key, [art("a.txt", "A", source=key), art("b.txt", "Blueberry", source=key)])
    assert len(store.search("blueberry")) == 1
    result = store.save_articles(key, [art("a.txt", "A", source=key)], remove_others=True)
    assert (result.new, result.updated) == (0, 0)
    assert guids(store, store.article_ids(View("source", source=key))) == ["a.txt"]
    assert store.search("blueberry") == []


def test_state_roundtrip(store: Store) -> None:
    assert store.get_state("k") is None
    store.set_state("k", "v1")
    store.set_state("k", "v2")
    assert store.get_state("k") == "v2"


def test_sync_sources_moves_a_feed_back_and_forth(store: Store) -> None:
    store.save_articles(FEED, [art("a", "A", section=("Technology",))])
    for section in (("Science",), ("Technology",), ("Science", "Space"), ("Science", "Space")):
        store.sync_sources([Source(FEED, "feed", "Example Feed", section)])
        (a,) = ids_of(store, ["a"])
        assert store.rows([a])[0].section == section


# -- size on disk ---------------------------------------------------------------------------


def test_new_store_has_large_pages(db: Path) -> None:
    Store.open(db).close()
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE == 16_384
    finally:
        con.close()


def test_existing_store_keeps_its_page_size(db: Path) -> None:
    db.parent.mkdir(parents=True)
    con = sqlite3.connect(db)
    con.execute("PRAGMA page_size = 4096")
    con.execute("CREATE TABLE before_newsterm (x)")  # a file that already has pages
    con.close()
    store = Store.open(db)
    try:
        store.sync_sources([Source(FEED, "feed")])
        assert store.save_articles(FEED, [art("a", "Alpha")]).new == 1
    finally:
        store.close()
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA page_size").fetchone()[0] == 4096
    finally:
        con.close()


def test_the_opening_thread_reads_without_waiting_for_other_threads(store: Store) -> None:
    """A worker's long query holds the shared reader; the UI thread has its own."""
    import threading

    store.save_articles(FEED, [art("g1", "One")])
    holding = threading.Event()
    release = threading.Event()

    def worker() -> None:
        with store._reading():  # what a counting query in a worker holds
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert holding.wait(10)
        assert guids(store, store.article_ids(View("all"))) == ["g1"]  # would wait 10 s
        assert thread.is_alive()  # the worker still holds the shared reader
    finally:
        release.set()
        thread.join()


def test_attach_never_moves_the_store_aside(db: Path) -> None:
    """A refresh worker's connection: a broken file is the opener's decision, not its."""
    db.parent.mkdir(parents=True, exist_ok=True)
    db.write_bytes(b"not a database at all" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        Store.attach(db)
    assert db.read_bytes().startswith(b"not a database")
    assert list(db.parent.glob("*.corrupt-*")) == []
