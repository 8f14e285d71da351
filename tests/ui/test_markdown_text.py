"""ui/markdown_text.py: Markdown -> styled rich Text, never read as markup."""

from __future__ import annotations

import asyncio

import pytest
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import Static

from newsterm.core.render import render_body
from newsterm.ui.markdown_text import (
    DEFAULT_THEME as THEME,
)
from newsterm.ui.markdown_text import (
    QUOTE_BAR,
    inline_text,
    markdown_to_text,
)

MARKUP = ["[bold]", "[/]", "[/bold]", "[link=https://evil.example]", "[@click=app.quit]", ":smile:"]


def style_at(text: Text, index: int) -> Style:
    """The combined style of the character at ``index``."""
    styles = [text.style] if isinstance(text.style, Style) else []
    styles += [span.style for span in text.spans if span.start <= index < span.end]
    return Style.combine([Style(), *(s for s in styles if isinstance(s, Style))])


def style_of(text: Text, fragment: str, occurrence: int = 0) -> Style:
    """The style every character of ``fragment`` shares (asserts they agree)."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.plain.index(fragment, start + 1)
    styles = {style_at(text, i) for i in range(start, start + len(fragment))}
    assert len(styles) == 1, (fragment, styles)
    return styles.pop()


def lines(text: Text) -> list[str]:
    return text.plain.split("\n")


# --- blocks -------------------------------------------------------------------------


def test_headings_are_bold_with_blank_lines_around() -> None:
    text = markdown_to_text("# Top title\nintro\n## Second ##\n###### Small\nend")
    assert lines(text) == ["Top title", "", "intro", "", "Second", "", "Small", "", "end"]
    assert style_of(text, "Top title") == THEME.h1
    assert style_of(text, "Top title").bold and style_of(text, "Top title").underline
    assert style_of(text, "Second") == THEME.h2
    assert style_of(text, "Small") == THEME.h4
    assert style_of(text, "intro") == Style()


def test_setext_headings() -> None:
    text = markdown_to_text("Title\n=====\n\nSub\n---\ntext")
    assert lines(text) == ["Title", "", "Sub", "", "text"]
    assert style_of(text, "Title") == THEME.h1
    assert style_of(text, "Sub") == THEME.h2


def test_not_headings() -> None:
    text = markdown_to_text("#hashtag\n\n####### seven")
    assert lines(text) == ["#hashtag", "", "####### seven"]
    assert not text.spans


def test_paragraph_lines_join_and_hard_breaks_stay() -> None:
    text = markdown_to_text("one\ntwo  \nthree\\\nfour\n\nnext")
    assert lines(text) == ["one two", "three", "four", "", "next"]


def test_unordered_lists_nested_with_hanging_indent() -> None:
    md = "  * one\n  * two\n    * two.a\n      * deep\n    * two.b\n  * three\n\nafter"
    text = markdown_to_text(md)
    assert lines(text) == [
        "  • one",
        "  • two",
        "    ◦ two.a",
        "      ▪ deep",
        "    ◦ two.b",
        "  • three",
        "",
        "after",
    ]
    assert style_of(text, "•") == THEME.bullet
    assert style_of(text, "one") == Style()


def test_ordered_list_and_continuation_lines() -> None:
    md = "1. first\n   still first\n2. second\n\n   second, paragraph two\n10) tenth\n- other"
    text = markdown_to_text(md)
    assert lines(text) == [
        "  1. first still first",
        "  2. second",
        "",
        "     second, paragraph two",
        "",
        "  10. tenth",
        "  • other",
    ]


def test_list_item_wraps_with_hanging_indentation() -> None:
    text = markdown_to_text("- alpha beta gamma delta epsilon zeta eta theta", width=24)
    assert lines(text) == ["  • alpha beta gamma", "    delta epsilon zeta", "    eta theta"]


def test_quotes_have_bars_and_italic_text() -> None:
    text = markdown_to_text("> said this\n> and that\n>\n>> deeper\n\nplain")
    assert lines(text) == [
        f"{QUOTE_BAR}said this and that",
        QUOTE_BAR.rstrip(),
        f"{QUOTE_BAR * 2}deeper",
        "",
        "plain",
    ]
    assert style_of(text, "said this") == THEME.quote
    assert style_of(text, QUOTE_BAR.strip()) == THEME.quote_bar
    assert style_of(text, "plain") == Style()


def test_quote_lazy_continuation_and_wrapping_keeps_bars() -> None:
    assert lines(markdown_to_text("> start\ncontinued")) == [f"{QUOTE_BAR}start continued"]
    wrapped = markdown_to_text("> one two three four five six", width=12)
    assert lines(wrapped) == [
        f"{QUOTE_BAR}one two",
        f"{QUOTE_BAR}three four",
        f"{QUOTE_BAR}five six",
    ]


def test_fenced_code_is_literal_and_dim() -> None:
    md = "text\n\n```python\nx = **not bold** [bold]y[/]\n\n    indented\n```\nafter"
    text = markdown_to_text(md)
    assert lines(text) == [
        "text",
        "",
        "  x = **not bold** [bold]y[/]",
        "  ",
        "      indented",
        "",
        "after",
    ]
    assert style_of(text, "x = **not bold** [bold]y[/]") == THEME.code_block
    assert style_of(text, "indented") == THEME.code_block


def test_indented_code_and_long_code_lines_fold() -> None:
    text = markdown_to_text("para\n\n    code line\n    more\n\nafter")
    assert lines(text) == ["para", "", "  code line", "  more", "", "after"]
    assert style_of(text, "code line") == THEME.code_block
    folded = markdown_to_text("    " + "x" * 25, width=12)
    # the rest of a cut code line starts with a mark (it had none: issue 12)
    assert lines(folded) == ["  xxxxxxxxxx", "  ↪ xxxxxxxx", "  ↪ xxxxxxx"]
    assert style_of(folded, "↪") == THEME.mark


def test_rules() -> None:
    text = markdown_to_text("a\n\n* * *\n\nb\n\n---", width=10)
    assert lines(text) == ["a", "", "─" * 10, "", "b", "", "─" * 10]
    assert style_of(text, "─" * 10) == THEME.rule


def test_tables_are_aligned() -> None:
    text = markdown_to_text("a| bb  \n---|---  \n1| 2  \n333| 4")
    assert lines(text) == ["a   │ bb", "────┼───", "1   │ 2", "333 │ 4"]
    assert style_of(text, "bb") == THEME.table_header


def test_link_list_lines_stay_separate() -> None:
    md = "## Links\n\n[1] https://a.example/x_y_z\n[2] mailto:me@x.example"
    text = markdown_to_text(md)
    assert lines(text) == ["Links", "", "[1] https://a.example/x_y_z", "[2] mailto:me@x.example"]
    assert style_of(text, "[1]") == THEME.footnote
    assert style_of(text, "https://a.example/x_y_z") == Style()


def test_rendered_html_article_end_to_end() -> None:
    html = (
        "<h1>Title</h1><p>Intro <a href='https://a.example/'>link</a>.</p>"
        "<ul><li>one</li><li>two</li></ul><blockquote>quote</blockquote>"
    )
    text = markdown_to_text(render_body(html, "html").markdown)
    assert lines(text) == [
        "Title",
        "",
        "Intro link[1].",
        "",
        "  • one",
        "  • two",
        "",
        f"{QUOTE_BAR}quote",
        "",
        "Links",
        "",
        "[1] https://a.example/",
    ]
    assert style_of(text, "[1]", 0) == THEME.footnote


# --- inline ---------------------------------------------------------------------------


def test_inline_emphasis_code_and_strike() -> None:
    text = inline_text("a **strong** b *em* c _em2_ d `co*de*` e ~~gone~~ f ***both***", None)
    assert text.plain == "a strong b em c em2 d co*de* e gone f both"
    assert style_of(text, "strong") == THEME.strong
    assert style_of(text, "em", 0) == THEME.em
    assert style_of(text, "em2") == THEME.em
    assert style_of(text, "co*de*") == THEME.code
    assert style_of(text, "gone") == THEME.strike
    assert style_of(text, "both") == Style.combine([THEME.strong, THEME.em])
    assert style_at(text, 0) == Style()


def test_inline_nested_emphasis_and_base_style() -> None:
    text = inline_text("**bold *and em* bold**", THEME.quote)
    assert text.plain == "bold and em bold"
    assert style_of(text, "and em") == Style.combine([THEME.quote, THEME.strong, THEME.em])
    assert style_of(text, "bold", 0) == Style.combine([THEME.quote, THEME.strong])


@pytest.mark.parametrize(
    "source",
    [
        "snake_case_name",
        "2 * 3 * 4",
        "a ** b",
        "unclosed *star",
        "unclosed `tick",
        "~single~",
        "file_name_here.txt",
    ],
)
def test_inline_literals_stay_literal(source: str) -> None:
    text = inline_text(source, None)
    assert text.plain == source
    assert not text.spans


def test_inline_escapes_footnotes_and_images() -> None:
    text = inline_text(r"\*not em\* 1\. x[12] [image: A cat][3] [notes]", None)
    assert text.plain == "*not em* 1. x[12] [image: A cat][3] [notes]"
    assert style_of(text, "[12]") == THEME.footnote
    assert style_of(text, "[3]") == THEME.footnote
    assert style_of(text, "[image: A cat]") == THEME.image
    assert style_of(text, "[notes]") == Style()
    assert style_of(text, "*not em*") == Style()


# --- untrusted text ----------------------------------------------------------------------


@pytest.mark.parametrize("markup", MARKUP)
def test_markup_is_shown_literally(markup: str) -> None:
    md = f"# Title {markup}x[/]\n\nBody {markup}text[/] and **bold {markup}**\n\n- item {markup}"
    text = markdown_to_text(md)
    assert lines(text) == [
        f"Title {markup}x[/]",
        "",
        f"Body {markup}text[/] and bold {markup}",
        "",
        f"  • item {markup}",
    ]
    for index in range(len(text.plain)):
        style = style_at(text, index)
        assert style.link is None and not style.meta
    start = text.plain.index(f"Body {markup}")
    assert all(style_at(text, i) == Style() for i in range(start, start + len(markup) + 9))


def test_controls_are_removed() -> None:
    text = markdown_to_text("red \x1b[31mX\x1b[0m \x07bell \u202eevil\r\nnext\x9b2J")
    assert "\x1b" not in text.plain and "\x07" not in text.plain and "\u202e" not in text.plain
    assert "\x9b" not in text.plain and "\r" not in text.plain
    assert text.plain == "red [31mX[0m bell evil next2J"


def test_markup_literal_in_a_mounted_widget() -> None:
    class Viewer(App[None]):
        def compose(self) -> ComposeResult:
            yield Static(markdown_to_text("# [b]T[/b]\n\nA [@click=app.quit]q[/] [link=x]l[/link]"))

    async def check() -> None:
        app = Viewer()
        async with app.run_test(size=(60, 6)):
            static = app.query_one(Static)
            strips = static.render_lines(Region(0, 0, static.size.width, 3))
            assert strips[0].text.rstrip() == "[b]T[/b]"
            assert strips[2].text.rstrip() == "A [@click=app.quit]q[/] [link=x]l[/link]"
            for segment in strips[2]:
                assert segment.style is None or (
                    segment.style.link is None and "@click" not in segment.style.meta
                )

    asyncio.run(check())


# --- robustness ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "md",
    [
        ">" * 10_000 + " deep",
        "\n".join(" " * (2 * i) + "- x" for i in range(2_000)),
        "*a " * 5_000,
        "a " + "`" * 5_000 + "x",
        "`" * 5_000 + "x",  # a fence never closed: an empty code block
        "_" * 10_000,
        "[" * 10_000,
        "# " + " " * 50_000 + "x",
        "|a|b|\n|-|-|\n" + "|1|2|\n" * 2_000,
        "```\n" + "code\n" * 5_000,
    ],
    ids=lambda md: repr(md[:12]),
)
def test_hostile_markdown_converts(md: str) -> None:
    # Each of these converts in well under a second here (35 KB of real article:
    # about 8 ms unwrapped). Timing budgets live in bench/.
    text = markdown_to_text(md)
    assert text.plain or md.startswith("```")
    assert len(text.plain) < 3 * len(md) + 1_000
    assert markdown_to_text(md, width=40).plain or md.startswith("```")


def test_empty_input() -> None:
    assert markdown_to_text("").plain == ""
    assert markdown_to_text("\n\n  \n").plain == ""
