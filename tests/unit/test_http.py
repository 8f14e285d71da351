"""Fetcher against real HTTP servers on 127.0.0.1 (pytest-httpserver and a stdlib one)."""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pytest_httpserver import HTTPServer

from newsterm import USER_AGENT
from newsterm.core.models import FetchResult
from newsterm.core.sources.http import Fetcher, FetchLimits, format_size, parse_retry_after

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy in the environment must not capture requests to 127.0.0.1."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def fetch(url: str, limits: FetchLimits | None = None, **kwargs: str) -> FetchResult:
    async def run() -> FetchResult:
        async with Fetcher(limits) as fetcher:
            return await fetcher.fetch(url, **kwargs)

    return asyncio.run(run())


# --- a stdlib server for raw cases (drip, bombs, exact headers) ---------------------

Handler = Callable[[BaseHTTPRequestHandler], None]


class _RawServer:
    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        routes = self.routes

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (stdlib name)
                handler = routes.get(self.path)
                try:
                    if handler is None:
                        self.send_error(404)
                    else:
                        handler(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (deadline or size cap): expected

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str, scheme: str = "http") -> str:
        host, port = self.server.server_address[:2]
        return f"{scheme}://{host}:{port}{path}"


@pytest.fixture
def raw_server() -> Iterator[_RawServer]:
    server = _RawServer()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def _send(handler: BaseHTTPRequestHandler, body: bytes, **headers: str) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(body)


# --- success, validators, headers ----------------------------------------------------


def test_ok_returns_body_validators_and_content_type(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        FEED,
        content_type="application/rss+xml; charset=utf-8",
        headers={"ETag": '"v1"', "Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT"},
    )
    result = fetch(httpserver.url_for("/feed"))
    assert result.error is None
    assert result.status == 200
    assert result.body == FEED
    assert result.etag == '"v1"'
    assert result.last_modified == "Wed, 01 Jan 2025 00:00:00 GMT"
    assert result.content_type == "application/rss+xml; charset=utf-8"
    assert result.permanent_url is None
    assert not result.not_modified


def test_request_headers(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(FEED)
    assert fetch(httpserver.url_for("/feed")).error is None
    request, _ = httpserver.log[0]
    assert request.headers["User-Agent"] == USER_AGENT
    assert request.headers["Accept"].startswith("application/rss+xml, application/atom+xml")
    assert request.headers["Accept-Encoding"] == "gzip, deflate"
    assert "If-None-Match" not in request.headers
    assert "If-Modified-Since" not in request.headers


def test_not_modified_when_validators_sent(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/feed",
        headers={"If-None-Match": '"v1"', "If-Modified-Since": "Wed, 01 Jan 2025 00:00:00 GMT"},
    ).respond_with_data(b"", status=304, headers={"ETag": '"v1"'})
    result = fetch(
        httpserver.url_for("/feed"),
        etag='"v1"',
        last_modified="Wed, 01 Jan 2025 00:00:00 GMT",
    )
    assert result.not_modified
    assert result.status == 304
    assert result.body is None
    assert result.error is None
    request, _ = httpserver.log[0]
    assert request.headers["If-None-Match"] == '"v1"'


# --- redirects -----------------------------------------------------------------------


def test_temporary_redirect_followed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=302, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_data(FEED)
    result = fetch(httpserver.url_for("/old"))
    assert result.body == FEED
    assert result.url == httpserver.url_for("/new")
    assert result.permanent_url is None


def test_permanent_redirects_set_permanent_url(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("", status=301, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data(
        "", status=308, headers={"Location": httpserver.url_for("/c")}
    )
    httpserver.expect_request("/c").respond_with_data(FEED)
    result = fetch(httpserver.url_for("/a"))
    assert result.body == FEED
    assert result.permanent_url == httpserver.url_for("/c")


def test_mixed_redirects_are_not_permanent(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("", status=301, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=307, headers={"Location": "/c"})
    httpserver.expect_request("/c").respond_with_data(FEED)
    result = fetch(httpserver.url_for("/a"))
    assert result.body == FEED
    assert result.permanent_url is None


def test_redirect_loop(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    result = fetch(httpserver.url_for("/a"))
    assert result.error == "redirect loop"
    assert result.body is None


def test_too_many_redirects(httpserver: HTTPServer) -> None:
    for n in range(10):
        httpserver.expect_request(f"/r{n}").respond_with_data(
            "", status=301, headers={"Location": f"/r{n + 1}"}
        )
    httpserver.expect_request("/r10").respond_with_data(FEED)
    assert fetch(httpserver.url_for("/r0")).error == "too many redirects"
    # exactly max_redirects hops is fine
    result = fetch(httpserver.url_for("/r5"))
    assert result.body == FEED
    assert result.permanent_url == httpserver.url_for("/r10")


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://example.org/feed", "gopher://x"])
def test_redirect_to_non_http_refused(httpserver: HTTPServer, target: str) -> None:
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": target})
    result = fetch(httpserver.url_for("/a"))
    assert result.error == "redirect to non-http(s) URL refused"


def test_redirect_without_location(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("", status=302)
    assert fetch(httpserver.url_for("/a")).error == "HTTP 302 redirect without a Location"


# --- HTTP errors and Retry-After -----------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message"),
    [(404, "HTTP 404 Not Found"), (500, "HTTP 500 Internal Server Error"), (410, "HTTP 410 Gone")],
)
def test_http_error_status(httpserver: HTTPServer, status: int, message: str) -> None:
    httpserver.expect_request("/feed").respond_with_data("nope", status=status)
    result = fetch(httpserver.url_for("/feed"))
    assert result.error == message
    assert result.status == status
    assert result.body is None
    assert result.retry_after_seconds is None


def test_429_retry_after_seconds(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "120"}
    )
    result = fetch(httpserver.url_for("/feed"))
    assert result.error == "HTTP 429 Too Many Requests"
    assert result.retry_after_seconds == 120


def test_503_retry_after_date(httpserver: HTTPServer) -> None:
    when = datetime.now(UTC) + timedelta(seconds=600)
    httpserver.expect_request("/feed").respond_with_data(
        "", status=503, headers={"Retry-After": format_datetime(when, usegmt=True)}
    )
    result = fetch(httpserver.url_for("/feed"))
    assert result.error == "HTTP 503 Service Unavailable"
    assert result.retry_after_seconds is not None
    assert 590 <= result.retry_after_seconds <= 600


def test_retry_after_clamped(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        "", status=429, headers={"Retry-After": "99999999"}
    )
    result = fetch(httpserver.url_for("/feed"), FetchLimits(retry_after_max=60))
    assert result.retry_after_seconds == 60


def test_parse_retry_after() -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("30", now=now) == 30
    assert parse_retry_after("Wed, 01 Jan 2025 12:05:00 GMT", now=now) == 300
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0  # past
    assert parse_retry_after("5000", maximum=3600) == 3600
    assert parse_retry_after("soon") is None
    assert parse_retry_after("") is None
    assert parse_retry_after(None) is None


# --- deadlines and sizes -------------------------------------------------------------


def test_slow_drip_ends_at_total_deadline(raw_server: _RawServer) -> None:
    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        for _ in range(25):  # 5 s of one byte per 0.2 s
            handler.wfile.write(b"<")
            handler.wfile.flush()
            time.sleep(0.2)

    raw_server.routes["/drip"] = drip
    start = time.monotonic()
    result = fetch(raw_server.url("/drip"), FetchLimits(timeout_seconds=1))
    elapsed = time.monotonic() - start
    assert result.error == "timed out after 1 s"
    assert elapsed < 2.5


def test_content_length_over_cap_rejected_early(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)
    result = fetch(httpserver.url_for("/big"), FetchLimits(max_bytes=1000))
    assert result.error == "too large (over 1000 bytes)"
    assert result.body is None


def test_streamed_body_over_cap_without_length(raw_server: _RawServer) -> None:
    def chunked(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        piece = b"y" * 65536
        for _ in range(64):  # 4 MB, no Content-Length
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        handler.wfile.write(b"0\r\n\r\n")

    raw_server.routes["/big"] = chunked
    result = fetch(raw_server.url("/big"), FetchLimits(max_bytes=1024 * 1024))
    assert result.error == "too large (over 1 MB)"


def _gzip_of_zeros(megabytes: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(megabytes)]
    parts.append(compressor.flush())
    return b"".join(parts)


def test_gzip_bomb_is_bounded(raw_server: _RawServer) -> None:
    bomb = _gzip_of_zeros(50)
    assert len(bomb) < 1024 * 1024  # small on the wire: only decompression can catch it
    raw_server.routes["/bomb"] = lambda h: _send(h, bomb, Content_Encoding="gzip")
    tracemalloc.start()
    try:
        result = fetch(raw_server.url("/bomb"), FetchLimits(max_bytes=1024 * 1024))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.error == "decompressed size over 1 MB"
    assert result.body is None
    assert peak < 16 * 1024 * 1024


def test_gzip_body_decompressed(raw_server: _RawServer) -> None:
    raw_server.routes["/gz"] = lambda h: _send(h, gzip.compress(FEED), Content_Encoding="gzip")
    result = fetch(raw_server.url("/gz"))
    assert result.error is None
    assert result.body == FEED


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_deflate_body_decompressed(raw_server: _RawServer, wbits: int) -> None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    body = compressor.compress(FEED) + compressor.flush()
    raw_server.routes["/df"] = lambda h: _send(h, body, Content_Encoding="deflate")
    assert fetch(raw_server.url("/df")).body == FEED


def test_corrupt_gzip(raw_server: _RawServer) -> None:
    raw_server.routes["/gz"] = lambda h: _send(
        h, b"\x1f\x8bnot gzip at all", Content_Encoding="gzip"
    )
    assert fetch(raw_server.url("/gz")).error == "corrupt compressed body"


def test_unrequested_encoding_refused(raw_server: _RawServer) -> None:
    raw_server.routes["/br"] = lambda h: _send(h, b"\x0b\x02\x80", Content_Encoding="br")
    assert fetch(raw_server.url("/br")).error == "unsupported content encoding: br"


# --- connection failures and URLs ----------------------------------------------------


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection_refused() -> None:
    result = fetch(f"http://127.0.0.1:{_unused_port()}/feed")
    assert result.error == "connection refused"
    assert result.body is None


def test_tls_error_against_plain_http(raw_server: _RawServer) -> None:
    raw_server.routes["/feed"] = lambda h: _send(h, FEED)
    result = fetch(raw_server.url("/feed", scheme="https"), FetchLimits(timeout_seconds=5))
    assert result.error is not None
    assert result.error.startswith("TLS error: ")


def test_unresolvable_host() -> None:
    result = fetch("http://no-such-host.invalid/feed", FetchLimits(timeout_seconds=5))
    assert result.error in ("offline or DNS failure: name not resolved", "timed out after 5 s")


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("file:///etc/passwd", "only http(s) URLs are fetched, not 'file'"),
        ("ftp://example.org/feed.xml", "only http(s) URLs are fetched, not 'ftp'"),
        ("javascript:alert(1)", "only http(s) URLs are fetched, not 'javascript'"),
        ("http://", "invalid URL"),
        ("not a url", "invalid URL"),
    ],
)
def test_non_http_urls_never_fetched(url: str, error: str) -> None:
    assert fetch(url).error == error


# --- concurrency ---------------------------------------------------------------------


def test_per_host_concurrency_is_bounded(raw_server: _RawServer) -> None:
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def slow(handler: BaseHTTPRequestHandler) -> None:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.2)
        with lock:
            state["now"] -= 1
        _send(handler, FEED)

    raw_server.routes["/slow"] = slow

    async def run() -> list[FetchResult]:
        async with Fetcher(FetchLimits(per_host=2)) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(raw_server.url("/slow")) for _ in range(6)))

    results = asyncio.run(run())
    assert [r.body for r in results] == [FEED] * 6
    assert state["max"] == 2


def test_connections_are_kept_alive_per_host_and_closed_after_its_last_feed(
    raw_server: _RawServer,
) -> None:
    """Six feeds of one host, two at a time: two connections carry all six; once the
    host has nothing more to fetch, they are closed (the server sees them end)."""
    lock = threading.Lock()
    ports: list[int] = []

    def feed(handler: BaseHTTPRequestHandler) -> None:
        with lock:
            ports.append(handler.client_address[1])
        time.sleep(0.05)
        _send(handler, FEED)

    raw_server.routes["/feed"] = feed
    before = threading.active_count()

    async def run() -> tuple[list[FetchResult], int]:
        async with Fetcher(FetchLimits(per_host=2, concurrency=8)) as fetcher:
            results = await asyncio.gather(
                *(fetcher.fetch(raw_server.url("/feed")) for _ in range(6))
            )
            for _ in range(100):  # the server's handler threads end with their connections
                if threading.active_count() <= before:
                    break
                await asyncio.sleep(0.02)
            return results, threading.active_count()

    results, threads_after = asyncio.run(run())
    assert [r.body for r in results] == [FEED] * 6
    assert len(set(ports)) == 2  # kept alive: 2 connections for 6 requests
    assert threads_after <= before  # and closed while the Fetcher is still open


def test_expected_feeds_of_a_host_share_its_connection_from_one_fetch_to_the_next(
    raw_server: _RawServer,
) -> None:
    """A refresh tells the fetcher its feeds: fetched one after the other (each waits
    for a worker, say), one host's three feeds go over one connection, closed after
    the last of them; a URL that will not be fetched after all is forgotten."""
    lock = threading.Lock()
    ports: list[int] = []

    def feed(handler: BaseHTTPRequestHandler) -> None:
        with lock:
            ports.append(handler.client_address[1])
        _send(handler, FEED)

    raw_server.routes["/a"] = raw_server.routes["/b"] = raw_server.routes["/c"] = feed
    before = threading.active_count()
    urls = [raw_server.url(path) for path in ("/a", "/b", "/c", "/never")]

    async def run() -> tuple[list[FetchResult], int, int]:
        async with Fetcher(FetchLimits(per_host=2, concurrency=8)) as fetcher:
            fetcher.expect(urls)
            results = [await fetcher.fetch(url) for url in urls[:3]]
            await asyncio.sleep(0.1)
            threads_open = threading.active_count()  # the connection is still open
            await fetcher.forget(urls[3])
            for _ in range(100):
                if threading.active_count() <= before:
                    break
                await asyncio.sleep(0.02)
            return results, threads_open, threading.active_count()

    results, threads_open, threads_after = asyncio.run(run())
    assert [r.body for r in results] == [FEED] * 3
    assert len(ports) == 3 and len(set(ports)) == 1
    assert threads_open > before
    assert threads_after <= before


def test_a_304_a_redirect_and_an_error_leave_their_connection_to_the_next_fetch(
    raw_server: _RawServer,
) -> None:
    """Bodies we do not use (none for a 304, a short one for a redirect or an error)
    are read to their end, so one connection carries every fetch of the host."""
    lock = threading.Lock()
    ports: list[int] = []

    def answer(status: int, body: bytes, **headers: str) -> Handler:
        def handler(h: BaseHTTPRequestHandler) -> None:
            with lock:
                ports.append(h.client_address[1])
            h.send_response(status)
            for name, value in headers.items():
                h.send_header(name, value)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)

        return handler

    raw_server.routes["/same"] = answer(304, b"", ETag='"v1"')
    raw_server.routes["/moved"] = answer(302, b"<p>moved</p>", Location="/same")
    raw_server.routes["/gone"] = answer(404, b"<html>not here</html>")
    raw_server.routes["/ok"] = answer(200, FEED)
    urls = [raw_server.url(p) for p in ("/same", "/moved", "/gone", "/ok")]

    async def run() -> list[FetchResult]:
        async with Fetcher(FetchLimits(per_host=2, concurrency=8)) as fetcher:
            fetcher.expect(urls)
            return [await fetcher.fetch(url, etag='"v1"') for url in urls]

    results = asyncio.run(run())
    assert [r.status for r in results] == [304, 304, 404, 200]
    assert results[2].error is not None and results[3].body == FEED
    assert len(ports) == 5 and len(set(ports)) == 1


def test_format_size() -> None:
    assert format_size(20 * 1024 * 1024) == "20 MB"
    assert format_size(1536 * 1024) == "1.5 MB"
    assert format_size(2048) == "2 KB"
    assert format_size(1000) == "1000 bytes"


# --- TLS --------------------------------------------------------------------------------


@pytest.fixture
def tls_server() -> Iterator[tuple[str, object]]:
    """An https server on 127.0.0.1 whose certificate comes from a CA nobody trusts."""
    import ssl

    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (stdlib name)
            body = b"<rss version='2.0'><channel><title>tls</title></channel></rss>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/feed.xml", ca
    finally:
        server.shutdown()
        server.server_close()


def test_https_is_verified(tls_server: tuple[str, object]) -> None:
    url, _ = tls_server
    result = fetch(url)
    assert result.body is None
    assert result.error is not None and "certificate" in result.error


def test_https_with_a_trusted_ca_fetches(
    tls_server: tuple[str, object], monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    url, ca = tls_server
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))  # type: ignore[attr-defined]
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    result = fetch(url)
    assert result.error is None
    assert result.body is not None and b"<title>tls</title>" in result.body


def test_plain_http_and_https_in_one_refresh(
    tls_server: tuple[str, object], httpserver: HTTPServer
) -> None:
    """Each scheme has its own pool; one fetcher serves both, and https stays verified."""
    url, _ = tls_server
    httpserver.expect_request("/plain.xml").respond_with_data("<rss version='2.0'/>")

    async def run() -> list[FetchResult]:
        async with Fetcher() as fetcher:
            return list(
                await asyncio.gather(
                    fetcher.fetch(httpserver.url_for("/plain.xml")), fetcher.fetch(url)
                )
            )

    plain, secure = asyncio.run(run())
    assert plain.error is None and plain.body == b"<rss version='2.0'/>"
    assert secure.error is not None and "certificate" in secure.error
