"""The article pane shows every word of an article and nothing else (issue 12).

Each case is HTML of our own that reproduces a pattern seen in real feeds, rendered as
the pane renders it: render_body, then wrap_body's lines.
"""

from __future__ import annotations

from rich.style import Style

from newsterm.core.render import render_body
from newsterm.ui.markdown_text import CONTINUATION, DEFAULT_THEME
from newsterm.ui.widgets.article_body import wrap_body

BASE = "https://news.example/2024/story.html"


def shown(html: str, width: int = 60) -> list[str]:
    """The pane's lines for ``html``."""
    return [
        plain for plain, _spans in wrap_body(render_body(html, "html", BASE).markdown, width).lines
    ]


def styled(html: str, style: Style, width: int = 60) -> list[str]:
    """The pieces of the pane's lines drawn in ``style``."""
    body = wrap_body(render_body(html, "html", BASE).markdown, width)
    return [
        plain[s.start : s.end] for plain, spans in body.lines for s in spans if s.style == style
    ]


# --- Markdown syntax never shows as text -------------------------------------------------


def test_styles_before_punctuation_add_no_space() -> None:
    html = "<p>By <b>Jane Doe</b>: a <i>bug</i>, and <em>more</em>; <strong>done</strong>.</p>"
    assert shown(html) == ["By Jane Doe: a bug, and more; done."]
    assert styled(html, DEFAULT_THEME.strong) == ["Jane Doe", "done"]
    assert styled(html, DEFAULT_THEME.em) == ["bug", "more"]


def test_emphasis_inside_a_word_adds_no_space() -> None:
    html = "<p>It was un<em>believ</em>able.</p>"
    assert shown(html) == ["It was unbelievable."]
    assert styled(html, DEFAULT_THEME.em) == ["believ"]


def test_an_empty_bold_after_a_link_shows_no_asterisks() -> None:
    html = '<p><a href="http://app.example/">http://app.example</a><b></b> - Perhaps not</p>'
    assert shown(html)[0] == "http://app.example[1] - Perhaps not"


def test_code_in_a_pre_is_never_read_as_a_list() -> None:
    html = "<pre>- first step `with code`\n- second *step*</pre>"
    assert shown(html) == ["  - first step `with code`", "  - second *step*"]


def test_a_layout_table_with_a_line_break_in_a_cell_is_one_row() -> None:
    html = (
        '<table><tr><td><a href="https://t.example/p"><img src="https://t.example/i.png" '
        'alt="thumb"></a></td><td>posted by <a href="https://u.example/me">me</a><br>'
        '<a href="https://t.example/c">[comments]</a></td></tr></table>'
    )
    lines = shown(html, 100)
    assert lines[0] == "[image: thumb][1][2] │ posted by me[3] [comments][4]"
    assert not any("|" in line or "---" in line for line in lines), lines


def test_code_in_a_table_in_a_list_item_stays_code() -> None:
    html = (
        "<ul><li>Do this.<table><tr><td><pre>a = 1<br>b = 2</pre></td><td><pre>c = 3</pre>"
        "</td></tr><tr><td>x</td><td>y</td></tr></table></li><li>next</li></ul>"
    )
    lines = shown(html)
    assert lines[:6] == ["  • Do this.", "", "      a = 1", "      b = 2", "      ", "      c = 3"]
    assert "x y" in lines and lines[-1] == "  • next"
    assert not any("|" in line or "---" in line for line in lines), lines


def test_a_table_whose_first_cell_is_empty_keeps_its_columns() -> None:
    html = (
        "<table><tr><td></td><td>Spring</td><td>Autumn</td></tr>"
        "<tr><td>Rain</td><td>12</td><td>30</td></tr></table>"
    )
    lines = shown(html)
    assert lines[0].index("Spring") == lines[2].index("12")
    assert lines[2].startswith("Rain │")


def test_a_row_wider_than_the_first_loses_no_cell() -> None:
    html = "<table><tr><th>Name</th></tr><tr><td>a</td><td>b</td><td>lost?</td></tr></table>"
    assert "lost?" in shown(html)[2]


def test_underscores_and_stars_of_the_text_stay_as_they_are() -> None:
    html = (
        "<p>Formula (X*Z'+X'*Z+Y')* holds for snake_case_name, _private and __init__.</p>"
        "<p>a<i>_</i>b</p><p>*</p><p>___</p>"
    )
    assert shown(html, 100) == [
        "Formula (X*Z'+X'*Z+Y')* holds for snake_case_name, _private and __init__.",
        "",
        "a_b",
        "",
        "*",
        "",
        "___",
    ]


def test_backslashes_of_the_text_stay() -> None:
    assert shown(r"<p>C:\Users\me and \*not\* a \_name</p>") == [
        r"C:\Users\me and \*not\* a \_name"
    ]


def test_a_line_of_the_text_is_no_heading_list_or_quote() -> None:
    html = "<p>Hello<br># not a heading<br>1. not a list<br>- nor this<br>&gt; nor a quote</p>"
    assert shown(html) == [
        "Hello",
        "# not a heading",
        "1. not a list",
        "- nor this",
        "> nor a quote",
    ]


def test_a_list_nested_in_item_ten_is_nested() -> None:
    html = '<ol start="9"><li>nine</li><li>ten<ul><li>inner</li></ul></li></ol>'
    assert shown(html) == ["  9. nine", "  10. ten", "      ◦ inner"]


# --- no word lost ------------------------------------------------------------------------


def test_superscripts_and_subscripts_are_readable() -> None:
    html = (
        "<p>There are 2<sup>4</sup> = 16 settings, 2<sup>16</sup>·2<sup>16</sup> = "
        "2<sup>32</sup> pairs, 00<sub>2</sub> = 0, H<sub>2</sub>O, the 1<sup>st</sup>, "
        "2<sup>1/2</sup>, x<sub>max</sub> and x<sub>ij</sub>.</p>"
    )
    assert shown(html, 200) == [
        "There are 2⁴ = 16 settings, 2¹⁶·2¹⁶ = 2³² pairs, 00₂ = 0, H₂O, the 1ˢᵗ, 2^(1/2), xₘₐₓ and x_ij."
    ]


# --- long lines ----------------------------------------------------------------------------


def test_a_long_code_line_goes_on_after_a_mark() -> None:
    code = "value = compute(alpha, beta, gamma, delta, epsilon, zeta, eta)"
    lines = shown(f"<pre>{code}</pre>", 40)
    assert lines[0] == "  " + code[:38]
    assert lines[1] == f"  {CONTINUATION}{code[38:]}"


def test_a_long_url_in_the_link_list_starts_on_its_number_line() -> None:
    url = "https://very.example/" + "segment/" * 12 + "end.html"
    lines = shown(f'<p>See <a href="{url}">this</a>.</p>', 40)
    start = lines.index("Links") + 2
    assert lines[start].startswith("[1] https://very.example/")
    rest = lines[start + 1 :]
    assert rest and all(line.startswith(f"    {CONTINUATION}") for line in rest), rest
    assert lines[start][4:] + "".join(line[6:] for line in rest) == url


def test_a_long_url_in_an_attachment_item_starts_on_its_bullet_line() -> None:
    url = "https://media.example/podcasts/download/" + "x" * 60 + ".mp3"
    markdown = f"## Attachments\n\n- [1] {url} (audio/mpeg, 80.5 MB)"
    lines = [plain for plain, _spans in wrap_body(markdown, 50).lines]
    assert lines[2].startswith("  • [1] https://media.example/")
    assert lines[3].startswith(" " * 8 + CONTINUATION)  # under the URL's start
    pieces = [lines[2][len("  • [1] ") :]]
    pieces += [line.strip().removeprefix(CONTINUATION.strip()).strip() for line in lines[3:]]
    assert url in "".join(pieces)
