"""core/render.py: article bodies -> Markdown with numbered links, under hostile input."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsterm.core import render
from newsterm.core.render import (
    DEPTH_MAX,
    INPUT_MAX,
    LINKS_HEADING,
    OUTPUT_MAX,
    TAGS_MAX,
    TRUNCATED_NOTE,
    RenderedArticle,
    reading_minutes,
    render_body,
    word_count,
)
from newsterm.core.text import has_control

BASE = "https://news.example/2024/story.html"
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "articles"


def body(rendered: RenderedArticle) -> str:
    """The Markdown without the final link list."""
    return rendered.markdown.split(f"\n\n{LINKS_HEADING}\n\n")[0]


def listing(rendered: RenderedArticle) -> list[str]:
    """The lines of the final link list."""
    head, sep, tail = rendered.markdown.partition(f"{LINKS_HEADING}\n\n")
    assert sep, rendered.markdown
    return tail.split("\n")


# --- HTML structure -----------------------------------------------------------


def test_html_headings_paragraphs_emphasis() -> None:
    html = (
        "<h1>Big news</h1><p>First <b>bold</b> and <em>soft</em> and <code>x&lt;y</code>.</p>"
        "<h2>Part two</h2><p>Second &amp; last.</p>"
    )
    assert render_body(html, "html").markdown == (
        "# Big news\n\nFirst **bold** and _soft_ and `x<y`.\n\n## Part two\n\nSecond & last."
    )


def test_html_lists_nested_and_ordered() -> None:
    html = (
        "<ul><li>one</li><li>two<ul><li>two.a</li></ul></li><li>three</li></ul>"
        '<ol start="4"><li>four</li><li>five</li></ol>'
    )
    md = render_body(html, "html").markdown
    assert "  * one\n  * two\n    * two.a\n  * three" in md
    assert "  4. four\n  5. five" in md


def test_html_unclosed_items_and_paragraphs_are_siblings() -> None:
    html = "<ul><li>a<li>b<li>c</ul><p>one<p>two<table><tr><td>1<td>2<tr><td>3<td>4</table>"
    md = render_body(html, "html").markdown
    assert "  * a\n  * b\n  * c" in md
    assert "one\n\ntwo" in md
    assert "1| 2" in md and "3| 4" in md
    assert md.index("1| 2") < md.index("3| 4")


def test_html_blockquote_and_rule() -> None:
    md = render_body("<p>a</p><blockquote><p>said <i>this</i></p></blockquote><hr><p>b</p>", "html")
    assert "> said _this_" in md.markdown
    assert "* * *" in md.markdown


def test_html_line_breaks_are_hard_breaks() -> None:
    md = render_body("<p>line one<br>line two</p>", "html").markdown
    assert md == "line one  \nline two"


# --- links ----------------------------------------------------------------------


def test_links_become_footnotes_with_a_final_list() -> None:
    html = (
        '<p>Read <a href="https://a.example/x">the report</a> and '
        '<a href="http://b.example/">this</a>, or <a href="mailto:desk@news.example">write</a>.</p>'
    )
    rendered = render_body(html, "html", BASE)
    assert body(rendered) == "Read the report[1] and this[2], or write[3]."
    assert rendered.links == (
        "https://a.example/x",
        "http://b.example/",
        "mailto:desk@news.example",
    )
    assert listing(rendered) == [
        "[1] https://a.example/x",
        "[2] http://b.example/",
        "[3] mailto:desk@news.example",
    ]


def test_relative_links_resolved_against_base_url() -> None:
    html = '<a href="/about">about</a> <a href="next.html">next</a> <a href="//cdn.example/f">f</a>'
    rendered = render_body(html, "html", BASE)
    assert rendered.links == (
        "https://news.example/about",
        "https://news.example/2024/next.html",
        "https://cdn.example/f",
    )
    assert body(rendered) == "about[1] next[2] f[3]"


def test_base_element_of_a_saved_page_sets_the_base() -> None:
    html = (
        '<head><base href="https://site.example/docs/"><base href="https://other.example/">'
        '</head><a href="page.html">page</a>'
    )
    rendered = render_body(html, "html", "https://feed.example/x")
    assert rendered.links == ("https://site.example/docs/page.html",)


def test_relative_links_without_base_url_are_dropped_to_text() -> None:
    rendered = render_body('<a href="/about">about</a>', "html")
    assert rendered.links == ()
    assert rendered.markdown == "about"


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "java\nscript:alert(1)",
        "data:text/html,<script>x</script>",
        "vbscript:msgbox",
        "file:///etc/passwd",
        "ftp://files.example/x",
        "#section-2",
        "mailto:",
        "http://",
    ],
)
def test_other_schemes_are_not_numbered(href: str) -> None:
    rendered = render_body(f'<p>go <a href="{href}">there</a> now</p>', "html", BASE)
    assert rendered.links == ()
    assert rendered.markdown == "go there now"


def test_identical_urls_share_one_number() -> None:
    html = (
        '<a href="https://x.example/a">one</a> <a href="https://y.example/">two</a> '
        '<a href="https://x.example/a">again</a> <a href="/a">relative same</a>'
    )
    rendered = render_body(html, "html", "https://x.example/")
    assert body(rendered) == "one[1] two[2] again[1] relative same[1]"
    assert rendered.links == ("https://x.example/a", "https://y.example/")


def test_images_are_placeholders_with_numbered_links() -> None:
    html = (
        '<p><img src="/img/cat.jpg" alt="A cat"> <img src="dog.png">'
        '<img src="data:image/png;base64,AAAA" alt="inline">'
        '<img src="https://t.example/pixel.gif" width="1" height="1" alt="">'
        '<a href="/img/cat.jpg"><img src="/img/cat.jpg" alt="Zoom"></a></p>'
    )
    rendered = render_body(html, "html", BASE)
    assert body(rendered) == "[image: A cat][1] [image][2][image: inline][image: Zoom][1]"
    assert rendered.links == (
        "https://news.example/img/cat.jpg",
        "https://news.example/2024/dog.png",
    )


def test_link_around_image_numbers_image_first() -> None:
    html = '<a href="https://site.example/page"><img src="https://img.example/p.jpg" alt="P"></a>'
    rendered = render_body(html, "html")
    assert body(rendered) == "[image: P][1][2]"
    assert rendered.links == ("https://img.example/p.jpg", "https://site.example/page")


def test_empty_anchors_get_no_number() -> None:
    rendered = render_body('<p>a<a href="https://x.example/"></a> <a name="here"></a>b</p>', "html")
    assert rendered.links == ()
    assert rendered.markdown == "a b"


def test_nested_anchor_closes_the_open_one() -> None:
    html = '<a href="https://one.example/">one <a href="https://two.example/">two</a></a>'
    rendered = render_body(html, "html")
    assert body(rendered) == "one [1]two[2]"


def test_article_text_cannot_forge_markers() -> None:
    rendered = render_body("<p>fake \ue0009\ue001 marker</p>", "html")
    assert rendered.markdown == "fake 9 marker"
    assert rendered.links == ()


# --- hostile HTML ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("open_tag", "close_tag"),
    [
        ("<ul><li>x", "</li></ul>"),
        ("<ol><li>x", "</li></ol>"),
        ("<blockquote>x", "</blockquote>"),
        ("<table><tr><td>x", "</td></tr></table>"),
        ("<div>x", "</div>"),
        ("<dl><dd>x", "</dd></dl>"),
    ],
)
@pytest.mark.parametrize("closed", [True, False])
def test_ten_thousand_nested_levels_are_capped(open_tag: str, close_tag: str, closed: bool) -> None:
    # 10,000 levels render in 0.1-0.4 s here (html2text alone would take minutes and
    # a gigabyte: its indentation grows with depth). Budgets live in bench/.
    html = open_tag * 10_000 + (close_tag * 10_000 if closed else "")
    rendered = render_body(html, "html")
    assert len(re.findall(r"\bx\b", rendered.markdown)) == 10_000  # every text node kept
    lines = rendered.markdown.split("\n")
    assert max(len(line) - len(line.lstrip(" >")) for line in lines) <= 4 * DEPTH_MAX
    assert len(rendered.markdown) < 200_000


def test_deep_nesting_keeps_the_shallow_structure() -> None:
    html = "<blockquote>" * 5 + "<p>deep</p>" + "</blockquote>" * 5 + "<p>after</p>"
    md = render_body(html, "html").markdown
    assert "> > > > > deep" in md
    assert md.endswith("after")


@pytest.mark.parametrize("tag", ["script", "style", "noscript", "iframe", "template", "title"])
def test_invisible_content_is_stripped(tag: str) -> None:
    html = f"<p>before</p><{tag}>SECRET <b>x</b> alert(1)</{tag}><p>after</p>"
    md = render_body(html, "html").markdown
    assert "SECRET" not in md and "alert" not in md
    assert md == "before\n\nafter"


def test_script_with_markup_inside_is_stripped() -> None:
    html = "<p>a</p><script>document.write('<p>INJECTED</p>')</script><p>b</p>"
    assert render_body(html, "html").markdown == "a\n\nb"


def test_head_is_not_shown() -> None:
    html = (
        "<html><head><title>Page title</title><meta charset=utf-8>"
        "<style>p{}</style></head><body><p>text</p></body></html>"
    )
    assert render_body(html, "html").markdown == "text"


def test_huge_input_is_cut_with_a_note() -> None:
    html = "<p>" + "word " * (INPUT_MAX // 5 + 50_000) + "</p>"
    rendered = render_body(html, "html")
    assert rendered.markdown.endswith(f"\n\n{TRUNCATED_NOTE}")
    assert len(rendered.markdown) <= INPUT_MAX + 100
    assert rendered.words > 150_000


def test_too_many_tags_are_cut_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    assert TAGS_MAX >= 20_000  # real pages in the corpus have up to ~6,000
    monkeypatch.setattr(render, "TAGS_MAX", 1_000)  # the same code path, 50x faster
    rendered = render_body("<b>x</b>" * 600, "html")
    assert rendered.markdown.endswith(f"\n\n{TRUNCATED_NOTE}")
    # 500 bold x kept; touching bold runs are one ("**x****x**" showed "****" as text)
    assert rendered.markdown == "**" + "x" * 500 + f"**\n\n{TRUNCATED_NOTE}"


def test_output_is_capped_too(monkeypatch: pytest.MonkeyPatch) -> None:
    assert OUTPUT_MAX >= INPUT_MAX
    monkeypatch.setattr(render, "OUTPUT_MAX", 10_000)
    # Plain text grows (each line break becomes a Markdown hard break): over the cap.
    rendered = render_body("ab\n" * 4_000, "text")
    assert 9_000 < len(rendered.markdown) <= 10_000 + len(TRUNCATED_NOTE) + 2
    assert rendered.markdown.endswith(f"ab\n\n{TRUNCATED_NOTE}")


@pytest.mark.parametrize(
    "html",
    [
        "<![foo[ <p>text</p>",
        "<" * 10_000,
        "</p></li></ul></table>" * 100 + "text",
        '<a href="' + "x" * 10_000,
        "<p>unclosed <b>bold <i>italic",
        "<<<>>><<p>>text</p>&&&amp;&#0;&#x110000;&bogus;",
        "",
    ],
)
def test_malformed_html_never_raises(html: str) -> None:
    rendered = render_body(html, "html")
    assert isinstance(rendered.markdown, str)
    assert not has_control(rendered.markdown)


def test_lone_less_than_signs_are_text() -> None:
    assert render_body("<p>1 < 2 and 3 <4</p>", "html").markdown == "1 < 2 and 3 <4"


def test_no_control_characters_in_output() -> None:
    evil = "A\x1b[31mred\x1b[0m \x07bell \u202eevil\u202c \x9bcsi \x00nul"
    html = f'<h1>{evil}</h1><p>{evil}</p><a href="https://x.example/\x1b[2J">{evil}</a>'
    for content, kind in ((html, "html"), (evil, "markdown"), (evil, "text")):
        rendered = render_body(content, kind)  # type: ignore[arg-type]
        assert not has_control(rendered.markdown), kind
        assert "red" in rendered.markdown
        assert all(not has_control(url) for url in rendered.links)


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("<>/=\"' abpliuoatdhrefsc:#&;\n\x1b\u202e")), max_size=300
    )
)
def test_arbitrary_html_never_raises(html: str) -> None:
    rendered = render_body(html, "html", BASE)
    assert not has_control(rendered.markdown)
    assert all(url.startswith(("http://", "https://", "mailto:")) for url in rendered.links)


# --- Markdown and text ---------------------------------------------------------


def test_markdown_links_become_footnotes() -> None:
    md = (
        "# Title\n\n"
        'See [the docs](/docs "Docs") and [a ref][r] and <https://auto.example/x>.\n'
        "![a pic](pic.png) and [![logo](logo.png)](https://home.example/) and "
        "[bad](javascript:alert(1)) and [paren](https://w.example/A_(b)).\n\n"
        "[R]: https://ref.example/\n"
    )
    rendered = render_body(md, "markdown", BASE)
    assert body(rendered) == (
        "# Title\n\n"
        "See the docs[1] and a ref[2] and https://auto.example/x[3].\n"
        "[image: a pic][4] and [image: logo][5][6] and bad and paren[7]."
    )
    assert rendered.links == (
        "https://news.example/docs",
        "https://ref.example/",
        "https://auto.example/x",
        "https://news.example/2024/pic.png",
        "https://news.example/2024/logo.png",
        "https://home.example/",
        "https://w.example/A_(b)",
    )


def test_markdown_link_text_may_span_lines() -> None:
    rendered = render_body("a [wrapped\nlink text](https://a.example/) b", "markdown")
    assert rendered.markdown.startswith("a wrapped\nlink text[1] b")


def test_markdown_code_fences_are_left_alone() -> None:
    md = "text [x](https://a.example/)\n\n```\n[y](https://b.example/)\n```\n"
    rendered = render_body(md, "markdown")
    assert body(rendered) == "text x[1]\n\n```\n[y](https://b.example/)\n```"
    assert rendered.links == ("https://a.example/",)


def test_markdown_unknown_reference_stays_as_written() -> None:
    rendered = render_body("see [this][nowhere] and [3]", "markdown")
    assert rendered.markdown == "see [this][nowhere] and [3]"
    assert rendered.links == ()


def test_text_passes_through_with_line_breaks_kept() -> None:
    text = "Home » Tech\n\nFirst paragraph\nwith a second line.\n\n\n\nLast *stars* stay."
    rendered = render_body(text, "text")
    assert rendered.markdown == (
        "Home » Tech\n\nFirst paragraph  \nwith a second line.\n\nLast \\*stars\\* stay."
    )
    assert rendered.links == ()


def test_text_bare_urls_are_numbered() -> None:
    text = "See https://a.example/x_(y). And (https://b.example/q), https://a.example/x_(y)!"
    rendered = render_body(text, "text")
    assert body(rendered) == (
        "See https://a.example/x_(y)[1]. And (https://b.example/q[2]), https://a.example/x_(y)[1]!"
    )
    assert rendered.links == ("https://a.example/x_(y)", "https://b.example/q")


def test_empty_body() -> None:
    assert render_body("", "html") == RenderedArticle("", (), 0)
    assert render_body("   \n\n ", "text") == RenderedArticle("", (), 0)


# --- words and reading time ------------------------------------------------------------


def test_word_count() -> None:
    assert word_count("") == 0
    assert word_count("One two, three — four! * # --- 5") == 5
    assert word_count("日本語の文") == 5
    assert word_count("mixed 中文 text") == 4


def test_words_exclude_link_list_and_refs() -> None:
    html = '<p>alpha <a href="https://a.example/one/two/three">beta</a> gamma</p><img src="https://i.example/" alt="x y">'
    rendered = render_body(html, "html")
    assert rendered.words == 5  # alpha beta gamma + the alt text "x y"


@pytest.mark.parametrize(
    ("words", "minutes"),
    [(0, 1), (1, 1), (230, 1), (344, 1), (345, 2), (460, 2), (2300, 10), (-5, 1)],
)
def test_reading_minutes(words: int, minutes: int) -> None:
    assert reading_minutes(words) == minutes


# --- shape -------------------------------------------------------------------------------


def test_render_imports_neither_rich_nor_textual() -> None:
    code = (
        "import sys, newsterm.core.render as r\n"
        "r.render_body('<p>x</p>', 'html')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'textual')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
def test_corpus_articles_render() -> None:
    paths = sorted(CORPUS.glob("*.html"))
    assert paths
    for path in paths:
        rendered = render_body(path.read_text("utf-8", errors="replace"), "html", BASE)
        assert rendered.words > 100, path.name
        assert not has_control(rendered.markdown), path.name
        assert "<script" not in rendered.markdown.lower(), path.name
        for number, url in enumerate(rendered.links, 1):
            assert re.match(r"(https?://|mailto:)\S+$", url), (path.name, url)
            # as it is, or as an autolink where a character of it would need escaping
            assert f"[{number}] {url}\n" in rendered.markdown + "\n" or (
                f"[{number}] <{url}>\n" in rendered.markdown + "\n"
            )


# --- Markdown that reads back as the article (issue 12) ------------------------------------


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in ("p", "br", "li", "tr", "h1", "h2", "pre", "blockquote", "hr"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def read_back(markdown: str) -> tuple[str, list[str]]:
    """What a CommonMark reader (tables, ~~strike~~) shows of ``markdown``: its text with
    whitespace collapsed, and the tags it made."""
    from markdown_it import MarkdownIt

    reader = _Text()
    reader.feed(MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown))
    return " ".join("".join(reader.parts).split()), reader.tags


@pytest.mark.parametrize(
    "text",
    [
        "(X*Z'+X'*Z+Y')* and 2 * 3 * 4",
        "snake_case_name, _private, __init__ and x_(y)",
        "# not a heading",
        "1. not a list",
        "1986. A fine year",
        "- nor this",
        "+ nor this",
        "> nor a quote",
        "=====",
        "---",
        "[1] not a footnote and [image: not an image]",
        "[text](not-a-link) and ![alt](not-an-image)",
        "a | b | c",
        "`not code` and ``not either``",
        "<div>not html</div> and <https://not.an.autolink/>",
        "&amp; stays &amp; and &copy; too",
        "~~not struck~~ and ~approximately~",
        r"C:\Users\me and \*kept\*",
        "[bold]rich markup[/bold]",
    ],
)
def test_markdown_specials_of_the_text_read_back_as_text(text: str) -> None:
    html = "<p>" + text.replace("&", "&amp;").replace("<", "&lt;") + "</p>"
    markdown = render_body(html, "html").markdown
    shown, tags = read_back(markdown)
    assert shown == text, markdown
    assert tags == ["p"], markdown


@pytest.mark.parametrize(
    ("html", "text", "tag"),
    [
        ("<p>By <b>Jane Doe</b>: a bug</p>", "By Jane Doe: a bug", "strong"),
        ("<p>a <i>bug</i>, and</p>", "a bug, and", "em"),
        ("<p>un<em>believ</em>able</p>", "unbelievable", "em"),
        ("<p>He said <b>“no” </b>twice</p>", "He said “no” twice", "strong"),
        ("<p><b>con</b><b>cat</b> done</p>", "concat done", "strong"),
        ("<p><b><i>both</i></b> here</p>", "both here", "em"),
        ("<p>x<b> spaced </b>y</p>", "x spaced y", "strong"),
        ("<p>see <code>a`b</code> and <kbd>*p*</kbd></p>", "see a`b and *p*", "code"),
        ("<p><em>a_b</em> c</p>", "a_b c", "em"),
        ("<p><del>gone</del> here</p>", "gone here", "s"),
    ],
)
def test_inline_styles_read_back_as_styles_and_add_no_space(html: str, text: str, tag: str) -> None:
    markdown = render_body(html, "html").markdown
    shown, tags = read_back(markdown)
    assert shown == text, markdown
    assert tag in tags, markdown


def test_a_style_that_cannot_be_written_leaves_its_text() -> None:
    # CommonMark has no delimiter for bold ending in a quote and followed by a letter
    markdown = render_body('<p>He said <b>"no"</b>twice.</p>', "html").markdown
    assert read_back(markdown) == ('He said "no"twice.', ["p"])


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("2<sup>4</sup> = 16", "2⁴ = 16"),
        ("00<sub>2</sub> = 0", "00₂ = 0"),
        ("H<sub>2</sub>O and x<sup>n+1</sup>", "H₂O and xⁿ⁺¹"),
        ("O(2<sup>2<sup>n</sup>+1</sup>)", "O(2²ⁿ⁺¹)"),
        ("the 1<sup>st</sup>", "the 1ˢᵗ"),
        ("2<sup>1/2</sup>", "2^(1/2)"),
        ("note<sup>[3]</sup>", "note^[3]"),
        ("a<sub>ij</sub>", "a_ij"),
        ("x<sup> </sup>y", "x y"),
    ],
)
def test_sup_and_sub_have_a_readable_form(html: str, expected: str) -> None:
    markdown = render_body(f"<p>{html}</p>", "html").markdown
    assert read_back(markdown)[0] == expected, markdown


def test_tables_read_back_as_tables_with_every_cell() -> None:
    html = (
        "<table><tr><td></td><td>Spring</td></tr><tr><td>Rain</td><td>12</td><td>x|y</td></tr>"
        "<tr><td>a<br>b</td><td><code>p | q</code></td></tr></table>"
        "<table><tr><td>one column</td></tr><tr><td>no heading</td></tr></table>"
    )
    markdown = render_body(html, "html").markdown
    shown, tags = read_back(markdown)
    assert shown == "Spring Rain 12 x|y a b p | q one column no heading"
    assert tags.count("table") == 1 and tags.count("td") + tags.count("th") == 9
    assert "h2" not in tags  # "one column\n---" would be a heading


def test_urls_in_the_link_list_read_back_whole() -> None:
    url = "https://img.example/news/_84456971_getty*images.jpg"
    rendered = render_body(f'<p><a href="{url}">pic</a></p>', "html")
    assert listing(rendered) == [f"[1] <{url}>"]  # no backslash to break it when copied
    assert read_back(rendered.markdown)[0].endswith(f"[1] {url}")
