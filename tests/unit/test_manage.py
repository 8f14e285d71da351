"""Feed management (core/manage.py) on real feeds.toml files, a real store and real local
HTTP servers: OPML import/export, finding, adding, removing, editing, errors."""

from __future__ import annotations

import asyncio
import re
import tomllib
from collections import Counter
from collections.abc import Iterator
from html import escape
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from newsterm.core import manage
from newsterm.core.config import Config, load_config
from newsterm.core.errors import ConfigError, FetchError, ParseError
from newsterm.core.library import Library
from newsterm.core.models import View
from newsterm.core.sources.opml import parse_opml
from newsterm.core.store import Store

OPML = Path(__file__).resolve().parents[1] / "data" / "opml"
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "opml"

HEADER = """\
# my feeds: this comment stays
[settings]
refresh_on_start = false

[[feeds]]
url = "https://known.example/feed"   # a feed I had already
section = "Old"
"""


def rss(title: str, items: int = 3, link: str = "http://site.example/") -> bytes:
    entries = "".join(
        f"<item><title>Item {n}</title><link>{link}{n}</link><guid>{link}{n}</guid>"
        f"<description>Words about number {n}, zebra{n}.</description>"
        f"<pubDate>Mon, 0{n} Jan 2024 10:00:00 GMT</pubDate></item>"
        for n in range(1, items + 1)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{escape(title)}</title>'
        f"<link>{link}</link>{entries}</channel></rss>"
    ).encode()


def page(*links: tuple[str, str, str]) -> str:
    tags = "".join(
        f'<link rel="alternate" type="{kind}" title="{title}" href="{href}">'
        for href, title, kind in links
    )
    return f"<!doctype html><html><head><title>A site</title>{tags}</head><body>Hi</body></html>"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(HEADER, encoding="utf-8")
    return path


@pytest.fixture
def library(config_file: Path, tmp_path: Path) -> Iterator[Library]:
    lib = Library(load_config(config_file), Store.open(tmp_path / "data" / "newsterm.db"))
    yield lib
    lib.close()


def feeds_in(path: Path) -> list[dict[str, str]]:
    return tomllib.loads(path.read_text(encoding="utf-8")).get("feeds", [])


# --- import ------------------------------------------------------------------------------------


def test_import_nested_folders_as_sections_keeping_the_file(library: Library, config_file: Path):
    report = manage.import_opml(library, (OPML / "nested.opml").read_bytes())
    assert not report.lenient
    assert report.skipped == ()
    assert [f.url for f in report.added] == [
        "https://top.example/feed",
        "https://wire.example/world.rss",
        "https://euro.example/daily.xml",
        "https://nordic.example/rss",
        "https://fjord.example/atom",
        "https://gadgets.example/feed.json",
    ]
    text = config_file.read_text(encoding="utf-8")
    assert text.startswith(HEADER)  # the user's text, comments included, is untouched
    entries = {e["url"]: (e.get("title"), e.get("section")) for e in feeds_in(config_file)}
    assert entries["https://nordic.example/rss"] == ("Nordic Times", "News/Europe/Nordic")
    assert entries["https://top.example/feed"] == ("Top level feed", None)
    # the library follows the file at once: config, sources and sidebar sections
    assert len(library.config.feeds) == 7
    paths = {node.path for node in library.sections()}
    assert ("News", "Europe", "Nordic") in paths and ("Technology",) in paths


def test_import_skips_unsafe_sources_and_configured_feeds_with_reasons(
    library: Library, config_file: Path
):
    data = (
        (OPML / "unsafe_sources.opml")
        .read_bytes()
        .replace(
            b"</body>",
            b'<outline text="Known again" xmlUrl="HTTPS://KNOWN.example/feed/"/></body>',
        )
    )
    report = manage.import_opml(library, data)
    assert [f.url for f in report.added] == [
        "https://good.example/feed",
        "HTTPS://LAST.example/rss",
    ]
    reasons = {skip.title: skip.reason for skip in report.skipped}
    assert reasons["File"] == "not http/https"
    assert reasons["Feed without URL"] == "no URL"
    assert reasons["Again"] == "duplicate"
    assert reasons["Known again"] == manage.ALREADY_CONFIGURED
    assert [e["url"] for e in feeds_in(config_file)] == [
        "https://known.example/feed",
        "https://good.example/feed",
        "HTTPS://LAST.example/rss",
    ]


def test_import_twice_adds_nothing_the_second_time(library: Library, config_file: Path):
    data = (OPML / "nested.opml").read_bytes()
    manage.import_opml(library, data)
    before = config_file.read_bytes()
    again = manage.import_opml(library, data)
    assert again.added == ()
    assert {s.reason for s in again.skipped} == {manage.ALREADY_CONFIGURED}
    assert len(again.skipped) == 6
    assert config_file.read_bytes() == before


def test_import_says_when_the_lenient_reader_was_needed(library: Library):
    report = manage.import_opml(library, (OPML / "missing_lt.opml").read_bytes())
    assert report.lenient is True
    assert report.added


@pytest.mark.parametrize("name", ["not_opml.html", "billion_laughs.opml", "xxe.opml"])
def test_bad_opml_is_a_parse_error_and_changes_nothing(
    library: Library, config_file: Path, name: str
):
    with pytest.raises(ParseError):
        manage.import_opml(library, (OPML / name).read_bytes())
    assert config_file.read_text(encoding="utf-8") == HEADER


def test_import_into_a_broken_feeds_toml_is_refused(library: Library, config_file: Path):
    config_file.write_text(HEADER + "\n[[feeds]\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        manage.import_opml(library, (OPML / "nested.opml").read_bytes())
    assert config_file.read_text(encoding="utf-8").endswith("[[feeds]\n")


def test_nothing_to_change_without_a_feeds_toml(tmp_path: Path):
    lib = Library(Config(None), Store.open(tmp_path / "db"))
    try:
        with pytest.raises(ConfigError, match="no feeds.toml"):
            manage.import_opml(lib, (OPML / "nested.opml").read_bytes())
        with pytest.raises(ConfigError):
            manage.add_feed(lib, "https://x.example/feed")
    finally:
        lib.close()


# --- export ------------------------------------------------------------------------------------


def test_export_nests_sections_and_uses_stored_titles_and_links(
    library: Library, httpserver: HTTPServer
):
    httpserver.expect_request("/own.xml").respond_with_data(
        rss("Own <Title> & co", link="http://own.example/"), content_type="application/rss+xml"
    )
    own = httpserver.url_for("/own.xml")
    manage.import_opml(library, (OPML / "nested.opml").read_bytes())
    assert manage.add_feed(library, own, None, "News/Europe")
    library.refresh_sync([own])
    text = manage.export(library)
    result = parse_opml(text.encode())
    assert not result.lenient
    by_url = {f.url: f for f in result.feeds}
    assert len(by_url) == 8
    assert by_url["https://nordic.example/rss"].section == ("News", "Europe", "Nordic")
    assert by_url["https://known.example/feed"].section == ("Old",)
    assert by_url["https://known.example/feed"].title is None  # no title configured or known
    # no configured title: the feed's own (stored) title, and its site link
    assert by_url[own].title == "Own <Title> & co"
    assert by_url[own].html_url == "http://own.example/"
    assert by_url[own].section == ("News", "Europe")
    # one folder per section: News appears once, with Europe inside it
    assert text.count('text="News"') == 1 and text.count('text="Europe"') == 1


def test_export_then_import_adds_nothing(library: Library, config_file: Path):
    manage.import_opml(library, (OPML / "nested.opml").read_bytes())
    before = config_file.read_bytes()
    report = manage.import_opml(library, manage.export(library).encode())
    assert report.added == ()
    assert len(report.skipped) == 7
    assert config_file.read_bytes() == before


# --- the real-world corpus -------------------------------------------------------------------------

# feeds, top-level sections, read leniently (counted by reading each file)
CORPUS_TABLE: dict[str, tuple[int, set[str], bool]] = {
    "awesome-rss-feeds__germany_without_category.opml": (5, set(), False),
    "awesome-rss-feeds__india_with_category.opml": (36, {"India"}, True),
    "awesome-rss-feeds__iran_with_category.opml": (7, {"Iran"}, False),
    "awesome-rss-feeds__japan_with_category.opml": (8, {"Japan"}, False),
    "awesome-rss-feeds__news_with_category.opml": (11, {"News"}, True),
    "awesome-rss-feeds__programming_with_category.opml": (50, {"Programming"}, True),
    "awesome-rss-feeds__russia_with_category.opml": (13, {"Russia"}, True),
    "awesome-rss-feeds__science_without_category.opml": (24, set(), True),
    "awesome-rss-feeds__united-kingdom_with_category.opml": (5, {"United Kingdom"}, True),
    "awesome-rss-feeds__united-states_with_category.opml": (10, {"United States"}, True),
    "nom__test.opml": (20, {"News", "Leisure", "Sports", "Tech"}, True),
    "rsparser__Subs.opml": (207, {"Programming", "Macintosh", "Weblogs", "Writers"}, False),
    "rsparser__SubsNoTitleAttributes.opml": (
        207,
        {"Programming", "Macintosh", "Weblogs", "Writers"},
        False,
    ),
}


SAME_FEED_TWICE = {
    # http://feed.katiefloyd.com and http://feed.katiefloyd.com/ : one feed, imported once
    "rsparser__Subs.opml": ["http://feed.katiefloyd.com/"],
    "rsparser__SubsNoTitleAttributes.opml": ["http://feed.katiefloyd.com/"],
}


def corpus(name: str) -> bytes:
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    return (CORPUS / name).read_bytes()


@pytest.mark.corpus
def test_corpus_table_covers_every_file():
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    assert {p.name for p in CORPUS.glob("*.opml")} == set(CORPUS_TABLE)


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(CORPUS_TABLE))
def test_corpus_import_then_round_trip(tmp_path: Path, name: str):
    data = corpus(name)
    count, top, lenient = CORPUS_TABLE[name]
    path = tmp_path / "feeds.toml"
    path.write_text("# empty to start with\n", encoding="utf-8")
    lib = Library(load_config(path), Store.open(tmp_path / "db"))
    try:
        report = manage.import_opml(lib, data)
        assert report.lenient is lenient
        twice = SAME_FEED_TWICE.get(name, [])
        assert [(s.url, s.reason) for s in report.skipped] == [(u, "duplicate") for u in twice]
        unique = count - len(twice)
        assert len(report.added) == unique
        feeds = feeds_in(path)
        assert len(feeds) == unique
        assert {e["section"].split("/")[0] for e in feeds if "section" in e} == top
        in_file = re.findall(r'xmlUrl="([^"]*)"', data.decode())
        assert len(in_file) == count
        assert [e["url"] for e in feeds] == [u for u in in_file if u not in twice]
        config = load_config(path)  # what the app reads back
        assert len(config.feeds) == unique
        before = path.read_bytes()
        again = manage.import_opml(lib, manage.export(lib).encode())
        assert again.added == () and len(again.skipped) == unique
        assert path.read_bytes() == before
    finally:
        lib.close()


@pytest.mark.corpus
def test_corpus_subs_folder_sizes(tmp_path: Path):
    data = corpus("rsparser__Subs.opml")
    path = tmp_path / "feeds.toml"  # not there yet: the import writes it
    lib = Library(Config(path), Store.open(tmp_path / "db"))
    try:
        manage.import_opml(lib, data)
    finally:
        lib.close()
    sizes = Counter(e.get("section") for e in feeds_in(path))
    # 69 at the top level in the file, one of them twice
    assert sizes == {None: 68, "Programming": 33, "Macintosh": 5, "Weblogs": 97, "Writers": 3}


# --- finding and adding ------------------------------------------------------------------------


def test_find_feeds_in_a_page(httpserver: HTTPServer):
    httpserver.expect_request("/blog/").respond_with_data(
        page(
            ("/feed.xml", "Posts", "application/rss+xml"),
            ("atom.xml", "Notes", "application/atom+xml"),
        ),
        content_type="text/html",
    )
    links = asyncio.run(manage.find_feeds(httpserver.url_for("/blog/")))
    assert links == [
        (httpserver.url_for("/feed.xml"), "Posts", "rss"),
        (httpserver.url_for("/blog/atom.xml"), "Notes", "atom"),
    ]


def test_find_feeds_of_a_feed_address_and_failures(httpserver: HTTPServer):
    httpserver.expect_request("/feeds/a.rss").respond_with_data(
        rss("A feed"), content_type="application/rss+xml"
    )
    httpserver.expect_request("/plain").respond_with_data(page(), content_type="text/html")
    httpserver.expect_request("/missing").respond_with_data("gone", status=404)
    feed = httpserver.url_for("/feeds/a.rss")
    assert asyncio.run(manage.find_feeds(feed)) == [(feed, None, "rss")]
    # a page without feeds, on an origin without any at the usual paths
    assert asyncio.run(manage.find_feeds(httpserver.url_for("/plain"))) == []
    with pytest.raises(FetchError, match="404"):
        asyncio.run(manage.find_feeds(httpserver.url_for("/missing")))
    with pytest.raises(FetchError, match="http"):
        asyncio.run(manage.find_feeds("ftp://files.example/feed"))


def test_add_writes_the_file_and_refresh_fills_it(
    library: Library, config_file: Path, httpserver: HTTPServer
):
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss("Added feed"), content_type="application/rss+xml"
    )
    url = httpserver.url_for("/feed.xml")
    assert manage.add_feed(library, url, "My name", "Tech/Phones") is True
    assert feeds_in(config_file)[-1] == {"url": url, "title": "My name", "section": "Tech/Phones"}
    assert config_file.read_text(encoding="utf-8").startswith(HEADER)
    assert [s.key for s in library.configured_feeds()] == ["https://known.example/feed", url]
    (report,) = library.refresh_sync([url])
    assert report.new == 3 and report.title == "My name"
    ids = library.article_ids(View("source", source=url))
    assert {row.section for row in library.rows(ids)} == {("Tech", "Phones")}
    # the same feed again (spelled differently) is not added twice
    assert manage.add_feed(library, url.upper().replace("/FEED.XML", "/feed.xml")) is False
    assert len(feeds_in(config_file)) == 2


# --- removing and editing ------------------------------------------------------------------------


@pytest.fixture
def subscribed(library: Library, httpserver: HTTPServer) -> str:
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss("Subscribed"),
        content_type="application/rss+xml",
        headers={"ETag": '"v1"'},
    )
    url = httpserver.url_for("/feed.xml")
    manage.add_feed(library, url, None, "News")
    library.refresh_sync([url])
    return url


def test_remove_keeps_starred_articles(library: Library, config_file: Path, subscribed: str):
    ids = library.article_ids(View("source", source=subscribed))
    assert len(ids) == 3
    library.set_starred([ids[0]])
    assert manage.article_counts(library, subscribed) == (3, 1)
    assert manage.remove_feed(library, subscribed) == 2
    assert [e["url"] for e in feeds_in(config_file)] == ["https://known.example/feed"]
    assert [s.key for s in library.configured_feeds()] == ["https://known.example/feed"]
    left = library.rows(library.article_ids(View("all")))
    assert [(r.rowid, r.starred) for r in left] == [(ids[0], True)]
    # the search index follows: the removed articles are not found any more
    assert library.search("zebra1 zebra2 zebra3") == []
    assert set(library.search("words")) == {ids[0]}
    # and a feed that is gone cannot be removed again
    with pytest.raises(ConfigError):
        manage.remove_feed(library, subscribed)


def test_remove_also_starred(library: Library, subscribed: str):
    ids = library.article_ids(View("source", source=subscribed))
    library.set_starred(ids[:2])
    assert manage.remove_feed(library, subscribed, keep_starred=False) == 3
    assert library.article_ids(View("all")) == []
    assert library.search("words") == []


def test_subscribing_again_fetches_in_full(library: Library, subscribed: str):
    manage.remove_feed(library, subscribed)
    assert manage.add_feed(library, subscribed, None, "News")
    (report,) = library.refresh_sync([subscribed])
    # without forgetting the ETag and body hash this would be "not modified", and empty
    assert not report.not_modified and report.new == 3


def test_edit_renames_and_moves(library: Library, config_file: Path, subscribed: str):
    manage.edit_feed(library, subscribed, "Renamed", "World/Europe")
    entry = feeds_in(config_file)[-1]
    assert entry == {"url": subscribed, "title": "Renamed", "section": "World/Europe"}
    (feed,) = [f for f in library.feed_nodes() if f.key == subscribed]
    assert (feed.label, feed.section, feed.total) == ("Renamed", ("World", "Europe"), 3)
    rows = library.rows(library.article_ids(View("section", ("World", "Europe"))))
    assert len(rows) == 3 and rows[0].source_title == "Renamed"
    assert library.article_ids(View("section", ("News",))) == []
    # empty values: back to the feed's own title, at the top level
    manage.edit_feed(library, subscribed, "", "")
    assert feeds_in(config_file)[-1] == {"url": subscribed}
    (feed,) = [f for f in library.feed_nodes() if f.key == subscribed]
    assert (feed.label, feed.section) == ("Subscribed", ())
    assert config_file.read_text(encoding="utf-8").startswith(HEADER)


def test_edit_unknown_feed_is_refused(library: Library, config_file: Path):
    with pytest.raises(ConfigError, match="no feed"):
        manage.edit_feed(library, "https://nobody.example/", "x", "y")
    assert config_file.read_text(encoding="utf-8") == HEADER


def test_reload_config_follows_a_hand_edit(library: Library, config_file: Path):
    config_file.write_text(
        HEADER + '\n[[feeds]]\nurl = "https://new.example/rss"\nsection = "New"\n',
        encoding="utf-8",
    )
    config = manage.reload_config(library)
    assert library.config is config
    assert [f.url for f in config.feeds][-1] == "https://new.example/rss"
    assert ("New",) in {n.path for n in library.sections()}
    assert manage.section_names(library) == ["New", "Old"]


# --- errors --------------------------------------------------------------------------------------


def test_feed_errors_lists_failing_configured_feeds(library: Library, httpserver: HTTPServer):
    httpserver.expect_request("/ok.xml").respond_with_data(
        rss("Fine"), content_type="application/rss+xml"
    )
    httpserver.expect_request("/broken.xml").respond_with_data("oops", status=500)
    ok, broken = httpserver.url_for("/ok.xml"), httpserver.url_for("/broken.xml")
    manage.add_feed(library, ok)
    manage.add_feed(library, broken, "Broken [/] feed")
    library.refresh_sync([ok, broken])
    errors = manage.feed_errors(library)
    assert [(e.key, e.label) for e in errors] == [(broken, "Broken [/] feed")]
    assert "500" in errors[0].error
    assert errors[0].failed_at is not None and errors[0].last_ok_at is None
    # a removed feed is no longer listed
    manage.remove_feed(library, broken)
    assert manage.feed_errors(library) == []
