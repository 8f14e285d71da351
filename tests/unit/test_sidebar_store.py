"""What the sidebar reads from the core: Today's articles, a never-fetched feed's label,
and an order of sections and feeds that does not depend on when the store learnt them."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsterm.core.config import parse_config
from newsterm.core.library import Library, today_start
from newsterm.core.models import Article, ArticleKey, Source, View
from newsterm.core.store import Store
from newsterm.core.store.sources import url_label

FEED = "https://example.org/feed.xml"


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = Store.open(tmp_path / "newsterm.db")
    s.sync_sources([Source(FEED, "feed", "Example", ("News",))])
    yield s
    s.close()


def test_undated_articles_are_not_today(store: Store) -> None:
    """An undated article is stored with sort_time = when first seen (now): it used to
    count as today's, in the sidebar's count and in the list."""
    midnight = today_start()
    now = datetime.fromtimestamp(time.time(), UTC)
    store.save_articles(
        FEED,
        [
            Article(ArticleKey(FEED, "dated"), "Dated today", ("News",), published=now),
            Article(ArticleKey(FEED, "undated"), "No date at all", ("News",)),
            Article(
                ArticleKey(FEED, "old"),
                "Last year",
                ("News",),
                published=datetime(2020, 1, 1, tzinfo=UTC),
            ),
        ],
    )
    assert store.counts(midnight)["today"] == (1, 1)
    titles = [r.title for r in store.rows(store.article_ids(View("today"), since=midnight))]
    assert titles == ["Dated today"]
    # still listed everywhere else
    assert len(store.article_ids(View("all"))) == 3


def test_starred_counts_its_read_articles_too(store: Store) -> None:
    store.save_articles(FEED, [Article(ArticleKey(FEED, "a"), "A", ("News",))])
    (aid,) = store.article_ids(View("all"))
    store.set_flag([aid], "starred", True)
    store.set_flag([aid], "read", True)
    assert store.counts(0)["starred"] == (0, 1)  # (unread, total): the sidebar shows total


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("http://127.0.0.1:8765/rsparser__atp.rss", "127.0.0.1/rsparser__atp.rss"),
        ("https://example.org/", "example.org"),
        ("https://Example.org/blog/feed/", "example.org/blog/feed"),
        ("https://example.org/index.php?format=rss", "example.org/index.php?format=rss"),
    ],
)
def test_url_label_is_host_and_path(url: str, label: str) -> None:
    assert url_label(url) == label


def test_a_never_fetched_feed_is_labelled_by_host_and_path(tmp_path: Path) -> None:
    """Feeds of one host used to read all alike ("127.0.0.1") until fetched."""
    store = Store.open(tmp_path / "newsterm.db")
    one, two = "http://127.0.0.1:8765/a.rss", "http://127.0.0.1:8765/b.xml"
    store.sync_sources([Source(one, "feed"), Source(two, "feed", "Named")])
    counts = store.source_counts()
    assert counts[one][0] == "127.0.0.1/a.rss"
    assert counts[two][0] == "Named"
    # a store that kept the old label (the bare host) is relabelled at the next start
    with store._tx() as db:
        db.execute("UPDATE sources SET label = '127.0.0.1' WHERE key = ?", (one,))
    store.sync_sources([Source(one, "feed"), Source(two, "feed", "Named")])
    assert store.source_counts()[one][0] == "127.0.0.1/a.rss"
    # a failed first fetch keeps that label (the sidebar adds the "!")
    store.record_fetch(one, ok=False, error="HTTP 404")
    assert store.source_counts()[one] == ("127.0.0.1/a.rss", 0, 0, "HTTP 404")
    store.close()


CONFIG = """\
[[feeds]]
url = "https://z.example/feed"
section = "Zeta"

[[feeds]]
url = "https://b.example/feed"
section = "beta/inner"

[[feeds]]
url = "https://a.example/feed"
section = "beta"

[[feeds]]
url = "https://c.example/feed"
section = "Alpha"
"""


def test_sections_and_feeds_keep_one_order(tmp_path: Path) -> None:
    """Sections sorted (case-insensitively), feeds in feeds.toml's order; the same
    whatever the store holds (articles of a section arriving later change nothing)."""
    config = parse_config(CONFIG, tmp_path / "feeds.toml")
    library = Library(config, Store.open(tmp_path / "newsterm.db"))
    before = [n.path for n in library.sections()]
    assert before == [("Alpha",), ("beta",), ("beta", "inner"), ("Zeta",)]
    feeds = [n.key for n in library.feed_nodes()]
    assert feeds == [f.url for f in config.feeds]
    library._store.save_articles(
        "https://z.example/feed", [Article(ArticleKey("https://z.example/feed", "1"), "x")]
    )
    assert [n.path for n in library.sections()] == before
    assert [n.key for n in library.feed_nodes()] == feeds
    library.close()
