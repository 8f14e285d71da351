"""Sanitising untrusted text once, on its way into the store.

Feeds, pages and files are written by strangers. Nothing from them may reach the
terminal as a control sequence: C0 controls (but tab and newline), DEL, C1 controls,
ESC and bidi overrides/isolates are removed, and every field has a length cap.

Also the small text rules everything shares: :func:`strip_tags` for one-line fields and
:func:`word_count`, the one count behind every reading time.
"""

from __future__ import annotations

import html
import re

# C0 except \t and \n, DEL, C1, bidi embeddings/overrides/isolates, line/paragraph
# separators, BOM / zero-width no-break space, and lone surrogates (invalid in UTF-8).
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff\ud800-\udfff]"
)
_CR = re.compile(r"\r\n?")
_SPACES = re.compile(r"\s+")
_SPACE = re.compile(r"\s")

TITLE_MAX = 1_000
"""Characters kept of a title, author, source name or section name."""
URL_MAX = 4_096
BODY_MAX = 2_000_000
"""Characters kept of an article body (HTML or text)."""
CATEGORIES_MAX = 50
ENCLOSURES_MAX = 20


def clean_text(value: object, limit: int = BODY_MAX) -> str:
    """Multi-line text: controls removed, newlines normalised, capped at ``limit``."""
    if value is None:
        return ""
    text = str(value)
    if len(text) > limit * 2:
        text = text[: limit * 2]
    text = _CR.sub("\n", text)
    text = _CONTROL.sub("", text)
    return text[:limit]


def clean_line(value: object, limit: int = TITLE_MAX) -> str:
    """One line (title, author, name): controls removed, whitespace collapsed, capped."""
    if value is None:
        return ""
    text = str(value)
    if len(text) > limit * 4:
        text = text[: limit * 4]
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def clean_url(value: object) -> str | None:
    """A URL as stored: no controls or whitespace inside, capped; None when empty/too long."""
    if value is None:
        return None
    text = _CONTROL.sub("", str(value)).strip()
    if not text or len(text) > URL_MAX or _SPACE.search(text):
        return None
    return text


_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@")


def without_userinfo(url: str) -> str:
    """``url`` fit to show or log: ``https://user:password@host/`` -> ``https://host/``."""
    return _USERINFO.sub(r"\1", url, count=1)


# A tag starts as html.parser sees one (a letter, "/", "!" or "?" after the "<") and
# stops at the next "<" or ">", so the scan is linear whatever the text holds
# ("<[^>]*>" is quadratic: 40,000 unclosed "<a " took it 4 s here).
_TAG = re.compile(r"<[A-Za-z/!?][^<>]*>")


def strip_tags(value: str) -> str:
    """A quick HTML -> text: every tag becomes a space, entities are decoded; a "<"
    that starts no tag (``a < b``) is text.

    For one-line fields (a title written in HTML, a page's ``<title>``), and the last
    step of an article body's words (:func:`newsterm.core.htmltext.visible_text`).
    """
    if "<" in value:
        value = _TAG.sub(" ", value)
    if "&" in value:
        value = html.unescape(value)
    return value


# Hiragana, Katakana, CJK Unified Ideographs (and extension A), compatibility ideographs.
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# From a token's first letter or digit to its end: one match per token that has one.
_WORD = re.compile(r"[^\W_]\S*")


def word_count(text: str) -> int:
    """Words of ``text``, the one count behind every reading time (list and article).

    A word is a whitespace-separated token holding a letter or a digit (so ``*``, ``#``
    and ``---`` are not words). Chinese and Japanese are written without spaces: each
    CJK character (ideograph or kana) counts as one word. Readers of Chinese manage
    about 255 characters a minute and of English about 228 words (Trauzettel-Klosinski
    et al., 2012, the IReST texts), so a character reads in about the time of a word;
    Japanese reads faster (~357 characters), and its estimate is on the long side.
    Korean separates words with spaces and is counted like English.
    """
    cjk = 0
    if _CJK.search(text):
        cjk = len(_CJK.findall(text))
        text = _CJK.sub(" ", text)
    return cjk + len(_WORD.findall(text))


def has_control(text: str) -> bool:
    """True when ``text`` holds a character :func:`clean_text` removes."""
    return _CONTROL.search(text) is not None


def decode_bytes(data: bytes) -> str:
    """Text file bytes -> str: UTF-8 (with or without BOM), else cp1252, never fails."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def looks_binary(data: bytes) -> bool:
    """A file is binary when its first 8 KB hold NUL bytes (and it is not UTF-16)."""
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in head
