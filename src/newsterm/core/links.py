"""Opening links: only http, https and mailto, one argument, never through a shell."""

from __future__ import annotations

import os
import shlex
import subprocess
import unicodedata
import webbrowser
from collections.abc import Mapping
from urllib.parse import urlsplit

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})


def refusal(url: str | None) -> str | None:
    """Why ``url`` must not be opened, or None when it is safe to hand to a browser."""
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
    try:
        parts = urlsplit(url)
        parts.hostname  # noqa: B018 - raises ValueError on a malformed host
    except ValueError:
        return "malformed link"
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        return f"{scheme or 'scheme-less'} link refused: only http, https and mailto open"
    if scheme in ("http", "https") and not parts.hostname:
        return "link has no host"
    return None


def browser_command(url: str, environ: Mapping[str, str] | None = None) -> list[str] | None:
    """The argv that ``$BROWSER`` asks for (``%s`` replaced, else the URL appended).

    None when ``$BROWSER`` is unset: the platform default is used.
    """
    env = os.environ if environ is None else environ
    browser = env.get("BROWSER", "").split(os.pathsep)[0].strip()
    if not browser:
        return None
    argv = shlex.split(browser)
    if not argv:
        return None
    if "%s" in argv:
        return [url if part == "%s" else part for part in argv]
    return [*argv, url]


def open_url(url: str) -> str | None:
    """Open ``url`` in the browser; returns the reason when it was refused or failed."""
    reason = refusal(url)
    if reason:
        return reason
    argv = browser_command(url)
    try:
        if argv is None:
            if not webbrowser.open(url):
                return "no browser found (set $BROWSER)"
            return None
        subprocess.Popen(  # noqa: S603 - a list, never a shell
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except (OSError, webbrowser.Error) as exc:
        return f"could not start the browser: {exc}"
    return None
