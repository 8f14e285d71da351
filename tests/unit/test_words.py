"""One text of a body and one word count: the list's "Nm" (the stored count) and the
pane's "N min read" (the rendered body) agree, and the search index holds the words
the pane shows (core/htmltext.py visible_text, core/text.py word_count)."""

from __future__ import annotations

import re
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsterm.core.article_text import article_meta
from newsterm.core.bodies import plain_text
from newsterm.core.htmltext import visible_text
from newsterm.core.models import Article, ArticleKey, Source
from newsterm.core.render import reading_minutes, render_body
from newsterm.core.store import Store
from newsterm.core.store.schema import SCHEMA_VERSION
from newsterm.core.text import strip_tags, word_count

FEED = "https://example.org/feed.xml"

ENGLISH = (
    "<p>" + "The harbour council met on Tuesday. " * 60 + "</p>"  # 360 words: 2 minutes
    '<img src="/map.png" alt="A map of the harbour">'
    # not shown, so not read: with them the list said 5 minutes, the pane 2
    "<script>" + "var tracker = load(); " * 150 + "</script>"
    "<style>" + "p { margin: 0 } " * 150 + "</style>"
)
CHINESE = "<p>" + "港口委员会星期二开会讨论预算。" * 150 + "</p>"  # 2,100 characters
JAPANESE = "<p>" + "東京の図書館は新しい本を買いました。" * 60 + "</p>"
MARKDOWN = "# Notes\n\n" + "Some **bold** words and a [link](https://x.example/) here. " * 80


def header_minutes(lines: list[str]) -> int:
    (minutes,) = re.findall(r"(\d+) min read", lines[0])
    return int(minutes)


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = Store.open(tmp_path / "data" / "newsterm.db")
    s.sync_sources([Source(FEED, "feed", "Example", ("News",))])
    yield s
    s.close()


@pytest.mark.parametrize(
    ("content", "content_type", "minutes"),
    [
        (ENGLISH, "html", 2),
        (CHINESE, "html", 9),  # the list said 1 minute: one "word" without spaces
        (JAPANESE, "html", 4),
        (MARKDOWN, "markdown", 2),
        ("Plain words of a saved page. " * 100, "text", 3),
    ],
    ids=["english", "chinese", "japanese", "markdown", "text"],
)
def test_the_list_and_the_header_show_the_same_minutes(
    store: Store, content: str, content_type: str, minutes: int
) -> None:
    article = Article(
        ArticleKey(FEED, "a"),
        "Title",
        section=("News",),
        published=datetime(2024, 3, 1, tzinfo=UTC),
        content=content,
        content_type=content_type,  # type: ignore[arg-type]
    )
    store.save_articles(FEED, [article])
    aid = store.id_of(ArticleKey(FEED, "a"))
    assert aid is not None
    (row,) = store.rows([aid])
    stored = store.article(aid)
    assert stored is not None
    header = article_meta(stored, render_body(stored.content, stored.content_type))
    assert reading_minutes(row.words) == header_minutes(header) == minutes  # the list's "Nm"


def test_cjk_characters_count_as_words() -> None:
    assert word_count("港口委员会") == 5
    assert word_count("東京の図書館") == 6
    assert word_count("Seoul 서울 시청") == 3  # Korean is written with spaces
    assert word_count("mixed 中文 text") == 4


# --- the text of a body ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Lava <b>flows</b> near Grindavik.</p>", "Lava flows near Grindavik."),
        ("a<script>var x = 1;</script>b", "a b"),
        ("a<SCRIPT type='x'>1 < 2</SCRIPT >b", "a b"),
        ("a<style>p{}</style><noscript>enable js</noscript>b", "a b"),
        ("a<!-- hidden note -->b", "a b"),
        ("a<svg><title>icon</title><path d='M0'/></svg>b", "a b"),
        ('a<iframe src="x"/>b c', "a b c"),  # nothing inside a self-closed element
        ("a<script>never closed, as in the pre-pass", "a"),
        ("a <!-- never closed <b>b</b>", "a <!-- never closed b"),
        ('<img src="x.png" alt="A cat &amp; a dog"> sat', "A cat & a dog sat"),
        ("<img alt='single quotes'><img src=y.png alt=bare>", "single quotes bare"),
        ('<img src="pixel.gif">', ""),
        ("Fish &amp; chips &lt;3 &eacute;", "Fish & chips <3 é"),
        ("a < b and c > d", "a < b and c > d"),
    ],
)
def test_visible_text(html: str, text: str) -> None:
    assert " ".join(visible_text(html).split()) == text


def test_the_index_text_has_the_words_the_pane_shows() -> None:
    for html in (ENGLISH, CHINESE, "<p>one <i>two</i></p><ul><li>three<li>four</ul>"):
        shown = render_body(html, "html").markdown
        assert word_count(plain_text(html, "html")) == word_count(re.sub(r"\[image:?", "", shown))


def test_markdown_and_text_bodies_are_their_own_text() -> None:
    assert plain_text("# Title\n\n*a*", "markdown") == "# Title\n\n*a*"
    assert plain_text("a <b> c", "text") == "a <b> c"


def test_strip_tags_for_one_line_fields() -> None:
    assert strip_tags("<b>Fish</b> &amp; chips") == " Fish  & chips"
    assert strip_tags("no markup") == "no markup"
    assert strip_tags("1 < 2 <i>x</i>") == "1 < 2  x "  # a "<" that starts no tag is text


@pytest.mark.parametrize(
    "body",
    [
        "<p>x</p>" + "<a " * 600_000,  # no ">" anywhere after: "<[^>]*>" rescans the rest
        "<p>x</p>" + "<script " * 200_000,
        "<p>x</p>" + "<!--" * 400_000,
        "<p>x</p>" + "<img alt='" * 200_000,
    ],
    ids=["unclosed-tags", "unclosed-script-tags", "unclosed-comments", "unclosed-images"],
)
def test_hostile_bodies_are_read_in_one_pass(body: str) -> None:
    # 2 MB of unclosed tags took the old "<[^>]*>" scan hours (4 s for 40,000 of them);
    # a safety net against a hang, not a benchmark
    start = time.monotonic()
    text = visible_text(body)
    title = strip_tags(body)  # a title written in HTML goes the same way
    assert time.monotonic() - start < 30
    assert text.startswith(" x ") and title.startswith(" x ")


# --- stores written before: migration 7 -----------------------------------------------------


def make_v5_store(db: Path) -> None:
    """A store at schema 5 as it was written: bodies indexed by the old tag-stripping
    (script text included, alt text left out), words counted by white space."""
    store = Store.open(db)
    try:
        store.sync_sources([Source(FEED, "feed", "Harbour Times", ("News",))])
        store.save_articles(
            FEED,
            [
                Article(
                    ArticleKey(FEED, "g1"),
                    "Tramway opens",
                    section=("News",),
                    content="<p>Commuters cheer.</p><script>trackerjs()</script>"
                    '<img alt="Grand opening">',
                    content_type="html",
                ),
                Article(
                    ArticleKey(FEED, "g2"),
                    "港口",
                    section=("News",),
                    content="<p>" + "港口委员会星期二开会。" * 100 + "</p>",
                    content_type="html",
                ),
            ],
        )
    finally:
        store.close()
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("INSERT INTO search (search) VALUES ('delete-all')")
        old = re.compile(r"<[^>]*>")
        con.executemany(
            "INSERT INTO search (rowid, title, source, body) VALUES (?, ?, 'Harbour Times', ?)",
            [
                (
                    1,
                    "Tramway opens",
                    old.sub(" ", "<p>Commuters cheer.</p><script>trackerjs()</script><img>"),
                ),
                (2, "港口", "港口委员会星期二开会。" * 100),
            ],
        )
        con.execute("UPDATE articles SET words = 4 WHERE id = 1")
        con.execute("UPDATE articles SET words = 1 WHERE id = 2")
        con.execute("DROP TABLE leases")  # schema 6 came after 5
        con.execute("DROP TABLE fulltext")  # and so did the full articles (8)
        con.execute("DROP INDEX articles_hidden")  # and the rules' columns later still
        con.execute("ALTER TABLE articles DROP COLUMN hidden")
        con.execute("ALTER TABLE articles DROP COLUMN tags")
        con.execute("PRAGMA user_version = 5")
    finally:
        con.close()


def test_migration_7_reindexes_and_recounts(tmp_path: Path) -> None:
    db = tmp_path / "data" / "newsterm.db"
    make_v5_store(db)
    store = Store.open(db)
    try:
        g1 = store.id_of(ArticleKey(FEED, "g1"))
        g2 = store.id_of(ArticleKey(FEED, "g2"))
        assert store.search("trackerjs") == []  # script text, never shown: out
        assert store.search("grand opening") == [g1]  # an image's alt text: in
        assert store.search("commuters") == [g1]
        rows = {row.rowid: row for row in store.rows([g1, g2])}  # type: ignore[list-item]
        assert rows[g1].words == 4  # Commuters cheer. Grand opening
        assert rows[g2].words == 1_000
        # the index is whole again: an update takes exactly the old words out
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
        assert store.search("grand") == []
        assert store.search("cracks") == [g1]
    finally:
        store.close()
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        con.execute("INSERT INTO search (search) VALUES ('integrity-check')")
    finally:
        con.close()


@pytest.mark.parametrize(
    "text",
    ["", "One two, three — four! * # --- 5", "___ _a_ (b) [c] **d** e-f", "x\u00a0y\tz\n\nw"],
)
def test_word_count_counts_tokens_with_a_letter_or_digit(text: str) -> None:
    assert word_count(text) == sum(1 for t in text.split() if any(c.isalnum() for c in t))
