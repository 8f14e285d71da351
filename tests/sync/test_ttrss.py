"""The TT-RSS provider against a real TT-RSS (Debian's package under PHP's server, see
tests/servers/ttrss.py); skipped with the reason where it cannot run."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from pytest_httpserver import HTTPServer

from newsterm import USER_AGENT
from newsterm.core.errors import SyncAuthError, SyncError
from newsterm.core.sync import ttrss as ttrss_module
from newsterm.core.sync.provider import Change, Pull, RemoteItem
from newsterm.core.sync.ttrss import TtrssProvider
from servers.ttrss import PASSWORD, USER, Article, TtrssServer

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Local news</title>
<link>http://example.org/</link><description>d</description>
<item><title>One</title><link>http://example.org/1</link><guid>l-1</guid></item>
</channel></rss>"""


@dataclass(frozen=True)
class Seed:
    """What the module's tests find on the server."""

    big: int
    """A feed in "Tech" with 250 articles, all unread (more than a page of 200)."""
    news: int
    """A feed in "News": 6 articles, the first two read, the third starred."""
    loose: int
    """A feed in no category, 2 articles."""
    news_articles: list[int]
    big_articles: list[int]


def _articles(prefix: str, count: int, **fields: object) -> list[Article]:
    return [
        Article(
            guid=f"{prefix}-{i}",
            title=f"{prefix} {i}",
            link=f"https://{prefix}.example/{i}",
            content=f"<p>{prefix} body {i}</p>",
            author="Ann",
            updated=f"2024-01-{1 + i % 28:02d} 12:00:00",
            **fields,  # type: ignore[arg-type]
        )
        for i in range(count)
    ]


@pytest.fixture(scope="module")
def seed(ttrss: TtrssServer) -> Seed:
    tech = ttrss.add_category("Tech")
    news_cat = ttrss.add_category("News")
    ttrss.add_category("Empty")
    big = ttrss.add_feed("Big feed", "https://big.example/feed", tech)
    news = ttrss.add_feed("News feed", "https://news.example/feed", news_cat)
    loose = ttrss.add_feed("Loose feed", "https://loose.example/feed")
    big_articles = ttrss.add_articles(big, _articles("big", 250))
    news_list = _articles("news", 6)
    news_list[0] = Article(**{**news_list[0].__dict__, "unread": False})
    news_list[1] = Article(**{**news_list[1].__dict__, "unread": False})
    news_list[2] = Article(**{**news_list[2].__dict__, "marked": True})
    news_articles = ttrss.add_articles(news, news_list)
    ttrss.add_articles(loose, _articles("loose", 2))
    return Seed(big, news, loose, news_articles, big_articles)


@pytest.fixture
async def provider(ttrss: TtrssServer, seed: Seed) -> AsyncIterator[TtrssProvider]:
    made = TtrssProvider(ttrss.api_url, USER, PASSWORD)
    yield made
    await made.close()


async def _pull_all(provider: TtrssProvider, cursor: str | None) -> tuple[list[Pull], str | None]:
    pages = []
    while True:
        page = await provider.pull(cursor)
        pages.append(page)
        cursor = page.cursor
        if not page.more:
            return pages, cursor


async def test_login_reads_the_api_level(provider: TtrssProvider) -> None:
    await provider.login()
    assert provider.api_level == 15


@pytest.mark.parametrize(("user", "password"), [(USER, "wrong"), ("nobody-here", "x")])
async def test_a_wrong_user_or_password_is_an_auth_error(
    ttrss: TtrssServer, user: str, password: str
) -> None:
    provider = TtrssProvider(ttrss.api_url, user, password)
    with pytest.raises(SyncAuthError, match="wrong user or password") as caught:
        await provider.subscriptions()
    await provider.close()
    assert "\n" not in str(caught.value)


async def test_api_access_off_is_an_auth_error(ttrss: TtrssServer) -> None:
    ttrss.add_user("no-api", "pw", api=False)
    provider = TtrssProvider(ttrss.api_url, "no-api", "pw")
    with pytest.raises(SyncAuthError, match="API access is off"):
        await provider.login()
    await provider.close()


async def test_subscriptions_come_with_their_categories(
    provider: TtrssProvider, seed: Seed
) -> None:
    feeds = {feed.id: feed for feed in await provider.subscriptions()}
    assert feeds[str(seed.big)].folder == "Tech"
    assert feeds[str(seed.big)].title == "Big feed"
    assert feeds[str(seed.big)].url == "https://big.example/feed"
    assert feeds[str(seed.news)].folder == "News"
    assert feeds[str(seed.loose)].folder is None


async def test_a_first_pull_pages_past_the_cap_of_200(
    provider: TtrssProvider, ttrss: TtrssServer, seed: Seed
) -> None:
    pages, cursor = await _pull_all(provider, None)
    assert len(pages) >= 2 and pages[0].more
    assert all(len(page.items) <= 200 for page in pages)
    items = {item.id: item for page in pages for item in page.items}
    states = ttrss.states()
    assert set(items) == {str(i) for i in states}
    assert cursor == str(max(states))
    first = items[str(seed.news_articles[0])]
    assert first.title == "news 0" and first.url == "https://news.example/0"
    assert "news body 0" in first.content and first.author == "Ann"
    assert first.feed_id == str(seed.news) and first.guid
    assert first.published is not None and first.published.year == 2024
    for article_id, (unread, marked) in states.items():
        assert items[str(article_id)].read is not unread
        assert items[str(article_id)].starred is marked


async def test_a_pull_from_a_cursor_gets_only_what_is_new(
    provider: TtrssProvider, ttrss: TtrssServer, seed: Seed
) -> None:
    _, cursor = await _pull_all(provider, None)
    new = ttrss.add_articles(seed.loose, _articles("later", 3))
    pages, after = await _pull_all(provider, cursor)
    assert [item.id for page in pages for item in page.items] == [str(i) for i in new]
    assert after == str(max(new))
    empty = await provider.pull(after)
    assert empty.items == [] and not empty.more and empty.cursor == after


async def test_articles_arriving_during_a_paged_pull_are_not_skipped(
    provider: TtrssProvider, ttrss: TtrssServer, seed: Seed
) -> None:
    _, cursor = await _pull_all(provider, None)
    wave = ttrss.add_articles(seed.loose, _articles("wave", 230))
    first = await provider.pull(cursor)
    assert first.more
    # Older-dated and newer articles arrive between two pages of the same run.
    late = ttrss.add_articles(seed.loose, _articles("late", 5))
    pages, cursor = await _pull_all(provider, first.cursor)
    more_pages, _ = await _pull_all(provider, cursor)
    seen = {item.id for page in [first, *pages, *more_pages] for item in page.items}
    assert {str(i) for i in wave + late} <= seen


async def test_the_unread_and_starred_id_sets(provider: TtrssProvider, ttrss: TtrssServer) -> None:
    states = ttrss.states()
    unread = await provider.ids("read")
    assert len(unread) > 200
    assert unread == {str(i) for i, (u, _) in states.items() if u}
    assert await provider.ids("starred") == {str(i) for i, (_, m) in states.items() if m}


async def test_a_push_sets_each_state_on_the_server(
    provider: TtrssProvider, ttrss: TtrssServer, seed: Seed
) -> None:
    read_one, unread_one, star_one, unstar_one = (str(i) for i in seed.news_articles[:4])
    ttrss.psql(f"UPDATE ttrss_user_entries SET marked = true WHERE ref_id = {unstar_one}")
    changes = [
        Change(read_one, "read", False),
        Change(read_one, "read", True),  # the last change of an item wins
        Change(unread_one, "read", False),  # it was read
        Change(star_one, "starred", False),
        Change(star_one, "starred", True),
        Change(unstar_one, "starred", False),
    ]
    await provider.push(changes)
    await provider.push(changes)  # idempotent: explicit modes, no toggle
    states = ttrss.states()
    assert states[int(read_one)][0] is False
    assert states[int(unread_one)][0] is True
    assert states[int(star_one)][1] is True
    assert states[int(unstar_one)][1] is False
    other = TtrssProvider(ttrss.api_url, USER, PASSWORD)  # seen through the API too
    unread, starred = await other.ids("read"), await other.ids("starred")
    await other.close()
    assert unread_one in unread and read_one not in unread
    assert star_one in starred and unstar_one not in starred


async def test_a_big_push_goes_in_batches(
    provider: TtrssProvider, ttrss: TtrssServer, seed: Seed, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ttrss_module, "BATCH", 100)
    ids = [str(i) for i in seed.big_articles]
    await provider.push([Change(i, "read", True) for i in ids])
    states = ttrss.states()
    assert not any(states[int(i)][0] for i in ids)
    await provider.push([Change(i, "read", False) for i in ids])
    states = ttrss.states()
    assert all(states[int(i)][0] for i in ids)


async def test_mark_feed_read(provider: TtrssProvider, ttrss: TtrssServer, seed: Seed) -> None:
    await provider.mark_feed_read(str(seed.loose))
    rows = ttrss.psql(f"SELECT count(*) FROM ttrss_user_entries WHERE feed_id = {seed.loose}")
    unread = ttrss.psql(
        f"SELECT count(*) FROM ttrss_user_entries WHERE feed_id = {seed.loose} AND unread"
    )
    assert int(rows[0][0]) > 0 and unread == [["0"]]


async def test_subscribe_and_unsubscribe(provider: TtrssProvider, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(
        RSS, content_type="application/rss+xml"
    )
    url = httpserver.url_for("/feed.xml")
    feed = await provider.subscribe(url, "News")
    assert feed.url == url and feed.folder == "News"
    assert feed.id in {f.id for f in await provider.subscriptions()}
    again = await provider.subscribe(url, "News")  # already there: the same feed
    assert again.id == feed.id
    await provider.unsubscribe(feed.id)
    assert feed.id not in {f.id for f in await provider.subscriptions()}
    await provider.unsubscribe(feed.id)  # gone already: nothing to do


async def test_subscribe_refusals_are_one_line(
    provider: TtrssProvider, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/page").respond_with_data(
        "<html><body>no feed\x1b[31m</body></html>", content_type="text/html"
    )
    with pytest.raises(SyncError, match="no feed found"):
        await provider.subscribe(httpserver.url_for("/page"), None)
    with pytest.raises(SyncError, match="no category 'Nowhere'"):
        await provider.subscribe(httpserver.url_for("/page"), "Nowhere")


async def test_move_says_the_api_cannot(provider: TtrssProvider, seed: Seed) -> None:
    with pytest.raises(SyncError, match="cannot move"):
        await provider.move(str(seed.big), "News")


async def test_an_ended_session_logs_in_again(provider: TtrssProvider, ttrss: TtrssServer) -> None:
    await provider.login()
    sid = provider._sid
    async with httpx.AsyncClient(headers={"User-Agent": USER_AGENT}) as client:
        out = await client.post(ttrss.api_url, json={"op": "logout", "sid": sid})
        check = await client.post(ttrss.api_url, json={"op": "getFeeds", "sid": sid})
    assert out.json()["status"] == 0
    assert check.json()["content"]["error"] == "NOT_LOGGED_IN"
    assert await provider.subscriptions()
    assert provider._sid not in (None, sid)


async def test_a_stopped_server_is_a_one_line_sync_error(
    provider: TtrssProvider, ttrss: TtrssServer, seed: Seed
) -> None:
    await provider.login()
    marks = [Change(str(seed.news_articles[5]), "starred", True)]
    ttrss.stop()
    try:
        with pytest.raises(SyncError) as caught:
            await provider.ids("starred")
        with pytest.raises(SyncError):
            await provider.push(marks)  # the engine keeps them queued
    finally:
        ttrss.start()
    assert "connection refused" in str(caught.value)
    assert "\n" not in str(caught.value)
    await provider.push(marks)  # pushed again once the server is back
    assert str(seed.news_articles[5]) in await provider.ids("starred")


async def test_an_engine_round_trip_through_the_interface(ttrss: TtrssServer, seed: Seed) -> None:
    """What a sync engine does, with provider.py's interface only: push the outbox, pull
    what is new, then reconcile with the id sets; a mark made elsewhere arrives."""
    from newsterm.core.sync.provider import Provider

    provider: Provider = TtrssProvider(ttrss.api_url, USER, PASSWORD)
    await provider.login()
    folders = {feed.id: feed.folder for feed in await provider.subscriptions()}
    local: dict[str, RemoteItem] = {}
    cursor = None
    while True:
        page = await provider.pull(cursor)
        local.update((item.id, item) for item in page.items)
        cursor = page.cursor
        if not page.more:
            break
    assert folders[str(seed.news)] == "News" and len(local) >= 258
    # The outbox: marks made in newsterm while offline.
    target = [str(i) for i in seed.news_articles[3:6]]
    await provider.push(
        [Change(target[0], "read", True), Change(target[1], "starred", True)]
        + [Change(target[2], "read", False)]
    )
    new = ttrss.add_articles(seed.news, _articles("round", 2))
    page = await provider.pull(cursor)
    assert {item.id for item in page.items} == {str(i) for i in new} and not page.more
    # A mark made on the server by another client.
    elsewhere = TtrssProvider(ttrss.api_url, USER, PASSWORD)
    await elsewhere.push([Change(str(new[0]), "starred", True)])
    await elsewhere.close()
    unread, starred = await provider.ids("read"), await provider.ids("starred")
    assert target[0] not in unread and target[2] in unread
    assert target[1] in starred and str(new[0]) in starred
    await provider.close()
