"""trafilatura's tree of an article written as a small HTML of our own (:mod:`.extract`'s
last step), which the renderer reads like a feed's: every text escaped, only the
elements and attributes written here.

A table that lays the page out (a cell holding a heading, a table, or several
blocks) is no table of data: its cells are written one after another as blocks, so
the article inside reads as an article rather than as one row of a table. (The tables
of data inside it, trafilatura puts after it.)
"""

from __future__ import annotations

import html
import re
from typing import Any

_HI = {"#b": "b", "#i": "i", "#u": "u", "#t": "code", "#sub": "sub", "#sup": "sup"}
_BLOCKS = frozenset({"p", "head", "list", "quote", "table", "code", "graphic"})
LAYOUT_BLOCKS = 3
"""Blocks in one cell that make its table a layout (a data table's cell holds a
paragraph or two at most)."""


def text_of(element: Any) -> str:
    """The text of a tree, blocks apart (for words and the not-an-article check)."""
    return " ".join(" ".join(element.itertext()).split())


def to_html(body: Any, title: str | None) -> str:
    """trafilatura's tree (``p``, ``head``, ``list``/``item``, ``quote``, ``code``,
    ``table``/``row``/``cell``, ``graphic``, ``ref``, ``hi``, ``lb``) as HTML; every
    text escaped, only the attributes we write. The article's first heading, when it
    is the title, is left out (the pane shows the title above the body)."""
    out: list[str] = []
    skip = _title_heading(body, title)
    if body.text and body.text.strip():
        out.append(f"<p>{html.escape(body.text)}</p>")
    for child in body:
        _write(child, out, skip, top=True)
    return "".join(out)


_KICKER_WORDS = 6
"""A paragraph this short before the title's heading is not yet the article."""


def _title_heading(body: Any, title: str | None) -> Any:
    """The heading that repeats the title: the first one that does, when no paragraph
    of the article comes before it. Short ones may (a kicker such as a section's name,
    "Chaos theory", a line of navigation links): they are not the article yet."""
    if not title:
        return None
    for element in body.iter("head", "p"):
        if element.tag == "p":
            if len(text_of(element).split()) > _KICKER_WORDS:
                return None
            continue
        if _same(text_of(element), title):
            return element
    return None


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _write(element: Any, out: list[str], skip: Any, top: bool = False) -> None:
    """Write ``element`` and its tail; ``skip`` (the title's heading) is left out."""
    tag = element.tag
    if not isinstance(tag, str) or element is skip:
        _tail(element, out, top)
        return
    if tag == "code":
        text = "".join(element.itertext())
        if "\n" in text.strip("\n") or top:
            out.append(f"<pre><code>{html.escape(text.strip(chr(10)))}</code></pre>")
        else:
            out.append(f"<code>{html.escape(text)}</code>")
        _tail(element, out, top)
        return
    if tag == "graphic":
        src = element.get("src") or ""
        alt = element.get("alt") or element.get("title") or ""
        image = f'<img src="{html.escape(src)}" alt="{html.escape(alt)}">' if src else ""
        out.append(f"<p>{image}</p>" if top else image)
        _tail(element, out, top)
        return
    if tag == "lb":
        out.append("<br>")
        _tail(element, out, top)
        return
    if tag == "table" and is_layout(element):
        for cell in _cells(element):
            out.append("<div>")
            if cell.text:
                out.append(html.escape(cell.text))
            for child in cell:
                _write(child, out, skip)
            out.append("</div>")
        _tail(element, out, top)
        return
    name, attrs = _html_tag(element)
    if name:
        out.append(f"<{name}{attrs}>")
    if element.text:
        out.append(html.escape(element.text))
    for child in element:
        _write(child, out, skip)
    if name:
        out.append(f"</{name}>")
    _tail(element, out, top)


def is_layout(table: Any) -> bool:
    """Whether one of ``table``'s own cells holds a heading, a table, or
    :data:`LAYOUT_BLOCKS` blocks."""
    for cell in _cells(table):
        blocks = [child.tag for child in cell if child.tag in _BLOCKS]
        if "head" in blocks or "table" in blocks or len(blocks) >= LAYOUT_BLOCKS:
            return True
    return False


def _cells(table: Any) -> list[Any]:
    """The cells of ``table``'s own rows, in order."""
    return [cell for row in table if row.tag == "row" for cell in row if cell.tag == "cell"]


def _tail(element: Any, out: list[str], top: bool) -> None:
    tail = element.tail
    if tail and (not top or tail.strip()):
        out.append(f"<p>{html.escape(tail)}</p>" if top else html.escape(tail))


def _html_tag(element: Any) -> tuple[str, str]:
    """The HTML element (and its attributes) for one of trafilatura's."""
    tag = element.tag
    rend = element.get("rend") or ""
    if tag == "head":
        level = rend[1:2] if re.fullmatch(r"h[1-6]", rend) else "2"
        return f"h{level}", ""
    if tag == "list":
        return ("ol" if rend in ("ol", "1", "decimal") else "ul"), ""
    if tag == "ref":
        target = element.get("target")
        return ("a", f' href="{html.escape(target)}"') if target else ("", "")
    if tag == "hi":
        return _HI.get(rend, "em"), ""
    simple = {
        "p": "p", "item": "li", "quote": "blockquote", "table": "table", "row": "tr",
        "del": "del", "dl": "dl", "dt": "dt", "dd": "dd",
    }  # fmt: skip
    if tag == "cell":
        return ("th" if element.get("role") == "head" else "td"), ""
    return simple.get(tag, ""), ""
