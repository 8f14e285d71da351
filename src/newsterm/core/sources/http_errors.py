"""What went wrong with a fetch, in one short line for the feed's row, and the header
values read on the way (Retry-After). Used by :mod:`.http`."""

from __future__ import annotations

import email.utils
import errno
import http
import socket
import ssl
from datetime import UTC, datetime

import httpx

from newsterm.core.text import clean_line

_MIB = 1024 * 1024


def format_size(n: int) -> str:
    """``20971520`` -> ``"20 MB"``; small caps in KB or bytes."""
    if n >= _MIB:
        return f"{round(n / _MIB, 1):g} MB"
    if n >= 1024:
        return f"{round(n / 1024, 1):g} KB"
    return f"{n} bytes"


def parse_retry_after(
    value: str | None, maximum: float = 3600, now: datetime | None = None
) -> float | None:
    """A Retry-After header (delay-seconds or HTTP date) -> seconds in ``[0, maximum]``.

    None when the header is missing or unreadable.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(int(value[:12]))
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), float(maximum))


def status_error(status: int, reason: str) -> str:
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = clean_line(reason, 60)
    return f"HTTP {status} {phrase}".rstrip()


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and its causes/contexts, innermost last (bounded, cycle-safe)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def describe_error(exc: BaseException, timeout: float) -> str:
    """A short one-line reason for a network exception."""
    chain = _causes(exc)
    for item in chain:
        if isinstance(item, socket.gaierror):
            return "offline or DNS failure: name not resolved"
        if isinstance(item, ConnectionRefusedError):
            return "connection refused"
        if isinstance(item, ssl.SSLCertVerificationError):
            detail = item.verify_message or item.reason or "certificate verify failed"
            return f"TLS error: {clean_line(detail, 120)}"
        if isinstance(item, ssl.SSLError):
            return f"TLS error: {clean_line(item.reason or item, 120)}"
        if isinstance(item, ConnectionResetError):
            return "connection reset by the server"
        if isinstance(item, OSError) and item.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "offline: network unreachable"
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return f"timed out after {timeout:g} s"
    message = clean_line(str(exc), 160)
    lowered = message.lower()
    if "refused" in lowered:
        return "connection refused"
    if isinstance(exc, httpx.ProxyError):
        return f"proxy error: {message}" if message else "proxy error"
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return f"invalid URL: {message}" if message else "invalid URL"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"bad HTTP response: {message}" if message else "bad HTTP response"
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed: {message}" if message else "connection failed"
    if isinstance(exc, httpx.NetworkError):
        return f"network error: {message}" if message else "network error"
    name = type(exc).__name__
    return f"{name}: {message}" if message else name
