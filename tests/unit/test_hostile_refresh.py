"""Issue 6 through ``Library.refresh`` and the command line, against a local HTTP server:
one hostile feed never breaks the others, never makes newsterm fetch anything but the
feed URL, never loses read state, and a password in a feed URL is never shown."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsterm.core.config import Config, FeedConfig, Settings, load_config
from newsterm.core.library import Library
from newsterm.core.models import View
from newsterm.core.store import Store
from newsterm.core.text import has_control

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile"
sys.path.insert(0, str(HOSTILE))
import hostile  # noqa: E402

PASSWORD = "hunter2secret"
USERINFO = f"reader:{PASSWORD}"
RSS = {"Content-Type": "application/rss+xml"}


@pytest.fixture
def server() -> Iterator[hostile.FeedServer]:
    with hostile.FeedServer() as running:
        yield running


def make_library(tmp_path: Path, urls: list[str], **settings: object) -> Library:
    config = Config(
        tmp_path / "feeds.toml",
        settings=Settings(**{"refresh_on_start": False, "timeout_seconds": 10, **settings}),
        feeds=tuple(FeedConfig(url) for url in urls),
    )
    return Library(config, Store.open(tmp_path / "data" / "newsterm.db"))


# --- one bad feed never breaks the others -------------------------------------------------

BAD_FEEDS = {
    # path: (status, headers, body, the start of the error it must get)
    "/laughs.xml": (200, RSS, (HOSTILE / "billion_laughs.rss").read_bytes(), "refused"),
    "/laughs20.xml": (200, RSS, hostile.billion_laughs(20), "refused"),
    "/quadratic.xml": (200, RSS, hostile.quadratic_blowup(), "refused"),
    "/xxe-file.xml": (200, RSS, (HOSTILE / "xxe_file.rss").read_bytes(), "refused"),
    "/dtd-file.xml": (200, RSS, (HOSTILE / "external_dtd_file.rss").read_bytes(), "refused"),
    "/bomb.xml": (
        200,
        {**RSS, "Content-Encoding": "gzip"},
        hostile.gzip_bomb(8 * 1024 * 1024),
        "decompressed size over 1 MB",
    ),
    "/big.xml": (200, RSS, hostile.huge_body_feed(1_500_000), "too large"),
    "/to-file.xml": (302, {"Location": "file:///etc/passwd"}, b"", "redirect to non-http(s)"),
    # httpx itself refuses to build this redirect: a different message, still refused
    "/to-js.xml": (302, {"Location": "javascript:alert(1)"}, b"", ("redirect", "invalid URL")),
    "/page.html": (
        200,
        {"Content-Type": "text/html"},
        b"<html><body>hi</body></html>",
        "not a feed",
    ),
    "/crash.xml": (200, RSS, hostile.feedparser_crash_feed(), "could not parse"),
    "/markup-status.xml": ((599, "[bold]EVIL[/] [@click=app.quit]"), {}, b"", "HTTP 599"),
}


def test_hostile_feeds_each_get_their_own_error_and_the_good_one_loads(
    tmp_path: Path, server: hostile.FeedServer
) -> None:
    server.routes["/good.xml"] = (200, RSS, hostile.good_feed())
    server.routes["/controls.xml"] = (200, RSS, hostile.controls_feed(as_refs=False))
    server.routes["/evil.dtd"] = (200, {}, b'<!ENTITY xxe "FETCHED">')
    server.routes["/xxe-http.xml"] = (
        200,
        RSS,
        hostile.external_entity_feed(server.url("/evil.dtd")),
    )
    server.routes["/pe-http.xml"] = (
        200,
        RSS,
        hostile.parameter_entity_feed(server.url("/evil.dtd")),
    )
    server.routes["/dtd-http.xml"] = (200, RSS, hostile.external_dtd_feed(server.url("/evil.dtd")))
    for path, (status, headers, body, _) in BAD_FEEDS.items():
        server.routes[path] = (status, headers, body)
    feeds = ["/good.xml", "/controls.xml", "/xxe-http.xml", "/pe-http.xml", "/dtd-http.xml"]
    feeds += list(BAD_FEEDS)
    library = make_library(tmp_path, [server.url(p) for p in feeds], max_feed_mb=1)
    try:
        reports = {r.key: r for r in library.refresh_sync()}
        assert len(reports) == len(feeds)
        store = library._store

        good = reports[server.url("/good.xml")]
        assert good.error is None and good.new == 2
        assert reports[server.url("/controls.xml")].error is None
        assert reports[server.url("/dtd-http.xml")].error is None  # stripped, never fetched
        for path in ("/xxe-http.xml", "/pe-http.xml"):
            assert (reports[server.url(path)].error or "").startswith("refused"), path
        for path, (*_, expected) in BAD_FEEDS.items():
            report = reports[server.url(path)]
            wanted = expected if isinstance(expected, tuple) else (expected,)
            assert report.error is not None, path
            assert any(w in report.error for w in wanted), (path, report.error)
            assert report.new == 0
            state = store.source_state(server.url(path))
            assert state is not None and state.last_error == report.error
            assert not has_control(report.error)
        # the good feed's articles are stored and clean; the bad ones stored nothing
        titles = {r.title for r in library.rows(library.article_ids(View("all")))}
        assert {"GOOD one", "GOOD two"} <= titles
        assert not any(has_control(t) for t in titles)
        assert not any("FETCHED" in t or "lol" in t for t in titles)
        # nothing but the configured feed URLs was ever requested
        assert "/evil.dtd" not in server.paths()
        assert set(server.paths()) <= set(feeds)
    finally:
        library.close()


def test_a_failing_refresh_keeps_stored_articles_and_read_state(
    tmp_path: Path, server: hostile.FeedServer
) -> None:
    server.routes["/feed.xml"] = (200, RSS, hostile.good_feed())
    library = make_library(tmp_path, [server.url("/feed.xml")])
    try:
        library.refresh_sync()
        ids = library.article_ids(View("all"))
        library.set_read(ids[:1])
        for hostile_answer in (
            (200, RSS, (HOSTILE / "billion_laughs.rss").read_bytes()),
            (200, RSS, b""),
            (200, {"Content-Type": "text/html"}, b"<html>gone</html>"),
            (500, {}, b"oops"),
            (200, RSS, hostile.rss("")),  # a valid feed with no items
        ):
            server.routes["/feed.xml"] = hostile_answer
            library.refresh_sync()
            rows = library.rows(library.article_ids(View("all")))
            assert [r.rowid for r in rows] == ids
            assert [r.read for r in rows] == [True] + [False] * (len(ids) - 1)
    finally:
        library.close()


def test_reordered_and_duplicated_items_keep_read_state(
    tmp_path: Path, server: hostile.FeedServer
) -> None:
    server.routes["/ids.xml"] = (200, RSS, hostile.ids_feed(1))
    library = make_library(tmp_path, [server.url("/ids.xml")])
    try:
        (report,) = library.refresh_sync()
        assert report.error is None
        rows = library.rows(library.article_ids(View("all")))
        by_guid = {r.key.id: r.rowid for r in rows}
        library.set_read([by_guid["Case"]])
        library.set_starred([by_guid["spaced"]])
        server.routes["/ids.xml"] = (200, RSS, hostile.ids_feed(2))
        library.refresh_sync()
        library.refresh_sync()
        rows = library.rows(library.article_ids(View("all")))
        assert len(rows) == len({r.key for r in rows}) == len(by_guid) + 1
        flags = {r.key.id: (r.read, r.starred) for r in rows}
        assert flags.pop("Case") == (True, False)
        assert flags.pop("spaced") == (False, True)
        assert set(flags.values()) == {(False, False)}
        assert {r.rowid for r in rows} >= set(by_guid.values())  # no row was replaced
    finally:
        library.close()


# --- credentials in feed URLs ---------------------------------------------------------------


def test_refresh_reports_never_show_the_password(
    tmp_path: Path, server: hostile.FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.routes["/untitled.xml"] = (200, RSS, hostile.rss(hostile.item("u", "U"), title=""))
    server.routes["/broken.xml"] = (200, RSS, hostile.feedparser_crash_feed())
    urls = [server.url(p, USERINFO) for p in ("/untitled.xml", "/missing.xml", "/broken.xml")]
    library = make_library(tmp_path, urls)
    caplog.set_level(logging.DEBUG)
    try:
        reports = library.refresh_sync()
        assert len(reports) == 3
        for report in reports:
            assert PASSWORD not in report.title, report
            assert PASSWORD not in (report.error or "")
        for feed in library.feed_nodes():
            assert PASSWORD not in feed.label
        for row in library.rows(library.article_ids(View("all"))):
            assert PASSWORD not in row.source_title
        # and the server did get the credentials: they are used, just never shown
        assert any("Authorization" in headers for _, headers in server.requests)
    finally:
        library.close()
    assert PASSWORD not in caplog.text


def _newsterm(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSTERM_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-config")
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg-data")
    return subprocess.run(
        [sys.executable, "-m", "newsterm", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


def test_cli_refresh_never_prints_the_password(tmp_path: Path, server: hostile.FeedServer) -> None:
    server.routes["/untitled.xml"] = (200, RSS, hostile.rss(hostile.item("u", "U"), title=""))
    server.routes["/broken.xml"] = (200, RSS, hostile.feedparser_crash_feed())
    config = tmp_path / "feeds.toml"
    config.write_text(
        '[settings]\nrefresh_on_start = false\nfull_text = "never"\n\n'  # no pages
        + "".join(
            f'[[feeds]]\nurl = "{server.url(p, USERINFO)}"\n\n'
            for p in ("/untitled.xml", "/missing.xml", "/broken.xml")
        )
    )
    before = config.read_bytes()
    data = tmp_path / "data"
    outputs = []
    for args in (["refresh"], ["refresh"], ["sections"], ["list"], ["list", "--json"]):
        result = _newsterm(tmp_path, *args, "--config", str(config), "--data-dir", str(data))
        outputs.append(result.stdout + result.stderr)
    assert "[1/3]" in outputs[0]
    for output in outputs:
        assert PASSWORD not in output, output
        assert not has_control(output.replace("\n", ""))
    assert config.read_bytes() == before
    log = data / "newsterm.log"
    assert not log.exists() or PASSWORD not in log.read_text("utf-8", "replace")


@pytest.mark.parametrize("name", sorted(p.name for p in (HOSTILE / "config").glob("*.toml")))
def test_cli_on_hostile_config_is_one_readable_line(name: str, tmp_path: Path) -> None:
    config = tmp_path / name
    config.write_bytes((HOSTILE / "config" / name).read_bytes())
    stamp = config.stat().st_mtime_ns
    result = _newsterm(
        tmp_path, "sections", "--config", str(config), "--data-dir", str(tmp_path / "d")
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert not has_control(output.replace("\n", ""))
    assert PASSWORD not in output
    if result.returncode:
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("newsterm: config error")
    assert config.read_bytes() == (HOSTILE / "config" / name).read_bytes()
    assert config.stat().st_mtime_ns == stamp


def test_hostile_config_files_load_or_fail_as_expected() -> None:
    accepted = {"bom.toml", "crlf.toml", "credentials.toml", "markup_names.toml"}
    from newsterm.core.errors import ConfigError

    for path in sorted((HOSTILE / "config").glob("*.toml")):
        before = path.read_bytes()
        try:
            config = load_config(path)
        except ConfigError as exc:
            assert path.name not in accepted, (path.name, str(exc))
            message = str(exc)
            assert "\n" not in message and not has_control(message), repr(message)
        else:
            assert path.name in accepted, path.name
            assert config.feeds
        assert path.read_bytes() == before
    markup = load_config(HOSTILE / "config" / "markup_names.toml").feeds[0]
    assert markup.title == "CFGTITLE [bold]x[/bold] [@click=app.quit]q[/] [/] ["


@pytest.mark.parametrize(
    "text",
    [
        "[settings]\nmax_feed_mb = " + "9" * 5000 + "\n",
        "[settings]\nkeep_days = " + "[" * 3000 + "]" * 3000 + "\n",
        "[settings]\nkeep_days = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n",
    ],
    ids=["5000-digit-integer", "deep-array", "deep-inline-table"],
)
def test_absurd_toml_is_a_config_error_not_a_crash(text: str, tmp_path: Path) -> None:
    from newsterm.core.errors import ConfigError

    path = tmp_path / "feeds.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "\n" not in str(info.value)
    result = _newsterm(
        tmp_path, "sections", "--config", str(path), "--data-dir", str(tmp_path / "d")
    )
    assert "Traceback" not in result.stderr
    assert result.returncode == 2


# --- OPML import through the command line --------------------------------------------------

HOSTILE_OPML = {
    "billion_laughs.opml": lambda: (HOSTILE / "billion_laughs.opml").read_bytes(),
    "xxe_file.opml": lambda: (HOSTILE / "xxe_file.opml").read_bytes(),
    "quadratic": hostile.opml_quadratic,
    "laughs-utf16": lambda: hostile.opml_billion_laughs().decode().encode("utf-16"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_OPML))
def test_cli_import_of_hostile_opml_is_refused_and_changes_nothing(
    name: str, tmp_path: Path
) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text(
        '[settings]\nrefresh_on_start = false\n\n[[feeds]]\nurl = "https://example.org/a"\n'
    )
    before = config.read_bytes()
    opml = tmp_path / "subscriptions.opml"
    opml.write_bytes(HOSTILE_OPML[name]())
    result = _newsterm(
        tmp_path,
        "import-opml",
        str(opml),
        "--config",
        str(config),
        "--data-dir",
        str(tmp_path / "d"),
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and "refused" in result.stderr
    assert "Traceback" not in result.stderr
    assert config.read_bytes() == before


def test_cli_import_opml_shows_no_password_and_no_controls(tmp_path: Path) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text("[settings]\nrefresh_on_start = false\n")
    opml = tmp_path / "subscriptions.opml"
    opml.write_text(
        '<?xml version="1.0"?>\n<opml version="2.0"><body>'
        f'<outline text="EVIL&#27;]0;x&#7;&#x202e; [bold]b[/]" title="EVIL&#x9b;31m" '
        f'xmlUrl="https://{USERINFO}@example.org/feed"/>'
        '<outline text="js" xmlUrl="javascript:alert(1)"/>'
        '<outline text="cmd" xmlUrl="exec:rm -rf ~"/>'
        '<outline text="pipe" xmlUrl="|rm -rf ~"/>'
        "</body></opml>\n"
    )
    result = _newsterm(
        tmp_path,
        "import-opml",
        str(opml),
        "--config",
        str(config),
        "--data-dir",
        str(tmp_path / "d"),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert not has_control(output.replace("\n", ""))
    assert PASSWORD not in output, output
    text = config.read_text()
    assert "javascript" not in text and "rm -rf" not in text
    load_config(config)  # what import wrote reads back


def test_cli_output_of_hostile_articles_holds_no_controls(
    tmp_path: Path, server: hostile.FeedServer
) -> None:
    server.routes["/controls.xml"] = (200, RSS, hostile.controls_feed(as_refs=False))
    server.routes["/markup.xml"] = (200, RSS, (HOSTILE / "markup.rss").read_bytes())
    config = tmp_path / "feeds.toml"
    config.write_text(
        '[settings]\nrefresh_on_start = false\nfull_text = "never"\n\n'  # no pages
        f'[[feeds]]\nurl = "{server.url("/controls.xml")}"\nsection = "Hostile"\n\n'
        f'[[feeds]]\nurl = "{server.url("/markup.xml")}"\n'
    )
    common = ["--config", str(config), "--data-dir", str(tmp_path / "data")]
    outputs = [_newsterm(tmp_path, "refresh", *common)]
    listing = _newsterm(tmp_path, "list", "--json", *common)
    ids = [json.loads(line)["id"] for line in listing.stdout.splitlines()]
    assert len(ids) >= 2
    outputs += [
        listing,
        _newsterm(tmp_path, "list", *common),
        _newsterm(tmp_path, "sections", *common),
    ]
    outputs += [_newsterm(tmp_path, "show", aid, *common) for aid in ids]
    outputs.append(_newsterm(tmp_path, "search", "EVILBODY", *common))
    text = "".join(result.stdout + result.stderr for result in outputs)
    assert "EVILTITLE" in text and "EVILBODY" in text and "[@click=app.quit]" in text
    assert not has_control(text.replace("\n", "").replace("\t", ""))
    assert all(result.returncode == 0 for result in outputs), text[-2000:]
