"""The TT-RSS JSON API's transport: one POST of a JSON body, one JSON answer, with the
fetcher's guards (see :mod:`newsterm.core.sources.http`).

- ``Content-Type: application/json`` always (TT-RSS reads JSON bodies only) and a fixed
  User-Agent (TT-RSS ties a session to it: a different one ends the session);
- a total deadline per call and a cap on the answer's size; answers come uncompressed
  (``Accept-Encoding: identity``), a compressed one is refused, so no bomb can grow;
- redirects followed by hand, only to http/https on the same host (a POST is repeated
  as a POST; the body holds the password on ``login``, so it never goes elsewhere);
- every failure is a :class:`~newsterm.core.errors.SyncError` with one clean line: no
  server text reaches the terminal raw.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from newsterm import USER_AGENT
from newsterm.core.errors import SyncAuthError, SyncError
from newsterm.core.sources.http import FetchLimits
from newsterm.core.sources.http_errors import describe_error, format_size, status_error
from newsterm.core.text import clean_line
from newsterm.core.urls import fetch_problem

log = logging.getLogger(__name__)

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json",
    "Accept-Encoding": "identity",
    "User-Agent": USER_AGENT,
}


def _origin(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class JsonPoster:
    """POSTs JSON bodies to one API URL; made lazily by the provider, closed with it."""

    def __init__(self, url: str, limits: FetchLimits) -> None:
        problem = fetch_problem(url)
        if problem is not None:
            raise SyncError(f"server URL: {problem.value}")
        self.url = url
        self.limits = limits
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                headers=HEADERS,
                follow_redirects=False,
                timeout=httpx.Timeout(self.limits.timeout_seconds),
                trust_env=False,
            )
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    async def post(self, body: dict[str, Any], what: str) -> Any:
        """The decoded JSON answer to ``body``; ``what`` names the call in errors."""
        timeout = self.limits.timeout_seconds
        try:
            async with asyncio.timeout(timeout):
                raw = await self._post_following(body)
        except SyncError:
            raise
        except (httpx.HTTPError, OSError, TimeoutError) as exc:
            raise SyncError(f"{what}: {describe_error(exc, timeout)}") from None
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            log.info("%s: not JSON: %r", what, raw[:200])
            raise SyncError(
                f"{what}: the answer is not JSON (is the account's url the server's /api/?)"
            ) from None

    async def _post_following(self, body: dict[str, Any]) -> bytes:
        url = self.url
        payload = json.dumps(body).encode()
        for _hop in range(self.limits.max_redirects + 1):
            async with self._http().stream("POST", url, content=payload) as response:
                if response.status_code in _REDIRECTS:
                    url = self._redirect_target(url, response.headers.get("location", ""))
                    continue
                if response.status_code in (401, 403):
                    message = status_error(response.status_code, response.reason_phrase)
                    raise (SyncAuthError if response.status_code == 401 else SyncError)(
                        f"{message} (an HTTP login in front of TT-RSS?)"
                    )
                if response.status_code != 200:
                    raise SyncError(status_error(response.status_code, response.reason_phrase))
                encoding = response.headers.get("content-encoding", "identity").strip().lower()
                if encoding not in ("", "identity"):
                    raise SyncError(f"compressed answer ({clean_line(encoding, 20)}) refused")
                return await self._read(response)
        raise SyncError(f"more than {self.limits.max_redirects} redirects")

    def _redirect_target(self, url: str, location: str) -> str:
        target = urljoin(url, location.strip())
        problem = fetch_problem(target)
        if not location.strip() or problem is not None:
            raise SyncError("redirected to an address that is not http/https")
        if _origin(target) != _origin(url):
            raise SyncError(
                "redirected to another host; put the address it names in feeds.toml"
                f" ({clean_line(target, 120)})"
            )
        return target

    async def _read(self, response: httpx.Response) -> bytes:
        cap = self.limits.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise SyncError(f"answer over {format_size(cap)}")
        chunks: list[bytes] = []
        total = 0
        async for chunk in response.aiter_raw():
            total += len(chunk)
            if total > cap:
                raise SyncError(f"answer over {format_size(cap)}")
            chunks.append(chunk)
        return b"".join(chunks)
