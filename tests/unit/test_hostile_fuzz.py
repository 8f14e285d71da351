"""Issue 6, fuzzed: random and mutated feeds go through parse -> store -> render
(``render_body`` and ``markdown_to_text``). Nothing may raise but ParseError, no control
character may come out, and markup stays text. Small example counts run in CI; the
``slow`` variants run many more (``pytest -m slow``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.style import Style
from rich.text import Text

from newsterm.core.errors import ParseError
from newsterm.core.models import ParsedFeed, Source, View
from newsterm.core.render import render_body
from newsterm.core.sources.feeds import parse_feed
from newsterm.core.store import Store
from newsterm.core.text import clean_line, has_control
from newsterm.ui.markdown_text import markdown_to_text

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile"
sys.path.insert(0, str(HOSTILE))
import hostile  # noqa: E402

SOURCE = "https://fuzz.example/feed.xml"
CI = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SLOW = settings(
    max_examples=1_000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Characters attackers like: markup brackets, HTML/XML specials, controls, bidi.
NASTY = (
    "[]/=@:;.\\<>&\"' \t\n\r\x00\x07\x08\x1b\x7f\x85\x9b\x9c\x9d\u202e\u2066\u2069\ufeff"
    "\ud800#*_`~|!-(){}"
)
nasty_text = st.text(
    alphabet=st.one_of(st.sampled_from(NASTY), st.characters(codec="utf-8"), st.just("a")),
    max_size=80,
)
markup_token = st.sampled_from(
    ["[bold]", "[/]", "[/bold]", "[link=javascript:alert(1)]", "[@click=app.quit]", "[", "]",
     "[red on blue]", "\\[", "[[x]]", "[on #ff0000]"]
)  # fmt: skip
words = st.lists(st.one_of(markup_token, st.sampled_from(["word", "EVIL", " ", "x"])), max_size=8)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "newsterm.db")
    opened.sync_sources([Source(SOURCE, "feed")])
    yield opened
    opened.close()


def check_text(text: Text) -> None:
    """A Text for a widget: no controls, and styles only from our own Style objects."""
    assert not has_control(text.plain.replace("\n", ""))
    for span in text.spans:
        assert isinstance(span.style, Style), span  # never a style string read from data
        assert span.style.link is None
        assert not span.style.meta


def through_everything(
    body: bytes, store: Store, content_type: str | None = None, fast: bool = True
) -> None:
    """parse (by the fast path when it can, or by feedparser) -> store -> render; only
    ParseError may be raised."""
    try:
        feed = parse_feed(body, SOURCE, SOURCE, content_type, fast=fast)
    except ParseError as exc:
        assert not has_control(str(exc))
        return
    check_feed(feed)
    store.save_articles(SOURCE, feed.articles)
    store.record_fetch(SOURCE, ok=True, title=feed.title, link=feed.link)
    for aid in store.article_ids(View("all"))[:20]:
        article = store.article(aid)
        assert article is not None
        for value in (article.row.title, article.row.source_title, article.author or ""):
            assert not has_control(value)
        rendered = render_body(article.content, article.content_type, article.row.url)
        assert not has_control(rendered.markdown.replace("\n", "").replace("\t", ""))
        check_text(markdown_to_text(rendered.markdown))
        check_text(markdown_to_text(rendered.markdown, width=37))


def check_feed(feed: ParsedFeed) -> None:
    strings = [feed.title or "", feed.link or "", feed.warning or ""]
    for article in feed.articles:
        strings += [article.key.id, article.title, article.url or "", article.author or ""]
        strings += [article.content.replace("\n", "").replace("\t", ""), article.summary]
        strings += list(article.categories)
        strings += [e.url + e.type for e in article.enclosures]
    for value in strings:
        assert not has_control(value.replace("\n", "").replace("\t", "")), repr(value)
        value.encode("utf-8")


# --- generated feeds ---------------------------------------------------------------------------


@st.composite
def feed_documents(draw: st.DrawFn) -> bytes:
    """RSS, Atom or JSON Feed with hostile text in every field, escaped or raw."""
    kind = draw(st.sampled_from(["rss", "atom", "json"]))
    items = draw(
        st.lists(st.tuples(nasty_text, nasty_text, nasty_text, nasty_text, nasty_text), max_size=4)
    )
    title = draw(nasty_text)
    raw = draw(st.booleans())  # raw: controls unescaped (not well-formed: lenient parser)

    def x(value: str) -> str:
        value = escape(value)
        return value if raw else hostile.xml_refs(value).replace("&#38;", "&")

    if kind == "json":
        doc = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": title,
            "items": [
                {"id": g, "title": t, "content_html": b, "url": u, "authors": [{"name": a}],
                 "tags": [t, a]}
                for g, t, b, u, a in items
            ],
        }  # fmt: skip
        return json.dumps(doc).encode("utf-8", "surrogatepass")
    if kind == "rss":
        body = "".join(
            f"<item><guid>{x(g)}</guid><title>{x(t)}</title><description>{x(b)}</description>"
            f"<link>{x(u)}</link><author>{x(a)}</author><category>{x(a)}</category></item>"
            for g, t, b, u, a in items
        )
        text = f'<rss version="2.0"><channel><title>{x(title)}</title>{body}</channel></rss>'
    else:
        body = "".join(
            f"<entry><id>{x(g)}</id><title>{x(t)}</title>"
            f'<content type="html">{x(b)}</content><link href="{x(u)}"/>'
            f"<author><name>{x(a)}</name></author></entry>"
            for g, t, b, u, a in items
        )
        text = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{x(title)}</title>{body}</feed>'
    return f'<?xml version="1.0" encoding="utf-8"?>{text}'.encode("utf-8", "surrogatepass")


@CI
@given(document=feed_documents(), fast=st.booleans())
def test_generated_feeds(document: bytes, fast: bool, store: Store) -> None:
    through_everything(document, store, fast=fast)


@pytest.mark.slow
@SLOW
@given(document=feed_documents(), fast=st.booleans())
def test_generated_feeds_many(document: bytes, fast: bool, store: Store) -> None:
    through_everything(document, store, fast=fast)


@CI
@given(title=words, body=words)
def test_markup_in_titles_and_bodies_stays_literal(title: list[str], body: list[str]) -> None:
    title_text, body_text = "".join(title) or "t", "".join(body)
    document = hostile.rss(
        hostile.item("g", escape(title_text), escape(f"<p>{escape(body_text)}</p>")),
        title=escape(title_text),
    )
    feed = parse_feed(document, SOURCE, SOURCE)
    expected = clean_line(title_text)
    if expected:  # (an empty title is made from the body's first words)
        assert feed.articles[0].title == expected
    assert feed.title == (expected or None)
    shown = markdown_to_text(render_body(feed.articles[0].content, "html").markdown)
    check_text(shown)
    for token in ("[bold]", "[/]", "[@click=app.quit]", "[link=javascript:alert(1)]"):
        if token in body_text:
            assert token in shown.plain, (token, shown.plain)


# --- mutated fixtures ---------------------------------------------------------------------------

SEEDS = [
    (HOSTILE / "markup.rss").read_bytes(),
    hostile.controls_feed_wellformed(),
    hostile.good_feed(),
    (HOSTILE / "controls_refs.rss").read_bytes(),
    (HOSTILE / "links.rss").read_bytes(),
    (HOSTILE / "markup.json").read_bytes(),
    hostile.controls_feed(as_refs=False),
    hostile.ids_feed(2),
    hostile.dates_feed(),
]
INSERTS = [b"\x1b]0;evil\x07", b"\x9b", b"\xc2\x9b", b"\x00", b"&#27;", b"&#x9b;", b"]]>",
           b"<!ENTITY a 'b'>", b"<![CDATA[", b"&", b"<", b"\xe2\x80\xae", b"\xff\xfe", b"[/]"]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "flip", "truncate"]))
        if action == "insert":
            data[where:where] = draw(st.one_of(st.sampled_from(INSERTS), st.binary(max_size=8)))
        elif action == "delete":
            del data[where : where + draw(st.integers(1, 40))]
        elif action == "flip" and where < len(data):
            data[where] = draw(st.integers(0, 255))
        elif action == "truncate":
            del data[where:]
    return bytes(data)


@CI
@given(
    document=mutated(),
    content_type=st.sampled_from([None, "text/xml; charset=latin-1"]),
    fast=st.booleans(),
)
def test_mutated_fixtures(
    document: bytes, content_type: str | None, fast: bool, store: Store
) -> None:
    through_everything(document, store, content_type, fast)


@pytest.mark.slow
@SLOW
@given(document=mutated())
def test_mutated_fixtures_many(document: bytes, store: Store) -> None:
    through_everything(document, store)


# --- bodies straight into the renderer ----------------------------------------------------------


@CI
@given(body=nasty_text, content_type=st.sampled_from(["html", "markdown", "text"]))
def test_render_random_bodies(body: str, content_type: str) -> None:
    rendered = render_body(body, content_type, "https://base.example/")  # type: ignore[arg-type]
    assert not has_control(rendered.markdown.replace("\n", "").replace("\t", ""))
    for link in rendered.links:
        assert link.split(":", 1)[0].lower() in ("http", "https", "mailto")
    check_text(markdown_to_text(rendered.markdown))
    check_text(markdown_to_text(body, width=20))  # local .md files reach it directly


@pytest.mark.slow
@SLOW
@given(body=nasty_text, content_type=st.sampled_from(["html", "markdown", "text"]))
def test_render_random_bodies_many(body: str, content_type: str) -> None:
    test_render_random_bodies.hypothesis.inner_test(body, content_type)  # type: ignore[attr-defined]
