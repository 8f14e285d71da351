"""A Google Reader API server of our own, for the sync tests (issue 17).

No GReader server installs from the package registries, so this follows the protocol as
FreshRSS and Miniflux document it, in memory, on 127.0.0.1, with a switch per server
difference (``flavour``):

- ``"freshrss"``: the ``T`` token in a POST's form or its query; every call below.
- ``"miniflux"``: a POST's ``T`` only in its form (Miniflux reads no other place), and of
  the streams only ``stream/items/ids`` and ``stream/items/contents``.

``long_ids`` makes ``items/ids`` answer with the ``tag:google.com,2005:reader/item/<hex>``
form (as some servers do) instead of the decimal one. Every request is counted
(``requests``: (method, path, query and form pairs)); ``fail`` makes the next calls
answer an HTTP status, ``malformed`` answer broken JSON, ``stall`` hang past a client's
deadline.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
READING = "user/-/state/com.google/reading-list"
LABEL = "user/-/label/"
LONG = "tag:google.com,2005:reader/item/"


@dataclass
class Item:
    id: int
    feed: str
    title: str
    published: int
    read: bool = False
    starred: bool = False
    content: str = "<p>text</p>"
    crawled: int = 0


@dataclass
class Feed:
    id: str
    title: str
    url: str
    folder: str | None = None


@dataclass
class State:
    user: str = "me"
    password: str = "secret"
    feeds: dict[str, Feed] = field(default_factory=dict)
    items: dict[int, Item] = field(default_factory=dict)
    auth: set[str] = field(default_factory=set)
    tokens: set[str] = field(default_factory=set)
    next_id: int = 2**40
    clock: int = field(default_factory=lambda: int(time.time()) - 86_400)

    def add_feed(self, url: str, title: str, folder: str | None = None) -> Feed:
        feed = Feed(f"feed/{url}", title, url, folder)
        self.feeds[feed.id] = feed
        return feed

    def add_item(self, feed: Feed, title: str, **kw: object) -> Item:
        self.next_id += 1
        self.clock += 10
        item = Item(self.next_id, feed.id, title, self.clock, crawled=self.clock, **kw)  # type: ignore[arg-type]
        self.items[item.id] = item
        return item


def _parse_id(text: str) -> int:
    if text.startswith(LONG):
        return int(text[len(LONG) :], 16)
    value = int(text)
    return value + 2**64 if value < 0 else value


class GReaderServer:
    """Start with ``with GReaderServer() as server:``; its API base is ``server.url``."""

    def __init__(self, flavour: str = "freshrss", long_ids: bool = False, port: int = 0) -> None:
        self.flavour = flavour
        self.long_ids = long_ids
        self.state = State()
        self.requests: list[tuple[str, str, list[tuple[str, str]]]] = []
        self.fail: int | None = None
        self.malformed = False
        self.stall = 0.0
        self.junk_refs: list[object] = []
        """Item refs a broken server adds to every ``items/ids`` answer."""
        self.lock = threading.Lock()
        self._port = port
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/api/greader.php"

    def start(self) -> GReaderServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server._handle(self, "GET")

            def do_POST(self) -> None:
                server._handle(self, "POST")

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that gave up (the timeout tests) is no error here

        self._httpd = Quiet(("127.0.0.1", self._port), Handler)
        self._port = self._httpd.server_address[1]  # the same port after a restart
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> GReaderServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def calls(self, path_end: str) -> list[list[tuple[str, str]]]:
        """The parameters of each request whose path ends with ``path_end``."""
        return [params for _, path, params in self.requests if path.endswith(path_end)]

    # -- the protocol ------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        query = parse_qsl(parts.query, keep_blank_values=True)
        form: list[tuple[str, str]] = []
        if method == "POST":
            length = int(h.headers.get("Content-Length") or 0)
            body = h.rfile.read(length).decode()
            form = parse_qsl(body, keep_blank_values=True)
        path = parts.path.removeprefix("/api/greader.php")
        with self.lock:
            self.requests.append((method, path, query + form))
            fail, malformed, stall = self.fail, self.malformed, self.stall
        if stall:
            time.sleep(stall)
        if fail is not None:
            return self._send(h, fail, b"error")
        if malformed and path != "/accounts/ClientLogin":
            return self._send(h, 200, b'{"items": [', "application/json")
        with self.lock:
            status, data, ctype, extra = self._answer(h, method, path, query, form)
        self._send(h, status, data, ctype, extra)

    def _send(self, h: BaseHTTPRequestHandler, status: int, data: bytes,
              ctype: str = "text/plain", extra: dict[str, str] | None = None) -> None:  # fmt: skip
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def _answer(self, h, method, path, query, form):  # type: ignore[no-untyped-def]
        s = self.state
        if path == "/accounts/ClientLogin":
            args = dict(form or query)
            if args.get("Email") != s.user or args.get("Passwd") != s.password:
                return 401, b"Error=BadAuthentication\n", "text/plain", None
            auth = f"{s.user}/{secrets.token_hex(8)}"
            s.auth.add(auth)
            return 200, f"SID={auth}\nLSID=null\nAuth={auth}\n".encode(), "text/plain", None
        header = h.headers.get("Authorization", "")
        if header.removeprefix("GoogleLogin auth=") not in s.auth:
            return 401, b"Unauthorized", "text/plain", None
        if path == "/reader/api/0/token":
            token = secrets.token_hex(8)
            s.tokens.add(token)
            return 200, token.encode(), "text/plain", None
        if method == "POST":
            places = form if self.flavour == "miniflux" else form + query
            if not any(k == "T" and v in s.tokens for k, v in places):
                return 401, b"Unauthorized", "text/plain", {"X-Reader-Google-Bad-Token": "true"}
        args = query + form
        one = dict(args)
        if path == "/reader/api/0/subscription/list":
            subs = [
                {
                    "id": f.id,
                    "title": f.title,
                    "url": f.url,
                    "htmlUrl": f.url,
                    "categories": [{"id": LABEL + f.folder, "label": f.folder}] if f.folder else [],
                }  # fmt: skip
                for f in s.feeds.values()
            ]
            return self._json({"subscriptions": subs})
        if path == "/reader/api/0/tag/list":
            tags = [{"id": STARRED}] + [
                {"id": LABEL + f} for f in sorted({f.folder for f in s.feeds.values() if f.folder})
            ]
            return self._json({"tags": tags})
        if path == "/reader/api/0/stream/items/ids":
            return self._ids(args)
        if path == "/reader/api/0/stream/items/contents":
            ids = [_parse_id(v) for k, v in args if k == "i"]
            return self._json({"items": [self._item(s.items[i]) for i in ids if i in s.items]})
        if path.startswith("/reader/api/0/stream/contents") and self.flavour == "miniflux":
            return 404, b"not found", "text/plain", None
        if path == "/reader/api/0/edit-tag" and method == "POST":
            ids = [_parse_id(v) for k, v in args if k == "i"]
            for key, flag in (("a", True), ("r", False)):
                for _, tag in [(k, v) for k, v in args if k == key]:
                    for i in ids:
                        if i in s.items and tag == READ:
                            s.items[i].read = flag
                        elif i in s.items and tag == STARRED:
                            s.items[i].starred = flag
            return 200, b"OK", "text/plain", None
        if path == "/reader/api/0/subscription/quickadd" and method == "POST":
            url = one.get("quickadd", "").removeprefix("feed/")
            feed = s.add_feed(url, url)
            return self._json({"numResults": 1, "query": url, "streamId": feed.id})
        if path == "/reader/api/0/subscription/edit" and method == "POST":
            feed = s.feeds.get(one.get("s", ""))
            if feed is None:
                return 400, b"no such feed", "text/plain", None
            if one.get("ac") == "unsubscribe":
                del s.feeds[feed.id]
                for i in [i for i, it in s.items.items() if it.feed == feed.id]:
                    del s.items[i]
            else:
                adds = [v for k, v in args if k == "a" and v.startswith(LABEL)]
                if adds:
                    feed.folder = adds[-1][len(LABEL) :]
                elif any(k == "r" for k, _ in args):
                    feed.folder = None
            return 200, b"OK", "text/plain", None
        if path == "/reader/api/0/mark-all-as-read" and method == "POST":
            for it in s.items.values():
                if it.feed == one.get("s"):
                    it.read = True
            return 200, b"OK", "text/plain", None
        return 404, b"not found", "text/plain", None

    def _json(self, value: object):  # type: ignore[no-untyped-def]
        return 200, json.dumps(value).encode(), "application/json", None

    def _ids(self, args: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
        one = dict(args)
        stream = one.get("s", READING)
        items = list(self.state.items.values())
        if stream == STARRED:
            items = [i for i in items if i.starred]
        elif stream.startswith("feed/"):
            items = [i for i in items if i.feed == stream]
        elif stream != READING:
            return 400, b"unknown stream", "text/plain", None
        if one.get("xt") == READ:
            items = [i for i in items if not i.read]
        if "ot" in one:
            items = [i for i in items if i.crawled >= int(one["ot"])]
        items.sort(key=lambda i: -i.crawled)
        start = int(one.get("c") or 0)
        n = int(one.get("n") or 20)
        page = items[start : start + n]
        refs = [{"id": f"{LONG}{i.id:016x}" if self.long_ids else str(i.id)} for i in page]
        out: dict[str, object] = {"itemRefs": refs + self.junk_refs}
        if start + n < len(items):
            out["continuation"] = str(start + n)
        return self._json(out)

    def _item(self, it: Item) -> dict[str, object]:
        categories = [READING]
        if it.read:
            categories.append(READ)
        if it.starred:
            categories.append(STARRED)
        feed = self.state.feeds.get(it.feed)
        return {
            "id": f"{LONG}{it.id:016x}",
            "crawlTimeMsec": str(it.crawled * 1000),
            "timestampUsec": str(it.crawled * 1_000_000),
            "published": it.published,
            "title": it.title,
            "canonical": [{"href": f"https://example.org/{it.id}"}],
            "alternate": [{"href": f"https://example.org/{it.id}", "type": "text/html"}],
            "summary": {"content": it.content},
            "author": "Ann",
            "categories": categories,
            "origin": {"streamId": it.feed, "title": feed.title if feed else ""},
        }
