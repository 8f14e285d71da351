"""core/links.py: which links may be opened, and how the browser is started."""

from __future__ import annotations

import json
import os
import shlex
import stat
import sys
import time
from pathlib import Path

import pytest

from newsterm.core.links import browser_command, open_url, refusal


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/",
        "https://example.org/a/b?c=d#e",
        "HTTPS://Example.ORG/",
        "mailto:someone@example.org",
        "https://example.org/?q=a;b$(c)`d`'e'",
    ],
)
def test_allowed(url: str) -> None:
    assert refusal(url) is None


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        " https://example.org/",
        "https://example.org/ ",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "vbscript:msgbox(1)",
        "\\\\server\\share",
        "//evil.example/",
        "-http://x",
        "--help",
        "https://exa\x00mple.org/",
        "https://example.org/\x1b[31m",
        "https://example.org/a\nb",
        "https://example.org/a\rb",
        "https://example.org/\x7f",
        "https://example.org/\x85",
        "https://example.org/\u202egnp.exe",
        "https://example.org/\u2066x",
        "https://example.org/\u200bx",
        "https:///no-host",
        "http:example.org",
        "ftp://example.org/",
        "example.org/no-scheme",
    ],
)
def test_refused(url: str | None) -> None:
    reason = refusal(url)
    assert isinstance(reason, str) and reason


@pytest.mark.parametrize("url", ["http://[::1", "https://[not-ipv6]/", "http://]/"])
def test_malformed_url_is_refused_not_raised(url: str) -> None:
    # urlsplit raises ValueError on these; refusal must turn that into a reason
    reason = refusal(url)
    assert isinstance(reason, str) and reason


def test_browser_command_appends_url_as_one_argument() -> None:
    url = "https://example.org/a b;c"  # would split if it went through a shell
    argv = browser_command(url, {"BROWSER": "mybrowser --new-tab"})
    assert argv == ["mybrowser", "--new-tab", url]


def test_browser_command_replaces_percent_s() -> None:
    url = "https://example.org/?q=1&r=$(id)"
    argv = browser_command(url, {"BROWSER": "mybrowser %s --private"})
    assert argv == ["mybrowser", url, "--private"]
    assert argv.count(url) == 1


def test_browser_command_unset() -> None:
    assert browser_command("https://example.org/", {}) is None
    assert browser_command("https://example.org/", {"BROWSER": "  "}) is None


def test_browser_command_first_of_list() -> None:
    argv = browser_command("https://x.org/", {"BROWSER": os.pathsep.join(["first", "second"])})
    assert argv == ["first", "https://x.org/"]


def _fake_browser(tmp_path: Path) -> tuple[Path, Path]:
    out = tmp_path / "argv.json"
    script = tmp_path / "fake-browser"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"open({str(out)!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, out


def _wait_for(path: Path, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size:
            return
        time.sleep(0.05)


def test_open_url_runs_browser_with_exactly_the_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, out = _fake_browser(tmp_path)
    monkeypatch.setenv("BROWSER", shlex.quote(str(script)))
    monkeypatch.chdir(tmp_path)
    url = "https://example.org/a?b=1;touch${IFS}pwned&c=$(touch${IFS}pwned2)`touch${IFS}pwned3`"
    assert open_url(url) is None
    _wait_for(out)
    assert json.loads(out.read_text()) == [url]
    assert not (tmp_path / "pwned").exists()
    assert not (tmp_path / "pwned2").exists()
    assert not (tmp_path / "pwned3").exists()


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "file:///etc/passwd", "-http://x", "https://e.org/\u202e"]
)
def test_open_url_refused_never_runs_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    script, out = _fake_browser(tmp_path)
    monkeypatch.setenv("BROWSER", shlex.quote(str(script)))
    reason = open_url(url)
    assert isinstance(reason, str) and reason
    time.sleep(0.3)
    assert not out.exists()
