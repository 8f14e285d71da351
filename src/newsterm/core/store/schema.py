"""The SQLite schema and its migrations, keyed by ``PRAGMA user_version``.

Each migration takes the schema from version N-1 to N and runs in one transaction.
Never edit a released migration: add the next one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Migration:
    """A migration with a Python part, run after its SQL in the same transaction."""

    sql: str
    python: Callable[[sqlite3.Connection], None]
    vacuum: bool = False
    """Give the file back its freed pages afterwards (a table was rebuilt)."""


def _stored_texts(db: sqlite3.Connection) -> Iterator[list[tuple[int, str, str, str]]]:
    """Batches of (id, title, feed label, body text) of every stored article (the text
    the index holds: of its full text when one is stored)."""
    from newsterm.core.bodies import decompress, plain_text, unpack_zdict

    zdicts = {
        checksum: unpack_zdict(data)
        for checksum, data in db.execute("SELECT checksum, data FROM zdicts")
    }
    # An article's full text, once there is one, is what the index holds (search.py).
    full = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fulltext'"
    ).fetchone()
    body, join = ("a.content, a.content_type", "")
    if full:
        body = (
            "COALESCE(f.content, a.content), "
            "CASE WHEN f.content IS NULL THEN a.content_type ELSE f.content_type END"
        )
        join = "LEFT JOIN fulltext f ON f.article_id = a.id"
    last = 0
    while True:
        rows = db.execute(
            f"SELECT a.id, a.title, s.label, {body} FROM articles a "
            f"JOIN sources s ON s.id = a.source_id {join} WHERE a.id > ? ORDER BY a.id LIMIT 2000",
            (last,),
        ).fetchall()
        if not rows:
            return
        last = rows[-1][0]
        yield [
            (aid, title, label, plain_text(decompress(blob, zdicts.get), ctype))
            for aid, title, label, blob, ctype in rows
        ]


def _index_articles(db: sqlite3.Connection) -> None:
    """Fill the search tables from the stored articles (title, feed label, body text)."""
    from newsterm.core.bodies import SEARCH_BODY_MAX

    for batch in _stored_texts(db):
        db.executemany(
            "INSERT INTO search (rowid, title, source, body) VALUES (?, ?, ?, ?)",
            [(aid, title, label, text[:SEARCH_BODY_MAX]) for aid, title, label, text in batch],
        )
        db.executemany(
            "INSERT INTO search_title (rowid, title) VALUES (?, ?)",
            [(aid, title) for aid, title, *_ in batch],
        )


SEARCH_REBUILD = "search_rebuild"
"""The ``state`` key a migration sets when the search index must be filled again from
the stored articles; the search mixin does it when the store opens (with the index's
own rule, which lives in search.py alone) and removes the key."""


def _ask_search_rebuild(db: sqlite3.Connection) -> None:
    if db.execute("SELECT 1 FROM articles LIMIT 1").fetchone():  # a new store has none
        db.execute("INSERT OR REPLACE INTO state (key, value) VALUES (?, '1')", (SEARCH_REBUILD,))


def _reread_bodies(db: sqlite3.Connection) -> None:
    """The body index and the word counts again, from every stored body."""
    from newsterm.core.bodies import SEARCH_BODY_MAX
    from newsterm.core.text import word_count

    for batch in _stored_texts(db):
        db.executemany(
            "INSERT INTO search (rowid, title, source, body) VALUES (?, ?, ?, ?)",
            [(aid, title, label, text[:SEARCH_BODY_MAX]) for aid, title, label, text in batch],
        )
        db.executemany(
            "UPDATE articles SET words = ? WHERE id = ?",
            [(word_count(text), aid) for aid, _, _, text in batch],
        )


SCHEDULE_COLUMNS = ("fetched_at", "ttl", "max_age")


def _add_schedule_columns(db: sqlite3.Connection) -> None:
    """Migration 11's columns, each unless it is there already (a store whose version
    was set back by hand, as the tests make old stores, keeps the ones it has)."""
    have = {row[1] for row in db.execute("PRAGMA table_info(sources)")}
    for name in SCHEDULE_COLUMNS:
        if name not in have:
            db.execute(f"ALTER TABLE sources ADD COLUMN {name} INTEGER")


MIGRATIONS: tuple[str | Migration, ...] = (
    # 1: sources, sections, articles, full-text index, UI state
    """
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,          -- feed URL or local:<path>
        kind TEXT NOT NULL,                -- 'feed' | 'local'
        label TEXT NOT NULL,               -- the name shown: feeds.toml title, else feed title
        config_title TEXT,                 -- title from feeds.toml
        title TEXT,                        -- the feed's own title
        link TEXT,                         -- the feed's web page
        url TEXT,                          -- where to fetch next (after permanent redirects)
        etag TEXT,
        last_modified TEXT,
        body_hash TEXT,
        last_error TEXT,
        last_error_at INTEGER,
        last_ok_at INTEGER,
        retry_after INTEGER
    );
    CREATE TABLE sections (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE          -- parts joined by U+001F (never in a name)
    );
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        guid TEXT NOT NULL,
        section_id INTEGER NOT NULL REFERENCES sections(id),
        title TEXT NOT NULL,
        url TEXT,
        author TEXT,
        published INTEGER,                 -- unix seconds, NULL when unknown
        updated INTEGER,
        sort_time INTEGER NOT NULL,        -- published, else when first seen
        content BLOB,                      -- zlib-compressed UTF-8
        content_type TEXT NOT NULL,
        extra TEXT,                        -- JSON: summary, categories, enclosures, note
        words INTEGER NOT NULL DEFAULT 0,
        fingerprint TEXT,                  -- changes when the article changes
        read INTEGER NOT NULL DEFAULT 0,
        starred INTEGER NOT NULL DEFAULT 0,
        UNIQUE (source_id, guid)
    );
    CREATE INDEX articles_time ON articles (sort_time);
    CREATE INDEX articles_section ON articles (section_id, read);
    CREATE INDEX articles_section_time ON articles (section_id, sort_time);
    CREATE INDEX articles_source_read ON articles (source_id, read);
    CREATE INDEX articles_source_time ON articles (source_id, sort_time);
    CREATE INDEX articles_unread ON articles (read, sort_time);
    CREATE INDEX articles_starred ON articles (starred) WHERE starred = 1;
    CREATE VIRTUAL TABLE search USING fts5 (
        title, source, body, content='', tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: read/starred flags restored from a backup, applied when their article returns
    """
    CREATE TABLE pending_flags (
        source TEXT NOT NULL,
        guid TEXT NOT NULL,
        read INTEGER NOT NULL,
        starred INTEGER NOT NULL,
        PRIMARY KEY (source, guid)
    ) WITHOUT ROWID;
    """,
    # 3: merge the search index's segments less eagerly: each feed is its own
    # transaction, and the default (4) spent half of a refresh's indexing on merges
    """
    INSERT INTO search (search, rank) VALUES ('automerge', 16);
    """,
    # 4: the section feeds.toml gave a feed, so start-up only moves its articles
    # when it changed (checking every article made opening a 100k store slow)
    """
    ALTER TABLE sources ADD COLUMN section_id INTEGER;
    """,
    # 5: a smaller store. Bodies may be compressed with their feed's preset dictionary
    # (core/bodies.py), kept once in zdicts (data: the dictionary, zlib-compressed;
    # checksum: its adler32, the DICTID a blob's zlib header names it by).
    # The search index keeps no positions (detail=none: a fifth of detail=full). On a
    # contentless table bm25 needs positions (with detail=column it scored every row
    # 0), so ranking is by recency, title matches first: search_title, titles only.
    Migration(
        """
        CREATE TABLE zdicts (
            id INTEGER PRIMARY KEY,
            checksum INTEGER NOT NULL UNIQUE,
            data BLOB NOT NULL
        );
        ALTER TABLE sources ADD COLUMN zdict_id INTEGER REFERENCES zdicts(id);
        DROP TABLE search;
        CREATE VIRTUAL TABLE search USING fts5 (
            title, source, body, content='', detail=none,
            tokenize='unicode61 remove_diacritics 2'
        );
        INSERT INTO search (search, rank) VALUES ('automerge', 16);
        CREATE VIRTUAL TABLE search_title USING fts5 (
            title, content='', detail=none, tokenize='unicode61 remove_diacritics 2'
        );
        INSERT INTO search_title (search_title, rank) VALUES ('automerge', 16);
        """,
        _index_articles,
        vacuum=True,
    ),
    # 6: refresh leases, so one process at a time refreshes a feed (a cron refresh
    # beside the TUI, two TUIs on one store); an expired lease (a crashed process's)
    # is taken over. source: the source's key; expires: unix seconds.
    """
    CREATE TABLE leases (
        source TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires INTEGER NOT NULL
    );
    """,
    # 7: a body's words are read as the pane shows them (core/htmltext.visible_text:
    # no script or style, images by their alt text) and counted with CJK characters as
    # words, so the list's "Nm" and the pane's "N min read" agree. The contentless
    # index can only forget what it is told it holds: emptied, then filled again.
    Migration(
        """
        INSERT INTO search (search) VALUES ('delete-all');
        """,
        _reread_bodies,
    ),
    # 8: search finds what is there. Titles keep positions (detail=full: a quoted
    # phrase is matched in titles; ~1 MB in the 100k bench store), the bodies still none
    # (detail=full there would more than double the store: bench/store_size.py); words
    # joined by _ . - + # are indexed whole too (search.indexed_text), so `C++` and
    # `hardened_malloc` are found as written; no docsize rows (columnsize=0: no bm25).
    # Feeds are read differently too (JSON Feed titles unescaped, junk entries and items
    # cut by a truncated download dropped): each is fetched and parsed in full once more.
    # The new tables are filled when the store opens (SearchMixin._after_migrations).
    Migration(
        """
        UPDATE sources SET body_hash = NULL, etag = NULL, last_modified = NULL;
        DROP TABLE search;
        DROP TABLE search_title;
        CREATE VIRTUAL TABLE search USING fts5 (
            title, source, body, content='', detail=none, columnsize=0,
            tokenize='unicode61 remove_diacritics 2'
        );
        INSERT INTO search (search, rank) VALUES ('automerge', 16);
        CREATE VIRTUAL TABLE search_title USING fts5 (
            title, content='', detail=full, columnsize=0,
            tokenize='unicode61 remove_diacritics 2'
        );
        INSERT INTO search_title (search_title, rank) VALUES ('automerge', 16);
        """,
        _ask_search_rebuild,
        vacuum=True,
    ),
    # 9: full articles read from their web pages (core/refresh/pages.py), beside the
    # feed's text, which stays as it was. content: the article as HTML, compressed like
    # bodies (core/bodies.py), NULL when error says why there is none; tries: failed
    # fetches in a row; published: unix seconds. The search index holds the full
    # text's words instead of the feed's while one is stored (core/store/search.py).
    """
    CREATE TABLE fulltext (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        content BLOB,
        content_type TEXT NOT NULL DEFAULT 'html',
        url TEXT,
        title TEXT,
        author TEXT,
        published INTEGER,
        words INTEGER NOT NULL DEFAULT 0,
        note TEXT,
        fetched_at INTEGER NOT NULL,
        error TEXT,
        tries INTEGER NOT NULL DEFAULT 0
    );
    """,
    # 10: the rules of feeds.toml (issue 15) hide articles and tag them; hidden
    # ones stay out of lists, counts and searches unless asked (core/store/querysql.py)
    """
    ALTER TABLE articles ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE articles ADD COLUMN tags TEXT;
    CREATE INDEX articles_hidden ON articles (hidden) WHERE hidden = 1;
    """,
    # 11: each feed's schedule (core/schedule.py): when it was last fetched, whatever
    # the outcome, and the floors the server set: the feed's <ttl> and the last
    # Cache-Control max-age (seconds). Retry-After is sources.retry_after already.
    Migration("", _add_schedule_columns),
    # 12: sync accounts (issue 17, core/sync). An account's feeds are sources of kind
    # 'remote' keyed account:<name>:<the server's feed id>, their articles keyed by the
    # server's item id (guid). accounts: each account's sync state (the pull's cursor,
    # the last sync and error, the backoff); outbox: the states the reader wants on the
    # server (desired values, never toggles), written in the mark's own transaction
    # (flags.py) and deleted once pushed; a pull never changes a flag queued here.
    # IF NOT EXISTS: a store whose version was set back by hand (the tests' old stores).
    """
    CREATE TABLE IF NOT EXISTS accounts (
        name TEXT PRIMARY KEY,
        cursor TEXT,
        synced_at INTEGER,
        error TEXT,
        error_at INTEGER,
        failures INTEGER NOT NULL DEFAULT 0,
        retry_at INTEGER
    );
    CREATE TABLE IF NOT EXISTS outbox (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        item_id TEXT NOT NULL,
        flag TEXT NOT NULL,
        value INTEGER NOT NULL,
        UNIQUE (account, item_id, flag)
    );
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
