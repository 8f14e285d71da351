"""Feed edges (issue 12): a document cut short keeps only its whole items and never
names the feed; entries with nothing in them are junk; JSON Feed titles are unescaped
like RSS ones. Our own fixtures in tests/data/feeds, and corpus checks (skipped when
../shared is absent)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from newsterm.core.config import parse_config
from newsterm.core.library import Library
from newsterm.core.models import View
from newsterm.core.sources.feeds import parse_feed
from newsterm.core.store import Store

DATA = Path(__file__).resolve().parents[1] / "data" / "feeds"
REAL = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "feeds" / "real"
ENTITY = re.compile(r"&(?:#[0-9]+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)


def parse(name: str, fast: bool = True):  # type: ignore[no-untyped-def]
    return parse_feed((DATA / name).read_bytes(), "https://dyn.example/feed", fast=fast)


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize(
    ("name", "titles"),
    [
        ("cut_mid_item.rss", ["First whole item", "Second whole item"]),
        ("cut_atom.xml", ["Whole entry"]),
        ("cut_after_title.rss", ["Only whole item"]),
    ],
)
def test_a_cut_document_keeps_its_whole_items_and_names_nothing(
    name: str, titles: list[str], fast: bool
) -> None:
    feed = parse(name, fast)
    assert [a.title for a in feed.articles] == titles  # was: the cut item too
    assert feed.title is None  # was: "Dyn" for cut_after_title.rss
    assert feed.warning == f"malformed feed, {len(titles)} items recovered"


def test_items_with_nothing_in_them_are_junk() -> None:
    feed = parse("junk_items.rss")
    assert [a.title for a in feed.articles] == ["The real one", "(untitled)"]  # was 5
    assert feed.articles[1].enclosures[0].url == "https://sparse.example/episode.mp3"
    assert feed.title == "Sparse Feed"  # a whole document names its feed


def test_json_feed_titles_are_unescaped_like_rss_ones() -> None:
    feed = parse("entity_titles.json")
    assert feed.title == "Envy & Co"
    assert [a.title for a in feed.articles] == [
        "Agency Says Releasing \u2018Jests\u2019 Was Fine",  # was: &#8216;Jests&#8217;
        "AT&T wins \u2026 again",  # tags stripped, named entities decoded
        "Tom & Jerry: a < b",  # plain text stays as it is
        "\u201cQuoted\u201d in hex",
    ]  # and the item with nothing in it is junk


def test_a_cut_refresh_keeps_the_feed_name_and_stores_no_junk(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    whole = (
        (DATA / "cut_after_title.rss")
        .read_text()
        .replace("<title>Dyn</title>", "<title>Dyn Feed</title>")
    )
    whole = whole.split("<item>\n      <title>Cut")[0] + "</channel></rss>"
    httpserver.expect_ordered_request("/feed.xml").respond_with_data(
        whole, content_type="application/rss+xml"
    )
    httpserver.expect_ordered_request("/feed.xml").respond_with_data(
        (DATA / "cut_after_title.rss").read_bytes(), content_type="application/rss+xml"
    )
    url = httpserver.url_for("/feed.xml")
    config = parse_config(f'[[feeds]]\nurl = "{url}"\n', tmp_path / "feeds.toml")
    library = Library(config, Store.open(tmp_path / "data" / "newsterm.db"))
    try:
        (first,) = library.refresh_sync()
        assert first.error is None and first.title == "Dyn Feed"
        (second,) = library.refresh_sync()
        assert second.error is None and second.warning
        (node,) = library.feed_nodes()
        assert node.label == "Dyn Feed"  # was: renamed "Dyn"
        titles = [r.title for r in library.rows(library.article_ids(View()))]
        assert titles == ["Only whole item"]  # was: and an "(untitled)" one
    finally:
        library.close()


# -- the corpus ------------------------------------------------------------------------------


def _real(name: str) -> bytes:
    if not (REAL / name).is_file():
        pytest.skip("../shared/corpus not present")
    return (REAL / name).read_bytes()


@pytest.mark.corpus
def test_corpus_pixel_envy_titles_have_no_entities() -> None:
    feed = parse_feed(_real("rsparser__pxlnv.json"), "https://corpus.example/pxlnv.json")
    titles = [a.title for a in feed.articles]
    assert titles and not [t for t in titles if ENTITY.search(t)]
    assert any("\u2018" in t or "\u2019" in t for t in titles)  # &#8216; &#8217; decoded


@pytest.mark.corpus
def test_corpus_json_feed_titles_have_no_entities_left() -> None:
    if not REAL.is_dir():
        pytest.skip("../shared/corpus not present")
    for path in sorted(REAL.glob("*.json")):
        try:
            items = json.loads(path.read_bytes()).get("items") or []
        except (ValueError, AttributeError):
            continue  # broken on purpose: test_corpus_feeds covers those
        if not items:
            continue
        feed = parse_feed(path.read_bytes(), f"https://corpus.example/{path.name}")
        left = [a.title for a in feed.articles if ENTITY.search(a.title)]
        assert not left, (path.name, left[:3])
