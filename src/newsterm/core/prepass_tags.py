"""The pre-pass's tag tables (:mod:`newsterm.core.prepass` reads HTML by them): which
elements are void, kept, renamed, inline styles or blocks, the stand-ins each style is
written as, and the HTML rules for closing an unclosed element, in short.
"""

from __future__ import annotations

from newsterm.core import commonmark

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
     "param", "source", "track", "wbr"}
)  # fmt: skip
# Elements passed to html2text (bare: no attributes but <ol start>), and renamings.
KEEP = frozenset(
    {"h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "blockquote", "ul", "ol", "li", "dl",
     "dt", "dd", "pre", "q", "table", "tr", "td", "th"}
)  # fmt: skip
# Inline styles: markers for commonmark.finish(), never tags for html2text (it wrote
# "bold , and" and "foo _bar_" and read the article's own "*" as emphasis).
INLINE = {
    **dict.fromkeys(("b", "strong"), "strong"),
    **dict.fromkeys(("i", "em", "var", "cite", "dfn"), "em"),
    **dict.fromkeys(("code", "kbd", "tt", "samp"), "code"),
    **dict.fromkeys(("del", "s", "strike"), "del"),
}
INLINE_MARKS = {
    "strong": (commonmark.STRONG, commonmark.STRONG_END),
    "em": (commonmark.EM, commonmark.EM_END),
    "code": (commonmark.CODE, commonmark.CODE_END),
    "del": (commonmark.DEL, commonmark.DEL_END),
}
SCRIPTS = frozenset({"sup", "sub"})
AS_DIV = {
    tag: "<div>" if not tag.startswith("</") else "</div>"
    for tag in ("<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>", "<th>", "</th>")
}
RENAME = {
    **dict.fromkeys(
        ("article", "section", "header", "footer", "main", "aside", "nav", "figure",
         "figcaption", "address", "details", "summary", "center", "fieldset", "legend",
         "form", "hgroup", "caption"),
        "div",
    ),
    "menu": "ul", "dir": "ul", "xmp": "pre", "listing": "pre", "plaintext": "pre",
}  # fmt: skip
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
BLOCK = frozenset(
    {"p", "div", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "pre", "table", "tr",
     "td", "th"}
) | HEADINGS  # fmt: skip
# A start tag closes an open element of the first set found above any of the second
# (the HTML rules for unclosed <li>, <p>, <td> … in short).
CLOSES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "li": (frozenset({"li"}), frozenset({"ul", "ol"})),
    "dt": (frozenset({"dt", "dd"}), frozenset({"dl"})),
    "dd": (frozenset({"dt", "dd"}), frozenset({"dl"})),
    "tr": (frozenset({"tr"}), frozenset({"table"})),
    "td": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "th": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
}
P_CLOSERS = (frozenset({"p"}), BLOCK - {"p"})
H_CLOSERS = (frozenset({"p"}) | HEADINGS, BLOCK - {"p"} - HEADINGS)
CLOSE_SCAN = 16
"""Open elements looked through, at most, for one to close."""
