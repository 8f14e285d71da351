"""URLs: what may be fetched, what may be opened, how one is resolved and shown.

One policy for every module that meets a URL (config, OPML, discovery, fetching, feed
fields, rendering, opening links):

- **fetched**: ``http`` and ``https`` with a host (:func:`fetch_problem`); a feed URL
  kept in ``feeds.toml`` has no white space either (:func:`feed_url_problem`).
- **opened** and **numbered in an article**: ``http``/``https`` with a host, and
  ``mailto`` with an address (:func:`open_refusal`, :func:`resolve`).
- **shown**: without ``user:password@``, controls removed, one line (:func:`shown`).

Callers word the reasons for their own users; the rules live here.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from urllib.parse import SplitResult, urljoin, urlsplit

from newsterm.core.text import clean_line, clean_url, without_userinfo

FETCH_SCHEMES = frozenset({"http", "https"})
"""Schemes a feed, a page or a redirect may be fetched from."""
OPEN_SCHEMES = FETCH_SCHEMES | {"mailto"}
"""Schemes a link may be opened with (and gets a number in an article)."""


class Problem(enum.Enum):
    """Why a URL cannot be fetched; callers word it for their users."""

    INVALID = "invalid URL"
    """``urlsplit`` cannot read it (a broken IPv6 host, say)."""
    SCHEME = "not http/https"
    NO_HOST = "no host"
    SPACE = "contains white space"


def _split(url: str) -> SplitResult | None:
    """``urlsplit`` with its host checked (it raises only when ``.hostname`` is read)."""
    try:
        parts = urlsplit(url)
        parts.hostname  # noqa: B018 - raises ValueError on a malformed host
    except ValueError:
        return None
    return parts


def scheme_of(url: str) -> str:
    """The scheme, lower-cased; ``""`` when ``url`` names none (or cannot be read)."""
    parts = _split(url)
    return parts.scheme.lower() if parts is not None else ""


def fetch_problem(url: str) -> Problem | None:
    """Why ``url`` may not be fetched, or None: http or https, with a host."""
    parts = _split(url)
    if parts is None:
        return Problem.INVALID
    if parts.scheme.lower() not in FETCH_SCHEMES:
        return Problem.SCHEME
    if not parts.hostname:
        return Problem.NO_HOST
    return None


def fetchable(url: str) -> bool:
    """True when ``url`` may be fetched (:func:`fetch_problem` has nothing against it)."""
    return fetch_problem(url) is None


def feed_url_problem(url: str) -> Problem | None:
    """Why ``url`` cannot be a feed's address in ``feeds.toml``, or None.

    :func:`fetch_problem`, and no white space anywhere: a space in a feed URL is two
    URLs run together or a typing slip, never something to guess at.
    """
    problem = fetch_problem(url)
    if problem is None and any(ch.isspace() for ch in url):
        return Problem.SPACE
    return problem


def web_address(text: str) -> str:
    """An address as a user types it, stripped, with ``https://`` added when it names no
    scheme (``example.org/blog`` -> ``https://example.org/blog``)."""
    text = text.strip()
    return text if "://" in text else "https://" + text


def open_refusal(url: str | None) -> str | None:
    """Why ``url`` must not be opened, or None when it is safe to hand to a browser.

    Stricter than :func:`resolve`: the URL goes to another program, so anything a
    program could read as an option, a path or a second argument is refused.
    """
    if not url:
        return "no link"
    if url != url.strip():
        return "link has leading or trailing whitespace"
    for ch in url:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") or ch.isspace():
            return "link contains control or invisible characters"
    if url.startswith("-"):
        return "link starts with '-'"
    if url.startswith(("\\\\", "//")):
        return "network path refused"
    parts = _split(url)
    if parts is None:
        return "malformed link"
    scheme = parts.scheme.lower()
    if scheme not in OPEN_SCHEMES:
        return f"{scheme or 'scheme-less'} link refused: only http, https and mailto open"
    if scheme in FETCH_SCHEMES and not parts.hostname:
        return "link has no host"
    return None


_EDGE_SPACE = " \t\n\r\f"
_TAB_NEWLINE = re.compile(r"[\t\n\r]")


def resolve(raw: object, base: str | None, *, html: bool = False) -> str | None:
    """``raw`` (a link from a feed or an article) made absolute against ``base``: an
    http/https URL with a host or a ``mailto:`` with an address; None for anything else.

    White space around it is dropped, and tabs and new lines inside (as browsers do).
    ``//host/path`` without a base is taken as https. A link to a place in the same
    page (``#part``) leads nowhere new: None. ``html=True`` reads an ``href`` as a
    browser does, a space inside as ``%20``; elsewhere (a feed's ``<link>``) a space
    inside means it is not one URL: None.
    """
    if raw is None:
        return None
    url = _TAB_NEWLINE.sub("", str(raw).strip(_EDGE_SPACE))
    if not url or url.startswith("#"):
        return None
    if html:
        url = url.replace(" ", "%20")
    if url.startswith("//") and not base:
        url = "https:" + url
    elif base and not url.startswith(("https://", "http://")):
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    checked = clean_url(url)
    if checked is None:
        return None
    parts = _split(checked)
    if parts is None:
        return None
    scheme = parts.scheme.lower()
    if scheme in FETCH_SCHEMES:
        return checked if parts.hostname else None
    if scheme == "mailto":
        return checked if parts.path else None
    return None


def web_base(url: str | None) -> str | None:
    """``url`` when it can serve as the base of relative links (http/https), else None."""
    return url if url and fetch_problem(url) is None else None


def shown(url: str, limit: int = 300) -> str:
    """``url`` fit to show or log: no ``user:password@``, no controls, one line, capped."""
    return clean_line(without_userinfo(url), limit)
