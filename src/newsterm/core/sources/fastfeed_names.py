"""Element names as feedparser sees them, and what the fast path does with each.

feedparser names an element by its namespace's usual prefix (``dc:creator`` whatever
prefix the document uses; the RSS and Atom namespaces have none), else by the prefix
the document declared for it, in lower case, and calls the handler of that name when
it has one. :class:`Namer` names elements the same way; the sets below sort the names
into those :mod:`.fastfeed` reads, those it passes over (their handler fills no field
newsterm reads), and :func:`bails` says when to leave a name to feedparser.
``tests/unit/test_fastfeed.py`` checks the sets against feedparser's own handlers.
"""

from __future__ import annotations

import re

# The namespaces feedparser knows, by URI (lower case), and the prefix it gives each.
_RSS_LIKE = ("", "http://backend.userland.com/rss", "http://blogs.law.harvard.edu/tech/rss",
             "http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/",
             "http://example.com/newformat#", "http://example.com/necho", "http://purl.org/echo/",
             "uri/of/echo/namespace#", "http://purl.org/pie/", "http://purl.org/atom/ns#",
             "http://www.w3.org/2005/atom", "http://purl.org/rss/1.0/modules/rss091#")  # fmt: skip
_PREFIXED = {
    "admin": ("http://webns.net/mvcb/",),
    "ag": ("http://purl.org/rss/1.0/modules/aggregation/",),
    "annotate": ("http://purl.org/rss/1.0/modules/annotate/",),
    "audio": ("http://media.tangent.org/rss/1.0/",),
    "blogchannel": ("http://backend.userland.com/blogchannelmodule",),
    "cc": ("http://creativecommons.org/ns#license", "http://web.resource.org/cc/"),
    "creativecommons": (
        "http://cyber.law.harvard.edu/rss/creativecommonsrssmodule.html",
        "http://backend.userland.com/creativecommonsrssmodule",
    ),  # fmt: skip
    "co": ("http://purl.org/rss/1.0/modules/company",),
    "content": ("http://purl.org/rss/1.0/modules/content/",),
    "cp": ("http://my.theinfo.org/changed/1.0/rss/",),
    "dc": ("http://purl.org/dc/elements/1.1/",),
    "dcterms": ("http://purl.org/dc/terms/",),
    "email": ("http://purl.org/rss/1.0/modules/email/",),
    "ev": ("http://purl.org/rss/1.0/modules/event/",),
    "feedburner": ("http://rssnamespace.org/feedburner/ext/1.0",),
    "fm": ("http://freshmeat.net/rss/fm/",),
    "foaf": ("http://xmlns.com/foaf/0.1/",),
    "geo": ("http://www.w3.org/2003/01/geo/wgs84_pos#",),
    "georss": ("http://www.georss.org/georss",),
    "gml": ("http://www.opengis.net/gml",),
    "icbm": ("http://postneo.com/icbm/",),
    "image": ("http://purl.org/rss/1.0/modules/image/",),
    "itunes": (
        "http://www.itunes.com/dtds/podcast-1.0.dtd",
        "http://example.com/dtds/podcast-1.0.dtd",
    ),
    "l": ("http://purl.org/rss/1.0/modules/link/",),
    "media": ("http://search.yahoo.com/mrss", "http://search.yahoo.com/mrss/"),
    "pingback": ("http://madskills.com/public/xml/rss/module/pingback/",),
    "prism": ("http://prismstandard.org/namespaces/1.2/basic/",),
    "rdf": ("http://www.w3.org/1999/02/22-rdf-syntax-ns#",),
    "rdfs": ("http://www.w3.org/2000/01/rdf-schema#",),
    "ref": ("http://purl.org/rss/1.0/modules/reference/",),
    "reqv": ("http://purl.org/rss/1.0/modules/richequiv/",),
    "search": ("http://purl.org/rss/1.0/modules/search/",),
    "slash": ("http://purl.org/rss/1.0/modules/slash/",),
    "soap": ("http://schemas.xmlsoap.org/soap/envelope/",),
    "ss": ("http://purl.org/rss/1.0/modules/servicestatus/",),
    "str": ("http://hacks.benhammersley.com/rss/streaming/",),
    "sub": ("http://purl.org/rss/1.0/modules/subscription/",),
    "sy": ("http://purl.org/rss/1.0/modules/syndication/",),
    "szf": ("http://schemas.pocketsoap.com/rss/mydescmodule/",),
    "taxo": ("http://purl.org/rss/1.0/modules/taxonomy/",),
    "thr": ("http://purl.org/rss/1.0/modules/threading/",),
    "ti": ("http://purl.org/rss/1.0/modules/textinput/",),
    "trackback": ("http://madskills.com/public/xml/rss/module/trackback/",),
    "wfw": ("http://wellformedweb.org/commentapi/",),
    "wiki": ("http://purl.org/rss/1.0/modules/wiki/",),
    "xhtml": ("http://www.w3.org/1999/xhtml",),
    "xlink": ("http://www.w3.org/1999/xlink",),
    "xml": ("http://www.w3.org/xml/1998/namespace",),
    "psc": ("http://podlove.org/simple-chapters",),
}
KNOWN_NAMESPACES: dict[str, str] = dict.fromkeys(_RSS_LIKE, "")
for _prefix, _uris in _PREFIXED.items():
    KNOWN_NAMESPACES.update(dict.fromkeys(_uris, _prefix))

# What the fast path reads (see fastfeed._Walk._element).
TITLE = frozenset({"title", "dc:title", "media:title"})
DESCRIPTION = frozenset({"description", "dc:description", "media:description"})
CONTENT_ENCODED = frozenset({"content:encoded", "fullitem"})
PUBLISHED = frozenset({"pubdate", "published", "issued", "dcterms:issued"})
UPDATED = frozenset({"updated", "modified", "dc:date", "dcterms:modified", "lastbuilddate"})
AUTHOR = frozenset({"author", "managingeditor", "dc:author", "dc:creator", "itunes:author"})
CATEGORY = frozenset({"category", "keywords", "dc:subject", "media:category"})
SPLIT_TAGS = frozenset({"itunes:keywords", "media:keywords", "tags"})
TRANSPARENT = frozenset({"media:group", "media:content"})
"""Handlers that file nothing newsterm reads, whose children count as the entry's."""
OPAQUE_CHILDREN: dict[str, frozenset[str]] = {
    "image": frozenset({"title", "link", "description", "url", "width", "height"}),
    "textinput": frozenset({"title", "link", "description", "name"}),
    "contributor": frozenset({"name", "email", "uri", "url", "homepage"}),
    "itunes:owner": frozenset({"itunes:name", "itunes:email", "name", "email"}),
    "source": frozenset(),  # anything: feedparser files it all in the entry's source
}
HARMLESS = frozenset({
    "rss", "rdf:rdf", "created", "dcterms:created", "expirationdate", "dcterms:valid",
    "rights", "copyright", "dc:rights", "subtitle", "tagline", "itunes:subtitle",
    "language", "dc:language", "generator", "info", "feedburner:browserfriendly",
    "itunes:image", "itunes:link", "itunes:explicit", "itunes:block", "itunes:name",
    "itunes:email", "media:thumbnail", "media:player", "media:credit", "media:rating",
    "media:restriction", "media:license", "cc:license", "creativecommons:license",
    "newlocation", "cloud", "width", "height", "webmaster", "dc:publisher",
    "dc:contributor", "name", "email", "uri", "url", "homepage", "georss:point",
    "georss:line", "georss:polygon", "georss:box", "georss:where", "where",
})  # fmt: skip
"""Handlers that file nothing newsterm reads, for childless elements."""

HANDLED = (
    TITLE | DESCRIPTION | CONTENT_ENCODED | PUBLISHED | UPDATED | AUTHOR | CATEGORY
    | SPLIT_TAGS | TRANSPARENT | HARMLESS | set(OPAQUE_CHILDREN)
    | {"channel", "feed", "item", "entry", "link", "guid", "id", "summary",
       "itunes:summary", "abstract", "content", "enclosure", "itunes:category"}
)  # fmt: skip

# Every name feedparser 6 has a start or end handler for (pinned by a test).
HANDLERS = frozenset(
    [
        "abstract",
        "author",
        "body",
        "category",
        "cc:license",
        "channel",
        "cloud",
        "content",
        "content:encoded",
        "contributor",
        "copyright",
        "created",
        "creativecommons:license",
        "dc:author",
        "dc:contributor",
        "dc:creator",
        "dc:date",
        "dc:description",
        "dc:language",
        "dc:publisher",
        "dc:rights",
        "dc:subject",
        "dc:title",
        "dcterms:created",
        "dcterms:issued",
        "dcterms:modified",
        "dcterms:valid",
        "description",
        "email",
        "enclosure",
        "entry",
        "expirationdate",
        "feed",
        "feedburner:browserfriendly",
        "fullitem",
        "generator",
        "geom",
        "georss:box",
        "georss:line",
        "georss:point",
        "georss:polygon",
        "georss:where",
        "georssgeom",
        "gml:exterior",
        "gml:linearring",
        "gml:linestring",
        "gml:point",
        "gml:polygon",
        "gml:pos",
        "gml:poslist",
        "guid",
        "height",
        "homepage",
        "id",
        "image",
        "info",
        "issued",
        "item",
        "itunes:author",
        "itunes:block",
        "itunes:category",
        "itunes:email",
        "itunes:explicit",
        "itunes:image",
        "itunes:keywords",
        "itunes:link",
        "itunes:name",
        "itunes:owner",
        "itunes:subtitle",
        "itunes:summary",
        "keywords",
        "language",
        "lastbuilddate",
        "link",
        "managingeditor",
        "media:category",
        "media:content",
        "media:credit",
        "media:description",
        "media:group",
        "media:keywords",
        "media:license",
        "media:player",
        "media:rating",
        "media:restriction",
        "media:thumbnail",
        "media:title",
        "modified",
        "name",
        "newlocation",
        "psc:chapter",
        "psc:chapters",
        "pubdate",
        "published",
        "rights",
        "rss",
        "source",
        "subtitle",
        "summary",
        "tagline",
        "tags",
        "textinput",
        "title",
        "updated",
        "uri",
        "url",
        "webmaster",
        "where",
        "width",
        "xhtml:body",
    ]
)
# The keys of an entry newsterm reads, and the names feedparser files under them.
_READ_KEYS = frozenset({
    "title", "title_detail", "link", "links", "id", "guidislink", "published",
    "published_parsed", "updated", "updated_parsed", "author", "content", "summary",
    "summary_detail", "tags", "date", "date_parsed", "guid", "modified_parsed",
    "issued_parsed", "description", "description_detail", "category", "enclosures",
})  # fmt: skip


def bails(name: str, has_attributes: bool) -> bool:
    """True when an element the fast path does not read may change what feedparser
    gives: a handler not reproduced here, or no handler but a key newsterm reads."""
    if name in HANDLERS:
        return name not in HANDLED
    if name == "\x00":
        return True
    return name.replace(":", "_") in _READ_KEYS


_DECLARATION = re.compile(rb"""xmlns(?::([^\s=/>]+))?\s*=\s*(["'])(.*?)\2""", re.DOTALL)
_VERSIONS = {"http://my.netscape.com/rdf/simple/0.9/": "rss090", "http://purl.org/rss/1.0/": "rss10",
             "http://www.w3.org/2005/atom": "atom10"}  # fmt: skip


class Namer:
    """Names a document's elements as feedparser does (cached per tag)."""

    def __init__(self, data: bytes) -> None:
        self._names: dict[str, str] = {}
        self._prefixes: dict[str, str] | None = None
        self._data = data
        self.first_version = ""
        """The version feedparser infers from the first declaration it recognises."""
        for match in _DECLARATION.finditer(data):  # stops at the first it knows
            uri = match.group(3).decode("utf-8", "replace").lower()
            version = _VERSIONS.get(uri)
            if version == "rss090" and match.group(1):
                version = None
            if version:
                self.first_version = version
                break

    def _prefix_of(self, uri: str) -> str | None:
        """The first prefix the document declared for ``uri`` (feedparser's choice),
        lower case, through feedparser's map of the document's prefixes of known
        namespaces (so ``media:`` means Media RSS whatever its URI says)."""
        if self._prefixes is None:
            by_prefix: dict[str, str] = {}
            known: dict[str, str] = {}
            for match in _DECLARATION.finditer(self._data):
                if match.group(1):
                    prefix = match.group(1).decode("utf-8", "replace")
                    declared = match.group(3).decode("utf-8", "replace")
                    canonical = KNOWN_NAMESPACES.get(declared.lower())
                    if canonical is not None:
                        known[prefix] = canonical
                    else:
                        by_prefix[prefix] = declared
            self._prefixes = {}
            for prefix, declared in by_prefix.items():
                lower = prefix.lower()
                self._prefixes.setdefault(declared, known.get(lower, lower))
        return self._prefixes.get(uri)

    @staticmethod
    def attribute(key: str) -> str:
        """An attribute's name as feedparser writes it back (known prefix, lower case)."""
        if key[0] != "{":
            return key.lower()
        uri, local = key[1:].split("}", 1)
        prefix = KNOWN_NAMESPACES.get(uri.lower(), "")
        return f"{prefix}:{local}".lower() if prefix else local.lower()

    def __call__(self, tag: str) -> str:
        name = self._names.get(tag)
        if name is None:
            name = self._names[tag] = self._name(tag)
        return name

    def _name(self, tag: str) -> str:
        if tag[0] != "{":
            return tag.lower()
        uri, local = tag[1:].split("}", 1)
        if len(uri.split()) != 1:
            return "\x00"  # feedparser's SAX reader splits names at white space and fails
        lower = uri.lower()
        prefix = "" if "backend.userland.com/rss" in lower else KNOWN_NAMESPACES.get(lower)
        if prefix is None:
            prefix = self._prefix_of(uri)
            if prefix is None:
                return local.lower()  # an unknown default namespace: a bare name
        return f"{prefix}:{local}".lower() if prefix else local.lower()
