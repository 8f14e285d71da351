"""A bounded page's tree made ready for trafilatura (:mod:`.extract`'s second step):
what real pages need that trafilatura does not do itself.

- Lazy images made plain (``data-src``, ``srcset``, an ``<img>`` inside
  ``<noscript>``), so they keep their place and their link.
- Links made absolute against the page's address (trafilatura would resolve ``../x``
  against the site's root).
- Captions kept: a ``<figcaption>`` becomes a paragraph of its figure (trafilatura drops
  captions), unless the figure held a player (a video's iframe) the reader will not see.
- A table inside a ``<blockquote>`` is the page indenting a table, not a quote: the
  blockquote becomes a ``<div>`` (trafilatura reads a quote's text only, and ran the
  table's cells together, "April 20144.1.6").
"""

from __future__ import annotations

import logging
import re
from typing import Any

from newsterm.core.sources.extract_bounds import PLAYER_MARK, figure_of

log = logging.getLogger(__name__)

_LAZY_SOURCES = ("data-src", "data-lazy-src", "data-original", "data-url", "data-hi-res-src")
_SRCSET_ITEM = re.compile(r"\s*(\S+)(?:\s+(\d+(?:\.\d+)?)[wx])?\s*(?:,|$)")


def fix_page(tree: Any, url: str | None) -> None:
    """Every fixup, in place (on a tree :func:`~.extract_bounds.bound` bounded)."""
    plain_images(tree)
    keep_captions(tree)
    unquote_tables(tree)
    if url:  # trafilatura resolves them against the site, not the page
        try:
            tree.make_links_absolute(url, resolve_base_href=True, handle_failures="discard")
        except ValueError:
            log.info("links of %s not resolved", url)


def plain_images(tree: Any) -> None:
    """Lazy images made plain: the real picture's address in ``src``."""
    import lxml.etree
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


def keep_captions(tree: Any) -> None:
    """Figure captions as paragraphs, where trafilatura keeps them; not a player's."""
    for caption in list(tree.iter("figcaption")):
        figure = figure_of(caption)
        if figure is not None and (
            figure.get(PLAYER_MARK) is not None or next(figure.iter("video", "audio"), None)
        ):
            continue
        caption.tag = "p"


def unquote_tables(tree: Any) -> None:
    """A ``<blockquote>`` holding a table becomes a ``<div>``: it only indents it."""
    for quote in list(tree.iter("blockquote")):
        if next(quote.iter("table"), None) is not None:
            quote.tag = "div"


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
