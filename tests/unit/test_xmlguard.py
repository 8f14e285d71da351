"""core/sources/xmlguard.py: one XML guard, and the three readers of XML (feeds, OPML,
discovery) refuse the same documents with it."""

from __future__ import annotations

import asyncio

import pytest

from newsterm.core.errors import ParseError
from newsterm.core.models import FetchResult
from newsterm.core.sources.discover import discover
from newsterm.core.sources.feeds import parse_feed
from newsterm.core.sources.opml import parse_opml
from newsterm.core.sources.sniff import feed_kind
from newsterm.core.sources.xmlguard import check_prolog, text_view

LAUGHS = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n else "lol"}">' for n in range(10))
HOSTILE = {
    "billion-laughs": f"<!DOCTYPE {{root}} [{LAUGHS}]>",
    "quadratic": f'<!DOCTYPE {{root}} [<!ENTITY a "{"a" * 50_000}">]>',
    "external-entity": '<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    "parameter-entity": '<!DOCTYPE {root} [<!ENTITY % p SYSTEM "http://x.example/e.dtd"> %p;]>',
    "internal-subset": '<!DOCTYPE {root} [<!ATTLIST {root} xml:base CDATA "http://x/">]>',
    "entity-behind-a-comment": '<!-- <a --><!DOCTYPE {root} [<!ENTITY e "x">]>',
    "entity-behind-junk": 'Warning: oops\n<!DOCTYPE {root} [<!ENTITY e "x">]>',
    "empty-subset": "<!DOCTYPE {root} []>",
}
BENIGN = {
    "none": "",
    "netscape-dtd": (
        '<!DOCTYPE {root} PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        '"http://my.netscape.com/publish/formats/rss-0.91.dtd">'
    ),
    "comment": "<!-- generated -->",
}
RSS = (
    '<rss version="2.0"><channel><title>T</title><link>https://x.example/</link>'
    "<item><title>one</title><guid>1</guid></item></channel></rss>"
)
OPML = '<opml version="2.0"><body><outline text="x" xmlUrl="https://x.example/feed"/></body></opml>'


def rss(prolog: str) -> bytes:
    return ('<?xml version="1.0"?>\n' + prolog.format(root="rss") + "\n" + RSS).encode()


def opml(prolog: str) -> bytes:
    return ('<?xml version="1.0"?>\n' + prolog.format(root="opml") + "\n" + OPML).encode()


def discovered(body: bytes) -> list[tuple[str, str | None, str]]:
    async def fetch(url: str) -> FetchResult:
        if url == "https://site.example/feed.xml":
            return FetchResult(url=url, status=200, body=body, content_type="application/xml")
        return FetchResult(url=url, status=404, error="HTTP 404 not found")

    return asyncio.run(discover("https://site.example/feed.xml", fetch))


def offered(body: bytes) -> bool:
    """Whether discovery offers the feed at an address that serves ``body``."""
    try:
        return bool(discovered(body))
    except ParseError as exc:
        assert str(exc).startswith("refused")
        return False


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_feeds_opml_and_discovery_refuse_the_same_documents(name: str) -> None:
    prolog = HOSTILE[name]
    with pytest.raises(ParseError, match="^refused"):
        parse_feed(rss(prolog), "src")
    with pytest.raises(ParseError, match="^refused"):
        parse_opml(opml(prolog))
    assert not offered(rss(prolog))


def test_discovery_says_why_it_refuses_the_address() -> None:
    with pytest.raises(ParseError, match="^refused: feed declares XML entities"):
        discovered(rss(HOSTILE["external-entity"]))


@pytest.mark.parametrize("codec", ["utf-16", "utf-32"])
def test_wide_encodings_hide_nothing_from_any_of_them(codec: str) -> None:
    prolog = HOSTILE["billion-laughs"]
    wide_rss = rss(prolog).decode().encode(codec)
    with pytest.raises(ParseError, match="^refused"):
        parse_feed(wide_rss, "src")
    with pytest.raises(ParseError, match="^refused"):
        parse_opml(opml(prolog).decode().encode(codec))
    assert not offered(wide_rss)


@pytest.mark.parametrize("name", sorted(BENIGN))
def test_plain_documents_pass_all_three(name: str) -> None:
    prolog = BENIGN[name]
    assert [a.title for a in parse_feed(rss(prolog), "src").articles] == ["one"]
    assert [f.url for f in parse_opml(opml(prolog)).feeds] == ["https://x.example/feed"]
    assert discovered(rss(prolog)) == [("https://site.example/feed.xml", None, "rss")]


def test_a_local_dtd_is_refused_in_a_feed_and_tolerated_in_opml() -> None:
    # The one difference, pinned by tests/unit/test_opml.py: expat never reads an OPML
    # file's external DTD, and the subscriptions in the file are still wanted.
    prolog = '<!DOCTYPE {root} SYSTEM "file:///etc/passwd">'
    with pytest.raises(ParseError, match="^refused"):
        parse_feed(rss(prolog), "src")
    assert not offered(rss(prolog))
    assert [f.url for f in parse_opml(opml(prolog)).feeds] == ["https://x.example/feed"]


def test_discovery_skips_a_refused_feed_among_the_usual_places() -> None:
    bad = rss(HOSTILE["external-entity"])

    async def fetch(url: str) -> FetchResult:
        if url == "https://site.example/":
            return FetchResult(url=url, status=200, body=b"<html><body>hi</body></html>")
        if url == "https://site.example/feed":
            return FetchResult(url=url, status=200, body=bad)
        if url == "https://site.example/atom.xml":
            return FetchResult(url=url, status=200, body=rss(""))
        return FetchResult(url=url, status=404, error="HTTP 404 not found")

    assert asyncio.run(discover("https://site.example/", fetch)) == [
        ("https://site.example/atom.xml", None, "rss")
    ]


def test_sniffing_is_not_guarding() -> None:
    # feed_kind says what a body looks like; the guard says whether it may be parsed
    body = rss(HOSTILE["billion-laughs"])
    assert feed_kind(body) == "rss"
    with pytest.raises(ParseError):
        check_prolog(text_view(body)[0], "refused")


def test_spans_of_allowed_doctypes_are_returned_for_stripping() -> None:
    text = '<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://x.example/rss.dtd"><rss/>'
    ((start, end),) = check_prolog(text, "refused")
    assert text[start:end] == '<!DOCTYPE rss SYSTEM "http://x.example/rss.dtd">'


def test_declarations_after_the_root_are_not_the_guards_business() -> None:
    # an XML parser reads declarations only before the root: an article quoting one in
    # CDATA is text (a security blog's feed must not be refused for it)
    item = "<item><title>XXE</title><description><![CDATA[<!ENTITY x SYSTEM 'file:///'>]]>"
    body = RSS.replace("<item>", item + "</description></item><item>", 1)
    titles = [a.title for a in parse_feed(body.encode(), "src").articles]
    assert titles == ["XXE", "one"]
