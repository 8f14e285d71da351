"""Fetching feeds over HTTP with httpx: one deadline, size caps, redirects, validators.

:meth:`Fetcher.fetch` never raises for network or server trouble; every failure comes
back as ``FetchResult(error="short one-line reason")`` so one bad feed never breaks a
refresh. Guards, all per fetch:

- a total deadline (``asyncio.timeout`` around connect, redirects and body), so a
  server dripping one byte a second still ends in time;
- a size cap on the raw body *and* on its decompressed size: gzip/deflate are inflated
  here with ``zlib`` and ``max_length``, so a gzip bomb never grows past the cap;
- redirects followed by hand: a limit, loop detection, http/https targets only;
- bounded concurrency: a global semaphore and one per host.

This module imports httpx at import time; the library imports it lazily at the first
refresh so that start-up stays fast.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import zlib
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpx

from newsterm import USER_AGENT
from newsterm.core.errors import FetchError
from newsterm.core.models import FetchResult
from newsterm.core.sources.http_errors import (
    describe_error,
    format_size,
    parse_retry_after,
    status_error,
)
from newsterm.core.text import clean_line
from newsterm.core.urls import FETCH_SCHEMES, fetch_problem, fetchable, scheme_of

log = logging.getLogger(__name__)

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
ACCEPT_ENCODING = "gzip, deflate"
"""Only the encodings :class:`_Inflater` decompresses itself (with a size bound)."""

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_RETRY_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class FetchLimits:
    """The guards applied to every fetch."""

    timeout_seconds: float = 20.0
    """Total deadline for one fetch, including every redirect hop and the whole body."""
    max_bytes: int = 20 * 1024 * 1024
    """Cap on the raw body and, separately, on its decompressed size."""
    max_redirects: int = 5
    concurrency: int = 64
    """Fetches running at once, over all hosts."""
    per_host: int = 8
    """Fetches running at once against one host."""
    retry_after_max: float = 3600
    """Longest Retry-After (seconds) we honour; longer values are clamped."""


def _headers_origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``: where a feed's own headers may go."""
    parts = urlsplit(url)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        port = None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def _host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


class _Inflater:
    """Incremental gzip/deflate decoding that never produces more than ``limit`` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        self._limit = limit
        self._total = 0
        self._pending = b""
        self._obj: zlib._Decompress | None = None
        if encoding in ("gzip", "x-gzip"):
            self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
        # "deflate" is meant to be zlib-wrapped, but some servers send raw deflate:
        # decided from the first two bytes in feed().

    def feed(self, data: bytes) -> list[bytes]:
        if self._obj is None:
            data = self._pending + data
            if len(data) < 2:
                self._pending = data
                return []
            self._pending = b""
            is_zlib = (data[0] & 0x0F) == 8 and (data[0] * 256 + data[1]) % 31 == 0
            self._obj = zlib.decompressobj(zlib.MAX_WBITS if is_zlib else -zlib.MAX_WBITS)
        out: list[bytes] = []
        obj = self._obj
        try:
            while data and not obj.eof:
                piece = obj.decompress(data, self._limit - self._total + 1)
                self._total += len(piece)
                if self._total > self._limit:
                    raise FetchError(f"decompressed size over {format_size(self._limit)}")
                out.append(piece)
                data = obj.unconsumed_tail
        except zlib.error as exc:
            raise FetchError("corrupt compressed body") from exc
        return out

    def finish(self) -> list[bytes]:
        if self._obj is None:
            if self._pending:
                raise FetchError("corrupt compressed body")
            return []
        try:
            tail = self._obj.flush()
        except zlib.error as exc:
            raise FetchError("corrupt compressed body") from exc
        self._total += len(tail)
        if self._total > self._limit:
            raise FetchError(f"decompressed size over {format_size(self._limit)}")
        return [tail]


DRAIN_MAX = 65_536
"""The longest body of a 304, a redirect or an error that is read to its end, so that
its connection can carry the next request (an unread body closes the connection)."""
DRAIN_SECONDS = 1.0


async def _drain(response: httpx.Response) -> None:
    """Read what is left of a small body we do not use (a 304 has none): a response
    read to its end leaves its keep-alive connection to the next fetch of the host."""
    length = response.headers.get("content-length", "").strip()
    if response.status_code != 304 and not (length.isdigit() and int(length) <= DRAIN_MAX):
        return  # unknown or long: the connection closes instead
    try:
        async with asyncio.timeout(DRAIN_SECONDS):
            async for _ in response.aiter_raw():
                pass
    except (TimeoutError, httpx.HTTPError, OSError):
        pass  # the connection closes; the answer is the status all the same


def _inflater_for(header: str | None, limit: int) -> _Inflater | None:
    codings = [c.strip().lower() for c in (header or "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return None
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return _Inflater(codings[0], limit)
    raise FetchError(f"unsupported content encoding: {clean_line(', '.join(codings), 60)}")


# httpx and httpcore log each request's full URL at INFO/DEBUG, user:password included:
# never let them below WARNING, whatever logging the host program sets up.
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)


Origin = tuple[str, str, int | None]
"""(scheme, host, port): what one connection pool serves."""


def _origin(url: httpx.URL) -> Origin:
    return ("https" if url.scheme == "https" else "http", url.host, url.port)


def _origin_of(url: str) -> Origin:
    try:
        return _origin(httpx.URL(url))
    except (httpx.InvalidURL, ValueError):
        return ("", url, None)


class _OriginTransport(httpx.AsyncBaseTransport):
    """Keep-alive connections per origin, each in a *lane* of its own: a one-connection
    pool that carries one request at a time (httpcore checks every connection of a pool,
    a syscall each, twice per request: with one pool per origin of ``per_host``
    connections that cost more than the requests; a lane checks its one). A request
    takes an idle lane of its origin or opens one; its lane is idle again when the
    response is closed. The CA certificates (~40 ms) load once, at the first https
    lane; an http lane's TLS context trusts nothing, so it never completes a handshake.
    (Proxies from the environment are httpx's own mounts and come before this.)"""

    def __init__(self) -> None:
        self._idle: dict[Origin, list[httpx.AsyncHTTPTransport]] = {}
        self._tls: dict[str, ssl.SSLContext] = {}
        self._limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    def _context(self, scheme: str) -> ssl.SSLContext:
        context = self._tls.get(scheme)
        if context is None:
            context = self._tls[scheme] = (
                httpx.create_ssl_context(verify=True)
                if scheme == "https"
                else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            )
        return context

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        origin = _origin(request.url)
        idle = self._idle.get(origin)
        lane = (
            idle.pop()
            if idle
            else httpx.AsyncHTTPTransport(verify=self._context(origin[0]), limits=self._limits)
        )
        try:
            response = await lane.handle_async_request(request)
        except BaseException:
            self._idle.setdefault(origin, []).append(lane)  # its connection was closed
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _LaneStream(response.stream, self, origin, lane)
        return response

    def release(self, origin: Origin, lane: httpx.AsyncHTTPTransport) -> None:
        self._idle.setdefault(origin, []).append(lane)

    async def close_origin(self, origin: Origin) -> None:
        """Close the idle connections kept for ``origin`` (nothing more to fetch there)."""
        for lane in self._idle.pop(origin, ()):
            await lane.aclose()

    async def aclose(self) -> None:
        idle, self._idle = self._idle, {}
        for lanes in idle.values():
            for lane in lanes:
                await lane.aclose()


class _LaneStream(httpx.AsyncByteStream):
    """A response's body; closing it makes its lane idle again."""

    def __init__(
        self,
        stream: httpx.AsyncByteStream,
        owner: _OriginTransport,
        origin: Origin,
        lane: httpx.AsyncHTTPTransport,
    ) -> None:
        self._stream = stream
        self._owner: _OriginTransport | None = owner
        self._origin = origin
        self._lane = lane

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            owner, self._owner = self._owner, None
            if owner is not None:
                owner.release(self._origin, self._lane)


class Fetcher:
    """Fetches URLs with one shared ``httpx.AsyncClient``; use as an async context manager.

    >>> async with Fetcher() as fetcher:
    ...     result = await fetcher.fetch("https://example.org/feed.xml")
    """

    def __init__(self, limits: FetchLimits | None = None) -> None:
        self.limits = limits or FetchLimits()
        self._client: httpx.AsyncClient | None = None
        self._transport: _OriginTransport | None = None
        self._global: asyncio.Semaphore | None = None
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._waiting: dict[Origin, int] = {}
        """Fetches started and not finished, per origin: at 0 its connections close,
        unless more of its URLs are expected."""
        self._expected: dict[str, int] = {}
        """URLs :meth:`expect` was told of and not yet fetched (how many times each)."""
        self._expected_origins: dict[Origin, int] = {}
        self._origins: dict[str, Origin] = {}
        """The origin of each URL fetched or expected (httpx takes ~0.1 ms to read one)."""

    async def __aenter__(self) -> Fetcher:
        limits = self.limits
        self._transport = _OriginTransport()
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            timeout=httpx.Timeout(limits.timeout_seconds),
            transport=self._transport,
            headers={
                "User-Agent": USER_AGENT,
                "Accept": ACCEPT,
                "Accept-Encoding": ACCEPT_ENCODING,
            },
        )
        self._global = asyncio.Semaphore(max(1, limits.concurrency))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    def expect(self, urls: Iterable[str]) -> None:
        """``urls`` will be fetched (a refresh's feeds): an origin's connections stay
        open from one of its fetches to the next, and close after its last expected one.
        Without this, they close whenever no fetch of the origin is running."""
        for url in urls:
            self._expected[url] = self._expected.get(url, 0) + 1
            origin = self._origin(url)
            self._expected_origins[origin] = self._expected_origins.get(origin, 0) + 1

    async def forget(self, url: str) -> None:
        """An expected ``url`` will not be fetched after all."""
        if self._expected.get(url):
            self._expected[url] -= 1
            origin = self._origin(url)
            self._expected_origins[origin] -= 1
            await self._maybe_close(origin)

    def _origin(self, url: str) -> Origin:
        origin = self._origins.get(url)
        if origin is None:
            origin = self._origins[url] = _origin_of(url)
        return origin

    async def _maybe_close(self, origin: Origin) -> None:
        if self._waiting.get(origin) or self._expected_origins.get(origin):
            return
        self._waiting.pop(origin, None)
        self._expected_origins.pop(origin, None)
        if self._transport is not None:
            await self._transport.close_origin(origin)

    def _host_semaphore(self, url: str) -> asyncio.Semaphore:
        host = _host_of(url)
        semaphore = self._hosts.get(host)
        if semaphore is None:
            semaphore = self._hosts[host] = asyncio.Semaphore(max(1, self.limits.per_host))
        return semaphore

    async def fetch(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        user_agent: str | None = None,
    ) -> FetchResult:
        """GET ``url`` (conditionally when validators are given); never raises for
        network or server trouble.

        ``headers`` (a feed's own, from feeds.toml) go to ``url``'s origin only: a
        redirect to another host, port or scheme does not get them. ``user_agent``
        replaces newsterm's. ``FetchResult.url`` is the URL the answer came from.
        """
        if self._client is None or self._global is None:
            raise RuntimeError("Fetcher used outside 'async with'")
        origin = self._origin(url)
        self._waiting[origin] = self._waiting.get(origin, 0) + 1
        if self._expected.get(url):
            self._expected[url] -= 1
            self._expected_origins[origin] -= 1
        try:
            if fetch_problem(url) is not None:
                scheme = scheme_of(url)
                if not scheme or scheme in FETCH_SCHEMES:
                    return FetchResult(url=url, error="invalid URL")
                reason = f"only http(s) URLs are fetched, not {clean_line(scheme, 20)!r}"
                return FetchResult(url=url, error=reason)
            timeout = self.limits.timeout_seconds
            return await self._fetch_limited(url, etag, last_modified, timeout, headers, user_agent)
        finally:
            self._waiting[origin] -= 1
            await self._maybe_close(origin)

    async def _fetch_limited(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        timeout: float,
        headers: Mapping[str, str] | None,
        user_agent: str | None,
    ) -> FetchResult:
        assert self._global is not None
        # Per host first, then global: a queue for one busy host never holds global slots.
        async with self._host_semaphore(url), self._global:
            try:
                async with asyncio.timeout(timeout):
                    return await self._fetch(url, etag, last_modified, headers, user_agent)
            except FetchError as exc:
                return FetchResult(url=url, error=str(exc))
            except (TimeoutError, httpx.TimeoutException):
                return FetchResult(url=url, error=f"timed out after {timeout:g} s")
            except (httpx.HTTPError, httpx.InvalidURL, OSError, ssl.SSLError) as exc:
                return FetchResult(url=url, error=describe_error(exc, timeout))
            except Exception as exc:  # a bug in a library must not break the refresh
                log.warning("unexpected error fetching %s", url, exc_info=True)
                return FetchResult(url=url, error=describe_error(exc, timeout))

    async def _fetch(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        own: Mapping[str, str] | None = None,
        user_agent: str | None = None,
    ) -> FetchResult:
        assert self._client is not None
        headers = dict(own or {})
        if user_agent:
            headers["User-Agent"] = user_agent
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        visited = {url}
        hops = 0
        all_permanent = True
        while True:
            async with self._client.stream("GET", current, headers=headers) as response:
                status = response.status_code
                if not 200 <= status < 300:
                    await _drain(response)
                if status in _REDIRECTS:
                    target = self._redirect_target(current, response, visited)
                    hops += 1
                    if hops > self.limits.max_redirects:
                        raise FetchError("too many redirects")
                    all_permanent = all_permanent and status in _PERMANENT
                    if own and _headers_origin(target) != _headers_origin(url):
                        for name in own:  # a feed's secrets stay with its own server
                            headers.pop(name, None)
                    visited.add(target)
                    current = target
                    continue
                moved = current if hops and all_permanent else None
                validators = {
                    "etag": response.headers.get("etag"),
                    "last_modified": response.headers.get("last-modified"),
                    "cache_control": response.headers.get("cache-control"),
                }
                if status == 304:
                    return FetchResult(
                        url=current,
                        status=304,
                        not_modified=True,
                        permanent_url=moved,
                        **validators,
                    )
                if 200 <= status < 300:
                    body = await self._read_body(response)
                    return FetchResult(
                        url=current,
                        status=status,
                        body=body,
                        content_type=response.headers.get("content-type"),
                        permanent_url=moved,
                        **validators,
                    )
                error = status_error(status, response.reason_phrase)
                retry_after = None
                if status in _RETRY_STATUSES:
                    retry_after = parse_retry_after(
                        response.headers.get("retry-after"), self.limits.retry_after_max
                    )
                return FetchResult(
                    url=current, status=status, error=error, retry_after_seconds=retry_after
                )

    @staticmethod
    def _redirect_target(current: str, response: httpx.Response, visited: set[str]) -> str:
        location = (response.headers.get("location") or "").strip()
        if not location:
            raise FetchError(f"HTTP {response.status_code} redirect without a Location")
        try:
            target = urljoin(current, location)
        except ValueError as exc:
            raise FetchError("redirect to an invalid URL") from exc
        if not fetchable(target):
            raise FetchError("redirect to non-http(s) URL refused")
        if target in visited:
            raise FetchError("redirect loop")
        return target

    async def _read_body(self, response: httpx.Response) -> bytes:
        limit = self.limits.max_bytes
        too_large = f"too large (over {format_size(limit)})"
        length = response.headers.get("content-length", "").strip()
        if length.isdigit() and int(length) > limit:
            raise FetchError(too_large)
        inflater = _inflater_for(response.headers.get("content-encoding"), limit)
        chunks: list[bytes] = []
        raw = 0
        async for chunk in response.aiter_raw():
            raw += len(chunk)
            if raw > limit:
                raise FetchError(too_large)
            if inflater is None:
                chunks.append(chunk)
            else:
                chunks.extend(inflater.feed(chunk))
        if inflater is not None:
            chunks.extend(inflater.finish())
        return b"".join(chunks)
