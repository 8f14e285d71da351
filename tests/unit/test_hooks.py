"""[hooks] with real processes after real refreshes (a local HTTP server): the on_new
hook gets the new articles as JSON lines on stdin, a hostile title only as data; a
failing hook is reported once and never breaks a refresh; notify-send when present."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from html import escape
from pathlib import Path

import pytest
from test_refresh import FeedServer, Route, _no_proxy, rss  # noqa: F401 - autouse

from newsterm.core.config import load_config
from newsterm.core.hooks import NewArticles, notification_text
from newsterm.core.library import Library
from newsterm.core.store import Store

HOSTILE = "$(touch PWNED) `touch PWNED2`; rm -rf ~ | tee x & > y \"'"
ROW_KEYS = ["id", "title", "section", "source", "url", "published", "read", "starred"]


@pytest.fixture
def server() -> Iterator[FeedServer]:
    feeds = FeedServer()
    yield feeds
    feeds.httpd.shutdown()


def script(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(f"#!{sys.executable}\nimport json, os, sys\n{body}\n")
    path.chmod(0o755)
    return path


def recorder(tmp_path: Path) -> tuple[Path, Path]:
    """A hook that appends (argv, NEWSTERM_NEW, its stdin's lines) to a file."""
    out = tmp_path / "calls.jsonl"
    hook = script(
        tmp_path,
        "hook.py",
        "lines = [json.loads(line) for line in sys.stdin]\n"
        f"with open({str(out)!r}, 'a') as f:\n"
        "    f.write(json.dumps({'argv': sys.argv[1:], 'new': os.environ.get('NEWSTERM_NEW'),"
        " 'articles': lines, 'cwd_files': sorted(os.listdir('.'))}) + '\\n')",
    )
    return hook, out


def make_library(tmp_path: Path, server: FeedServer, hooks: str) -> Library:
    config = tmp_path / "feeds.toml"
    config.write_text(
        f"{hooks}\n"
        f'[[feeds]]\nurl = "{server.url("/a.xml")}"\nsection = "Technology"\n'
        f'[[feeds]]\nurl = "{server.url("/b.xml")}"\nsection = "World/Europe"\n'
    )
    return Library(load_config(config), Store.open(tmp_path / "data" / "newsterm.db"))


def calls(out: Path) -> list[dict]:
    return [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []


def test_on_new_gets_the_new_articles_on_stdin(
    tmp_path: Path, server: FeedServer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    hook, out = recorder(tmp_path)
    server.routes = {
        "/a.xml": Route(body=rss([("a1", escape(HOSTILE)), ("a2", "Second")])),
        "/b.xml": Route(body=rss([("b1", "Europe")])),
    }
    lib = make_library(tmp_path, server, f'[hooks]\non_new = ["{hook}", "--flag", "$HOME"]\n')
    reports = lib.refresh_sync()
    assert lib.wait_for_hooks(60)
    (call,) = calls(out)
    assert call["argv"] == ["--flag", "$HOME"]  # no shell: nothing expanded
    assert call["new"] == "3"
    by_title = {a["title"]: a for a in call["articles"]}
    assert set(by_title) == {HOSTILE, "Second", "Europe"}
    hostile = by_title[HOSTILE]
    assert list(hostile)[: len(ROW_KEYS)] == ROW_KEYS and list(hostile)[-1] == "body_text"
    assert hostile["section"] == ["Technology"] and hostile["read"] is False
    assert hostile["body_text"] == f"Body of {HOSTILE}"
    assert sorted(hostile["id"] for hostile in call["articles"]) == sorted(
        str(i) for r in reports for i in r.new_ids
    )
    assert call["cwd_files"] == []  # nothing was run: no PWNED files, no x, no y
    assert list(work.iterdir()) == [] and not (tmp_path / "PWNED").exists()
    # nothing new: no hook
    lib.refresh_sync()
    assert lib.wait_for_hooks(60) and len(calls(out)) == 1
    server.routes["/b.xml"] = Route(body=rss([("b1", "Europe"), ("b2", "More")]))
    lib.refresh_sync()
    assert lib.wait_for_hooks(60)
    assert [a["title"] for a in calls(out)[-1]["articles"]] == ["More"]
    lib.close()


def test_a_failing_hook_is_reported_once_and_never_breaks_a_refresh(
    tmp_path: Path,
    server: FeedServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hook = script(tmp_path, "bad.py", "print('disk full', file=sys.stderr)\nsys.exit(3)")
    server.routes = {"/a.xml": Route(body=rss([("a1", "One")])), "/b.xml": Route(body=rss([]))}
    lib = make_library(tmp_path, server, f'[hooks]\non_new = ["{hook}"]\n')
    told: list[str] = []
    lib.on_hook_failed(told.append)
    with caplog.at_level(logging.WARNING):
        for n in range(2, 4):
            server.routes["/a.xml"] = Route(body=rss([(f"a{i}", f"Item {i}") for i in range(n)]))
            reports = lib.refresh_sync()
            assert not any(r.error for r in reports)
            assert lib.wait_for_hooks(60)
    assert told == ["on_new hook failed: bad.py: exit status 3: disk full"]
    assert "on_new hook: disk full" in caplog.text  # its stderr, in the log
    assert caplog.text.count("exit status 3") == 2  # logged each time, told once
    lib.close()


def test_a_hook_past_its_time_limit_is_stopped(tmp_path: Path, server: FeedServer) -> None:
    hook = script(tmp_path, "slow.py", "import time\ntime.sleep(120)")
    server.routes = {"/a.xml": Route(body=rss([("a1", "One")])), "/b.xml": Route(body=rss([]))}
    lib = make_library(tmp_path, server, f'[hooks]\non_new = ["{hook}"]\ntimeout_seconds = 1\n')
    told: list[str] = []
    lib.on_hook_failed(told.append)
    lib.refresh_sync()
    assert lib.wait_for_hooks(60)
    assert told == ["on_new hook failed: slow.py: stopped after 1 s (its time limit)"]
    lib.close()


def test_a_missing_hook_is_reported(tmp_path: Path, server: FeedServer) -> None:
    server.routes = {"/a.xml": Route(body=rss([("a1", "One")])), "/b.xml": Route(body=rss([]))}
    lib = make_library(tmp_path, server, '[hooks]\non_new = ["newsterm-no-such-hook"]\n')
    told: list[str] = []
    lib.on_hook_failed(told.append)
    lib.refresh_sync()
    assert lib.wait_for_hooks(60)
    assert told == ["on_new hook failed: newsterm-no-such-hook: program not found"]
    lib.close()


def test_notify_through_notify_send_when_present(
    tmp_path: Path, server: FeedServer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    out = tmp_path / "notified.json"
    script(bin_dir, "notify-send", f"json.dump(sys.argv[1:], open({str(out)!r}, 'w'))")
    monkeypatch.setenv("PATH", f"{bin_dir}")
    server.routes = {
        "/a.xml": Route(body=rss([("a1", escape(HOSTILE)), ("a2", "Two")])),
        "/b.xml": Route(body=rss([])),
    }
    lib = make_library(tmp_path, server, "[hooks]\nnotify = true\n")
    told: list[str] = []
    lib.on_hook_failed(told.append)
    lib.refresh_sync()
    assert lib.wait_for_hooks(60)
    # section names from feeds.toml only: no article data in the arguments
    assert json.loads(out.read_text()) == [
        "--app-name=newsterm",
        "--",
        "newsterm",
        "2 new in Technology",
    ]
    assert told == []
    lib.close()


def test_without_notify_send_notify_is_silently_off(
    tmp_path: Path, server: FeedServer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    server.routes = {"/a.xml": Route(body=rss([("a1", "One")])), "/b.xml": Route(body=rss([]))}
    lib = make_library(tmp_path, server, "[hooks]\nnotify = true\n")
    told: list[str] = []
    lib.on_hook_failed(told.append)
    assert lib.refresh_sync()[0].error is None
    assert lib.wait_for_hooks(60) and told == []
    lib.close()


def test_notification_text() -> None:
    one = NewArticles((1, 2, 3), ((("Technology",), 3),))
    assert notification_text(one) == "3 new in Technology"
    many = NewArticles(
        tuple(range(12)),
        ((("World", "Europe"), 5), (("Technology",), 4), (("Science",), 2), (("Art",), 1)),
    )
    assert (
        notification_text(many) == "12 new: 5 in World › Europe, 4 in Technology, 2 in Science, …"
    )
    assert notification_text(NewArticles((1,), (((), 1),))) == "1 new article"
    assert notification_text(NewArticles((1, 2), (((), 2),))) == "2 new articles"
