"""A web page -> its article: trafilatura finds it; this module guards its input and
writes its result as a small HTML of our own, which the renderer reads like a feed's.

Runs in the extraction worker process (:mod:`newsterm.core.refresh.extractor`, which
kills it past its time limit), never in the process that draws the UI. trafilatura
alone is slow on hostile pages (minutes for 50,000 tables, 800 MB for 200,000 links),
so the page reaches it already bounded: cut to :data:`PAGE_CHARS_MAX`, parsed once by
lxml (whose parser stops at a nesting depth of 256), scripts and styles dropped, cut
after :data:`ELEMENTS_MAX` elements, :data:`ATTRIBUTES_MAX` attributes an element.

Lazy images are made plain before extraction (``data-src``, ``srcset``, an ``<img>``
inside ``<noscript>``), so they keep their place and their link, and links are made
absolute against the page's address (trafilatura would resolve ``../x`` against the
site's root).

Which extractor, and why: ``bench/extract.py`` compares trafilatura with
readability-lxml on the corpus pages; trafilatura scored as well, in half the time, and
finds the byline and the date, which a saved page needs.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from newsterm.core.text import clean_line, clean_text, decode_bytes, looks_binary, word_count

log = logging.getLogger(__name__)

PAGE_CHARS_MAX = 3_000_000
"""Characters of a page read (the largest corpus page is 1.6 MB)."""
ELEMENTS_MAX = 10_000
"""Elements of a page read, scripts and styles left out (the corpus pages have 450 to
1,650; trafilatura took 2.7 s on 10,000 table cells, 8 s on 20,000)."""
ATTRIBUTES_MAX = 40
"""Attributes of one element kept (real pages have at most 15)."""
ATTRIBUTE_CHARS_MAX = 4_000
"""A longer attribute value (an inline data: image) is dropped."""

_DROPPED = ("script", "style", "template", "svg", "math", "iframe", "object", "embed", "canvas")
_LAZY_SOURCES = ("data-src", "data-lazy-src", "data-original", "data-url", "data-hi-res-src")
_LONG_TAG = re.compile(r"<([A-Za-z][\w:-]{0,40})([^<>]{2000,}+)>")
"""A start tag of over 2,000 characters: a data: image, or endless attributes."""
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]{1,40})""", re.I)
_SRCSET_ITEM = re.compile(r"\s*(\S+)(?:\s+(\d+(?:\.\d+)?)[wx])?\s*(?:,|$)")

_NOT_THE_ARTICLE = (
    (
        re.compile(r"\bcookies?\b|\bconsent\b|\bprivacy (?:settings|choices)\b", re.I),
        "the page shows a cookie notice, not the article",
    ),
    (
        re.compile(
            r"\b(?:subscribe|subscription|subscribers?|sign in|log in|register)\b.{0,60}"
            r"\b(?:to (?:continue|read|keep reading)|access|this (?:article|story))\b"
            r"|\bto (?:continue|keep) reading\b",
            re.I | re.S,
        ),
        "the page asks to subscribe or sign in: the article is not on it",
    ),
    (
        re.compile(r"\benable javascript\b|\bjavascript is (?:required|disabled)\b", re.I),
        "the page needs JavaScript to show the article",
    ),
)
SHORT_WORDS = 150
"""Extracted text this short is checked for cookie walls and paywall teasers."""
MIN_WORDS = 25
"""Less text than this is no article."""


@dataclass(frozen=True, slots=True)
class Extracted:
    """A page's article, found."""

    content: str
    """The article as HTML made here (headings, paragraphs, lists, quotes, code,
    tables, links, images); the renderer reads it like a feed's HTML."""
    title: str | None
    author: str | None
    published: datetime | None
    words: int
    """Words of the article's text (:func:`~newsterm.core.text.word_count`)."""
    url: str | None = None
    """The page's own address (its canonical link), when it names an http(s) one."""
    note: str | None = None
    """Something the reader should know (the page was cut)."""


@dataclass(frozen=True, slots=True)
class NotExtracted:
    """No article on the page; ``reason`` in one line for the reader."""

    reason: str


Extraction = Extracted | NotExtracted


def extract_page(page: str | bytes, url: str | None, charset: str | None = None) -> Extraction:
    """The article of ``page`` (HTML; bytes are decoded as :func:`_decode` says, with
    ``charset`` the server's). Never raises for a bad page."""
    import lxml.etree
    import lxml.html
    import trafilatura

    if isinstance(page, bytes) and looks_binary(page):
        return NotExtracted("not a web page (binary data)")
    text = _decode(page, charset) if isinstance(page, bytes) else page
    cut = len(text) > PAGE_CHARS_MAX
    # controls (terminal escapes) and bidi overrides out first: no text keeps them
    text = _LONG_TAG.sub(_tame_tag, clean_text(text, PAGE_CHARS_MAX))
    if not text.strip():
        return NotExtracted("the page is empty")
    try:
        tree = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        return NotExtracted(f"not an HTML page ({clean_line(str(exc), 80)})")
    cut = _bound(tree) or cut
    _plain_images(tree)
    if url:  # trafilatura resolves them against the site, not the page
        try:
            tree.make_links_absolute(url, resolve_base_href=True, handle_failures="discard")
        except ValueError:
            log.info("links of %s not resolved", url)
    try:
        document = trafilatura.bare_extraction(
            tree,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=True,
            include_links=True,
            include_formatting=True,
            deduplicate=False,
        )
    except (RecursionError, ValueError, TypeError, AttributeError) as exc:
        log.warning("extraction of %s failed: %s", url, exc)
        return NotExtracted("no article found on the page")
    body = getattr(document, "body", None) if document is not None else None
    if body is None:
        return NotExtracted("no article found on the page")
    title = clean_line(getattr(document, "title", "") or "", 300) or None
    content = to_html(body, title)
    words = word_count(_text_of(body))
    verdict = not_the_article(_text_of(body), words)
    if verdict is not None:
        return NotExtracted(verdict)
    return Extracted(
        content=content,
        title=title,
        author=clean_line(getattr(document, "author", "") or "", 200) or None,
        published=_date(getattr(document, "date", None)),
        words=words,
        url=_web_url(getattr(document, "url", None)),
        note="the page was too large: its end was not read" if cut else None,
    )


def not_the_article(text: str, words: int) -> str | None:
    """Why extracted text is not an article (a cookie wall, a paywall teaser, next to
    nothing), or None when it reads as one."""
    if words < MIN_WORDS:
        return "no article found on the page"
    if words <= SHORT_WORDS:
        for pattern, reason in _NOT_THE_ARTICLE:
            if pattern.search(text):
                return reason
    return None


def _tame_tag(match: re.Match[str]) -> str:
    """A tag with endless attributes loses them all: lxml's parser takes time in the
    square of an element's attributes (160 s for 200,000)."""
    if len(match.group(2).split()) > ATTRIBUTES_MAX * 5:
        return f"<{match.group(1)}>"
    return match.group(0)


def _decode(data: bytes, charset: str | None) -> str:
    """The server's charset; else UTF-8 when the bytes are valid UTF-8 (a legacy text
    seldom is, and saved pages are often re-encoded without their ``<meta>`` changed);
    else the page's ``<meta charset>``; else UTF-8 or cp1252 (:func:`decode_bytes`)."""
    declared = charset
    if declared is None:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            match = _CHARSET.search(data[:4096])
            declared = match.group(1).decode("ascii", "replace") if match else None
    if declared:
        try:
            return data.decode(declared, "replace")
        except LookupError:
            pass
    return decode_bytes(data)


def _bound(root: Any) -> bool:
    """Drop what is never the article's text, cap attributes, and cut the page after
    :data:`ELEMENTS_MAX` elements; True when it was cut."""
    import lxml.etree

    for element in list(root.iter(*_DROPPED, lxml.etree.Comment, lxml.etree.PI)):
        if element.tag == "script" and "ld+json" in (element.get("type") or ""):
            continue  # the byline and the date are often only there
        if element.getparent() is not None:
            element.drop_tree()  # its tail (the text after it) stays
    for count, element in enumerate(root.iter(), 1):
        if count > ELEMENTS_MAX:
            _cut_after(element)
            return True
        attrib = element.attrib
        if len(attrib) > ATTRIBUTES_MAX:
            for name in list(attrib.keys())[ATTRIBUTES_MAX:]:
                del attrib[name]
        for name, value in list(attrib.items()):
            if len(value) > ATTRIBUTE_CHARS_MAX:
                del attrib[name]
    return False


def _cut_after(element: Any) -> None:
    """Remove ``element`` and everything after it in document order."""
    node = element
    while (parent := node.getparent()) is not None:
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)
        node = parent
    parent = element.getparent()
    if parent is not None:
        parent.remove(element)


def _plain_images(tree: Any) -> None:
    """Lazy images made plain: the real picture's address in ``src``."""
    import lxml.html

    for noscript in list(tree.iter("noscript")):
        inner = noscript.text or ""
        images = list(noscript.iter("img"))
        if not images and "<img" in inner:
            try:
                images = list(lxml.html.fragment_fromstring(inner, create_parent="div").iter("img"))
            except (ValueError, lxml.etree.ParserError):
                images = []
        parent = noscript.getparent()
        if parent is None:
            continue
        index = parent.index(noscript)
        parent.remove(noscript)
        for offset, image in enumerate(images[:20]):
            parent.insert(index + offset, image)
    for image in tree.iter("img"):
        source = (image.get("src") or "").strip()
        lazy = next((image.get(k) for k in _LAZY_SOURCES if image.get(k)), None)
        if lazy and (not source or source.startswith("data:")):
            image.set("src", lazy.strip())
        elif (not source or source.startswith("data:")) and image.get("srcset"):
            best = _largest(image.get("srcset") or "")
            if best:
                image.set("src", best)


def _largest(srcset: str) -> str | None:
    """The widest (or densest) candidate of a ``srcset``."""
    best, size = None, -1.0
    for match in _SRCSET_ITEM.finditer(srcset[:2000]):
        if not match.group(1):
            continue
        value = float(match.group(2) or 0)
        if value > size:
            best, size = match.group(1), value
    return best


def _web_url(value: object) -> str | None:
    from newsterm.core.urls import fetchable

    if isinstance(value, str) and len(value) <= 2000 and fetchable(value.strip()):
        return clean_line(value.strip(), 2000)
    return None


def _date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value[:25])
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not 1990 <= parsed.year <= 2200:
        return None
    return parsed.astimezone(UTC)


# -- trafilatura's tree -> our HTML ------------------------------------------------------

_HI = {"#b": "b", "#i": "i", "#u": "u", "#t": "code", "#sub": "sub", "#sup": "sup"}
_BLOCKS = frozenset({"p", "head", "list", "quote", "table", "code", "graphic", "div"})


def _text_of(element: Any) -> str:
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
        if first and title and child.tag == "head" and _same(_text_of(child), title):
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
