"""JSON Feed 1.0 / 1.1 adapter on fixtures in tests/data/feeds/ and generated odd documents."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsterm.core.errors import ParseError
from newsterm.core.models import Enclosure, ParsedFeed
from newsterm.core.sources.feeds import parse_feed
from newsterm.core.sources.jsonfeed import parse_date, parse_json_feed
from newsterm.core.text import has_control

DATA = Path(__file__).resolve().parents[1] / "data" / "feeds"
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def load(name: str) -> ParsedFeed:
    return parse_json_feed((DATA / name).read_bytes(), "src", None)


def feed_of(items: object, **top: object) -> bytes:
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "T", **top, "items": items}
    return json.dumps(doc).encode()


def test_json_feed_1_0() -> None:
    feed = load("jsonfeed10.json")
    assert feed.title == "JSON One"
    assert feed.link == "https://json.example.org/"
    assert feed.warning is None
    first, second = feed.articles  # the third repeats the first id: dropped
    assert first.key.source == "src"
    assert first.key.id == "https://json.example.org/2024/first"
    assert first.title == "First"
    assert first.url == "https://json.example.org/2024/first"
    assert first.content == "<p>Hello <b>world</b></p>"
    assert first.content_type == "html"
    assert first.summary == "A greeting"
    assert first.published == datetime(2024, 2, 10, 14, 30, tzinfo=UTC)
    assert first.updated == datetime(2024, 2, 11, tzinfo=UTC)
    assert first.author == "Item Author"
    assert first.categories == ("greetings", "42")  # empty dropped, number converted
    assert first.enclosures == (
        Enclosure("https://cdn.json.example.org/ep1.mp3", "audio/mpeg", 98765),
    )  # the file:// attachment is refused
    # numeric id, relative url, title from the text, absurd date, feed author inherited
    assert second.key.id == "12345"
    assert second.url == "https://json.example.org/2024/second"
    assert second.title == "No title here, so the first words of the text become the…"
    assert second.content_type == "text"
    assert second.published is None
    assert second.author == "Feed Author"


def test_json_feed_1_1() -> None:
    feed = load("jsonfeed11.json")
    assert feed.title == "JSON One-One"
    linked, inherits = feed.articles
    assert linked.url == "https://elsewhere.example.com/story"  # external_url fallback
    assert linked.content == "Plain\ntext body"
    assert linked.content_type == "text"
    assert linked.author == "Ann, Bob"
    assert linked.published == datetime(2024, 6, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert inherits.author == "Feed One, Feed Two"
    assert inherits.published is None  # "not a date"
    assert inherits.url is None


def test_dispatch_from_parse_feed_with_bom_and_http_version() -> None:
    body = (
        b"\xef\xbb\xbf\n  "
        + json.dumps(
            {"version": "http://jsonfeed.org/version/1", "items": [{"id": "1", "title": "x"}]}
        ).encode()
    )
    feed = parse_feed(body, "src")
    assert [a.title for a in feed.articles] == ["x"]


def test_str_input_and_base_url() -> None:
    text = feed_of([{"id": "1", "url": "post.html", "title": "p"}]).decode()
    (article,) = parse_json_feed(text, "src", "https://base.example/feeds/feed.json").articles
    assert article.url == "https://base.example/feeds/post.html"


def test_truncated_json() -> None:
    body = b'{"version": "https://jsonfeed.org/version/1", "items": [{"id": "1", "title": "cut'
    with pytest.raises(ParseError) as info:
        parse_json_feed(body, "src", None)
    assert str(info.value) == "not a feed: invalid JSON at line 1 column 78"  # the unclosed string


def test_invalid_json_reports_line_and_column() -> None:
    with pytest.raises(ParseError, match="^not a feed: invalid JSON at line 3 column 5$"):
        parse_feed(b'{\n "version": "https://jsonfeed.org/version/1",\n    oops\n}', "src")


@pytest.mark.parametrize(
    "body",
    [
        b'{"rss": {"channel": {"title": "x"}}}',
        b'{"version": "https://example.com/not-json-feed", "items": []}',
        b"[]",
        b'"just a string"',
    ],
)
def test_json_that_is_not_a_json_feed(body: bytes) -> None:
    with pytest.raises(ParseError, match="^not a feed: JSON that is not JSON Feed$"):
        parse_json_feed(body, "src", None)


def test_absurd_nesting_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        parse_json_feed(b"[" * 100_000 + b"]" * 100_000, "src", None)


def test_wrong_types_are_skipped_or_converted() -> None:
    items = [
        "not an object",
        None,
        {
            "id": 7.5,
            "title": 42,
            "url": ["not", "a", "string"],
            "content_html": {"no": "dict"},
            "content_text": 3,
            "summary": False,
            "date_published": 1700000000,
            "date_modified": None,
            "authors": "Ann",
            "author": 5,
            "tags": "single",
            "attachments": {"url": "https://x.example/a"},
        },
        {
            "id": True,
            "title": None,
            "attachments": [{"url": 1}, {"url": "https://a.example/b.mp3", "size_in_bytes": "12"}],
        },
    ]
    feed = parse_json_feed(feed_of(items, title=12, home_page_url=5, authors={"x": 1}), "s", None)
    assert feed.title == "12"
    assert feed.link is None
    odd, minimal = feed.articles
    assert odd.key.id == "7.5"
    assert odd.title == "42"
    assert odd.url is None
    assert odd.content == "3"
    assert odd.content_type == "text"
    assert odd.published is None
    assert odd.author is None
    assert odd.categories == ()
    assert odd.enclosures == ()
    # a boolean id is no id: the hash fallback; a string size is read as a number
    assert minimal.key.id.startswith("sha1:")
    assert minimal.title == "(untitled)"
    assert minimal.enclosures == (Enclosure("https://a.example/b.mp3", "", 12),)


def test_items_not_a_list() -> None:
    feed = parse_json_feed(feed_of({"id": "1"}), "src", None)
    assert feed.title == "T"
    assert feed.articles == ()


def test_missing_ids_use_url_then_hash_and_duplicates_drop() -> None:
    items = [
        {"url": "https://x.example/a", "title": "A"},
        {"title": "B", "date_published": "2024-01-01T00:00:00Z"},
        {"title": "B", "date_published": "2024-01-01T00:00:00Z"},
        {"url": "https://x.example/a", "title": "A again"},
    ]
    feed = parse_json_feed(feed_of(items), "src", None)
    assert [a.key.id[:5] for a in feed.articles] == ["https", "sha1:"]
    assert feed.articles[0].key.id == "https://x.example/a"
    assert feed.articles[0].title == "A"


def test_control_characters_removed() -> None:
    items = [
        {
            "id": "\x1b[2J1",
            "title": "Title\x1b[31m\u202e red",
            "content_text": "line\x00one\r\nline two\x9b",
            "authors": [{"name": "Eve\x07"}],
            "tags": ["t\x1bag"],
        }
    ]
    (article,) = parse_json_feed(feed_of(items), "src", None).articles
    assert article.title == "Title[31m red"
    assert article.content == "lineone\nline two"
    assert article.author == "Eve"
    assert article.categories == ("tag",)
    assert article.key.id == "[2J1"
    for value in (article.title, article.content, article.key.id, article.author):
        assert not has_control(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-02-10T09:30:00-05:00", datetime(2024, 2, 10, 14, 30, tzinfo=UTC)),
        ("2024-02-10T09:30:00Z", datetime(2024, 2, 10, 9, 30, tzinfo=UTC)),
        ("2024-02-10t09:30:00z", datetime(2024, 2, 10, 9, 30, tzinfo=UTC)),
        ("2024-02-10T09:30:00", datetime(2024, 2, 10, 9, 30, tzinfo=UTC)),  # naive: UTC
        ("Sat, 10 Feb 2024 09:30:00 GMT", datetime(2024, 2, 10, 9, 30, tzinfo=UTC)),
        ("1969-12-31T23:59:59Z", None),
        ("2025-01-05T00:00:00Z", None),  # more than two days after NOW
        ("2025-01-02T00:00:00Z", datetime(2025, 1, 2, tzinfo=UTC)),  # within the slack
        ("yesterday", None),
        ("", None),
        (None, None),
        (1700000000, None),
    ],
)
def test_parse_date(value: object, expected: datetime | None) -> None:
    assert parse_date(value, NOW) == expected
