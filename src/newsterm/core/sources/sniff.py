"""Is this body a feed, and which kind? Judged from the content, never from a file
extension or a Content-Type.

:func:`sniff` reads a document's start the way :func:`~.feeds.parse_feed` needs it
(JSON or XML, the root element, where the prolog ends); :func:`feed_kind` is the
answer discovery wants ("rss", "atom", "rdf", "json" or None). Both are cheap: the
XML guard (:mod:`.xmlguard`) and the parsers do the rest.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal

from newsterm.core.sources.xmlguard import prolog_end, root_element, text_view

FeedKind = Literal["rss", "atom", "rdf", "json"]

SNIFF_BYTES = 65_536
"""Bytes of a body :func:`feed_kind` looks at."""
JSON_PARSE_MAX = 1_000_000
"""A JSON body up to this size is parsed when its first bytes don't show the version."""
ROOT_KINDS: dict[str, FeedKind] = {"rss": "rss", "feed": "atom", "rdf:RDF": "rdf"}
"""Root elements that make an XML document a feed, and the kind of feed."""
JSONFEED_VERSION = re.compile(r"https?://jsonfeed\.org/version/")
"""How a JSON Feed's ``version`` starts."""

_NOT_SPACE = re.compile("[^ \t\r\n\ufeff]")
_VERSION_MEMBER = re.compile(r'"version"\s*:\s*"https?://jsonfeed\.org/version/')


@dataclass(frozen=True, slots=True)
class Sniffed:
    """What a document looks like from its start."""

    syntax: Literal["empty", "json", "xml", "other"]
    """``json`` when it starts with ``{`` or ``[``, ``xml`` when it has a ``<``."""
    text: str
    """The document as text (:func:`~.xmlguard.text_view`)."""
    start: int = -1
    """Where its first character other than white space is."""
    prolog_end: int = 0
    """Where the prolog (declaration, comments, DOCTYPE) ends."""
    root: str = ""
    """The first element's name (it may come after junk text), ``""`` when none."""
    root_at: int = -1

    @property
    def xml_kind(self) -> FeedKind | None:
        """The kind of feed its root element names, when the root opens the document."""
        if self.root_at != self.prolog_end:  # text before the root: not a feed document
            return None
        return ROOT_KINDS.get(self.root)


def sniff(text: str) -> Sniffed:
    """Sniff a document already viewed as text (:func:`~.xmlguard.text_view`)."""
    first = _NOT_SPACE.search(text)
    if first is None:
        return Sniffed("empty", text)
    if first.group() in "{[":
        return Sniffed("json", text, first.start())
    if "<" not in text:
        return Sniffed("other", text, first.start())
    end = prolog_end(text)
    root, at = root_element(text, end)
    return Sniffed("xml", text, first.start(), end, root, at)


def feed_kind(body: bytes) -> FeedKind | None:
    """ "rss", "atom", "rdf" or "json" when ``body`` looks like a feed, else None (cheap).

    XML: the root element, right after the prolog. JSON: an object whose ``version``
    is a jsonfeed.org version (found in the first bytes, else by parsing up to
    :data:`JSON_PARSE_MAX`). Whether the feed is safe to parse is the guard's question.
    """
    found = sniff(text_view(body[:SNIFF_BYTES])[0])
    if found.syntax == "xml":
        return found.xml_kind
    if found.syntax != "json" or found.text[found.start] != "{":
        return None
    if _VERSION_MEMBER.search(found.text):
        return "json"
    if len(body) <= JSON_PARSE_MAX:
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return None
        version = data.get("version") if isinstance(data, dict) else None
        if isinstance(version, str) and JSONFEED_VERSION.match(version):
            return "json"
    return None
