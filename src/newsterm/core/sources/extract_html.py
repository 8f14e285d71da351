"""trafilatura's tree of an article written as a small HTML of our own (:mod:`.extract`'s
last step), which the renderer reads like a feed's: every text escaped, only the
elements and attributes written here.
"""

from __future__ import annotations

import html
import re
from typing import Any

_HI = {"#b": "b", "#i": "i", "#u": "u", "#t": "code", "#sub": "sub", "#sup": "sup"}


def text_of(element: Any) -> str:
    """The text of a tree, blocks apart (for words and the not-an-article check)."""
    return " ".join(" ".join(element.itertext()).split())


def to_html(body: Any, title: str | None) -> str:
    """trafilatura's tree (``p``, ``head``, ``list``/``item``, ``quote``, ``code``,
    ``table``/``row``/``cell``, ``graphic``, ``ref``, ``hi``, ``lb``) as HTML; every
    text escaped, only the attributes we write. A first heading that is the title
    is left out (the pane shows the title above the body)."""
    out: list[str] = []
    children = list(body)
    if body.text and body.text.strip():
        out.append(f"<p>{html.escape(body.text)}</p>")
    first = True
    for child in children:
        if first and title and child.tag == "head" and _same(text_of(child), title):
            first = False
            if child.tail and child.tail.strip():
                out.append(f"<p>{html.escape(child.tail)}</p>")
            continue
        first = False
        _write(child, out, top=True)
    return "".join(out)


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _write(element: Any, out: list[str], top: bool = False) -> None:
    tag = element.tag
    if not isinstance(tag, str):
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
    name, attrs = _html_tag(element)
    if name:
        out.append(f"<{name}{attrs}>")
    if element.text:
        out.append(html.escape(element.text))
    for child in element:
        _write(child, out)
    if name:
        out.append(f"</{name}>")
    _tail(element, out, top)


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
