"""core/fulltext.py (when a page is read) and core/store/fulltext.py (what is kept, and
the search index that follows it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsterm.core import fulltext
from newsterm.core.models import Article, ArticleKey, FullText, View
from newsterm.core.store import Store

NOW = datetime(2024, 3, 12, 12, 0, tzinfo=UTC)
LONG = " ".join(f"word{n}" for n in range(400))


# -- the summary rule ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "A short text of a few words.",
        LONG + " …",
        LONG + " […]",
        LONG + " [...]",
        LONG + "...",
        LONG + " Read more",
        LONG + " Read more »",
        LONG + " Continue reading The bridge story →",
        LONG + " Lire la suite",
        LONG + " Weiterlesen",
    ],
)
def test_a_summary_is_short_or_ends_as_one(text: str) -> None:
    assert fulltext.is_summary(text, len(text.split()), None)


def test_a_whole_article_is_no_summary() -> None:
    assert not fulltext.is_summary(LONG + ". The end.", 402, None)
    assert not fulltext.is_summary(LONG + ". The end.", 402, 500)  # not much shorter


def test_much_shorter_than_the_feed_typically_is_a_summary() -> None:
    assert fulltext.is_summary(LONG, 400, 2000)
    assert fulltext.typical_words([100, 2000, 2100, 2200, 1900]) == 2000
    assert fulltext.typical_words([2000, 2000]) is None  # too few to say


def test_the_modes() -> None:
    assert fulltext.wants_page("always", LONG + ". End.", 402, None)
    assert not fulltext.wants_page("never", "short", 1, None)
    assert fulltext.wants_page("auto", "short", 1, None)
    assert not fulltext.wants_page("auto", LONG + ". End.", 402, None)


def test_failed_pages_are_tried_again_later_and_not_forever() -> None:
    def failed(hours: int, tries: int) -> FullText:
        when = NOW - timedelta(hours=hours)
        return FullText(1, "", None, None, None, None, 0, when, error="HTTP 500", tries=tries)

    assert fulltext.may_retry(None, NOW)
    assert not fulltext.may_retry(failed(1, 1), NOW)
    assert fulltext.may_retry(failed(fulltext.RETRY_HOURS, 1), NOW)
    assert not fulltext.may_retry(failed(100, fulltext.MAX_TRIES), NOW)
    done = FullText(1, "<p>x</p>", None, None, None, None, 1, NOW - timedelta(days=9))
    assert not fulltext.may_retry(done, NOW)


def test_a_page_shorter_than_the_feed_is_not_the_article() -> None:
    assert fulltext.versus_feed(50, 400) == "the page has less text than the feed"
    assert fulltext.versus_feed(390, 400) is None
    assert fulltext.versus_feed(30, 40) is None  # a summary feed: any page is more


# -- the store --------------------------------------------------------------------------

FEED = "https://feed.example/rss"


def full(aid: int, words: str = "scoured riverbed piers", **kwargs: object) -> FullText:
    values: dict[str, object] = {
        "article_id": aid,
        "content": f"<p>The whole article: {words}.</p>",
        "url": "https://news.example/a",
        "title": "T",
        "author": "Maren Holt",
        "published": NOW,
        "words": 300,
        "fetched_at": NOW,
    }
    values.update(kwargs)
    return FullText(**values)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    from newsterm.core.models import Source

    store = Store.open(tmp_path / "s.db")
    store.sync_sources([Source(FEED, "feed", "Feed")])
    articles = [
        Article(
            ArticleKey(FEED, f"g{n}"),
            f"Title {n}",
            url=f"https://news.example/{n}",
            content=f"<p>Summary {n} of the story…</p>",
            published=NOW - timedelta(hours=n),
        )
        for n in range(3)
    ]
    store.save_articles(FEED, articles)
    return store


def ids(store: Store) -> list[int]:
    return store.article_ids(View("all"))


def test_a_full_text_is_kept_and_found_by_search(store: Store) -> None:
    aid = ids(store)[0]
    assert store.full_text(aid) is None
    assert store.save_full_text(full(aid))
    kept = store.full_text(aid)
    assert kept is not None and kept.ok
    assert kept.content == "<p>The whole article: scoured riverbed piers.</p>"
    assert (kept.author, kept.published, kept.words) == ("Maren Holt", NOW, 300)
    assert store.search("scoured") == [aid]
    assert store.rows([aid])[0].words == 300  # the list's reading time follows


def test_the_index_follows_every_change(store: Store) -> None:
    first, second, _ = ids(store)
    store.save_full_text(full(first, "alpha"))
    store.save_full_text(full(first, "beta"))  # read again
    assert store.search("alpha") == []
    assert store.search("beta") == [first]
    # the feed changes the article: its full text stays, and so does the index's
    changed = Article(
        ArticleKey(FEED, "g0"), "Title 0", url="https://news.example/0", content="<p>New</p>"
    )
    store.save_articles(FEED, [changed])
    assert store.search("beta") == [first]
    assert store.full_text(first) is not None
    # the feed is renamed: its articles' index rows follow, full texts too
    from newsterm.core.models import Source

    store.save_full_text(full(second, "gamma"))
    store.sync_sources([Source(FEED, "feed", "Renamed")])
    assert store.search("gamma") == [second]
    assert second in store.search("Renamed")
    # the articles go: nothing of their full texts stays in the index
    store.forget_source(FEED, keep_starred=False)
    for word in ("beta", "gamma", "Summary"):
        assert store.search(word) == []
    assert store.full_text(first) is None  # deleted with its article


def test_an_error_never_replaces_a_full_text(store: Store) -> None:
    aid, other, _ = ids(store)
    when = int(NOW.timestamp())
    store.save_full_text(full(aid))
    store.record_full_text_error(aid, "HTTP 503 Service Unavailable", when, None)
    kept = store.full_text(aid)
    assert kept is not None and kept.ok and kept.error is None
    store.record_full_text_error(other, "HTTP 404 Not Found", when, "https://news.example/1")
    store.record_full_text_error(other, "HTTP 404 Not Found", when, "https://news.example/1")
    failed = store.full_text(other)
    assert failed is not None and not failed.ok
    assert (failed.error, failed.tries) == ("HTTP 404 Not Found", 2)
    assert store.search("Summary") and other in store.search("Summary")  # its feed text


def test_page_candidates(store: Store) -> None:
    newest, middle, oldest = ids(store)
    when = int(NOW.timestamp())
    store.save_full_text(full(newest))
    store.record_full_text_error(middle, "timed out after 20 s", when, None)
    store.set_flag([oldest], "read", True)
    assert [c.article_id for c in store.page_candidates(FEED, 10, when + 1, 3)] == [middle]
    assert store.page_candidates(FEED, 10, when, 3) == []  # failed too recently
    assert store.page_candidates(FEED, 10, when + 1, 1) == []  # tried enough
    candidate = store.page_candidates(FEED, 10, when + 1, 3)[0]
    assert candidate.body == "<p>Summary 1 of the story…</p>" and candidate.words == 5
    assert store.feed_word_counts(FEED) == [5, 5]  # the one with a full text left out


def test_a_feed_update_keeps_the_full_texts_reading_time(store: Store) -> None:
    aid = ids(store)[0]
    store.save_full_text(full(aid, "scoured"))
    changed = Article(
        ArticleKey(FEED, "g0"),
        "Title 0, updated",
        url="https://news.example/0",
        content="<p>Summary 0 of the story, corrected…</p>",
    )
    assert store.save_articles(FEED, [changed]).updated == 1
    assert store.rows([aid])[0].title == "Title 0, updated"
    assert store.rows([aid])[0].words == 300  # the page's words, not the feed's 6
    kept = store.full_text(aid)
    assert kept is not None and kept.ok and kept.words == 300
    assert store.search("scoured") == [aid]
    assert store.feed_word_counts(FEED) == [5, 5]  # still left out of the typical length


def test_a_feed_update_that_changes_the_link_drops_the_full_text(store: Store) -> None:
    aid, other, _ = ids(store)
    store.save_full_text(full(aid, "scoured"))
    store.record_full_text_error(other, "HTTP 404 Not Found", int(NOW.timestamp()), None)
    moved = [
        Article(ArticleKey(FEED, f"g{n}"), f"Title {n}", url=f"https://news.example/new/{n}",
                content=f"<p>Summary {n} of the story…</p>", published=NOW - timedelta(hours=n))
        for n in (0, 1)
    ]  # fmt: skip
    store.save_articles(FEED, moved)
    assert store.full_text(aid) is None and store.full_text(other) is None
    assert store.rows([aid])[0].words == 5  # the feed's own text again
    assert store.search("scoured") == []
    retry_before = int(NOW.timestamp())  # the failure is forgotten too: read at once
    assert [c.url for c in store.page_candidates(FEED, 10, retry_before, 3)][:2] == [
        "https://news.example/new/0",
        "https://news.example/new/1",
    ]
