"""The fast RSS/Atom path must give exactly what the feedparser path gives, or step aside."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsterm.core.errors import ParseError
from newsterm.core.sources.fastfeed import fast_parse
from newsterm.core.sources.feeds import parse_feed

HERE = Path(__file__).resolve().parent
OURS = (
    sorted((HERE.parent / "data" / "feeds").glob("*.xml"))
    + sorted((HERE.parent / "data" / "feeds").glob("*.rdf"))
    + [HERE.parent / "data" / "sample" / "feeds" / "daily.xml"]
)
CORPUS = HERE.parents[2] / "shared" / "corpus" / "feeds"


def both(body: bytes):  # type: ignore[no-untyped-def]
    try:
        slow = parse_feed(body, "https://example.org/feed", "https://example.org/feed", fast=False)
    except ParseError:
        slow = None
    try:
        quick = parse_feed(body, "https://example.org/feed", "https://example.org/feed")
    except ParseError:
        quick = None
    return slow, quick


def assert_same(body: bytes) -> None:
    slow, quick = both(body)
    if slow is None:
        assert quick is None
        return
    assert quick is not None
    assert quick.title == slow.title
    assert quick.link == slow.link
    assert len(quick.articles) == len(slow.articles)
    for a, b in zip(quick.articles, slow.articles, strict=True):
        assert a == b, (a.key, b.key)


def rss_item(n: int, extra: str = "") -> str:
    return (
        f"<item><title>Story {n} &amp; more</title><link>https://example.org/{n}</link>"
        f"<guid isPermaLink='false'>id-{n}</guid><pubDate>Wed, 01 May 2024 03:0{n % 10}:00 -0500</pubDate>"
        f"<author>desk@example.org (Desk)</author><category>World</category>"
        f"<description>&lt;p&gt;Body {n} with &lt;a href='/rel/{n}'&gt;a link&lt;/a&gt;&lt;/p&gt;</description>"
        f"<enclosure url='https://example.org/{n}.mp3' type='audio/mpeg' length='123'/>{extra}</item>"
    )


GENERATED = {
    "rss": "<?xml version='1.0'?><rss version='2.0'><channel><title>Gen</title><link>https://example.org/</link>"
    + "".join(rss_item(n) for n in range(12))
    + "</channel></rss>",
    "rss-content-encoded": "<?xml version='1.0'?><rss version='2.0' xmlns:content='http://purl.org/rss/1.0/modules/content/'>"
    "<channel><title>Gen</title>"
    + "".join(
        rss_item(n, f"<content:encoded><![CDATA[<p>Full {n}</p>]]></content:encoded>")
        for n in range(5)
    )
    + "</channel></rss>",
    "rss-guid-permalink": "<?xml version='1.0'?><rss version='2.0'><channel><title>G</title>"
    "<item><title>A</title><guid>https://example.org/a</guid></item>"
    "<item><title>B</title><guid isPermaLink='false'>b</guid></item></channel></rss>",
    "atom": "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>Gen A</title>"
    "<link href='https://example.org/'/><id>x</id><updated>2024-05-01T02:31:00-05:00</updated>"
    + "".join(
        f"<entry><title>Entry {n}</title><link href='https://example.org/e/{n}'/><id>tag:x,{n}</id>"
        f"<published>2024-05-0{n % 9 + 1}T02:31:00-05:00</published><updated>2024-05-02T00:00:00Z</updated>"
        f"<author><name>Ada</name><email>ada@example.org</email></author><category term='Tech'/>"
        f"<content type='html'>&lt;p&gt;Entry body {n}&lt;/p&gt;</content><summary>Short {n}</summary></entry>"
        for n in range(8)
    )
    + "</feed>",
}


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_feeds_take_the_fast_path_and_agree(name: str) -> None:
    body = GENERATED[name].encode()
    assert fast_parse(body) is not None
    assert_same(body)


@pytest.mark.parametrize("path", OURS, ids=lambda p: p.name)
def test_our_fixtures_agree(path: Path) -> None:
    assert_same(path.read_bytes())


@pytest.mark.parametrize(
    "body",
    [
        b"<?xml version='1.0'?><rss version='0.91'><channel><title>x</title></channel></rss>",
        b"<rss version='2.0'><channel><title>a <b>bold</b> title</title></channel></rss>",
        b"<rss version='2.0'><channel><item><title>x</title><media:title xmlns:media='http://search.yahoo.com/mrss/'>m</media:title></item></channel></rss>",
        b"<rss version='2.0'><channel><item><pubDate>not a date</pubDate></item></channel></rss>",
        b"<feed xmlns='http://www.w3.org/2005/Atom' xml:base='https://x/'><title>t</title></feed>",
        b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>x</div></content></entry></feed>",
        b"<rss version='2.0'><channel><item><title>unclosed</item></channel></rss>",
        b"<rss version='2.0'><channel><title>a &#x85; b</title></channel></rss>",
        b"<rss version='2.0'><channel><title>a &#150; b</title></channel></rss>",
        "<rss version='2.0'><channel><title>a \x85 b</title></channel></rss>".encode(),
    ],
    ids=[
        "rss091",
        "markup-title",
        "unknown-namespace",
        "bad-date",
        "xml-base",
        "xhtml",
        "broken",
        "c1-hex-reference",
        "c1-reference",
        "c1-raw",
    ],  # fmt: skip
)
def test_anything_unusual_steps_aside(body: bytes) -> None:
    assert fast_parse(body) is None


@pytest.mark.corpus
def test_corpus_feeds_agree() -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus not present")
    taken = 0
    for path in sorted((CORPUS / "real").iterdir()) + sorted(
        (CORPUS / "conformance").rglob("*.xml")
    ):
        body = path.read_bytes()
        if fast_parse(body) is not None:
            taken += 1
        assert_same(body)
    assert taken > 10  # the fast path is used on real feeds, not only on ours
