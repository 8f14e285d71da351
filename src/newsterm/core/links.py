"""Opening links: only http, https and mailto, one argument, never through a shell."""

from __future__ import annotations

import os
import shlex
import subprocess
import webbrowser
from collections.abc import Mapping

from newsterm.core.urls import open_refusal

refusal = open_refusal
"""Why a URL must not be opened (the rule is :func:`newsterm.core.urls.open_refusal`)."""


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
