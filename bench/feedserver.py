"""Local HTTP server for the benchmark feeds, at http://127.0.0.1:PORT/feed/N.xml.

Modes:
  validators     (default) ETag + Last-Modified; If-None-Match / If-Modified-Since -> 304
  no-validators  the same bodies, no validator headers, always 200
--latency MS delays every response (250 emulates the internet).

    python bench/feedserver.py --feeds 200 [--mode no-validators] [--latency 250] [--port 0]
    python bench/feedserver.py --dir /tmp/feeds        # serve files written by feedgen.py
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import re
import sys
import threading
import time
from collections import Counter
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MODES = ("validators", "no-validators")
# A fixed date: the bodies never change, so neither does their Last-Modified.
LAST_MODIFIED_TS = 1714564800  # 2024-05-01 12:00:00 UTC
LAST_MODIFIED = formatdate(LAST_MODIFIED_TS, usegmt=True)
DEFAULT_TYPE = "application/xml; charset=utf-8"  # true of feedgen's feeds
PATH_RE = re.compile(r"^/feed/(\d+)\.xml$")


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # well above the 16 concurrent connections we need

    def __init__(
        self,
        feeds: list[tuple[str, bytes]],
        mode: str,
        latency_ms: float,
        port: int,
        host: str = "127.0.0.1",
        content_types: dict[str, str] | None = None,
    ):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.bodies = {name: data for name, data in feeds}
        self.etags = {name: '"' + hashlib.sha1(data).hexdigest()[:20] + '"' for name, data in feeds}
        self.content_types = content_types or {}
        self.mode = mode
        self.latency = latency_ms / 1000
        self.stats: Counter[int] = Counter()  # status code -> responses
        self._lock = threading.Lock()
        super().__init__((host, port), FeedHandler)

    def count(self, status: int) -> None:
        with self._lock:
            self.stats[status] += 1

    def reset_stats(self) -> Counter[int]:
        with self._lock:
            old, self.stats = self.stats, Counter()
        return old


class FeedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a real server
    server: FeedServer

    def log_message(self, format: str, *args: object) -> None:  # no logging
        pass

    def _not_modified(self, etag: str) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            return etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
        ims = self.headers.get("If-Modified-Since")
        if ims is not None:
            try:
                return parsedate_to_datetime(ims).timestamp() >= LAST_MODIFIED_TS
            except (TypeError, ValueError):
                return False
        return False

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.server.count(status)

    def do_GET(self) -> None:
        srv = self.server
        if srv.latency:
            time.sleep(srv.latency)
        m = PATH_RE.match(self.path.split("?", 1)[0])
        name = f"{int(m.group(1))}.xml" if m else None
        if name not in srv.bodies:
            self._send(404, b"not found\n", {"Content-Type": "text/plain"})
            return
        headers = {"Content-Type": srv.content_types.get(name, DEFAULT_TYPE)}
        if srv.mode == "validators":
            etag = srv.etags[name]
            headers |= {"ETag": etag, "Last-Modified": LAST_MODIFIED}
            if self._not_modified(etag):
                self._send(304, b"", headers)
                return
        self._send(200, srv.bodies[name], headers)

    do_HEAD = do_GET


def start_server(
    feeds: list[tuple[str, bytes]],
    mode: str = "validators",
    latency: float = 0,
    port: int = 0,
    host: str = "127.0.0.1",
    content_types: dict[str, str] | None = None,
) -> tuple[FeedServer, int]:
    """Serve `feeds` in a daemon thread; latency in ms. Stop with server.shutdown().
    `content_types` ({name: Content-Type}) overrides the default per feed."""
    server = FeedServer(feeds, mode, latency, port, host, content_types)
    threading.Thread(target=server.serve_forever, name="feedserver", daemon=True).start()
    return server, server.server_address[1]


def feed_urls(port: int, feeds: list[tuple[str, bytes]], host: str = "127.0.0.1") -> list[str]:
    return [f"http://{host}:{port}/feed/{name}" for name, _ in feeds]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200, help="generate this many feeds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, help="serve N.xml files from here instead")
    parser.add_argument("--mode", choices=MODES, default="validators")
    parser.add_argument("--latency", type=float, default=0, metavar="MS")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    if args.dir:
        feeds = [(p.name, p.read_bytes()) for p in sorted(args.dir.glob("*.xml"))]
    else:
        sys.path.insert(0, str(Path(__file__).parent))
        from feedgen import generate

        feeds = generate(args.feeds, args.seed)
    server = FeedServer(feeds, args.mode, args.latency, args.port)
    port = server.server_address[1]
    print(port)  # first line: the port alone, for scripts
    print(
        f"serving {len(feeds)} feeds at http://127.0.0.1:{port}/feed/N.xml "
        f"(mode {args.mode}, latency {args.latency:g} ms)",
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
