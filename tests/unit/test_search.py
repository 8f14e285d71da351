"""Search finds what is there (issue 12): phrases, words joined by ``_ . - + #``, prefixes
only when asked for, every result reachable, newest first, one-line errors; the query
syntax (core/query.py) and the migration that rebuilt the index (schema 8)."""

from __future__ import annotations

import sqlite3
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsterm.core.errors import QueryError
from newsterm.core.models import Article, ArticleKey, Source, View
from newsterm.core.query import as_typed, highlight_words, parse_query
from newsterm.core.store import Store
from newsterm.core.store.schema import MIGRATIONS, SCHEMA_VERSION, Migration
from newsterm.core.store.search import TIME_ORDER_MAX, indexed_text

FEED = "https://example.org/feed.xml"


def art(guid: str, title: str, body: str = "", day: int = 1) -> Article:
    return Article(
        ArticleKey(FEED, guid),
        title,
        section=("Tech",),
        url=f"https://example.org/{guid}",
        published=datetime(2024, 3, day, 12, 0, tzinfo=UTC),
        content=f"<p>{body or 'Nothing to say.'}</p>",
        content_type="html",
    )


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = Store.open(tmp_path / "data" / "newsterm.db")
    s.sync_sources([Source(FEED, "feed", "Example Feed", ("Tech",))])
    yield s
    s.close()


def found(store: Store, query: str, **kw: object) -> list[str]:
    return [row.key.id for row in store.rows(store.search(query, **kw))]  # type: ignore[arg-type]


# -- what is found ------------------------------------------------------------------------


def test_words_joined_by_underscore_dot_dash_plus_are_found(store: Store) -> None:
    store.save_articles(
        FEED,
        [
            art("malloc", "GrapheneOS ships hardened_malloc"),
            art("node", "Tooling", "We moved node.js to v1.5.2 with an x-ray of the build."),
            art("cpp", "C++ templates, C# too"),
            art("capcom", "Capcom Edition"),
            art("c", "The C language"),
        ],
    )
    assert found(store, "hardened_malloc") == ["malloc"]  # was: fts5 "phrase queries" error
    assert found(store, "malloc") == ["malloc"]  # its parts still find it
    assert found(store, "node.js") == ["node"]
    assert found(store, "v1.5.2") == ["node"]
    assert found(store, "x-ray") == ["node"]
    assert found(store, "C++") == ["cpp"]  # was: also Capcom (a prefix) and "C"
    assert found(store, "c#") == ["cpp"]
    assert found(store, "Cap*") == ["capcom"]
    assert found(store, "Cap") == []


def test_a_quoted_phrase_in_a_title_ranks_first(store: Store) -> None:
    store.save_articles(
        FEED,
        [
            art("phrase", "311: Mutually Assured Destruction", day=1),
            art("reversed", "Assured, mutually", day=5),
            art("apart", "Elsewhere", "Both are mutually exclusive, I am assured.", day=9),
            art(
                "body", "Deterrence", "<p>The doctrine of <b>mutually</b> assured ruin.</p>", day=3
            ),
            art("none", "Mutually", day=7),
        ],
    )
    # the phrase, its words next to each other and in order: in a title, then in a
    # body (newest first); never the same words apart or reversed
    assert found(store, '"Mutually Assured"') == ["phrase", "body"]
    assert found(store, '"Mutually Assured') == ["phrase", "body"]  # left open
    assert found(store, '"mutually ass"*') == ["phrase", "body"]
    assert found(store, '"assured destruction"') == ["phrase"]
    assert found(store, '"assured ruin"') == ["body"]


def test_newest_first_within_title_matches_and_the_rest(store: Store) -> None:
    # stored in feed order (newest first): the newest has the smallest id
    store.save_articles(
        FEED,
        [
            art("t-new", "Volcano calm", day=20),
            art("b-new", "News", "the volcano woke", day=15),
            art("t-old", "Volcano erupts", day=2),
            art("b-old", "Weather", "ash from the volcano", day=1),
        ],
    )
    assert found(store, "volcano") == ["t-new", "t-old", "b-new", "b-old"]


def test_every_result_is_reachable(store: Store) -> None:
    store.save_articles(FEED, [art(f"g{i}", f"Kiwi report {i}") for i in range(260)])
    assert len(store.search("kiwi")) == 260  # was: 200 at most
    assert len(store.article_ids(View("search", query="kiwi"))) == 260
    assert len(store.search("kiwi", limit=7)) == 7
    assert TIME_ORDER_MAX >= 260


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("***", "no letter or digit"),
        ("+ - ()", "no letter or digit"),
        ('""', "no letter or digit"),
        ("*malloc", "a * can only end a word"),
        ("mal*loc", "a * can only end a word"),
    ],
)
def test_a_search_that_cannot_run_is_one_error_naming_it(
    store: Store, query: str, reason: str
) -> None:
    with pytest.raises(QueryError) as caught:
        store.search(query)
    message = str(caught.value)
    assert reason in message and repr(query) in message and "\n" not in message


def test_an_empty_search_finds_nothing_and_is_no_error(store: Store) -> None:
    store.save_articles(FEED, [art("a", "Anything")])
    assert store.search("") == []
    assert store.search("   ") == []


def test_compounds_in_long_text_and_hostile_runs() -> None:
    text = "a" * 50_000 + "-" + "b_" * 20_000 + " ok foo_bar"
    assert indexed_text(text).endswith("\nfoo\ue05fbar")  # a 90 KB run: parts only
    assert indexed_text("end. Of sentence - and -dash") == "end. Of sentence - and -dash"


# -- the syntax -----------------------------------------------------------------------------


def test_as_typed_makes_the_word_being_typed_a_prefix() -> None:
    assert as_typed("hardened_mal") == "hardened_mal*"
    assert as_typed("C++ ") == "C++ "  # a space ends the word
    assert as_typed('"Mutually Ass') == '"Mutually Ass"*'
    assert as_typed('"Mutually Assured"') == '"Mutually Assured"'
    assert as_typed("volc*") == "volc*"
    assert as_typed("") == ""


def test_highlight_words() -> None:
    assert highlight_words('"Mutually Assured" hardened_malloc C++*') == (
        "Mutually Assured",
        "hardened_malloc",
        "C++",
    )
    assert highlight_words("***") == ()


def test_operators_are_words() -> None:
    query = parse_query("rock AND roll NEAR( title:x")
    assert [t.words for t in query.terms] == [
        ("rock",),
        ("AND",),
        ("roll",),
        ("NEAR(",),
        ("title:x",),
    ]
    assert not any(t.prefix for t in query.terms)


# -- the migration from schema 7 --------------------------------------------------------------


def make_v7_store(db: Path) -> None:
    """A store as schema 7 left it: both indexes without positions, compounds cut."""
    db.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(db, isolation_level=None)
    for migration in MIGRATIONS[:7]:
        sql = migration.sql if isinstance(migration, Migration) else migration
        con.executescript(sql)
        if isinstance(migration, Migration):
            migration.python(con)
    con.execute("PRAGMA user_version = 7")
    con.execute(
        "INSERT INTO sources (id, key, kind, label, url, body_hash, etag, last_modified) "
        "VALUES (1, ?, 'feed', 'Example Feed', ?, 'h', '\"e\"', 'Mon, 04 Mar 2024 10:00:00 GMT')",
        (FEED, FEED),
    )
    con.execute("INSERT INTO sections (id, path) VALUES (1, 'Tech')")
    for aid, title, body in [
        (1, "GrapheneOS ships hardened_malloc", "<p>Memory safety in C++ code.</p>"),
        (2, "Mutually Assured Destruction", "<p>A podcast episode.</p>"),
    ]:
        con.execute(
            "INSERT INTO articles (id, source_id, guid, section_id, title, sort_time, content, "
            "content_type, fingerprint) VALUES (?, 1, ?, 1, ?, ?, ?, 'html', 'v7')",
            (aid, f"g{aid}", title, 1_700_000_000 + aid, zlib.compress(body.encode(), 6)),
        )
        text = body.replace("<p>", "").replace("</p>", "")
        con.execute(
            "INSERT INTO search (rowid, title, source, body) VALUES (?, ?, 'Example Feed', ?)",
            (aid, title, text),
        )
        con.execute("INSERT INTO search_title (rowid, title) VALUES (?, ?)", (aid, title))
    con.close()


def test_migration_from_a_v7_store(tmp_path: Path) -> None:
    db = tmp_path / "data" / "newsterm.db"
    make_v7_store(db)
    store = Store.open(db)
    try:
        store.sync_sources([Source(FEED, "feed", "Example Feed", ("Tech",))])
        g1, g2 = (store.id_of(ArticleKey(FEED, f"g{i}")) for i in (1, 2))
        assert store.search("hardened_malloc") == [g1]
        assert store.search("c++") == [g1]  # a body's compound
        assert store.search('"mutually assured"') == [g2]
        assert sorted(store.search("example")) == sorted([g1, g2])  # the feed's label
        # the delete rule holds for the rebuilt rows: an update forgets the old words
        store.save_articles(FEED, [art("g1", "GrapheneOS ships", "Plain C now.")])
        assert store.search("hardened_malloc") == []
        assert store.search("c++") == []
        assert store.search("plain") == [g1]
    finally:
        store.close()
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        sql = dict(con.execute("SELECT name, sql FROM sqlite_master WHERE name LIKE 'search%'"))
        assert "detail=none" in sql["search"] and "detail=full" in sql["search_title"]
        assert "search_docsize" not in sql  # columnsize=0
        assert con.execute("SELECT count(*) FROM state").fetchone() == (0,)  # rebuilt: done
        # every feed is fetched and parsed in full again (the parse rules changed)
        assert con.execute("SELECT body_hash, etag, last_modified FROM sources").fetchall() == [
            (None, None, None)
        ]
    finally:
        con.close()
