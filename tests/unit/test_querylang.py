"""The query language (issue 15): parsing (precedence, quoting, unicode, errors with
their position) and its compilation to SQL, run against a real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsterm.core.errors import QueryError
from newsterm.core.models import Article, ArticleKey, FullText, Source, View
from newsterm.core.querylang import And, Field, Flag, Not, Or, Text, Time, parse
from newsterm.core.store import Store
from newsterm.core.store.querysql import compile_where, local_midnight

FEED = "https://example.org/feed.xml"
OTHER = "https://other.net/rss"
NOW = datetime.now(UTC)


def words(node: object) -> tuple[str, ...]:
    assert isinstance(node, Text)
    return node.term.words


def test_plain_searches_are_left_to_the_plain_search() -> None:
    for plain in ["rust", '"mutually assured"', "C++ hardened_malloc", "x-ray", "+ - ()", ""]:
        assert parse(plain) is None


def test_and_binds_tighter_than_or_and_not_tightest() -> None:
    node = parse("a b or c -d")
    assert isinstance(node, Or)
    first, second = node.items
    assert isinstance(first, And) and [words(i) for i in first.items] == [("a",), ("b",)]
    assert isinstance(second, And)
    assert words(second.items[0]) == ("c",)
    assert isinstance(second.items[1], Not) and words(second.items[1].item) == ("d",)


def test_parentheses_and_keywords() -> None:
    assert parse("rock AND roll OR NOT") is None  # uppercase: words, as before
    node = parse("(a or b) and not c")
    assert isinstance(node, And)
    assert isinstance(node.items[0], Or)
    assert isinstance(node.items[1], Not)


def test_fields_flags_times_and_quoting() -> None:
    node = parse('title:rust feed:"Example Feed" section:Tech/Mobiles unread newer:7d')
    assert isinstance(node, And)
    title, feed, section, flag, time = node.items
    assert isinstance(title, Text) and title.field == "title" and title.term.words == ("rust",)
    assert feed == Field("feed", "Example Feed")
    assert section == Field("section", "Tech/Mobiles")
    assert flag == Flag("unread")
    assert time == Time("newer", 7 * 86400)
    quoted = parse('"unread" starred')  # a quoted flag is a word
    assert isinstance(quoted, And) and isinstance(quoted.items[0], Text)


def test_unicode_words_and_regex() -> None:
    node = parse("título:x ñandú starred")  # an unknown field is a word
    assert isinstance(node, And)
    assert words(node.items[1]) == ("ñandú",)
    assert parse("/spons(or|ored)/") == Field("title", "spons(or|ored)", regex=True)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("(a or b", "query: 1:8: expected ')'"),
        ("a or", "query: 1:5: expected a term"),
        ("title:/x", "query: 1:7: expected '/' closing the regex"),
        ("newer:soon", "query: 1:1: newer: expected an age such as 7d or 2w"),
        ("since:2026-13-01", "query: 1:1: since: expected a date such as 2026-11-01"),
        ("starred /(a+)+/", "query: 1:9: a repeated group repeated again"),
        ("/[a/", "query: 1:2: bad regex"),
        ("unread )", "query: 1:8: unexpected ')'"),
        ("content:/x/", "query: 1:1: content: takes no regex"),
        ("starred mal*loc", "query: 1:9: a * can only end a word"),
    ],
)
def test_a_bad_query_is_one_line_with_its_position(query: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse(query)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


# -- compiled, against a real store -------------------------------------------------------


def art(feed: str, guid: str, title: str, days_ago: int, **kw: object) -> Article:
    return Article(
        ArticleKey(feed, guid),
        title,
        section=("Tech", "Mobiles") if feed == FEED else ("News",),
        url=f"{feed.rsplit('/', 1)[0]}/{guid}",
        published=NOW - timedelta(days=days_ago),
        content=f"<p>{kw.pop('body', 'Nothing to say.')}</p>",
        content_type="html",
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = Store.open(tmp_path / "data" / "newsterm.db")
    s.sync_sources([
        Source(FEED, "feed", "Example Feed", ("Tech", "Mobiles")),
        Source(OTHER, "feed", "Other News", ("News",)),
    ])  # fmt: skip
    s.save_articles(FEED, [
        art(FEED, "rust-new", "Rust 2.0 released", 1, author="Ferris", categories=("Lang",)),
        art(FEED, "rust-old", "Rust in the kernel", 30, body="A sponsored post"),
        art(FEED, "phone", "A new phone", 2, body="rust never sleeps"),
    ])  # fmt: skip
    s.save_articles(OTHER, [
        art(OTHER, "ad", "Sponsored: buy now", 0),
        art(OTHER, "go", "Go 1.30", 3, author="Gopher"),
    ])  # fmt: skip
    yield s
    s.close()


def found(store: Store, query: str) -> list[str]:
    return [row.key.id for row in store.rows(store.search(query))]


def test_fields_select_their_articles(store: Store) -> None:
    assert found(store, "title:rust") == ["rust-new", "rust-old"]
    assert found(store, "rust -title:rust") == ["phone"]
    assert found(store, "author:ferr") == ["rust-new"]
    assert found(store, 'feed:"other news"') == ["ad", "go"]
    assert found(store, "feed:other.net") == ["ad", "go"]
    assert found(store, "section:tech") == ["rust-new", "phone", "rust-old"]
    assert found(store, "section:Tech/Mobiles") == ["rust-new", "phone", "rust-old"]
    assert found(store, "section:Tec") == []  # a path prefix by whole names
    assert found(store, "url:other.net/go") == ["go"]
    assert found(store, "tag:lang") == ["rust-new"]
    assert found(store, "content:sponsored") == ["ad", "rust-old"]


def test_flags_times_and_boolean_logic(store: Store) -> None:
    assert found(store, "title:rust newer:7d") == ["rust-new"]
    assert found(store, "title:rust older:2w") == ["rust-old"]
    assert found(store, "newer:7d (author:gopher or title:phone)") == ["phone", "go"]
    day = (NOW - timedelta(days=10)).astimezone().strftime("%Y-%m-%d")
    assert found(store, f"since:{day} feed:example") == ["rust-new", "phone"]
    assert found(store, f"before:{day}") == ["rust-old"]
    assert found(store, "starred") == []


def test_regex_runs_in_sql(store: Store) -> None:
    assert found(store, "/^spons|released$/") == ["ad", "rust-new"]
    assert found(store, "feed:/^Other/ -/spons/") == ["go"]
    assert found(store, "url:/go$/") == ["go"]


def test_a_query_with_a_flag_counts_and_pages(store: Store) -> None:
    node = parse("title:rust unread")
    assert node is not None
    assert store.query_count(node) == (2, 2)
    assert len(store.query_ids(node, limit=1)) == 1


def test_full_is_a_flag_and_a_quoted_full_a_word() -> None:
    assert parse("full") == Flag("full")
    assert parse("full title:rust") == And((Flag("full"), parse("title:rust")))  # type: ignore[arg-type]
    assert parse('"full"') is None  # a plain search for the word


def test_full_selects_the_articles_whose_full_text_is_stored(store: Store) -> None:
    when = NOW - timedelta(hours=1)
    phone, go = store.id_of(ArticleKey(FEED, "phone")), store.id_of(ArticleKey(OTHER, "go"))
    assert phone is not None and go is not None
    store.save_full_text(FullText(phone, "<p>The whole page</p>", None, None, None, None, 3, when))
    store.record_full_text_error(go, "HTTP 500", int(when.timestamp()), None)
    assert found(store, "full") == ["phone"]  # a failed read is no full text
    assert found(store, "full or title:go") == ["phone", "go"]
    assert found(store, "-full feed:other") == ["ad", "go"]
    assert found(store, "full whole") == ["phone"]  # its words are indexed too
    node = parse("full unread")
    assert node is not None and store.query_count(node) == (1, 1)


def test_words_of_an_or_are_one_lookup_and_keep_their_order(store: Store) -> None:
    assert found(store, "title:rust or title:phone") == ["rust-new", "phone", "rust-old"]
    assert found(store, 'author:gopher or title:phone or "never sleeps"') == ["phone", "go"]
    assert found(store, "(title:released or sponsored) newer:7d") == ["ad", "rust-new"]
    assert found(store, "not (title:rust or title:go) feed:example") == ["phone"]


def test_a_regex_is_tested_after_the_cheap_conditions() -> None:
    node = parse("title:/x+y/ unread feed:example")
    assert node is not None
    now = datetime.now().astimezone()
    where, params, _ = compile_where(node, now, 0, lambda q: ("m", "m"))
    assert where.index("a.read = 0") < where.index("nt_regexp")
    assert where.index("a.source_id") < where.index("nt_regexp")
    assert params[-1] == "x+y"  # the parameters follow the order of the SQL
    assert "+a.read" not in where  # the feed's index may take the read flag along
    alone, _, _ = compile_where(parse("author:x unread"), now, 0, lambda q: ("m", "m"))  # type: ignore[arg-type]
    assert "+a.read = 0" in alone  # beside a scan of every row: not the index of read


def ids_of(store: Store, view: View) -> list[str]:
    # the midnight of NOW's day, not of the clock's: a run across midnight keeps "today"
    today = local_midnight(NOW.astimezone())
    return [row.key.id for row in store.rows(store.article_ids(view, since=today))]


def test_a_search_within_a_view_finds_what_that_view_holds(store: Store) -> None:
    def search(query: str, within: View | None) -> list[str]:
        return ids_of(store, View("search", query=query, within=within))

    assert search("sponsored", None) == ["ad", "rust-old"]  # plain: the title match first
    assert search("sponsored", View("section", ("News",))) == ["ad"]
    assert search("sponsored", View("section", ("Tech",))) == ["rust-old"]
    assert search("sponsored", View("source", source=FEED)) == ["rust-old"]
    assert search("content:sponsored", View("source", source=OTHER)) == ["ad"]  # the language
    assert search("rust", View("search", query="title:rust")) == ["rust-new", "rust-old"]
    assert search("kernel", View("search", query="title:rust newer:7d")) == []
    assert search("rust", View("section", ("Nowhere",))) == []
    rust_new = store.id_of(ArticleKey(FEED, "rust-new"))
    assert rust_new is not None
    store.set_flag([rust_new], "read", True)
    assert search("title:rust", View("unread")) == ["rust-old"]
    assert search("rust", View("unread")) == ["rust-old", "phone"]
    assert search("rust", View("today")) == []
    assert search("buy", View("today")) == ["ad"]
