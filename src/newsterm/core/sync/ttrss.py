"""A :class:`~newsterm.core.sync.provider.Provider` for the Tiny Tiny RSS JSON API.

One ``TtrssProvider`` is one session with one server (``url`` is its ``/api/`` address).
The ``sid`` from ``login`` goes into every call; a call answered ``NOT_LOGGED_IN`` (the
session expired, or the server restarted) logs in again and is repeated once.

- **Folders** are TT-RSS categories (``getCategories`` + ``getFeeds`` with ``cat_id``
  -3: every real feed, with its category).
- **Pulls** use ``getHeadlines`` on the "all articles" feed (-4) with ``since_id`` and
  pages of at most 200 (the server's cap). TT-RSS cannot sort by id; its default order
  is newest entered first, which follows the id. So one pull run keeps ``since_id``
  fixed and pages with ``skip`` until a short page, and the cursor moves to the highest
  id seen only then: articles arriving meanwhile land on the first page (and shift the
  others: an item may come twice, none is skipped) and have higher ids, so the next run
  gets them. Mid-run the cursor is ``"since:skip:top"``; between runs the highest id.
  Each page is oldest first; the pages of one run go from the newest to the oldest.
- **Id sets** page through ``getHeadlines`` (view mode ``unread`` on -4; feed -1, the
  starred one), without content.
- **Pushes** use ``updateArticle`` with explicit modes (0/1, never the toggle 2) on
  field 2 (unread) or 0 (starred), ``article_ids`` comma-separated, in batches.
- **Moving** a feed between categories: the API (level 15) has no call for it, so
  :meth:`TtrssProvider.move` raises a SyncError saying so; nor can it make a category,
  so :meth:`TtrssProvider.subscribe` wants an existing one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from newsterm.core.errors import SyncAuthError, SyncAuthExpired, SyncError
from newsterm.core.sources.http import FetchLimits
from newsterm.core.sync.provider import Change, Flag, Pull, RemoteFeed, RemoteItem
from newsterm.core.sync.ttrss_http import JsonPoster
from newsterm.core.text import clean_line, clean_url

log = logging.getLogger(__name__)

PAGE = 200
"""getHeadlines' cap: a larger ``limit`` is cut to 200 by the server."""
BATCH = 500
"""Article ids per updateArticle call."""
MAX_PAGES = 10_000
"""A bound on paging loops (two million ids), against a server that ignores ``skip``."""

_SUBSCRIBE_ERRORS = {
    2: "not a valid feed URL (for the server)",
    3: "no feed found at that address",
    4: "several feeds at that address; subscribe to one of them",
    5: "the server could not fetch it",
}


def _error_of(content: Any) -> str:
    if isinstance(content, dict):
        return clean_line(content.get("error") or "unknown error", 80)
    return "unknown error"


def _parse_cursor(cursor: str | None) -> tuple[int, int, int]:
    """(since, skip, top) from a cursor; ``(0, 0, 0)`` for None or one we cannot read."""
    if not cursor:
        return 0, 0, 0
    parts = cursor.split(":")
    if len(parts) not in (1, 3) or not all(p.isdigit() for p in parts):
        log.warning("unreadable TT-RSS cursor %r: starting again", cursor[:40])
        return 0, 0, 0
    since = int(parts[0])
    if len(parts) == 1:
        return since, 0, since
    return since, int(parts[1]), max(int(parts[2]), since)


def _item(row: dict[str, Any]) -> RemoteItem:
    updated = row.get("updated")
    published = None
    if isinstance(updated, int) and updated > 0:
        try:
            published = datetime.fromtimestamp(updated, UTC)
        except (OverflowError, OSError, ValueError):
            published = None
    content = row.get("content")
    return RemoteItem(
        id=str(int(row["id"])),
        feed_id=str(row.get("feed_id") or 0),
        title=clean_line(row.get("title")),
        url=clean_url(row.get("link")),
        author=clean_line(row.get("author")) or None,
        published=published,
        content=content if isinstance(content, str) else "",
        read=not row.get("unread", False),
        starred=bool(row.get("marked", False)),
        guid=clean_line(row.get("guid"), 500) or None,
    )


class TtrssProvider:
    """The TT-RSS JSON API (level 15 and later) as a Provider; see the module docstring."""

    def __init__(
        self, url: str, user: str, password: str, *, limits: FetchLimits | None = None
    ) -> None:
        self._poster = JsonPoster(url, limits or FetchLimits())
        self._user = user
        self._password = password
        self._sid: str | None = None
        self._login_lock = asyncio.Lock()
        self.api_level: int | None = None

    # -- the session ------------------------------------------------------------------

    async def login(self) -> None:
        async with self._login_lock:
            await self._login()

    async def _relogin(self, stale: str | None) -> None:
        """Log in unless another call already replaced the ``stale`` session."""
        async with self._login_lock:
            if self._sid is None or self._sid == stale:
                await self._login()

    async def _login(self) -> None:
        answer = await self._poster.post(
            {"op": "login", "user": self._user, "password": self._password}, "login"
        )
        content = self._content(answer, "login")
        if answer.get("status") != 0:
            error = _error_of(content)
            if error == "LOGIN_ERROR":
                raise SyncAuthError("wrong user or password")
            if error == "API_DISABLED":
                raise SyncAuthError(
                    "API access is off for this user (TT-RSS: Preferences, Enable API)"
                )
            raise SyncError(f"login: {error}")
        sid = content.get("session_id") if isinstance(content, dict) else None
        if not isinstance(sid, str) or not sid:
            raise SyncError("login: no session id in the answer")
        self._sid = sid
        level = content.get("api_level")
        if not isinstance(level, int):  # older servers: ask (the answer is only kept)
            answer = await self._poster.post({"op": "getApiLevel", "sid": sid}, "getApiLevel")
            level_content = answer.get("content") if isinstance(answer, dict) else None
            level = level_content.get("level") if isinstance(level_content, dict) else None
        self.api_level = level if isinstance(level, int) else None

    def _content(self, answer: Any, op: str) -> Any:
        if not isinstance(answer, dict) or "content" not in answer:
            raise SyncError(f"{op}: not a TT-RSS API answer")
        return answer["content"]

    async def _call(self, op: str, **params: Any) -> Any:
        """``op``'s content; logs in first if needed, and again once on NOT_LOGGED_IN."""
        stale: str | None = None
        for attempt in (1, 2):
            if self._sid is None or self._sid == stale:
                await self._relogin(stale)
            sid = self._sid
            answer = await self._poster.post({"op": op, "sid": sid, **params}, op)
            content = self._content(answer, op)
            if answer.get("status") == 0:
                return content
            error = _error_of(content)
            if error == "NOT_LOGGED_IN":
                stale = sid
                if attempt == 1:
                    continue
                raise SyncAuthExpired(f"{op}: the server ended the session again")
            if error == "API_DISABLED":
                raise SyncAuthError(
                    "API access is off for this user (TT-RSS: Preferences, Enable API)"
                )
            raise _OpError(op, error)
        raise AssertionError("unreachable")

    async def close(self) -> None:
        await self._poster.close()

    # -- feeds ------------------------------------------------------------------------

    async def _categories(self) -> dict[int, str]:
        rows = await self._call("getCategories", include_empty=True)
        return {
            int(row["id"]): clean_line(row.get("title"))
            for row in _rows(rows, "getCategories")
            if isinstance(row.get("id"), int) and row["id"] > 0
        }

    async def subscriptions(self) -> list[RemoteFeed]:
        categories = await self._categories()
        rows = await self._call("getFeeds", cat_id=-3)
        feeds = []
        for row in _rows(rows, "getFeeds"):
            if not isinstance(row.get("id"), int) or row["id"] <= 0:
                continue
            url = clean_url(row.get("feed_url")) or ""
            feeds.append(
                RemoteFeed(
                    id=str(row["id"]),
                    title=clean_line(row.get("title")) or url,
                    url=url,
                    folder=categories.get(row.get("cat_id") or 0),
                )
            )
        return feeds

    async def subscribe(self, url: str, folder: str | None) -> RemoteFeed:
        category = 0
        if folder is not None:
            categories = await self._categories()
            found = [cid for cid, title in categories.items() if title == folder] or [
                cid for cid, title in categories.items() if title.casefold() == folder.casefold()
            ]
            if not found:
                raise SyncError(
                    f"no category {clean_line(folder, 60)!r} on the server"
                    " (TT-RSS's API cannot make one)"
                )
            category = found[0]
        content = await self._call("subscribeToFeed", feed_url=url, category_id=category)
        status = content.get("status") if isinstance(content, dict) else None
        code = status.get("code") if isinstance(status, dict) else None
        if code not in (0, 1):
            reason = _SUBSCRIBE_ERRORS.get(code) if isinstance(code, int) else None
            reason = reason or f"refused (code {clean_line(code, 10)})"
            if code == 5 and isinstance(status, dict) and status.get("message"):
                reason += f": {clean_line(status['message'], 100)}"
            raise SyncError(f"subscribe: {reason}")
        feed_id = str(status.get("feed_id")) if isinstance(status, dict) else ""
        for feed in await self.subscriptions():
            if feed.id == feed_id:
                return feed
        return RemoteFeed(id=feed_id, title=url, url=url, folder=folder)

    async def unsubscribe(self, feed_id: str) -> None:
        try:
            await self._call("unsubscribeFeed", feed_id=_numeric(feed_id))
        except _OpError as exc:
            if exc.error != "FEED_NOT_FOUND":  # already gone: what was wanted
                raise

    async def move(self, feed_id: str, folder: str | None) -> None:
        raise SyncError(
            "TT-RSS's API cannot move a feed to another category (use TT-RSS's preferences)"
        )

    async def mark_feed_read(self, feed_id: str) -> None:
        await self._call("catchupFeed", feed_id=_numeric(feed_id), is_cat=False)

    # -- articles ---------------------------------------------------------------------

    async def _headlines(self, **params: Any) -> list[dict[str, Any]]:
        rows = await self._call("getHeadlines", limit=PAGE, **params)
        return [row for row in _rows(rows, "getHeadlines") if isinstance(row.get("id"), int)]

    async def pull(self, cursor: str | None) -> Pull:
        since, skip, top = _parse_cursor(cursor)
        rows = await self._headlines(
            feed_id=-4, view_mode="all_articles", since_id=since, skip=skip,
            show_content=True, include_attachments=False,
        )  # fmt: skip
        items = [_item(row) for row in rows if row["id"] > since]
        top = max([top, *(int(item.id) for item in items)])
        if len(rows) >= PAGE:
            return Pull(items=items[::-1], cursor=f"{since}:{skip + len(rows)}:{top}", more=True)
        return Pull(items=items[::-1], cursor=str(top) if top else None, more=False)

    async def ids(self, flag: Flag) -> set[str]:
        if flag == "read":
            params: dict[str, Any] = {"feed_id": -4, "view_mode": "unread"}
        else:
            params = {"feed_id": -1, "view_mode": "all_articles"}
        found: set[str] = set()
        for page in range(MAX_PAGES):
            rows = await self._headlines(
                skip=page * PAGE, show_content=False, show_excerpt=False, **params
            )
            before = len(found)
            found.update(str(row["id"]) for row in rows)
            if len(rows) < PAGE:
                return found
            if len(found) == before:
                raise SyncError("getHeadlines: the server repeats the same page")
        raise SyncError(f"getHeadlines: more than {MAX_PAGES} pages")

    async def push(self, changes: Sequence[Change]) -> None:
        wanted: dict[tuple[str, Flag], bool] = {}
        for change in changes:
            if not change.item_id.isdigit():
                log.warning("TT-RSS push: skipping a non-numeric item id %r", change.item_id)
                continue
            wanted[(change.item_id, change.flag)] = change.value  # the last one wins
        # field 2 is "unread" (read=True -> mode 0), field 0 is "marked" (starred).
        groups: dict[tuple[int, int], list[str]] = {}
        for (item_id, flag), value in wanted.items():
            key = (2, 0 if value else 1) if flag == "read" else (0, 1 if value else 0)
            groups.setdefault(key, []).append(item_id)
        for (field, mode), item_ids in sorted(groups.items()):
            for start in range(0, len(item_ids), BATCH):
                batch = item_ids[start : start + BATCH]
                await self._call(
                    "updateArticle", article_ids=",".join(batch), mode=mode, field=field
                )


class _OpError(SyncError):
    """A call's ``{"status": 1, "content": {"error": ...}}``."""

    def __init__(self, op: str, error: str) -> None:
        super().__init__(f"{op}: {error}")
        self.error = error


def _rows(content: Any, op: str) -> list[dict[str, Any]]:
    if not isinstance(content, list):
        raise SyncError(f"{op}: the answer is not a list")
    return [row for row in content if isinstance(row, dict)]


def _numeric(feed_id: str) -> int:
    if not feed_id.isdigit():
        raise SyncError(f"not a TT-RSS feed id: {clean_line(feed_id, 40)!r}")
    return int(feed_id)
