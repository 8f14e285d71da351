"""The store's size measures on real files: bodies compressed with per-feed
dictionaries (core/bodies.py), the position-less search index, and the migration that
brings a schema-4 store to them."""

from __future__ import annotations

import random
import sqlite3
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsterm.core.bodies import (
    PLAIN,
    ZDICT_MIN_BODY_BYTES,
    Compressor,
    _pays,
    build_zdict,
    decompress,
    zdict_id,
)
from newsterm.core.models import Article, ArticleKey, Source
from newsterm.core.store import PAGE_SIZE, Store
from newsterm.core.store.prepare import prepare
from newsterm.core.store.schema import MIGRATIONS, SCHEMA_VERSION

FEED = "https://example.org/feed.xml"
OTHER = "https://other.example/rss"
WORDS = [
    *("harbour", "council", "budget", "bridge", "election", "festival", "library"),
    *("minister", "museum", "orchestra", "parliament", "railway", "reservoir", "satellite"),
    *("stadium", "telescope", "tramway", "university", "vineyard"),
]


def body(rng: random.Random, unique: str = "") -> str:
    paragraphs = [
        "<p>" + " ".join(rng.choices(WORDS, k=60)) + ".</p>" for _ in range(rng.randint(4, 8))
    ]
    return f'<div class="story">{unique} ' + "\n".join(paragraphs) + "</div>"


def articles(n: int, source: str = FEED, seed: int = 1, prefix: str = "a") -> list[Article]:
    rng = random.Random(seed)
    return [
        Article(
            ArticleKey(source, f"{prefix}{i}"),
            f"Story {prefix}{i} about the {rng.choice(WORDS)}",
            section=("News",),
            url=f"https://example.org/{prefix}{i}",
            published=datetime(2024, 3, 1 + i % 28, 12, 0, tzinfo=UTC),
            content=body(rng, f"uniqueword{prefix}{i}"),
            content_type="html",
        )
        for i in range(n)
    ]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "newsterm.db"


@pytest.fixture
def store(db: Path):  # type: ignore[no-untyped-def]
    s = Store.open(db)
    s.sync_sources([Source(FEED, "feed", "Example Feed"), Source(OTHER, "feed", "Other")])
    yield s
    s.close()


def save_compressed(store: Store, source: str, items: list[Article], zdict: bytes | None) -> None:
    compress = Compressor(zdict)
    store.save_feed(
        source,
        [prepare(a, compress=compress) for a in items],
        title=None,
        link=None,
        present=[a.key.id for a in items],
        keep_days=0,
        max_articles=0,
        zdict=zdict,
    )


def stored_blob(db: Path, guid: str) -> bytes:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT content FROM articles WHERE guid = ?", (guid,)).fetchone()[0]
    finally:
        con.close()


# -- dictionaries ---------------------------------------------------------------------------


def test_zdict_round_trip_and_smaller() -> None:
    items = articles(30)
    zdict = build_zdict([a.content for a in items])
    assert zdict is not None and 0 < len(zdict) <= 32_768
    later = articles(5, seed=2, prefix="later")  # bodies the dictionary never saw
    for article in later:
        data = article.content.encode()
        blob = Compressor(zdict)(data)
        assert zdict_id(blob) == zlib.adler32(zdict)
        assert decompress(blob, {zlib.adler32(zdict): zdict}.get) == article.content
        assert len(blob) < len(PLAIN(data))


def test_zdict_holds_shared_words_only() -> None:
    zdict = build_zdict([a.content for a in articles(30)])
    assert zdict is not None
    assert b"harbour" in zdict
    assert not any(word.startswith(b"uniqueword") for word in zdict.split())


def test_no_zdict_for_a_small_feed() -> None:
    few = articles(3)
    assert build_zdict([a.content for a in few]) is None
    short = [a.content[:100] for a in articles(40)]
    assert sum(map(len, short)) < ZDICT_MIN_BODY_BYTES
    assert build_zdict(short) is None


def test_a_zdict_that_does_not_pay_is_refused() -> None:
    bodies = [a.content for a in articles(30)]
    useful = build_zdict(bodies)
    assert useful is not None and _pays(useful, bodies)
    rng = random.Random(5)
    unrelated = " ".join(
        "".join(rng.choices("bcdfghjklmnpqrstvwxz", k=9)) for _ in range(3000)
    ).encode()  # words no body holds: costs its bytes, saves nothing
    assert not _pays(unrelated, bodies)


def test_plain_blobs_need_no_dictionary() -> None:
    blob = zlib.compress(b"<p>old body</p>", 6)  # what schema 4 wrote
    assert zdict_id(blob) is None
    assert decompress(blob, lambda _: None) == "<p>old body</p>"
    assert decompress(b"not zlib at all", lambda _: None) == ""
    assert decompress(None, lambda _: None) == ""


def test_blob_whose_dictionary_is_missing_reads_empty() -> None:
    zdict = build_zdict([a.content for a in articles(30)])
    assert zdict is not None
    blob = Compressor(zdict)(b"<p>harbour council</p>")
    assert decompress(blob, lambda _: None) == ""


def test_store_keeps_the_zdict_and_reads_bodies_after_reopen(db: Path, store: Store) -> None:
    items = articles(30)
    zdict = build_zdict([a.content for a in items])
    save_compressed(store, FEED, items, zdict)
    assert zdict_id(stored_blob(db, "a3")) == zlib.adler32(zdict)  # type: ignore[arg-type]
    store.close()
    again = Store.open(db)  # a new process: nothing cached
    try:
        known, kept = again.fingerprints_and_zdict(FEED)
        assert kept == zdict
        assert len(known) == 30
        assert again.fingerprints_and_zdict(OTHER) == ({}, None)
        for article in items[:5]:
            aid = again.id_of(article.key)
            assert aid is not None
            stored = again.article(aid)
            assert stored is not None and stored.content == article.content
        assert again.search("uniquewordA7") == [again.id_of(items[7].key)]
        # an update replaces the indexed words: the 'delete' reads the old body through
        # its dictionary, or the index would keep the old words
        changed = [
            Article(
                items[7].key,
                items[7].title,
                section=("News",),
                published=items[7].published,
                content="<p>replaced with mango</p>",
                content_type="html",
            )
        ]
        save_compressed(again, FEED, changed, None)
        assert again.search("uniquewordA7") == []
        assert again.search("mango") == [again.id_of(items[7].key)]
        # deleting a feed's articles takes their words out of the index too
        again.sync_sources([Source(OTHER, "feed", "Other")])  # FEED goes, unstarred
        assert again.search("uniqueworda3") == []
    finally:
        again.close()


def test_colliding_zdict_is_not_used(db: Path, store: Store) -> None:
    items = articles(30)
    zdict = build_zdict([a.content for a in items])
    assert zdict is not None
    save_compressed(store, FEED, items, zdict)
    # adler32 is a pair of sums: +1, -2, +1 on three bytes in a row keeps both
    i = zdict.index(b"harbour")
    twin = zdict[:i] + bytes([zdict[i] + 1, zdict[i + 1] - 2, zdict[i + 2] + 1]) + zdict[i + 3 :]
    assert twin != zdict and zlib.adler32(twin) == zlib.adler32(zdict)
    others = articles(30, source=OTHER, seed=3, prefix="o")
    save_compressed(store, OTHER, others, twin)
    assert store.fingerprints_and_zdict(OTHER)[1] is None
    assert zdict_id(stored_blob(db, "o4")) is None  # stored without a dictionary
    for article in (*items[:3], *others[:3]):
        aid = store.id_of(article.key)
        assert aid is not None
        stored = store.article(aid)
        assert stored is not None and stored.content == article.content


# -- search ranking without positions --------------------------------------------------------


def test_search_ranks_title_matches_first_then_newest(store: Store) -> None:
    def one(guid: str, title: str, content: str) -> Article:
        return Article(
            ArticleKey(FEED, guid),
            title,
            section=("News",),
            content=content,
            content_type="html",
        )

    store.save_articles(FEED, [one("old-title", "Volcano erupts", "<p>lava</p>")])
    store.save_articles(FEED, [one("body", "Island news", "<p>the volcano woke up</p>")])
    store.save_articles(FEED, [one("new-title", "Volcano calm again", "<p>quiet</p>")])
    store.save_articles(FEED, [one("newest-body", "Weather", "<p>ash from the volcano</p>")])
    found = [store.key_of(i).id for i in store.search("volc*")]  # type: ignore[union-attr]
    assert found == ["new-title", "old-title", "newest-body", "body"]
    assert [store.key_of(i).id for i in store.search("volcano woke")] == ["body"]  # type: ignore[union-attr]
    assert len(store.search("volcano", limit=3)) == 3


# -- the migration from schema 4 -------------------------------------------------------------


def make_v4_store(db: Path) -> None:
    """A store as newsterm wrote it at schema 4: 4 KB pages, plain zlib bodies, the
    search index with positions (built here with the released migrations' own SQL)."""
    db.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA page_size = 4096")
    con.execute("PRAGMA journal_mode = WAL")
    for number in range(4):
        migration = MIGRATIONS[number]
        assert isinstance(migration, str)
        for statement in (s.strip() for s in migration.split(";")):
            if statement:
                con.execute(statement)
    con.execute("PRAGMA user_version = 4")
    con.execute(
        "INSERT INTO sources (id, key, kind, label, url) VALUES (1, ?, 'feed', 'Harbour Times', ?)",
        (FEED, FEED),
    )
    con.execute("INSERT INTO sections (id, path) VALUES (1, 'News')")
    for i, (title, text) in enumerate(
        [
            ("Tramway opens", "<p>The new tramway carries <b>commuters</b> downtown.</p>"),
            ("Budget vote", "<p>The council approved a smaller budget &amp; more parks.</p>"),
            ("Stadium plans", "<p>Architects unveiled the stadium's façade.</p>"),
        ],
        start=1,
    ):
        con.execute(
            "INSERT INTO articles (id, source_id, guid, section_id, title, sort_time, content, "
            "content_type, fingerprint) VALUES (?, 1, ?, 1, ?, ?, ?, 'html', 'v4')",
            (i, f"g{i}", title, 1_700_000_000 + i, zlib.compress(text.encode(), 6)),
        )
        words = text.replace("<p>", " ").replace("</p>", " ").replace("<b>", " ")
        words = words.replace("</b>", " ").replace("&amp;", "&")
        con.execute(
            "INSERT INTO search (rowid, title, source, body) VALUES (?, ?, 'Harbour Times', ?)",
            (i, title, words),
        )
    con.close()


def test_migration_from_a_v4_store(db: Path) -> None:
    make_v4_store(db)
    store = Store.open(db)
    try:
        store.sync_sources([Source(FEED, "feed", "Harbour Times", ("News",))])
        g1, g2, g3 = (store.id_of(ArticleKey(FEED, f"g{i}")) for i in (1, 2, 3))
        assert store.search("commuters") == [g1]  # body words, re-indexed from the blobs
        assert store.search("parks") == [g2]
        assert store.search("facade") == [g3]  # diacritics folded, as before
        assert store.search("stadium") == [g3]  # title
        assert sorted(store.search("harbour")) == sorted([g1, g2, g3])  # the feed's label
        assert store.search("tram*") == [g1]  # prefix
        stored = store.article(g2)  # type: ignore[arg-type]
        assert stored is not None and "&amp; more parks" in stored.content  # old blob reads
        # updating a migrated article removes its old words from the new index
        store.save_articles(
            FEED,
            [
                Article(
                    ArticleKey(FEED, "g1"),
                    "Tramway delayed",
                    section=("News",),
                    content="<p>Engineers found cracks.</p>",
                    content_type="html",
                )
            ],
        )
        assert store.search("commuters") == []
        assert store.search("cracks") == [g1]
    finally:
        store.close()
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        (sql,) = con.execute("SELECT sql FROM sqlite_master WHERE name = 'search'").fetchone()
        assert "detail=none" in sql
        assert con.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE  # was 4096
        assert con.execute("PRAGMA freelist_count").fetchone()[0] == 0  # vacuumed
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        con.close()


def test_migration_with_another_connection_open_keeps_the_pages(db: Path) -> None:
    make_v4_store(db)
    other = sqlite3.connect(db)  # another program reading the store
    try:
        other.execute("SELECT count(*) FROM articles").fetchone()
        store = Store.open(db)
        try:
            assert store.search("commuters") == [store.id_of(ArticleKey(FEED, "g1"))]
        finally:
            store.close()
        assert other.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert other.execute("PRAGMA page_size").fetchone()[0] == 4096
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        other.close()
