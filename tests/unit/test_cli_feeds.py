"""`newsterm import-opml`, `export-opml` and `add`, run as real subprocesses on temp
folders, against a real local HTTP server."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from html import escape
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from newsterm.core.models import View
from newsterm.core.store import Store

OPML = Path(__file__).resolve().parents[1] / "data" / "opml"
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "opml"
HEADER = "# kept as written\n[settings]\nrefresh_on_start = false\n"


def rss(title: str, items: int = 2) -> bytes:
    entries = "".join(
        f"<item><title>Story {n}</title><link>http://site.example/{n}</link></item>"
        for n in range(1, items + 1)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{escape(title)}</title>'
        f"<link>http://site.example/</link>{entries}</channel></rss>"
    ).encode()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "feeds.toml").write_text(HEADER, encoding="utf-8")
    return tmp_path


def newsterm(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSTERM_")}
    env["XDG_CONFIG_HOME"] = str(home / "xdg-config")
    env["XDG_DATA_HOME"] = str(home / "xdg-data")
    return subprocess.run(
        [sys.executable, "-m", "newsterm", *args, "--config", "feeds.toml", "--data-dir", "data"],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=home,
        timeout=120,
    )


def feeds(home: Path) -> list[dict[str, str]]:
    return tomllib.loads((home / "feeds.toml").read_text(encoding="utf-8")).get("feeds", [])


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("newsterm: ")
    return lines[0]


# --- import-opml ---------------------------------------------------------------------------------


def test_import_reports_added_and_skipped(home: Path):
    result = newsterm(home, "import-opml", str(OPML / "unsafe_sources.opml"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "added    https://good.example/feed  Good" in out
    assert "skipped  file:///etc/passwd (File): not http/https" in out
    assert "skipped  Feed without URL: no URL" in out
    assert "skipped  https://good.example/feed (Again): duplicate" in out
    assert "skipped  exec:~/bin/make-feed.sh (Exec): command source refused" in out
    assert out.strip().splitlines()[-1].startswith("2 feeds added to ")
    assert "read leniently" not in out
    assert [e["url"] for e in feeds(home)] == [
        "https://good.example/feed",
        "HTTPS://LAST.example/rss",
    ]
    assert (home / "feeds.toml").read_text(encoding="utf-8").startswith(HEADER)


def test_import_nested_from_stdin_then_again(home: Path):
    data = (OPML / "nested.opml").read_text(encoding="utf-8")
    first = newsterm(home, "import-opml", "-", stdin=data)
    assert first.returncode == 0, first.stderr
    assert (
        "added    https://fjord.example/atom  Fjord Post  [News › Europe › Nordic]" in first.stdout
    )
    sections = {e["url"]: e.get("section") for e in feeds(home)}
    assert sections["https://fjord.example/atom"] == "News/Europe/Nordic"
    assert sections["https://top.example/feed"] is None
    before = (home / "feeds.toml").read_bytes()
    second = newsterm(home, "import-opml", "-", stdin=data)
    assert second.returncode == 0
    assert second.stdout.count("duplicate: already in feeds.toml") == 6
    assert "0 feeds added" in second.stdout
    assert (home / "feeds.toml").read_bytes() == before
    # the sections are there for the other commands too
    listed = newsterm(home, "sections")
    assert "News" in listed.stdout and "    Nordic" in listed.stdout


def test_import_says_when_read_leniently(home: Path):
    result = newsterm(home, "import-opml", str(OPML / "raw_amp_quotes.opml"))
    assert result.returncode == 0, result.stderr
    assert "not well-formed XML; read leniently" in result.stdout


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("not_opml.html", "not OPML"),
        ("not_opml.rss", "not OPML"),
        ("billion_laughs.opml", "entities"),
        ("xxe.opml", "entities"),
    ],
)
def test_bad_opml_is_one_line_and_exit_2(home: Path, name: str, reason: str):
    line = assert_one_line_error(newsterm(home, "import-opml", str(OPML / name)), 2)
    assert reason in line
    assert (home / "feeds.toml").read_text(encoding="utf-8") == HEADER


def test_import_unreadable_inputs_exit_2(home: Path):
    assert "cannot read" in assert_one_line_error(newsterm(home, "import-opml", "nope.opml"), 2)
    assert "empty" in assert_one_line_error(newsterm(home, "import-opml", "-", stdin=""), 2)
    assert assert_one_line_error(newsterm(home, "import-opml", "."), 2)
    usage = newsterm(home, "import-opml")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_import_into_broken_config_exit_2(home: Path):
    (home / "feeds.toml").write_text("[[feeds]\n", encoding="utf-8")
    line = assert_one_line_error(newsterm(home, "import-opml", str(OPML / "flat.opml")), 2)
    assert "config error" in line


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "count", "top"),
    [
        ("nom__test.opml", 20, {"News", "Leisure", "Sports", "Tech"}),
        # 207 outlines, one feed twice (with and without a final slash)
        ("rsparser__Subs.opml", 206, {"Programming", "Macintosh", "Weblogs", "Writers"}),
    ],
)
def test_corpus_import_and_round_trip(home: Path, name: str, count: int, top: set[str]):
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    result = newsterm(home, "import-opml", str(CORPUS / name))
    assert result.returncode == 0, result.stderr
    entries = feeds(home)
    assert len(entries) == count
    assert {e["section"].split("/")[0] for e in entries if "section" in e} == top
    exported = newsterm(home, "export-opml")
    assert exported.returncode == 0
    again = newsterm(home, "import-opml", "-", stdin=exported.stdout)
    assert again.returncode == 0
    assert f"0 feeds added to {home / 'feeds.toml'}, {count} skipped" in again.stdout


# --- export-opml ---------------------------------------------------------------------------------


def test_export_to_stdout_and_file_and_back(home: Path):
    newsterm(home, "import-opml", str(OPML / "nested.opml"))
    out = newsterm(home, "export-opml")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    assert out.stdout.count("xmlUrl=") == 6
    written = newsterm(home, "export-opml", "-o", "subs.opml")
    assert written.returncode == 0
    assert "wrote 6 feeds to subs.opml" in written.stderr
    assert (home / "subs.opml").read_text(encoding="utf-8") == out.stdout
    # export | import - adds nothing
    again = newsterm(home, "import-opml", "-", stdin=out.stdout)
    assert "0 feeds added" in again.stdout
    assert len(feeds(home)) == 6


def test_export_to_an_unwritable_place_fails_cleanly(home: Path):
    line = assert_one_line_error(newsterm(home, "export-opml", "-o", "feeds.toml/x.opml"), 1)
    assert "cannot write" in line


# --- add -------------------------------------------------------------------------------------------


@pytest.fixture
def site(httpserver: HTTPServer) -> HTTPServer:
    """A page announcing two feeds, both served."""
    httpserver.expect_request("/news/").respond_with_data(
        "<!doctype html><html><head><title>Site</title>"
        '<link rel="alternate" type="application/rss+xml" title="Main" href="/main.rss">'
        '<link rel="alternate" type="application/atom+xml" title="Comments" href="c.atom">'
        "</head><body>news</body></html>",
        content_type="text/html; charset=utf-8",
    )
    httpserver.expect_request("/main.rss").respond_with_data(
        rss("Main news", 3), content_type="application/rss+xml"
    )
    httpserver.expect_request("/news/c.atom").respond_with_data(
        rss("Comments"), content_type="application/rss+xml"
    )
    httpserver.expect_request("/empty/").respond_with_data(
        "<html><head><title>nothing</title></head></html>", content_type="text/html"
    )
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    return httpserver


def test_add_picks_the_first_feed_of_a_page_and_fetches_it(home: Path, site: HTTPServer):
    result = newsterm(
        home, "add", site.url_for("/news/"), "--section", "World/Daily", "--title", "Daily"
    )
    assert result.returncode == 0, result.stderr
    main, comments = site.url_for("/main.rss"), site.url_for("/news/c.atom")
    assert f"adding the first, {main}" in result.stdout
    assert f"  {comments}  (atom, Comments)" in result.stdout
    assert f"added {main} in section World › Daily" in result.stdout
    assert "Daily: 3 articles fetched" in result.stdout
    assert feeds(home) == [{"url": main, "title": "Daily", "section": "World/Daily"}]
    store = Store.open(home / "data" / "newsterm.db")
    try:
        rows = store.rows(store.article_ids(View("source", source=main)))
    finally:
        store.close()
    assert len(rows) == 3 and {r.section for r in rows} == {("World", "Daily")}
    # the same again: nothing to do
    again = newsterm(home, "add", main)
    assert "already in" in assert_one_line_error(again, 1)
    assert len(feeds(home)) == 1


def test_add_a_feed_address_directly(home: Path, site: HTTPServer):
    result = newsterm(home, "add", site.url_for("/main.rss"))
    assert result.returncode == 0, result.stderr
    assert "others" not in result.stdout
    assert "Main news: 3 articles fetched" in result.stdout
    assert feeds(home) == [{"url": site.url_for("/main.rss")}]


def test_add_failures_are_one_line(home: Path, site: HTTPServer):
    line = assert_one_line_error(newsterm(home, "add", site.url_for("/empty/")), 1)
    assert "no feed found" in line
    line = assert_one_line_error(newsterm(home, "add", site.url_for("/gone")), 1)
    assert "404" in line
    line = assert_one_line_error(newsterm(home, "add", "file:///etc/passwd"), 2)
    assert "http" in line
    assert feeds(home) == []


def test_add_refuses_a_feed_that_declares_entities(home: Path, site: HTTPServer):
    # discovery applies the parser's XML guard: the feed is never subscribed to
    body = '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    site.expect_request("/xxe.rss").respond_with_data(
        body.encode() + rss("XXE").split(b"?>", 1)[1], content_type="application/rss+xml"
    )
    line = assert_one_line_error(newsterm(home, "add", site.url_for("/xxe.rss")), 1)
    assert "refused: feed declares XML entities" in line
    assert feeds(home) == []


def test_export_names_a_never_fetched_feed_by_its_title_else_its_url(home: Path):
    (home / "feeds.toml").write_text(
        HEADER + '\n[[feeds]]\nurl = "https://never.example/feed.xml"\n\n'
        '[[feeds]]\nurl = "https://titled.example/rss"\ntitle = "Titled"\n',
        encoding="utf-8",
    )
    out = newsterm(home, "export-opml")
    assert out.returncode == 0, out.stderr
    assert 'text=""' not in out.stdout
    assert 'text="https://never.example/feed.xml" xmlUrl="https://never.example/feed.xml"' in (
        out.stdout
    )
    assert 'text="Titled" title="Titled" xmlUrl="https://titled.example/rss"' in out.stdout


def test_export_into_a_missing_folder_is_an_error_naming_it(home: Path):
    line = assert_one_line_error(newsterm(home, "export-opml", "-o", "nowhere/subs.opml"), 1)
    assert "nowhere: no such folder" in line
    assert not (home / "nowhere").exists()  # was: made, silently
