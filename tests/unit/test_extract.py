"""core/sources/extract.py and core/refresh/extractor.py: a page's article, on our own
small pages and on hostile ones (bounded by the pool's time and memory limits)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsterm.core.refresh.extractor import ExtractorPool
from newsterm.core.render import render_body
from newsterm.core.sources.extract import (
    Extracted,
    NotExtracted,
    byline,
    extract_page,
    not_the_article,
)
from newsterm.core.sources.extract_bounds import ELEMENTS_MAX

PAGES = Path(__file__).resolve().parents[1] / "data" / "fulltext"
URL = "https://news.example.org/2024/03/story.html"


def extracted(name: str) -> Extracted:
    found = extract_page((PAGES / name).read_bytes(), URL)
    assert isinstance(found, Extracted), found
    return found


def shown(found: Extracted) -> str:
    """The article as the pane gets it (our renderer)."""
    return render_body(found.content, "html", URL).markdown


@pytest.fixture(scope="module")
def pool() -> Iterator[ExtractorPool]:
    extractor = ExtractorPool(workers=1)
    yield extractor
    extractor.close()


ARTICLE = "".join(
    f"<p>Paragraph {n} of an ordinary article about the weather: rain on day {n}, "
    f"sun on day {n + 1}, and {n * 3} millimetres in the gauge by the mill.</p>"
    for n in range(12)
)


# -- our own pages ----------------------------------------------------------------------


def test_the_article_without_nav_comments_sidebar_or_footer() -> None:
    found = extracted("nav_comments.html")
    assert found.title == "Why the town bridge closed for a month"
    assert found.author == "Maren Holt"
    assert found.published is not None and found.published.date().isoformat() == "2024-03-12"
    text = shown(found)
    assert "two of its piers had been undermined" in text
    assert "## What the repairs involve" in text
    assert '> "The bridge has stood for two hundred years' in text
    assert "promised a small grant" in text  # the last paragraph
    for chrome in ("Subscribe", "Most read", "First!", "riverwatcher", "Post comment", "Privacy"):
        assert chrome not in text, chrome
    # the title is above the body in the pane: not repeated as its first heading
    assert "# Why the town bridge" not in text
    assert found.words > 200


def test_a_cookie_wall_is_not_the_article() -> None:
    found = extract_page((PAGES / "cookie_wall.html").read_bytes(), URL)
    assert found == NotExtracted("the page shows a cookie notice, not the article")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("word " * 10, "no article found on the page"),
        ("Subscribe to continue reading this article. " + "word " * 40, "subscribe or sign in"),
        ("Please enable JavaScript to read it. " + "word " * 40, "JavaScript"),
        ("We use cookies. " + "word " * 300, None),  # a long article may mention cookies
    ],
)
def test_teasers_and_walls_are_recognised(text: str, reason: str | None) -> None:
    verdict = not_the_article(text, len(text.split()))
    if reason is None:
        assert verdict is None
    else:
        assert verdict is not None and reason in verdict


def test_lazy_images_keep_their_place_and_their_link() -> None:
    found = extracted("lazy_images.html")
    rendered = render_body(found.content, "html", URL)
    assert rendered.links == (
        "https://news.example.org/images/sleeper-cabin.jpg",  # data-src, resolved
        "https://news.example.org/images/dining-car-960.jpg",  # srcset, the widest
        "https://news.example.org/images/coast-morning.jpg",  # inside <noscript>
    )
    text = rendered.markdown
    assert "[image: A sleeper cabin with two bunks][1]" in text
    assert "[image: The dining car at breakfast time][2]" in text
    assert "[image: The coast seen from the train at dawn][3]" in text
    assert "data:image" not in found.content
    assert text.index("sleeper cabin") < text.index("Each cabin has two narrow bunks")


def test_a_table_stays_a_table() -> None:
    text = shown(extracted("table.html"))
    assert "Month| Mill gauge (mm)| Hill station (mm)| Average (mm)" in text
    assert "January| 205| 263| 88" in text
    assert "the wettest in the valley" in text and "saturated" in text


def test_code_blocks_and_inline_code_are_kept() -> None:
    found = extracted("code.html")
    assert found.author == "Tomas Reyes"
    text = shown(found)
    assert "    def count_words(text):\n        return sum(1 for _ in WORD.finditer(text))" in text
    assert '    WORD = re.compile(r"\\w+")' in text
    assert "the version with `split()` needed" in text
    assert "Related posts" not in text


def test_captions_stay_with_their_images_and_a_players_go() -> None:
    text = shown(extracted("captions.html"))
    assert (
        "[image: The mill race in flood][1]\n\nThe mill race at noon on Tuesday, a metre "
        "above its usual level. Photo: Ada Brook\n\nResidents of the lower lane"
    ) in text
    # an image a script would load: its caption still says what the photo showed
    assert "\n\nVolunteers filling sandbags in the chapel car park.\n\n" in text
    assert "Watch: the water" not in text  # a video the reader will not see


def test_a_table_in_a_blockquote_stays_a_table() -> None:
    text = shown(extracted("captions.html"))
    assert "Day| Rain (mm)" in text and "Monday| 52" in text
    assert "Sunday38" not in text


def test_a_layout_table_reads_as_the_article_it_holds() -> None:
    found = extracted("layout_table.html")
    text = shown(found)
    assert "\n\n## The water supply\n\nThe new tank by the east gate" in text
    assert "\n\nA leak in the pipe to the west plots" in text
    for line in text.splitlines():
        assert not ("|" in line and "committee" in line), line  # no paragraph in a table row
    assert "East| Monday, Thursday" in text  # the data table inside stays one
    assert "# Notes from the allotment committee" not in text  # the title, shown above


def test_relative_links_resolve_against_the_page() -> None:
    page = (
        "<html><body><article><h1>T</h1>"
        + ARTICLE
        + '<p><a href="../other.html">the other story</a> and <a href="javascript:alert(1)">'
        "a script</a>.</p></article></body></html>"
    )
    found = extract_page(page, URL)
    assert isinstance(found, Extracted)
    rendered = render_body(found.content, "html", URL)
    assert rendered.links == ("https://news.example.org/2024/other.html",)
    assert "a script" in rendered.markdown and "javascript" not in rendered.markdown


def test_the_charset_of_the_page_is_read() -> None:
    words = "".join(
        f"<p>Les députés ont adopté le projet {n} à une large majorité, après {n} débats.</p>"
        for n in range(12)
    )
    page = '<html><head><meta charset="iso-8859-1"></head><body><article>' + words
    found = extract_page((page + "</article></body></html>").encode("latin-1"), URL)
    assert isinstance(found, Extracted)
    assert "Les députés ont adopté" in shown(found)


# -- hostile pages -------------------------------------------------------------------------


def test_nothing_unsafe_reaches_the_text() -> None:
    page = (
        "<html><head><title>Evil \x1b[31mred\x1b[0m \u202etitle</title></head><body><article>"
        "<h1>Evil \x1b]0;pwned\x07 title</h1>" + ARTICLE + "<p>[bold]markup[/bold] \x1b[2J"
        "<script>alert(1)</script><img src=x onerror=alert(1) alt='\x1b[5m'></p>"
        "</article></body></html>"
    )
    found = extract_page(page, URL)
    assert isinstance(found, Extracted)
    text = shown(found) + (found.title or "") + (found.author or "")
    for bad in ("\x1b", "\x07", "\u202e", "alert(1)", "<script"):
        assert bad not in text, bad
    assert "[bold]markup[/bold]" in text  # shown as text (the pane never reads markup)


def test_a_deeply_nested_page_is_read_or_refused_not_crashed(pool: ExtractorPool) -> None:
    page = "<html><body>" + "<div>" * 100_000 + ARTICLE + "</div>" * 100_000 + "</body></html>"
    found = pool.extract(page, URL)
    assert isinstance(found, Extracted | NotExtracted)


def test_endless_attributes_are_dropped(pool: ExtractorPool) -> None:
    # lxml alone took 160 s on these 200,000 attributes (its time is their square)
    attributes = " ".join(f"a{i}='x'" for i in range(200_000))
    page = f"<html><body><article {attributes}>{ARTICLE}</article></body></html>"
    found = pool.extract(page, URL)
    assert isinstance(found, Extracted), found
    assert "ordinary article about the weather" in found.content
    assert "a199999" not in found.content


def test_a_huge_page_is_cut_and_says_so(pool: ExtractorPool) -> None:
    page = "<html><body><article>" + ARTICLE + "<p>more text here</p>" * (ELEMENTS_MAX * 2)
    found = pool.extract(page + "</article></body></html>", URL)
    assert isinstance(found, Extracted), found
    assert found.note == "the page was too large: its end was not read"
    assert found.content.count("more text here") < ELEMENTS_MAX


def test_a_page_past_the_time_limit_is_stopped(pool: ExtractorPool) -> None:
    assert pool.run(time.sleep, 60, timeout=0.5) == NotExtracted("reading the page took over 0.5 s")
    # the next page gets a new worker
    assert isinstance(pool.extract((PAGES / "table.html").read_bytes(), URL), Extracted)


def test_a_page_past_the_memory_limit_fails_alone(pool: ExtractorPool) -> None:
    assert pool.run(bytearray, 8 * 1024**3) == NotExtracted("the page is too large to read")
    assert isinstance(pool.extract((PAGES / "code.html").read_bytes(), URL), Extracted)


def test_not_html_at_all(pool: ExtractorPool) -> None:
    assert pool.extract(b"", URL) == NotExtracted("the page is empty")
    found = pool.extract(bytes(range(256)) * 100, URL)
    assert isinstance(found, NotExtracted)


def test_a_closed_pool_answers_its_caller() -> None:
    extractor = ExtractorPool(workers=1)
    extractor.extract((PAGES / "table.html").read_bytes(), URL)
    extractor.close()
    with pytest.raises(RuntimeError):
        extractor.extract("<p>x</p>", URL)


@pytest.mark.parametrize(
    ("author", "published", "shown"),
    [
        ("Joshua Sokol May", datetime(2019, 5, 20, tzinfo=UTC), "Joshua Sokol"),
        ("Ann Lee Sep.", datetime(2021, 9, 1, tzinfo=UTC), "Ann Lee"),
        ("Ann Lee May", datetime(2019, 6, 1, tzinfo=UTC), "Ann Lee May"),  # not its month
        ("Brian May", None, "Brian May"),  # no date: nothing to tell the name from
        ("May", datetime(2019, 5, 1, tzinfo=UTC), "May"),  # one word is a name
        ("  \x1b[31mEvil\x1b[0m Name ", None, "[31mEvil[0m Name"),
        (None, None, None),
    ],
)
def test_a_byline_that_ran_into_its_date_loses_the_month(
    author: str | None, published: datetime | None, shown: str | None
) -> None:
    assert byline(author, published) == shown


def test_the_title_is_not_repeated_after_a_kicker() -> None:
    """A section's name as a heading above the title ("Orchards"), then the title: the
    title's heading is left out all the same (the pane shows the title above)."""
    found = extracted("kicker.html")
    assert found.title == "Counting the old pear trees"
    text = shown(found)
    assert "Counting the old pear trees" not in text
    assert "old trees on plot 9" in text
