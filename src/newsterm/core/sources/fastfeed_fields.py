"""The field handlers of the fast path (:mod:`.fastfeed`): what feedparser files for a
title, a link, a guid, a summary or content, an author, a category, kept the way its
handlers keep them (the shallowest element wins, the title's depth, a second summary
becomes content, XHTML written back as feedparser writes it).
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree

from newsterm.core.sources.fastfeed_names import (
    CONTENT_ENCODED,
    DESCRIPTION,
    HANDLERS,
    TITLE,
    Namer,
    bails,
)
from newsterm.core.sources.fastfeed_text import clean, join, looks_like_html

XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_XHTML = "application/xhtml+xml"
_TEXT_TYPES = ("text/plain", "text/html", _XHTML)
_MRSS_SCHEME = "http://search.yahoo.com/mrss/category_schema"
ITUNES_SCHEME = "http://www.itunes.com/"


AUTHORS = "\x00authors"
"""An entry's (or the feed's) author details, as feedparser's ``authors`` list."""
_SPLIT = "\x00split"
UNKNOWN_AUTHOR = "\x00unknown author"
"""An author feedparser would have made of details not reproduced here."""
_DETAIL = {"name": "name", "itunes:name": "name", "email": "email", "itunes:email": "email",
           "uri": "href", "url": "href", "homepage": "href"}  # fmt: skip


class Unsure(Exception):
    """Something feedparser should judge: fall back."""


def _map_type(kind: str) -> str:
    kind = kind.lower()
    if kind in ("text", "plain"):
        return "text/plain"
    if kind == "html":
        return "text/html"
    if kind == "xhtml":
        return "application/xhtml+xml"
    return kind


def enforce_href(attrs: dict[str, str]) -> dict[str, str]:
    """feedparser's ``url`` / ``uri`` / ``href``, whichever comes first, as ``href``."""
    href = attrs.get("url", attrs.get("uri", attrs.get("href")))
    if href:
        attrs.pop("url", None)
        attrs.pop("uri", None)
        attrs["href"] = href
    return attrs


def _text(element: ElementTree.Element) -> str:
    """An element's text, which must hold no elements (feedparser would serialise them)."""
    if len(element):
        raise Unsure
    return (element.text or "").strip()


class Fields:
    """feedparser's parser state, and its handlers of the fields newsterm reads."""

    names: Namer
    base: str
    version: str
    title_depth: int
    has_content: bool
    guid_is_link: bool
    infeed: bool
    entries: list[dict[str, Any]]
    depths: dict[str, int]

    @staticmethod
    def _value(el: ElementTree.Element) -> str:
        return clean(_text(el))

    def _store(self, target: dict[str, Any], key: str, value: Any, depth: int, entry: bool) -> None:
        """feedparser's rule for an entry's property: the shallowest element wins, and
        of those the last; a feed's properties are simply overwritten."""
        if entry:
            old = self.depths.get(key)
            if old is not None and depth > old:
                return
            self.depths[key] = depth
        elif not self.infeed:
            return  # feedparser files it nowhere (RSS 1.0, after </channel>)
        target[key] = value

    def _detail(self, el: ElementTree.Element, default: str) -> str:
        kind = _map_type(el.get("type", default))
        if el.get("src") is not None or kind not in _TEXT_TYPES:
            raise Unsure  # base64, out-of-line content
        mode = el.get("mode")
        if mode is not None and mode not in ("escaped", "xml"):
            raise Unsure
        return kind

    def _raw(self, el: ElementTree.Element, kind: str) -> str:
        """A text construct's value before feedparser's clean-up: its text, or for XHTML
        its markup written back the way feedparser writes it."""
        if kind != _XHTML:
            return _text(el)
        pieces: list[str] = []
        if el.text:
            pieces.append(_escape(el.text))
        for child in el:
            self._xhtml(child, pieces)
            if child.tail:
                pieces.append(_escape(child.tail))
        if self.version == "atom10":
            pieces = _unwrap_div(pieces)
        return "".join(pieces).strip()

    def _xhtml(self, el: ElementTree.Element, pieces: list[str]) -> None:
        """One element of XHTML content, as feedparser writes it: lower-case names, a
        start and an end tag for every element (``<br></br>``), attributes in order."""
        tag = el.tag
        if not tag.startswith(_XHTML_NS) or XML_BASE in el.attrib or "base" in el.attrib:
            raise Unsure  # another namespace (SVG, MathML…), or a base inside content
        name = tag[len(_XHTML_NS) :].lower()
        if name == "body":
            raise Unsure
        attributes = "".join(
            f' {name}="{_escape(value.lower() if name in ("rel", "type") else value, _QUOTE)}"'
            for name, value in ((self.names.attribute(k), v) for k, v in el.attrib.items())
        )
        pieces.append(f"<{name}{attributes}>")
        if el.text:
            pieces.append(_escape(el.text))
        for child in el:
            self._xhtml(child, pieces)
            if child.tail:
                pieces.append(_escape(child.tail))
        pieces.append(f"</{name}>")

    def _html_guess(self, value: str, kind: str) -> str:
        if kind == "text/plain" and not self.version.startswith("atom"):
            guess = looks_like_html(value)
            if guess is None:
                raise Unsure
            if guess:
                return "text/html"
        return kind

    # -- the handlers ----------------------------------------------------------------------

    def _title(
        self, el: ElementTree.Element, depth: int, target: dict[str, Any], entry: bool, media: bool
    ) -> None:
        kind = self._detail(el, "text/plain")
        raw = self._raw(el, kind)
        blocked = -1 < self.title_depth <= depth
        if not blocked and (entry or self.infeed):
            self._store(target, "title", clean(raw), depth, entry)
            target["title_detail"] = {"type": self._html_guess(raw, kind)}
        if raw and not media:
            self.title_depth = depth

    def _link(
        self, el: ElementTree.Element, depth: int, target: dict[str, Any], entry: bool
    ) -> None:
        attrs = {k.lower(): v for k, v in el.attrib.items()}
        rel = attrs.setdefault("rel", "alternate").lower()
        kind = attrs.get("type", "application/atom+xml" if rel == "self" else "text/html").lower()
        enforce_href(attrs)
        links = target.setdefault("links", [])
        if "href" in attrs:
            href = join(self.base, attrs["href"])
            links.append({"rel": rel, "href": href, "type": kind, "length": attrs.get("length")})
            if rel == "alternate" and _map_type(kind) in _HTML_TYPES:
                target["link"] = href
            if len(el) or (el.text or "").strip():
                raise Unsure
            return
        if attrs.keys() - {"rel"}:
            raise Unsure
        value = join(self.base, _text(el))
        if not entry and not self.infeed:
            return
        value = clean(value)
        if entry:
            value = value.replace("&amp;", "&")
        value = _AMP_FIX.sub(r"&\1", value)
        links.append(
            {"rel": rel, "type": kind, "href": value} if value else {"rel": rel, "type": kind}
        )
        target["link"] = value

    def _guid(
        self, el: ElementTree.Element, depth: int, target: dict[str, Any], entry: bool
    ) -> None:
        permalink = {k.lower(): v for k, v in el.attrib.items()}.get(
            "ispermalink", "true"
        ) == "true"
        self.guid_is_link = permalink
        value = _text(el)
        if permalink:
            value = join(self.base, value)
        value = clean(value)
        self._store(target, "id", value, depth, entry)
        target.setdefault("guidislink", permalink and "link" not in target)
        if permalink:
            target.setdefault("link", value)

    def _summary(
        self, el: ElementTree.Element, name: str, depth: int, target: dict[str, Any], entry: bool
    ) -> None:
        if name != "abstract" and "summary" in target and not self.has_content:
            self._content(el, "content", depth, target, entry)  # a second summary is content
            return
        default = "text/html" if name in DESCRIPTION else "text/plain"
        kind = self._detail(el, default)
        raw = self._raw(el, kind)
        if not entry:  # a feed's description is its subtitle; its summary is not read
            if name not in DESCRIPTION and name != "abstract" and self.infeed:
                target["summary"] = raw
            return
        self._store(target, "summary", clean(raw), depth, entry)
        target["summary_detail"] = {"type": self._html_guess(raw, kind)}

    def _content(
        self, el: ElementTree.Element, name: str, depth: int, target: dict[str, Any], entry: bool
    ) -> None:
        self.has_content = True
        kind = self._detail(el, "text/html" if name in CONTENT_ENCODED else "text/plain")
        raw = self._raw(el, kind)
        if not entry:
            if self.infeed:
                target.setdefault("summary", raw)
            return
        value = clean(raw)
        kind = self._html_guess(raw, kind)
        target.setdefault("content", []).append({"type": kind, "value": value})
        target.setdefault("summary", value)

    def _author(
        self, el: ElementTree.Element, depth: int, target: dict[str, Any], entry: bool
    ) -> None:
        """An author element (RSS text, or Atom's name / email / uri), through
        feedparser's bookkeeping of author details, quirks included."""
        target.setdefault(AUTHORS, []).append({})
        text = el.text or ""
        for child in el:
            child_name = self.names(child.tag)
            if child_name in _DETAIL:
                self.save_author(target, _DETAIL[child_name], self._value(child))
            elif child_name in TITLE:  # filed as the entry's title, at its own depth
                self._title(child, depth + 1, target, entry, media=child_name == "media:title")
            elif child_name not in HANDLERS and not bails(child_name, bool(child.attrib)):
                if len(child):
                    raise Unsure
                if child.attrib:
                    text += child.text or ""  # not pushed: its text is the author's
            else:
                raise Unsure
            text += child.tail or ""
        self._store(target, "author", clean(text.strip()), depth, entry)
        self._sync_author(target)

    def save_author(self, target: dict[str, Any], key: str, value: str) -> None:
        """feedparser's ``_save_author``: it syncs the author *before* it files the new
        detail (so an owner's name becomes the feed's author once its email comes)."""
        self._sync_author(target)
        target.setdefault(AUTHORS, [{}])[-1][key] = value

    @staticmethod
    def _sync_author(target: dict[str, Any]) -> None:
        """feedparser's ``_sync_author_detail``: the author from the last detail, or
        the detail from the author's text."""
        authors = target.get(AUTHORS)
        detail = authors[-1] if authors else {}
        if detail:
            if detail.get(_SPLIT):  # feedparser split an address out of the text: not
                target["author"] = UNKNOWN_AUTHOR  # done here; unsure, if it is read
                return
            name, email = detail.get("name"), detail.get("email")
            if name and email:
                target["author"] = f"{name} ({email})"
            elif name or email:
                target["author"] = name or email
            return
        author = target.get("author")
        if author:
            if "@" in author:
                detail[_SPLIT] = True
            else:
                detail["name"] = author

    def _category(self, el: ElementTree.Element, name: str, target: dict[str, Any]) -> None:
        attrs = {k.lower(): v for k, v in el.attrib.items()}
        if name == "itunes:category":
            self._add_tag(target, attrs.get("text"), ITUNES_SCHEME, None)
            for child in el:
                if self.names(child.tag) != "itunes:category":
                    raise Unsure
                self._category(child, "itunes:category", target)
            text = (el.text or "") + "".join(c.tail or "" for c in el)
            value = clean(text.strip())
        else:
            if name == "media:category":
                attrs.setdefault("scheme", _MRSS_SCHEME)
            scheme = attrs.get("scheme", attrs.get("domain"))
            self._add_tag(target, attrs.get("term"), scheme, attrs.get("label"))
            value = self._value(el)
        if not value:
            return
        tags = target["tags"]
        if tags and not tags[-1]["term"]:
            tags[-1]["term"] = value
        else:
            self._add_tag(target, value, None, None)

    @staticmethod
    def _add_tag(
        target: dict[str, Any], term: str | None, scheme: str | None, label: str | None
    ) -> None:
        tags = target.setdefault("tags", [])
        if not term and not scheme and not label:
            return
        tag = {"term": term, "scheme": scheme, "label": label}
        if tag not in tags:
            tags.append(tag)


_XHTML_NS = "{http://www.w3.org/1999/xhtml}"
_QUOTE = {'"': "&quot;"}


def _escape(text: str, extra: dict[str, str] | None = None) -> str:
    text = text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    for char, entity in (extra or {}).items():
        text = text.replace(char, entity)
    return text


def _unwrap_div(pieces: list[str]) -> list[str]:
    """feedparser drops the ``<div>`` that wraps all of an Atom 1.0 XHTML construct."""
    while len(pieces) > 1 and not pieces[-1].strip():
        del pieces[-1]
    while len(pieces) > 1 and not pieces[0].strip():
        del pieces[0]
    if (
        pieces
        and (pieces[0] == "<div>" or pieces[0].startswith("<div "))
        and pieces[-1] == "</div>"
    ):
        depth = 0
        for piece in pieces[:-1]:
            if piece.startswith("</"):
                depth -= 1
                if depth == 0:
                    return pieces
            elif piece.startswith("<") and not piece.endswith("/>"):
                depth += 1
        return pieces[1:-1]
    return pieces


_AMP_FIX = re.compile(r"&([A-Za-z0-9_]+);")
