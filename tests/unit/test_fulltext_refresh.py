"""Full articles end to end: a real HTTP server on 127.0.0.1 serves a summary-only feed
and its article pages; ``newsterm refresh`` reads the pages after the feed, ``newsterm
show`` has the full text, and still has it once the server is gone."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newsterm.cli import main
from newsterm.core.refresh.pages import PAGES_PER_FEED

PAGES = Path(__file__).resolve().parents[1] / "data" / "fulltext"
LONG = " ".join(f"Sentence {n} of a feed that carries its whole articles." for n in range(40))


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    httpserver = HTTPServer(host="127.0.0.1", threaded=True)
    httpserver.start()
    yield httpserver
    httpserver.clear()
    if httpserver.is_running():
        httpserver.stop()


def rss(server: HTTPServer, items: list[tuple[str, str, str]]) -> bytes:
    """A feed of (path, title, description) items, linking to ``path`` on the server."""
    entries = "".join(
        f"<item><title>{html.escape(title)}</title><link>{server.url_for(path)}</link>"
        f"<guid>{path}</guid><pubDate>Tue, 12 Mar 2024 0{n}:00:00 +0000</pubDate>"
        f"<description>{html.escape(f'<p>{text}</p>')}</description></item>"
        for n, (path, title, text) in enumerate(items)
    )
    channel = f"<channel><title>Summary News</title><link>{server.url_for('/')}</link>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}{entries}</channel></rss>'.encode()


def serve_page(server: HTTPServer, path: str, name: str) -> None:
    server.expect_request(path).respond_with_data(
        (PAGES / name).read_bytes(), content_type="text/html; charset=utf-8"
    )


class Reader:
    """``newsterm`` on one config and data folder, in this process."""

    def __init__(self, tmp_path: Path, server: HTTPServer, mode: str | None = None) -> None:
        self.config = tmp_path / "feeds.toml"
        setting = f'full_text = "{mode}"\n' if mode else ""
        self.config.write_text(
            f"[settings]\nrefresh_on_start = false\n{setting}\n"
            f'[[feeds]]\nurl = "{server.url_for("/feed.xml")}"\nsection = "News"\n'
        )
        self.data = tmp_path / "data"

    def __call__(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
        code = main([*args, "--config", str(self.config), "--data-dir", str(self.data)])
        out, err = capsys.readouterr()
        return code, out, err

    def ids(self, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
        """title -> id."""
        import json

        _code, out, _err = self(capsys, "list", "--json")
        rows = [json.loads(line) for line in out.splitlines()]
        return {row["title"]: row["id"] for row in rows}


def page_requests(server: HTTPServer) -> list[str]:
    return [request.path for request, _response in server.log if request.path != "/feed.xml"]


SUMMARIES = [
    ("/bridge.html", "Why the town bridge closed for a month", "The old stone bridge … Read more"),
    ("/rain.html", "How much rain fell this winter", "This winter was the wettest…"),
    ("/wall.html", "Before you continue", "A short teaser of the story…"),
]


def test_refresh_reads_the_pages_and_show_has_them_offline(
    tmp_path: Path, server: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.expect_request("/feed.xml").respond_with_data(rss(server, SUMMARIES))
    serve_page(server, "/bridge.html", "nav_comments.html")
    serve_page(server, "/rain.html", "table.html")
    serve_page(server, "/wall.html", "cookie_wall.html")
    newsterm = Reader(tmp_path, server)
    code, out, _err = newsterm(capsys, "refresh")
    assert code == 0
    assert "full articles: 2 read from their pages, 1 not available" in out
    assert sorted(page_requests(server)) == ["/bridge.html", "/rain.html", "/wall.html"]
    ids = newsterm.ids(capsys)
    bridge = ids["Why the town bridge closed for a month"]
    _code, shown, _err = newsterm(capsys, "show", bridge)
    assert "(full article, read from its page)" in shown
    assert "undermined by the winter floods" in shown and "promised a small grant" in shown
    assert "Maren Holt" in shown  # the page's byline, the feed named nobody
    assert "Most read" not in shown and "riverwatcher" not in shown

    server.stop()  # offline from here on
    _code, again, _err = newsterm(capsys, "show", bridge)
    assert again == shown
    _code, found, _err = newsterm(capsys, "search", "scoured")  # only in the full text
    assert found.split()[0] == bridge
    _code, rain, _err = newsterm(capsys, "show", ids["How much rain fell this winter"])
    assert "January| 205| 263| 88" in rain
    _code, wall, _err = newsterm(capsys, "show", ids["Before you continue"])
    assert "(from the feed · no full article: the page shows a cookie notice" in wall
    assert "A short teaser of the story…" in wall  # the feed's text
    code, _out, err = newsterm(capsys, "show", ids["Before you continue"], "--full")
    assert (code, err) == (1, "newsterm: full article not available: connection refused; "
                           "the feed's text follows\n")  # fmt: skip
    _code, feed_text, _err = newsterm(capsys, "show", bridge, "--feed")
    assert "(from the feed (the full article is kept too))" in feed_text
    assert "The old stone bridge … Read more" in feed_text
    assert "undermined" not in feed_text


def test_auto_leaves_feeds_that_carry_whole_articles_alone(
    tmp_path: Path, server: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    items = [(f"/whole{n}.html", f"Whole {n}", LONG) for n in range(3)]
    server.expect_request("/feed.xml").respond_with_data(rss(server, items))
    newsterm = Reader(tmp_path, server)
    code, out, _err = newsterm(capsys, "refresh")
    assert code == 0 and "full articles" not in out
    assert page_requests(server) == []


def test_never_reads_no_page_until_asked(
    tmp_path: Path, server: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.expect_request("/feed.xml").respond_with_data(rss(server, SUMMARIES[:1]))
    serve_page(server, "/bridge.html", "nav_comments.html")
    newsterm = Reader(tmp_path, server, "never")
    newsterm(capsys, "refresh")
    assert page_requests(server) == []
    (bridge,) = newsterm.ids(capsys).values()
    _code, shown, _err = newsterm(capsys, "show", bridge)
    assert "(from the feed)" in shown and "undermined" not in shown
    code, full, _err = newsterm(capsys, "show", bridge, "--full")
    assert code == 0 and "undermined by the winter floods" in full
    assert page_requests(server) == ["/bridge.html"]
    _code, stored, _err = newsterm(capsys, "show", bridge)
    assert stored == full


def test_always_reads_every_page_and_a_feed_gives_at_most_its_share(
    tmp_path: Path, server: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    items = [(f"/p{n}.html", f"Whole {n}", LONG) for n in range(PAGES_PER_FEED + 3)]
    server.expect_request("/feed.xml").respond_with_data(rss(server, items))
    for path, _title, _text in items:
        serve_page(server, path, "code.html")
    newsterm = Reader(tmp_path, server, "always")
    newsterm(capsys, "refresh")
    assert len(page_requests(server)) == PAGES_PER_FEED  # the newest; the rest next time
    newsterm(capsys, "refresh")
    assert len(page_requests(server)) == PAGES_PER_FEED + 3
    assert len(set(page_requests(server))) == PAGES_PER_FEED + 3  # none read twice


def _redirect(location: str):  # type: ignore[no-untyped-def]
    def handler(_request: Request) -> Response:
        response = Response("", status=302, headers={"Location": location})
        response.autocorrect_location_header = False  # as sent, not made absolute
        return response

    return handler


def _endless(_request: Request) -> Response:
    chunk = b"<p>" + b"x" * 65_536 + b"</p>"

    def body() -> Iterator[bytes]:
        for _ in range(800):  # 50 MB, with no Content-Length to refuse it by
            yield chunk

    return Response(body(), content_type="text/html")


def test_hostile_pages_say_why_and_keep_the_feed_text(
    tmp_path: Path, server: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    items = [
        ("/to-file", "To a file", "Teaser one…"),
        ("/to-script", "To a script", "Teaser two…"),
        ("/huge", "Fifty megabytes", "Teaser three…"),
        ("/image", "An image", "Teaser four…"),
        ("/gone", "Gone", "Teaser five…"),
    ]
    server.expect_request("/feed.xml").respond_with_data(rss(server, items))
    server.expect_request("/to-file").respond_with_handler(_redirect("file:///etc/passwd"))
    server.expect_request("/to-script").respond_with_handler(_redirect("javascript:alert(1)"))
    server.expect_request("/huge").respond_with_handler(_endless)
    server.expect_request("/image").respond_with_data(b"\x89PNG\r\n", content_type="image/png")
    server.expect_request("/gone").respond_with_data("no", status=404)
    newsterm = Reader(tmp_path, server, "always")
    code, out, _err = newsterm(capsys, "refresh")
    assert code == 0 and "0 read from their pages, 5 not available" in out
    ids = newsterm.ids(capsys)
    reasons = {
        "To a file": "redirect to non-http(s) URL refused",
        # httpx reads the Location itself, and finds no URL in it: refused before ours
        "To a script": "invalid URL: For absolute URLs, path must be empty or begin with '/'",
        "Fifty megabytes": "too large (over 5 MB)",
        "An image": "the link is not a web page (image/png)",
        "Gone": "HTTP 404 Not Found",
    }
    for title, reason in reasons.items():
        _code, shown, _err = newsterm(capsys, "show", ids[title])
        assert f"(from the feed · no full article: {reason})" in shown, shown
        assert "Teaser" in shown and "root:" not in shown
