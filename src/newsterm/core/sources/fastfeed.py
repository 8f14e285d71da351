"""The fast path for well-formed RSS 0.9x/1.0/2.0 and Atom 0.3/1.0, before feedparser.

feedparser reads every dialect and every broken feed, at about 6 MB/s here; most feeds
are neither exotic nor broken, and expat (through ElementTree) reads them at over
50 MB/s. :func:`fast_parse` walks the tree as feedparser's handlers would and gives the
fields newsterm reads in feedparser's shape (``{"feed": …, "entries": […]}``), so one
conversion to :class:`Article` serves both paths:

- the charset is chosen as feedparser chooses it (:func:`.fastfeed_text.utf8_body`);
- every element is named as feedparser names it (namespace → its prefix, lower case);
  elements of the extension namespaces that feed no field newsterm reads (iTunes'
  duration, Media RSS thumbnails, FeedBurner, Slash, …) and unknown ones are passed
  over, as feedparser passes over them;
- the state feedparser keeps across elements (the depth of the title, whether the
  entry has content yet, the guid as link) is kept the same way.

At the first thing it does not reproduce — an element feedparser handles that is not
handled here, XHTML or base64 content, markup in a title, ``xml:base`` below the root,
a date form it does not read, any XML error — it returns None and feedparser reads
the feed. ``tests/unit/test_fastfeed.py`` checks the two paths agree on every feed of
the corpus.

Entity and DTD attacks never get here: ``parse_feed`` refuses them first, and expat
fetches nothing.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

from newsterm.core.sources.fastfeed_fields import (
    ITUNES_SCHEME,
    UNKNOWN_AUTHOR,
    XML_BASE,
    Fields,
    Unsure,
    enforce_href,
)
from newsterm.core.sources.fastfeed_names import (
    AUTHOR,
    CATEGORY,
    CONTENT_ENCODED,
    DESCRIPTION,
    HARMLESS,
    OPAQUE_CHILDREN,
    PUBLISHED,
    SPLIT_TAGS,
    TITLE,
    TRANSPARENT,
    UPDATED,
    Namer,
    bails,
)
from newsterm.core.sources.fastfeed_text import join, parse_date, utf8_body
from newsterm.core.text import clean_line

_ENTRY_IMAGE = frozenset({"url", "width", "height", "link"})
_Unsure = Unsure


def fast_parse(body: bytes, content_type: str | None = None) -> dict[str, Any] | None:
    """A feedparser-shaped result for a well-formed RSS / Atom feed, else None."""
    data = utf8_body(body, content_type)
    if data is None or b"/1999/xlink" in data:  # feedparser moves xlink declarations
        return None
    try:
        parser = ElementTree.XMLParser(encoding="utf-8")
        parser.feed(data)
        root = parser.close()
    except (ElementTree.ParseError, ValueError, LookupError):
        return None
    try:
        return _Walk(data, root).run()
    except _Unsure:
        return None


class _Walk(Fields):
    """One document, walked once; the attributes are feedparser's parser state."""

    def __init__(self, data: bytes, root: ElementTree.Element) -> None:
        self.names = Namer(data)
        self.root = root
        self.base = ""
        """feedparser's baseuri: the xml:base in effect."""
        self.version = ""
        self.title_depth = -1
        self.has_content = False
        self.guid_is_link = False
        self.infeed = False
        self.feed: dict[str, Any] = {}
        self.entries: list[dict[str, Any]] = []
        self.depths: dict[str, int] = {}  # the current entry's property_depth_map

    # -- the document -------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        root = self.root
        name = self.names(root.tag)
        self._enter(root)
        self.version = self.names.first_version
        if name == "rss":
            version = root.get("version", "")
            known = {"0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}
            if not self.version.startswith("rss"):
                self.version = known.get(version) or (
                    "rss20" if version.startswith("2.") else "rss"
                )
        elif name == "feed":
            self.infeed = True
            if not self.version:
                version = root.get("version", "")
                known = {"0.1": "atom01", "0.2": "atom02", "0.3": "atom03"}
                self.version = known.get(version, "atom")
        elif name != "rdf:rdf":
            raise _Unsure
        self._children(root, 1, self.feed, entry=False)
        if any(entry.get("author") == UNKNOWN_AUTHOR for entry in self.entries):
            raise _Unsure
        if self.feed.get("author") == UNKNOWN_AUTHOR:
            if not all(clean_line(entry.get("author")) for entry in self.entries):
                raise _Unsure  # an entry without an author would show the feed's
            del self.feed["author"]
        return {"feed": self.feed, "entries": self.entries, "version": self.version, "bozo": False}

    def _children(
        self, parent: ElementTree.Element, depth: int, target: dict[str, Any], entry: bool
    ) -> None:
        outer = self.base  # the parent's base, which feedparser restores only when set
        for child in parent:
            self._enter(child)
            self._element(child, self.names(child.tag), depth + 1, target, entry)
            if outer:
                self.base = outer

    def _enter(self, el: ElementTree.Element) -> None:
        """feedparser's base URI at the start of ``el`` (xml:base, or a base attribute)."""
        given = el.get(XML_BASE)
        if given is None:
            given = el.get("base")
        if not given:
            return  # the same base (joined to itself: unchanged for http(s) bases)
        if not self.base:
            self.base = join("", given)
            return
        base = join(self.base, given)
        scheme = base.strip().split(":", 1)[0]
        if scheme in ("http", "https"):
            self.base = base
        elif "/" in scheme or ":" not in base:  # relative: feedparser keeps its base
            return
        else:
            raise _Unsure  # feedparser keeps or drops it by its list of schemes

    def _element(
        self, el: ElementTree.Element, name: str, depth: int, target: dict[str, Any], entry: bool
    ) -> None:
        if name == "channel" and not entry:
            if "href" in el.attrib or "lastmod" in el.attrib:
                raise _Unsure  # CDF
            self.infeed = True
            self._children(el, depth, target, entry=False)
            self.infeed = False
        elif name in ("item", "entry") and not entry:
            self._entry(el, depth)
        elif name in TITLE:
            self._title(el, depth, target, entry, media=name == "media:title")
        elif name == "link":
            self._link(el, depth, target, entry)
        elif name in ("guid", "id"):
            self._guid(el, depth, target, entry)
        elif name in DESCRIPTION or name in ("summary", "itunes:summary", "abstract"):
            self._summary(el, name, depth, target, entry)
        elif name == "content" or name in CONTENT_ENCODED:
            self._content(el, name, depth, target, entry)
        elif name in PUBLISHED or name in UPDATED:
            if entry:
                key = "published" if name in PUBLISHED else "updated"
                value = self._value(el)
                parsed = parse_date(value) if value else None
                if value and parsed is None:
                    raise _Unsure
                self._store(target, key, value, depth, entry)
                target[key + "_parsed"] = parsed
        elif name in AUTHOR:
            self._author(el, depth, target, entry)
        elif name in CATEGORY or name == "itunes:category":
            self._category(el, name, target)
        elif name in SPLIT_TAGS:
            if len(el):
                raise _Unsure
            if el.attrib:  # not pushed by feedparser: its end handler fails, no tags
                return
            scheme = ITUNES_SCHEME if name == "itunes:keywords" else None
            for term in self._value(el).split(","):
                self._add_tag(target, term.strip(), scheme, None)
        elif name == "enclosure":
            link = enforce_href({k.lower(): v for k, v in el.attrib.items()})
            link["rel"] = "enclosure"
            if "type" in link:
                link["type"] = link["type"].lower()
            target.setdefault("links", []).append(link)
            self._children(el, depth, target, entry)
        elif name in TRANSPARENT:
            self._children(el, depth, target, entry)
        elif name in OPAQUE_CHILDREN:
            self._opaque(el, name, depth, entry)
        elif name in HARMLESS:
            if len(el):
                raise _Unsure
        elif bails(name, bool(el.attrib)):
            raise _Unsure
        else:  # an element feedparser has no handler for: its children still count
            self._children(el, depth, target, entry)

    def _entry(self, el: ElementTree.Element, depth: int) -> None:
        if "href" in el.attrib or "lastmod" in el.attrib:
            raise _Unsure  # CDF
        entry: dict[str, Any] = {}
        self.entries.append(entry)
        self.depths = {}
        self.guid_is_link = False
        self.title_depth = -1
        about = el.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
        if about:
            entry["id"] = about
        self._children(el, depth, entry, entry=True)
        self.has_content = False

    # -- values ----------------------------------------------------------------------------

    def _opaque(self, el: ElementTree.Element, name: str, depth: int, entry: bool) -> None:
        """An element whose children feedparser files elsewhere (an image, a source, a
        contributor): nothing of it is read, but a title inside moves the title depth."""
        allowed = OPAQUE_CHILDREN[name]
        if name in ("image", "textinput", "source"):
            if name != "source" and entry:
                allowed = _ENTRY_IMAGE  # a title or link would be filed in the entry
            self.title_depth = -1
        for child in el:
            child_name = self.names(child.tag)
            if name == "source":
                if child_name in ("content", "summary") or child_name in CONTENT_ENCODED:
                    raise _Unsure
                if child_name in ("title", "dc:title") and (child.text or "").strip():
                    self.title_depth = depth + 1
                continue
            if entry and name == "image" and child_name == "title":
                self._title(child, depth + 1, self.entries[-1], True, media=False)
                continue  # filed in the entry, at its depth
            if child_name not in allowed or len(child):
                raise _Unsure
            if name == "itunes:owner":  # the publisher's details, through the author's
                key = "name" if child_name in ("name", "itunes:name") else "email"
                self.save_author(self.entries[-1] if entry else self.feed, key, self._value(child))
            if child_name == "title" and (child.text or "").strip():
                self.title_depth = depth + 1
