"""A :class:`~newsterm.core.sync.provider.Provider` for the Google Reader API, as
FreshRSS, Miniflux, Inoreader, The Old Reader and BazQux serve it.

The conversation: ``accounts/ClientLogin`` (``Email``/``Passwd`` → ``Auth=…``), then
every call with ``Authorization: GoogleLogin auth=<Auth>``; a POST also carries the
``T`` token (``reader/api/0/token``) as a form field, the one place Miniflux reads it.
Only calls every server has are used: ``subscription/list``, ``stream/items/ids``
(``ot=`` for what is new, ``xt=…/read`` for the unread set, ``s=…/starred``),
``stream/items/contents`` (POST, in batches), ``edit-tag``, ``subscription/quickadd``
and ``subscription/edit``, ``mark-all-as-read``.

Item ids come as a decimal 64-bit number from ``items/ids`` (some servers: the long
form), as ``tag:google.com,2005:reader/item/<16 hex digits>`` from ``contents``; both
become the decimal string (:func:`item_id`). Bodies are read with the fetcher's caps
(:class:`~newsterm.core.sources.http.FetchLimits`): size and a deadline per call.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from newsterm import USER_AGENT
from newsterm.core.errors import SyncAuthError, SyncAuthExpired, SyncError
from newsterm.core.sources.http import FetchLimits
from newsterm.core.sync.provider import Change, Flag, Pull, RemoteFeed, RemoteItem
from newsterm.core.text import clean_line

log = logging.getLogger(__name__)

READING_LIST = "user/-/state/com.google/reading-list"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
LABEL = "user/-/label/"
_STATE = {"read": READ, "starred": STARRED}
LONG_ID = "tag:google.com,2005:reader/item/"
FIRST_PULL = 1000
"""Items asked for at an account's first sync (the newest)."""
IDS_MAX = 10_000
"""Items one ``items/ids`` page may list; more come by continuation."""
ID_PAGES = 20
"""``items/ids`` pages followed at most in one call."""
BATCH = 250
"""Items per ``items/contents`` and ``edit-tag`` request."""


def item_id(raw: object) -> str:
    """An item id in any of the API's forms, as the decimal string of the 64-bit id:
    ``tag:google.com,2005:reader/item/000000000000001f``, ``1f`` (hex, long form
    without the prefix only when it holds a-f or has 16 digits), ``31`` and the signed
    ``-…`` form Google used all give the same."""
    text = str(raw).strip()
    if text.startswith(LONG_ID):
        return str(int(text[len(LONG_ID) :], 16))
    if re.fullmatch(r"-?\d{1,20}", text) and not (len(text) == 16 and text.startswith("0")):
        value = int(text)
        return str(value + 2**64 if value < 0 else value)
    if re.fullmatch(r"[0-9a-fA-F]{1,16}", text):
        return str(int(text, 16))
    raise SyncError(f"unreadable item id {clean_line(text, 40)!r}")


def long_id(decimal: str) -> str:
    """The ``tag:`` form of a decimal id (what ``i=`` is sent as: every server reads it)."""
    return f"{LONG_ID}{int(decimal):016x}"


class GReader:
    """One account's conversation with a Google Reader API server."""

    def __init__(
        self, url: str, user: str, password: str, *, limits: FetchLimits | None = None
    ) -> None:
        self.base = url.rstrip("/")
        self.user = user
        self._password = password
        self.limits = limits or FetchLimits()
        self._auth: str | None = None
        self._token: str | None = None
        self._client = httpx.AsyncClient(
            timeout=self.limits.timeout_seconds,
            follow_redirects=True,
            max_redirects=self.limits.max_redirects,
            headers={"User-Agent": USER_AGENT},
        )

    # -- the wire ------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        params: Sequence[tuple[str, str]] = (),
        form: Sequence[tuple[str, str]] | None = None,
        auth: bool = True,
    ) -> bytes:
        headers = {}
        if auth:
            if self._auth is None:
                await self.login()
            headers["Authorization"] = f"GoogleLogin auth={self._auth}"
        body = None
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = httpx.QueryParams(list(form)).__str__().encode()
        url = f"{self.base}/{path}"
        what = path.rsplit("/", 2)[-2:] if "/" in path else [path]
        name = "/".join(what)
        try:
            async with asyncio.timeout(self.limits.timeout_seconds):
                async with self._client.stream(
                    method, url, params=list(params), content=body, headers=headers
                ) as answer:
                    data = bytearray()
                    async for chunk in answer.aiter_bytes():
                        data += chunk
                        if len(data) > self.limits.max_bytes:
                            raise SyncError(f"{name}: answer larger than the size cap")
                    status = answer.status_code
                    bad_token = answer.headers.get("X-Reader-Google-Bad-Token") == "true"
        except TimeoutError:
            raise SyncError(f"{name}: no answer in {self.limits.timeout_seconds:g} s") from None
        except httpx.HTTPError as exc:
            reason = clean_line(str(exc), 120) or type(exc).__name__
            raise SyncError(f"cannot reach the server: {reason}") from None
        if status in (401, 403):
            if not auth:
                raise SyncAuthError("the server refused the user or password")
            if bad_token:
                self._token = None
            self._auth = None if not bad_token else self._auth
            raise SyncAuthExpired(f"{name}: HTTP {status} (logged out)")
        if status >= 400:
            raise SyncError(f"{name}: HTTP {status} from the server")
        return bytes(data)

    async def _json(self, method: str, path: str, params: Sequence[tuple[str, str]] = (),
                    form: Sequence[tuple[str, str]] | None = None) -> Any:  # fmt: skip
        data = await self._call(method, path, [*params, ("output", "json")], form)
        return _parse(data, path.rsplit("/", 1)[-1])

    async def _post(self, path: str, form: list[tuple[str, str]]) -> bytes:  # the T token
        """A POST with the ``T`` token (fetched once, again when the server says it is
        stale), repeated once after a new login."""
        for attempt in (1, 2):
            if self._token is None:
                self._token = (await self._call("GET", "reader/api/0/token")).decode().strip()
            try:
                return await self._call(
                    "POST", path, [("output", "json")], [*form, ("T", self._token)]
                )
            except SyncAuthExpired:
                if attempt == 2:
                    raise
                self._token = None
        raise AssertionError("unreachable")

    # -- the provider --------------------------------------------------------------

    async def login(self) -> None:
        data = await self._call(
            "POST",
            "accounts/ClientLogin",
            form=[("Email", self.user), ("Passwd", self._password)],
            auth=False,
        )
        found = re.search(rb"^Auth=(\S+)", data, re.MULTILINE)
        if found is None:
            raise SyncAuthError("the server's login answer holds no Auth token")
        self._auth = found.group(1).decode("ascii", "replace")
        self._token = None

    async def subscriptions(self) -> list[RemoteFeed]:
        data = await self._json("GET", "reader/api/0/subscription/list")
        out = []
        for sub in _list(data, "subscriptions"):
            if not isinstance(sub, dict) or not isinstance(sub.get("id"), str):
                continue
            folder = next(
                (
                    clean_line(str(c.get("label") or c["id"].rsplit("/", 1)[-1]), 200)
                    for c in sub.get("categories") or []
                    if isinstance(c, dict) and LABEL in str(c.get("id", ""))
                ),
                None,
            )
            url = str(sub.get("url") or sub["id"].removeprefix("feed/"))
            out.append(
                RemoteFeed(
                    sub["id"],
                    clean_line(str(sub.get("title") or url), 300),
                    url,
                    str(sub.get("htmlUrl") or "") or None,
                    folder or None,
                )
            )
        return out

    async def _ids(self, params: list[tuple[str, str]], limit: int) -> list[str]:
        ids: list[str] = []
        continuation: str | None = None
        for _ in range(ID_PAGES):
            page = [*params, ("n", str(min(limit - len(ids), IDS_MAX)))]
            if continuation:
                page.append(("c", continuation))
            data = await self._json("GET", "reader/api/0/stream/items/ids", page)
            for ref in _list(data, "itemRefs"):
                try:
                    ids.append(item_id(ref["id"]))
                except (SyncError, KeyError, TypeError):
                    log.warning("items/ids: an item ref without a readable id: %.80r", ref)
            continuation = data.get("continuation") or None
            if not continuation or len(ids) >= limit:
                break
        return ids

    async def pull(self, cursor: str | None) -> Pull:
        since, seen = _read_cursor(cursor)
        params = [("s", READING_LIST)]
        if since is not None:
            params.append(("ot", str(since)))
        ids = await self._ids(params, FIRST_PULL if since is None else IDS_MAX * ID_PAGES)
        wanted = [i for i in dict.fromkeys(ids) if i not in seen]
        items: list[RemoteItem] = []
        newest = since or 0
        boundary: set[str] = set(seen) if since is not None else set()
        for item, stamp in await self._contents(wanted):
            items.append(item)
            if stamp > newest:
                newest, boundary = stamp, {item.id}
            elif stamp == newest:
                boundary.add(item.id)
        items.sort(key=lambda i: i.published or datetime.min.replace(tzinfo=UTC))
        next_cursor = (
            json.dumps({"ot": newest, "seen": sorted(boundary)[:500]}) if newest else cursor
        )
        return Pull(items, next_cursor, False)

    async def _contents(self, ids: Sequence[str]) -> list[tuple[RemoteItem, int]]:
        """``items/contents`` of ``ids``, in batches: each item and its server time."""
        out = []
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            answer = await self._post(
                "reader/api/0/stream/items/contents", [("i", long_id(i)) for i in batch]
            )
            for raw in _list(_parse(answer, "items/contents"), "items"):
                item, stamp = _item(raw)
                if item is not None:
                    out.append((item, stamp))
        return out

    async def items(self, ids: Sequence[str]) -> list[RemoteItem]:
        """These items, by id (optional in the Provider protocol: the engine uses it,
        when a provider has it, for unread or starred items it never pulled)."""
        return [item for item, _ in await self._contents(ids)]

    async def ids(self, flag: Flag) -> set[str]:
        unread = [("s", READING_LIST), ("xt", READ)]
        params = unread if flag == "read" else [("s", STARRED)]
        return set(await self._ids(params, IDS_MAX * ID_PAGES))

    async def push(self, changes: Sequence[Change]) -> None:
        groups: dict[tuple[str, bool], list[str]] = {}
        for change in changes:
            groups.setdefault((change.flag, change.value), []).append(change.item_id)
        for (flag, value), item_ids in groups.items():
            for start in range(0, len(item_ids), BATCH):
                batch = item_ids[start : start + BATCH]
                form = [("i", long_id(i)) for i in batch]
                form.append(("a" if value else "r", _STATE[flag]))
                _ok(await self._post("reader/api/0/edit-tag", form), "edit-tag")

    async def subscribe(self, url: str, folder: str | None) -> RemoteFeed:
        data = await self._post("reader/api/0/subscription/quickadd", [("quickadd", url)])
        try:
            stream = json.loads(data).get("streamId")
        except (ValueError, AttributeError):
            stream = None
        if not isinstance(stream, str) or not stream:
            raise SyncError(f"the server did not subscribe to {clean_line(url, 100)}")
        if folder:
            await self.move(stream, folder)
        found = next((f for f in await self.subscriptions() if f.id == stream), None)
        return found or RemoteFeed(stream, url, url, None, folder)

    async def unsubscribe(self, feed_id: str) -> None:
        answer = await self._post(
            "reader/api/0/subscription/edit", [("ac", "unsubscribe"), ("s", feed_id)]
        )
        _ok(answer, "subscription/edit")

    async def move(self, feed_id: str, folder: str | None) -> None:
        old = next((f.folder for f in await self.subscriptions() if f.id == feed_id), None)
        form = [("ac", "edit"), ("s", feed_id)]
        if old and old != folder:
            form.append(("r", LABEL + old))
        if folder:
            form.append(("a", LABEL + folder))
        _ok(await self._post("reader/api/0/subscription/edit", form), "subscription/edit")

    async def mark_feed_read(self, feed_id: str) -> None:
        answer = await self._post("reader/api/0/mark-all-as-read", [("s", feed_id)])
        _ok(answer, "mark-all-as-read")

    async def close(self) -> None:
        await self._client.aclose()


def _ok(answer: bytes, name: str) -> None:
    """A change's answer: ``OK`` (every server's), else the change did not happen."""
    if answer.strip() != b"OK":
        raise SyncError(f"{name}: malformed answer (no OK): the change is sent again later")


def _parse(data: bytes, name: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        raise SyncError(f"{name}: malformed answer (not JSON)") from None
    if not isinstance(value, dict):
        raise SyncError(f"{name}: malformed answer")
    return value


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise SyncError(f"malformed answer: {key!r} is not a list")
    return value


def _read_cursor(cursor: str | None) -> tuple[int | None, set[str]]:
    """(``ot`` seconds, ids already pulled at that second) of a stored cursor."""
    if not cursor:
        return None, set()
    try:
        data = json.loads(cursor)
        return int(data["ot"]), {str(i) for i in data.get("seen", [])}
    except (ValueError, KeyError, TypeError):
        return None, set()


def _text(value: object, limit: int = 500) -> str:
    return clean_line(str(value), limit) if value else ""


def _item(raw: object) -> tuple[RemoteItem | None, int]:
    """An ``items/contents`` entry, and its time on the server (seconds; the cursor's)."""
    if not isinstance(raw, dict) or "id" not in raw:
        return None, 0
    try:
        iid = item_id(raw["id"])
    except SyncError:
        return None, 0
    categories = {str(c) for c in raw.get("categories") or [] if isinstance(c, str)}
    read = any(c.endswith("/state/com.google/read") for c in categories)
    starred = any(c.endswith("/state/com.google/starred") for c in categories)
    published = _number(raw.get("published"))
    stamp = (
        _number(raw.get("timestampUsec")) // 1_000_000
        or _number(raw.get("crawlTimeMsec")) // 1000
        or published
    )
    link = next(
        (
            str(ref["href"])
            for key in ("canonical", "alternate")
            for ref in raw.get(key) or []
            if isinstance(ref, dict) and ref.get("href")
        ),
        None,
    )
    body = raw.get("content") or raw.get("summary") or {}
    content = str(body.get("content") or "") if isinstance(body, dict) else ""
    origin = raw.get("origin")
    origin = origin if isinstance(origin, dict) else {}
    return (
        RemoteItem(
            iid,
            str(origin.get("streamId") or ""),
            _text(raw.get("title")) or "(no title)",
            link,
            _text(raw.get("author"), 200) or None,
            _when(published),
            content,
            read,
            starred,
        ),
        stamp,
    )


def _when(seconds: int) -> datetime | None:
    """A server's time in seconds, None when absent or absurd."""
    try:
        return datetime.fromtimestamp(seconds, UTC) if 0 < seconds < 2**33 else None
    except (OverflowError, OSError, ValueError):
        return None


def _number(value: object) -> int:
    try:
        return max(0, int(str(value)))
    except (TypeError, ValueError):
        return 0
