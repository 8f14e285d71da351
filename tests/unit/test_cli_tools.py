"""The command line among other tools, as real subprocesses: ``show --format``,
``unread`` for status bars, ``refresh --due`` for cron, a failing hook told on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_cli import by_title, cli, home, json_lines, run  # noqa: F401 - fixture
from test_refresh import FeedServer, Route, _no_proxy, rss  # noqa: F401 - autouse


@pytest.fixture
def server() -> Iterator[FeedServer]:
    feeds = FeedServer()
    yield feeds
    feeds.httpd.shutdown()


def article_id(home: Path, title: str) -> str:  # noqa: F811
    return by_title(json_lines(cli(home, "list", "--json").stdout))[title]["id"]


def test_show_formats(home: Path) -> None:  # noqa: F811
    aid = article_id(home, "Html & headline")
    markdown = cli(home, "show", aid, "--format", "markdown").stdout
    assert markdown == cli(home, "show", aid).stdout  # the default
    text = cli(home, "show", aid, "--format", "text")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("Html & headline\n")  # no "# ", no Markdown escapes
    assert "kohlrabi" in text.stdout and "**" not in text.stdout
    page = cli(home, "show", aid, "--format", "html").stdout
    assert page.startswith("<!doctype html>") and "<title>Html &amp; headline</title>" in page
    assert "kohlrabi" in page
    (obj,) = json_lines(cli(home, "show", aid, "--format", "json").stdout)
    assert obj["title"] == "Html & headline" and obj["id"] == aid
    assert "kohlrabi" in obj["body_text"] and obj["markdown"] == markdown.rstrip("\n") + "\n"
    assert obj["content_type"] == "html" and "<" in obj["content"]
    bad = cli(home, "show", aid, "--format", "pdf")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_unread_for_a_status_bar(home: Path) -> None:  # noqa: F811
    result = cli(home, "unread")
    assert (result.returncode, result.stdout, result.stderr) == (0, "5\n", "")
    assert cli(home, "unread", "--section", "Saved/sub").stdout == "1\n"
    parsed = json.loads(cli(home, "unread", "--json").stdout)
    assert parsed == {
        "unread": 5,
        "sections": {
            "Saved": 4,
            "Saved/sub": 1,
            "Saved/sub/deeper": 1,
            "Science": 1,
            "Science/Space": 1,
        },
    }
    sub = json.loads(cli(home, "unread", "--section", "Saved/sub", "--json").stdout)
    assert sub == {"unread": 1, "sections": {"Saved/sub": 1, "Saved/sub/deeper": 1}}
    missing = cli(home, "unread", "--section", "Nowhere")
    assert missing.returncode == 1 and missing.stdout == "" and "Nowhere" in missing.stderr


def test_refresh_due_for_cron(tmp_path: Path, server: FeedServer) -> None:
    server.routes = {
        "/ttl.xml": Route(
            body=rss([("a", "A")]).replace(
                b"<title>Test feed</title>", b"<title>Slow</title><ttl>60</ttl>"
            )
        ),
        "/hourly.xml": Route(body=rss([("h", "H")])),
        "/every.xml": Route(body=rss([("e", "E")])),
    }
    config = tmp_path / "feeds.toml"
    config.write_text(
        f'[[feeds]]\nurl = "{server.url("/ttl.xml")}"\n\n'
        f'[[feeds]]\nurl = "{server.url("/hourly.xml")}"\ntitle = "Hourly"\nrefresh_minutes = 60\n\n'
        f'[[feeds]]\nurl = "{server.url("/every.xml")}"\ntitle = "Every"\n'
    )
    args = ("--config", str(config), "--data-dir", str(tmp_path / "data"))
    first = run(tmp_path, "refresh", "--due", *args)
    assert first.returncode == 0, first.stderr
    assert "3 feeds: 3 new" in first.stdout
    second = run(tmp_path, "refresh", "--due", *args)
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines() == [
        "[1/1] Every: not modified",
        "1 feeds: 0 new, 0 updated articles; 1 not modified; 0 failed",
    ]
    plain = run(tmp_path, "refresh", *args)
    assert "Slow: waiting: the server asks for at most one fetch every 60 min (ttl)" in plain.stdout
    assert "1 waiting (their servers ask for fewer fetches)" in plain.stdout
    assert server.hits("/ttl.xml") == 1 and server.hits("/hourly.xml") == 2


def test_refresh_tells_a_failing_hook_on_stderr(tmp_path: Path, server: FeedServer) -> None:
    hook = tmp_path / "hook.py"
    hook.write_text(f"#!{sys.executable}\nimport sys\nsys.stdin.read()\nsys.exit(7)\n")
    hook.chmod(0o755)
    server.routes = {"/a.xml": Route(body=rss([("a", "A")]))}
    config = tmp_path / "feeds.toml"
    config.write_text(
        f'[hooks]\non_new = ["{hook}"]\n\n[[feeds]]\nurl = "{server.url("/a.xml")}"\n'
    )
    result = run(tmp_path, "refresh", "--config", str(config), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 0
    assert "1 new" in result.stdout
    assert "newsterm: on_new hook failed: hook.py: exit status 7" in result.stderr
