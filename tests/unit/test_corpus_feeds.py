"""parse_feed over the real-world corpus in ../shared/corpus (skipped when absent).

corpus/README.md describes every file. feeds/real/ holds 61 full feeds (some broken on
purpose); feeds/conformance/ is a subset of feedparser's own test suite.
"""

from __future__ import annotations

import io
import re
from datetime import UTC
from pathlib import Path

import feedparser
import pytest

from newsterm.core.errors import ParseError
from newsterm.core.models import Article, ParsedFeed
from newsterm.core.sources.feeds import parse_feed
from newsterm.core.text import has_control

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
REAL = CORPUS / "feeds" / "real"
CONFORMANCE = CORPUS / "feeds" / "conformance"

pytestmark = pytest.mark.corpus

# Broken on purpose (README): not JSON Feed, or cut mid-string.
JSON_NOT_FEEDS = {
    "rsparser__ScriptingNews.json": "not a feed: JSON that is not JSON Feed",
    "rsparser__allthis-partial.json": "not a feed: invalid JSON at line",
}
# Not well-formed XML that feedparser still recovers every item from (README).
RECOVERED = {
    "rssparser__daily-sci-tech-news.xml",
    "rssparser__itunes-keywords-astext.rss",
    "rssparser__itunes-missing-image.rss",
}


def _files(folder: Path) -> list[object]:
    if not folder.is_dir():
        reason = f"{CORPUS.parent.name}/shared/corpus not present"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="absent")]
    return [
        pytest.param(path, id=str(path.relative_to(folder)))
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]


def _strings(article: Article) -> list[str]:
    values = [article.key.id, article.title, article.content, article.summary]
    values += [v for v in (article.url, article.author, article.note) if v is not None]
    values += list(article.categories)
    for enclosure in article.enclosures:
        values += [enclosure.url, enclosure.type]
    return values


def _check_articles(feed: ParsedFeed, source_key: str) -> None:
    ids = [article.key.id for article in feed.articles]
    assert len(ids) == len(set(ids))
    for value in (feed.title, feed.link):
        assert value is None or not has_control(value)
    for article in feed.articles:
        assert article.key.source == source_key
        assert article.key.id
        assert article.title
        for value in _strings(article):
            assert not has_control(value), (article.key, value[:80])
        if article.url is not None:
            assert article.url.startswith(("http://", "https://", "mailto:"))
        for enclosure in article.enclosures:
            assert enclosure.url.startswith(("http://", "https://"))
        for moment in (article.published, article.updated):
            assert moment is None or moment.tzinfo is UTC


def _distinct_entries(entries: list[dict[str, object]]) -> int:
    """feedparser's entry count minus entries repeating an earlier id (or link), and
    minus junk: entries with no title, link, text or enclosure (issue 12)."""
    seen: set[str] = set()
    count = 0
    for entry in entries:
        get = dict.get
        if not any(get(entry, k) for k in ("title", "link", "summary", "content")) and not any(
            get(link, "rel") == "enclosure"
            for link in get(entry, "links") or ()  # type: ignore[attr-defined]
        ):
            continue
        ident = str(dict.get(entry, "id") or "").strip() or str(dict.get(entry, "link") or "")
        if ident:
            if ident in seen:
                continue
            seen.add(ident)
        count += 1
    return count


@pytest.mark.parametrize("path", _files(REAL))
def test_real_feed(path: Path) -> None:
    body = path.read_bytes()
    key = f"https://corpus.example/{path.name}"
    if path.name in JSON_NOT_FEEDS:
        with pytest.raises(ParseError, match="^" + re.escape(JSON_NOT_FEEDS[path.name])):
            parse_feed(body, key)
        return

    feed = parse_feed(body, key, base_url=key)
    _check_articles(feed, key)
    assert feed.title
    if path.suffix == ".json":
        import json

        items = json.loads(body)["items"]
        assert len(feed.articles) == len(items)
        assert feed.warning is None
        return

    raw = feedparser.parse(io.BytesIO(body), sanitize_html=False, resolve_relative_uris=False)
    expected = _distinct_entries(raw.entries)
    assert expected > 0
    assert len(feed.articles) == expected
    if path.name in RECOVERED:
        assert feed.warning == f"malformed feed, {expected} items recovered"
    else:
        assert feed.warning is None


def test_real_feeds_with_duplicate_ids_are_deduplicated() -> None:
    if not REAL.is_dir():
        pytest.skip("../shared/corpus not present")
    # scriptingNews.rss repeats two guids; itunes-missing-image.rss repeats one.
    for name, raw_count, kept in [
        ("rsparser__scriptingNews.rss", 50, 48),
        ("rssparser__itunes-missing-image.rss", 131, 130),
    ]:
        body = (REAL / name).read_bytes()
        raw = feedparser.parse(io.BytesIO(body), sanitize_html=False, resolve_relative_uris=False)
        assert len(raw.entries) == raw_count
        assert len(parse_feed(body, name).articles) == kept


def test_real_feed_hard_cases() -> None:
    if not REAL.is_dir():
        pytest.skip("../shared/corpus not present")

    def load(name: str) -> ParsedFeed:
        return parse_feed((REAL / name).read_bytes(), name)

    # No XML declaration, cp1252/Latin-1 bytes: not decoded as UTF-8.
    assert load("miniflux__no_encoding_ISO-8859-1.xml").title == (
        "Flux RSS du magazine de psychologie Le Cercle Psy"
    )
    assert "\ufffd" not in "".join(a.title for a in load("rssparser__uolNoticias.rss").articles)
    assert load("miniflux__encoding_WINDOWS-1251.xml").title == "iBash.Org.Ru"
    cyrillic = load("miniflux__encoding_WINDOWS-1251.xml").articles[0].content
    assert re.search("[а-яА-Я]", cyrillic)
    assert load("rssparser__encoding-gb2312.xml").title == "新闻国内"
    assert load("rssparser__encoding.rss").title == "Jornal de Notícias - Últimas Notícias"
    # Extension lies: Atom named .rss, RSS named .atom.
    assert load("rsparser__DaringFireball.rss").title == "Daring Fireball"
    assert len(load("rsparser__allthis.atom").articles) == 12
    # Enclosures of a podcast.
    atp = load("rsparser__atp.rss")
    assert sum(1 for a in atp.articles if a.enclosures) == len(atp.articles) == 100
    enclosures = [e for a in atp.articles for e in a.enclosures]
    assert all(e.url.endswith(".mp3") and e.length and e.length > 10**7 for e in enclosures)
    assert {e.type for e in enclosures} == {"audio/mpeg", ""}  # 10 items give no type


def _conformance_headers(body: bytes) -> tuple[str | None, str | None]:
    """Content-Type and Content-Location from the test's ``Header:`` comment lines."""
    head = body[:4000].replace(b"\x00", b"").decode("latin-1")
    content_type = re.search(r"Header:\s*Content-type:\s*(.+)", head, re.IGNORECASE)
    location = re.search(r"Header:\s*Content-Location:\s*(\S+)", head, re.IGNORECASE)
    return (
        content_type.group(1).strip() if content_type else None,
        location.group(1).strip() if location else None,
    )


@pytest.mark.parametrize("path", _files(CONFORMANCE))
def test_conformance_feed(path: Path) -> None:
    body = path.read_bytes()
    content_type, base_url = _conformance_headers(body)
    try:
        feed = parse_feed(body, "conformance", base_url=base_url, content_type=content_type)
    except ParseError as exc:
        message = str(exc)
        assert message and "\n" not in message and len(message) < 200
        relative = path.relative_to(CONFORMANCE).as_posix()
        if relative.startswith("wellformed/"):
            # Well-formed files fail only when they declare entities (refused on
            # purpose) or are an item-less CDF channel feedparser gives no version.
            assert message.startswith("refused:") or relative.startswith("wellformed/cdf/")
        return
    _check_articles(feed, "conformance")
