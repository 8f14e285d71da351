"""Rules and saved searches of feeds.toml (issue 15): rules applied as articles are
stored and again by ``rules apply``; hidden articles out of lists, counts and searches
unless asked; saved searches counted; bad entries name the file and line."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsterm.core.config import parse_config
from newsterm.core.errors import ConfigError
from newsterm.core.library import Library
from newsterm.core.models import Article, ArticleKey, Source, View
from newsterm.core.store import Store

FEED = "https://example.org/feed.xml"

CONFIG = """\
[[feeds]]
url = "https://example.org/feed.xml"
title = "Example"
section = "Tech"

[[queries]]
name = "Rust"
query = 'title:rust'

[[rules]]
query = 'feed:"Example" title:/sponsored|advert/'
action = "hide"

[[rules]]
query = 'title:boring'
action = "read"

[[rules]]
query = 'kernel'
action = "tag:linux"
"""


def art(guid: str, title: str, day: int = 1) -> Article:
    return Article(
        ArticleKey(FEED, guid),
        title,
        section=("Tech",),
        url=f"https://example.org/{guid}",
        published=datetime(2026, 3, day, 12, 0, tzinfo=UTC),
        content="<p>Nothing to say.</p>",
        content_type="html",
    )


@pytest.fixture
def library(tmp_path: Path):  # type: ignore[no-untyped-def]
    config = parse_config(CONFIG, tmp_path / "feeds.toml")
    lib = Library(config, Store.open(tmp_path / "data" / "newsterm.db"))
    yield lib
    lib.close()


def titles(library: Library, ids: list[int]) -> list[str]:
    return [row.title for row in library.rows(ids)]


def store_of(library: Library) -> Store:
    return library._store  # noqa: SLF001 - the test saves as a refresh would


def test_rules_apply_when_articles_are_stored(library: Library) -> None:
    store_of(library).save_articles(FEED, [
        art("ad", "Sponsored: a phone", 3),
        art("rust", "Rust and the kernel", 2),
        art("dull", "A boring rust update", 1),
    ])  # fmt: skip
    shown = titles(library, library.article_ids(View("all")))
    assert shown == ["Rust and the kernel", "A boring rust update"]  # the ad is hidden
    assert titles(library, library.article_ids(View("all", hidden=True)))[0] == "Sponsored: a phone"
    assert library.counts()["all"] == (1, 2)  # hidden: not counted; boring: read
    assert [n.total for n in library.sections()] == [2]
    assert library.search("sponsored") == []
    assert titles(library, library.search("hidden")) == ["Sponsored: a phone"]
    assert titles(library, library.search("sponsored", hidden=True)) == ["Sponsored: a phone"]
    assert titles(library, library.search("tag:linux")) == ["Rust and the kernel"]


def test_rules_apply_again_to_what_is_stored(library: Library, tmp_path: Path) -> None:
    store = store_of(library)
    store.set_rules([])
    store.save_articles(FEED, [art("ad", "An advert", 2), art("k", "Kernel news", 1)])
    assert len(library.article_ids(View("all"))) == 2
    store.set_rules([(r.query, r.action) for r in library.config.rules])
    changed = library.apply_rules()
    assert changed == {"hide": 1, "read": 0, "tag:linux": 1}
    assert titles(library, library.article_ids(View("all"))) == ["Kernel news"]
    assert library.apply_rules() == {"hide": 0, "read": 0, "tag:linux": 0}  # once is enough


def test_changed_rules_apply_to_what_is_stored(library: Library, tmp_path: Path) -> None:
    store_of(library).set_rules([])
    store_of(library).save_articles(FEED, [art("ad", "An advert", 2), art("k", "Kernel", 1)])
    library.use_config(parse_config(CONFIG, tmp_path / "feeds.toml"))  # the rules came back
    assert titles(library, library.article_ids(View("all"))) == ["Kernel"]


def test_saved_searches_are_counted_and_marked(library: Library) -> None:
    store_of(library).save_articles(FEED, [art("a", "Rust one", 2), art("b", "Rust two", 1)])
    ((saved, unread, total),) = library.saved_searches()
    assert (saved.name, unread, total) == ("Rust", 2, 2)
    before = library.mark_query(saved.query)
    assert library.query_count(saved.query) == (0, 2)
    library.restore("read", before)  # undo
    assert library.query_count(saved.query) == (2, 2)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[[rules]]\nquery = 'title:x (y'\naction = 'hide'\n", ":2: [[rules]] entry 1: 'query': query: 1:11: expected ')'"),
        ("[[rules]]\nquery = 'x'\naction = 'burn'\n", ":3: [[rules]] entry 1: 'action' 'burn' is not one"),
        ("[[rules]]\nquery = 'x'\n", ":1: [[rules]] entry 1: missing required key 'action'"),
        ("[[queries]]\nname = 'A'\nquery = '/(a+)+/'\n", ":3: [[queries]] entry 1: 'query': query: 1:1: a repeated group"),
        ("[[queries]]\nname = 'A'\nquery = 'x'\nwhat = 1\n", ":4: [[queries]] entry 1: unknown key 'what'"),
        ("[[queries]]\nname = 'A'\nquery = 'x'\n[[queries]]\nname = 'a'\nquery = 'y'\n", ":5: [[queries]] entry 2: duplicate name"),
    ],
)  # fmt: skip
def test_a_bad_rule_or_saved_search_names_the_file_and_line(
    tmp_path: Path, extra: str, message: str
) -> None:
    path = tmp_path / "feeds.toml"
    with pytest.raises(ConfigError) as caught:
        parse_config(extra, path)
    assert str(caught.value).startswith(f"{path}{message}")


OTHER = "https://other.net/rss"


def other(guid: str, title: str, day: int = 1, body: str = "Nothing to say.") -> Article:
    return Article(
        ArticleKey(OTHER, guid),
        title,
        section=("News",),
        url=f"https://other.net/{guid}",
        published=datetime(2026, 3, day, 12, 0, tzinfo=UTC),
        content=f"<p>{body}</p>",
        content_type="html",
    )


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = Store.open(tmp_path / "data" / "newsterm.db")
    s.sync_sources([
        Source(FEED, "feed", "Example", ("Tech",)),
        Source(OTHER, "feed", "Other News", ("News",)),
    ])  # fmt: skip
    yield s
    s.close()


def flags(store: Store, guid: str) -> tuple[bool, bool, bool, tuple[str, ...]]:
    """(hidden, read, starred, rule tags) of the article ``guid``."""
    ((hidden, read, starred, tags),) = store._query(  # noqa: SLF001
        "SELECT hidden, read, starred, coalesce(tags, '[]') FROM articles WHERE guid = ?",
        (guid,),
    )
    return bool(hidden), bool(read), bool(starred), tuple(json.loads(tags))


def test_a_rule_scoped_to_a_feed_holds_for_that_feed_alone(store: Store) -> None:
    store.set_rules([
        ('feed:"Example" title:/deal/', "hide"),
        ('feed:other.net title:deal', "star"),
        ('-feed:"Example" title:deal', "tag:elsewhere"),
    ])  # fmt: skip
    store.save_articles(FEED, [art("a", "A deal")])
    store.save_articles(OTHER, [other("b", "A deal")])
    assert flags(store, "a") == (True, False, False, ())
    assert flags(store, "b") == (False, False, True, ("elsewhere",))


def test_rules_at_store_time_touch_the_new_articles_only(store: Store) -> None:
    store.save_articles(FEED, [art("old", "Kernel news", 1)])
    store.set_rules([("kernel", "tag:linux"), ('"kernel news"', "read")])
    store.save_articles(FEED, [art("new", "Kernel news again", 2)])
    assert flags(store, "old") == (False, False, False, ())  # until `rules apply`
    assert flags(store, "new") == (False, True, False, ("linux",))
    assert store.apply_rules() == {"tag:linux": 1, "read": 1}
    assert flags(store, "old") == (False, True, False, ("linux",))


def test_an_action_sees_what_the_ones_before_it_did(store: Store) -> None:
    store.set_rules([
        ("title:boring", "read"),
        ("unread title:rust", "star"),  # after read: a boring rust post is read by then
        ("title:rust", "tag:rust"),
        ("tag:rust title:advert", "hide"),  # the tag the rule before added
        ("tag:other", "hide"),  # no rule sets it, no feed has it
    ])  # fmt: skip
    store.save_articles(FEED, [
        art("dull", "Boring rust news", 1),
        art("fun", "Rust news", 2),
        art("ad", "Rust advert", 3),
    ])  # fmt: skip
    assert flags(store, "dull") == (False, True, False, ("rust",))
    assert flags(store, "fun") == (False, False, True, ("rust",))
    assert flags(store, "ad") == (True, False, True, ("rust",))


def test_words_no_new_article_holds_leave_their_rules_decided(store: Store) -> None:
    store.save_articles(FEED, [art("x", "Zebra crossing", 1)])  # in the index, not new
    store.set_rules([
        ("-title:zebra", "tag:plain"),  # zebra is in no new title: holds for all
        ("zebra or title:/^Fine/", "star"),
        ('content:"say"', "tag:says"),
    ])  # fmt: skip
    store.save_articles(OTHER, [other("y", "Fine weather"), other("z", "Rain", body="Hi.")])
    assert flags(store, "y") == (False, False, True, ("plain", "says"))
    assert flags(store, "z") == (False, False, False, ("plain",))
    assert flags(store, "x") == (False, False, False, ())


def test_a_rule_scoped_to_a_section_holds_for_that_section_alone(store: Store) -> None:
    store.set_rules([("section:News title:deal", "hide"), ("-section:news", "tag:elsewhere")])
    store.save_articles(OTHER, [other("n", "A deal")])  # every new article in News
    store.save_articles(FEED, [art("t", "A deal")])  # every new one in Tech
    mixed = [replace(art("mt", "A deal"), section=("Tech",)),
             replace(art("mn", "A deal"), section=("News", "Local"))]  # fmt: skip
    store.save_articles(FEED, mixed)  # some in News, some not: SQL answers for each
    assert flags(store, "n") == (True, False, False, ())
    assert flags(store, "t") == (False, False, False, ("elsewhere",))
    assert flags(store, "mt") == (False, False, False, ("elsewhere",))
    assert flags(store, "mn") == (True, False, False, ())
