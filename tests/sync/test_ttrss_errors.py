"""The TT-RSS provider's requests and failures, against a local HTTP server playing a
broken or hostile TT-RSS (no TT-RSS needed: these always run)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newsterm import USER_AGENT
from newsterm.core.errors import SyncAuthError, SyncAuthExpired, SyncError
from newsterm.core.sources.http import FetchLimits
from newsterm.core.sync.provider import Change
from newsterm.core.sync.ttrss import TtrssProvider


def _ok(content: Any) -> Response:
    return Response(json.dumps({"seq": 0, "status": 0, "content": content}))


def _err(error: str) -> Response:
    return Response(json.dumps({"seq": 0, "status": 1, "content": {"error": error}}))


class FakeTtrss:
    """Answers login with a session and hands every other call to ``answer``."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.logins = 0
        self.answer = lambda body: _ok([])

    def __call__(self, request: Request) -> Response:
        body = json.loads(request.get_data())
        self.bodies.append(body)
        self.headers.append(dict(request.headers))
        if body.get("op") == "login":
            self.logins += 1
            return _ok({"session_id": f"sid{self.logins}", "api_level": 15})
        return self.answer(body)  # type: ignore[no-any-return]


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeTtrss:
    server = FakeTtrss()
    httpserver.expect_request("/api/", method="POST").respond_with_handler(server)
    return server


@pytest.fixture
async def provider(httpserver: HTTPServer) -> AsyncIterator[TtrssProvider]:
    made = TtrssProvider(
        httpserver.url_for("/api/"), "me", "pw", limits=FetchLimits(timeout_seconds=2)
    )
    yield made
    await made.close()


def _one_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    message = str(exc.value)
    assert "\n" not in message and "\x1b" not in message and "\r" not in message
    return message


async def test_every_call_is_json_with_the_sid_and_a_fixed_user_agent(
    fake: FakeTtrss, provider: TtrssProvider
) -> None:
    await provider.mark_feed_read("7")
    login, call = fake.bodies
    assert login == {"op": "login", "user": "me", "password": "pw"}
    assert call == {"op": "catchupFeed", "sid": "sid1", "feed_id": 7, "is_cat": False}
    for headers in fake.headers:
        assert headers["Content-Type"] == "application/json"
        assert headers["User-Agent"] == USER_AGENT


async def test_a_push_uses_explicit_modes_and_comma_separated_ids(
    fake: FakeTtrss, provider: TtrssProvider
) -> None:
    await provider.push(
        [
            Change("1", "read", True),
            Change("2", "read", True),
            Change("3", "read", False),
            Change("4", "starred", True),
            Change("5", "starred", False),
            Change("junk", "read", True),  # not a TT-RSS id: left out, never sent
        ]
    )
    calls = {(b["field"], b["mode"]): b["article_ids"] for b in fake.bodies[1:]}
    assert calls == {(2, 0): "1,2", (2, 1): "3", (0, 1): "4", (0, 0): "5"}
    assert all(b["op"] == "updateArticle" for b in fake.bodies[1:])


async def test_not_logged_in_logs_in_again_and_repeats_once(
    fake: FakeTtrss, provider: TtrssProvider
) -> None:
    answers = iter([_err("NOT_LOGGED_IN"), _ok({"status": "OK"})])
    fake.answer = lambda body: next(answers)
    await provider.mark_feed_read("4")
    assert fake.logins == 2
    assert [(b["op"], b.get("sid")) for b in fake.bodies] == [
        ("login", None),
        ("catchupFeed", "sid1"),
        ("login", None),
        ("catchupFeed", "sid2"),
    ]


async def test_a_session_that_keeps_ending_is_auth_expired(
    fake: FakeTtrss, provider: TtrssProvider
) -> None:
    fake.answer = lambda body: _err("NOT_LOGGED_IN")
    with pytest.raises(SyncAuthExpired) as caught:
        await provider.ids("starred")
    assert fake.logins == 2
    _one_line(caught)


async def test_an_api_error_is_one_clean_line(fake: FakeTtrss, provider: TtrssProvider) -> None:
    fake.answer = lambda body: _err("BAD\x1b[31m\nthing\r\u202e" + "x" * 500)
    with pytest.raises(SyncError) as caught:
        await provider.mark_feed_read("3")
    message = _one_line(caught)
    assert message.startswith("catchupFeed: BAD") and len(message) < 120
    assert "\u202e" not in message


@pytest.mark.parametrize(
    ("status", "kind", "words"),
    [
        (500, SyncError, "HTTP 500 Internal Server Error"),
        (503, SyncError, "HTTP 503 Service Unavailable"),
        (401, SyncAuthError, "HTTP 401 Unauthorized"),
        (403, SyncError, "HTTP 403 Forbidden"),
    ],
)
async def test_http_errors(
    httpserver: HTTPServer, provider: TtrssProvider, status: int, kind: type, words: str
) -> None:
    httpserver.expect_request("/api/").respond_with_data("<h1>\x1b[2Joops</h1>", status=status)
    with pytest.raises(kind) as caught:
        await provider.login()
    assert words in _one_line(caught)
    assert status == 401 or not isinstance(caught.value, SyncAuthError)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("<br /><b>Fatal error</b>: \x1b[31m PHP", "not JSON"),
        ('{"seq": 0, "status": 0, "conte', "not JSON"),
        ("[1, 2]", "not a TT-RSS API answer"),
        ('{"status": 0, "content": {"session_id": 5}}', "no session id"),
    ],
)
async def test_malformed_answers(
    httpserver: HTTPServer, provider: TtrssProvider, body: str, words: str
) -> None:
    httpserver.expect_request("/api/").respond_with_data(body, content_type="text/json")
    with pytest.raises(SyncError) as caught:
        await provider.login()
    assert words in _one_line(caught)


async def test_a_list_where_a_list_belongs(fake: FakeTtrss, provider: TtrssProvider) -> None:
    fake.answer = lambda body: _ok({"not": "a list"})
    with pytest.raises(SyncError, match="not a list"):
        await provider.subscriptions()


async def test_a_wrong_password(httpserver: HTTPServer, provider: TtrssProvider) -> None:
    httpserver.expect_request("/api/").respond_with_response(_err("LOGIN_ERROR"))
    with pytest.raises(SyncAuthError, match="wrong user or password") as caught:
        await provider.login()
    assert "pw" not in str(caught.value).replace("password", "")


async def test_a_slow_server_times_out(httpserver: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return _ok({})

    httpserver.expect_request("/api/").respond_with_handler(slow)
    provider = TtrssProvider(
        httpserver.url_for("/api/"), "me", "pw", limits=FetchLimits(timeout_seconds=0.3)
    )
    with pytest.raises(SyncError) as caught:
        await provider.login()
    await provider.close()
    assert "timed out" in _one_line(caught)


async def test_an_answer_over_the_size_cap(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/").respond_with_data(json.dumps({"x": "y" * 5000}))
    provider = TtrssProvider(
        httpserver.url_for("/api/"), "me", "pw", limits=FetchLimits(max_bytes=1000)
    )
    with pytest.raises(SyncError, match="answer over 1000 bytes"):
        await provider.login()
    await provider.close()


async def test_a_compressed_answer_is_refused(
    httpserver: HTTPServer, provider: TtrssProvider
) -> None:
    httpserver.expect_request("/api/").respond_with_data(
        b"\x1f\x8b junk", headers={"Content-Encoding": "gzip"}
    )
    with pytest.raises(SyncError, match="compressed answer"):
        await provider.login()


async def test_a_redirect_on_the_same_host_is_followed_as_a_post(
    httpserver: HTTPServer, fake: FakeTtrss
) -> None:
    httpserver.expect_request("/tt-rss/api").respond_with_data(
        "", status=301, headers={"Location": "/api/"}
    )
    provider = TtrssProvider(httpserver.url_for("/tt-rss/api"), "me", "pw")
    await provider.login()
    await provider.close()
    assert fake.bodies == [{"op": "login", "user": "me", "password": "pw"}]


@pytest.mark.parametrize(
    ("location", "words"),
    [
        ("ftp://127.0.0.1/api/", "not http/https"),
        ("file:///etc/passwd", "not http/https"),
        ("http://elsewhere.invalid/api/", "another host"),
    ],
)
async def test_redirects_elsewhere_are_refused(
    httpserver: HTTPServer, provider: TtrssProvider, location: str, words: str
) -> None:
    httpserver.expect_request("/api/").respond_with_data(
        "", status=307, headers={"Location": location}
    )
    with pytest.raises(SyncError) as caught:
        await provider.login()
    assert words in _one_line(caught)


async def test_a_redirect_loop_ends(httpserver: HTTPServer, provider: TtrssProvider) -> None:
    httpserver.expect_request("/api/").respond_with_data(
        "", status=302, headers={"Location": "/api/"}
    )
    with pytest.raises(SyncError, match="redirects"):
        await provider.login()


async def test_a_server_url_that_is_not_http() -> None:
    with pytest.raises(SyncError, match="not http/https"):
        TtrssProvider("file:///srv/api/", "me", "pw")


async def test_nothing_listening_is_one_line(httpserver: HTTPServer) -> None:
    url = httpserver.url_for("/api/")
    httpserver.stop()
    provider = TtrssProvider(url, "me", "pw")
    try:
        with pytest.raises(SyncError, match="connection refused") as caught:
            await provider.login()
    finally:
        httpserver.start()
        await provider.close()
    _one_line(caught)


async def test_an_unreadable_cursor_starts_again(fake: FakeTtrss, provider: TtrssProvider) -> None:
    fake.answer = lambda body: _ok([])
    page = await provider.pull("garbage:1")
    assert page.items == [] and page.cursor is None and not page.more
    assert fake.bodies[-1]["since_id"] == 0 and fake.bodies[-1]["skip"] == 0
