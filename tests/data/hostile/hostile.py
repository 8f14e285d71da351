"""Hostile inputs made by code: payloads and generators of feeds too big to keep as files.

Every generator is deterministic and returns bytes (or str for HTML bodies). The table in
README.md beside this file says what each one attacks and what must happen. Tests import
this module by path (``sys.path`` gets this folder), so it needs nothing but the stdlib.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "config"

# --- payloads ---------------------------------------------------------------------------

MARKUP = (
    "[bold]B[/bold] [/] [link=https://evil.example/]L[/link] [@click=app.quit]Q[/] "
    "[red on blue]C [unclosed [/nothing] ]stray[ [[x]] \\[esc]"
)
"""Rich / Textual markup that must be shown as it is: never styled, run, or a MarkupError."""

MARKUP_PIECES = ("[bold]", "[/]", "[link=https://evil.example/]", "[@click=app.quit]", "[unclosed")

# Terminal control sequences, each with a marker word so a test can find what is left.
OSC0 = "\x1b]0;evil-title\x07"
"""Sets the terminal window title."""
OSC52 = "\x1b]52;c;ZXZpbA==\x07"
"""Writes the clipboard ("evil")."""
OSC8 = "\x1b]8;;javascript:alert(1)\x1b\\"
"""Starts a terminal hyperlink to javascript:."""
CSI_CLEAR = "\x1b[2J\x1b[H"
CSI_PRINTER = "\x1b[5i"
"""Media copy: turns a printer on (Textual never writes it)."""
DCS = "\x1bPevil-dcs\x1b\\"
C1_CSI = "\x9b31m"
C1_OSC = "\x9d0;evil-c1\x9c"
C1_NEL = "\x85"
DEL_BS = "\x7f\x08"
BIDI = "\u202e\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069"
CONTROLS = (OSC0, OSC52, OSC8, CSI_CLEAR, CSI_PRINTER, DCS, C1_CSI, C1_OSC, C1_NEL, DEL_BS, BIDI)
ALL_CONTROLS = "".join(CONTROLS) + "\x00\x01\x0b\x0c\x0d\x1f"

# The bytes a terminal would act on, as the app would write them (UTF-8). Textual writes
# escape sequences of its own, so a test looks for these, never for "any ESC".
TERMINAL_PAYLOADS = {
    "OSC 0 (window title)": b"\x1b]0;evil",
    "OSC 52 (clipboard)": b"\x1b]52;",
    "OSC 8 (hyperlink to javascript:)": b"\x1b]8;;javascript",
    "CSI 5i (printer on)": b"\x1b[5i",
    "DCS": b"\x1bPevil",
    "C1 CSI": "\x9b".encode(),
    "C1 OSC": "\x9d".encode(),
    "C1 ST": "\x9c".encode(),
    "C1 NEL": "\x85".encode(),
    "RLO": "\u202e".encode(),
    "LRE": "\u202a".encode(),
    "LRI": "\u2066".encode(),
    "PDI": "\u2069".encode(),
}

HOSTILE_LINKS = (
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "\tjavascript:alert(1)",
    "\njavascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "java\x00script:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "FILE:///etc/shadow",
    "vbscript:msgbox(1)",
    "VBScript:msgbox(1)",
    "\\\\evil.example\\share\\x.exe",
    "//evil.example/share",
    "-http://evil.example/",
    "--help",
    "https://evil.example/\x1b]0;evil\x07",
    "https://evil.example/\u202egnp.exe",
    "ftp://evil.example/x",
    "smb://evil.example/share",
)
"""Links that must never be opened (nor numbered in an article body)."""

# --- small helpers ----------------------------------------------------------------------


def xml_refs(text: str) -> str:
    """``text`` with every non-printable-ASCII character as an XML character reference."""
    return "".join(
        ch if 0x20 <= ord(ch) < 0x7F and ch not in "<>&" else f"&#{ord(ch)};" for ch in text
    )


def rss(items: str, title: str = "Hostile", extra: str = "") -> bytes:
    """An RSS 2.0 document around ``items`` (already XML)."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://127.0.0.1/</link>{extra}{items}</channel></rss>\n"
    ).encode()


def item(
    guid: str = "g",
    title: str = "t",
    body: str = "b",
    link: str | None = None,
    extra: str = "",
) -> str:
    """One RSS ``<item>``; values are inserted as they are (escape them yourself)."""
    link_xml = f"<link>{link}</link>" if link is not None else ""
    return (
        f"<item><guid>{guid}</guid><title>{title}</title>{link_xml}"
        f"<description>{body}</description>{extra}</item>"
    )


# --- terminal control sequences -----------------------------------------------------------


def controls_feed(as_refs: bool = True) -> bytes:
    """Control sequences in every field of an RSS feed, as character references
    (``&#27;``, ``&#x9b;``) or as raw characters (not well-formed XML: the lenient parser)."""
    bad = xml_refs(ALL_CONTROLS) if as_refs else escape(ALL_CONTROLS)
    # The body is HTML inside XML: controls at the XML level (decoded by the XML parser)
    # and at the HTML level (``&amp;#27;``: decoded only when the HTML is rendered).
    html_level = escape(xml_refs(ALL_CONTROLS))
    fields = {
        "title": f"EVILTITLE {bad} end",
        "author": f"EVILAUTHOR {bad}",
        "category": f"EVILCAT {bad}",
        "guid": f"EVILGUID{bad}",
        "link": f"https://evil.example/EVILLINK{bad}",
        "body": escape("<p>EVILBODY ") + bad + " " + html_level + escape("</p>"),
    }
    items = (
        f"<item><title>{fields['title']}</title><author>{fields['author']}</author>"
        f"<category>{fields['category']}</category><guid>{fields['guid']}</guid>"
        f"<link>{fields['link']}</link><description>{fields['body']}</description>"
        f'<enclosure url="https://evil.example/a.mp3{bad}" type="audio/mpeg{bad}" length="1"/>'
        "</item>"
    )
    return rss(items, title=f"EVILFEED {bad}")


XML_LEGAL_CONTROLS = "\x7f\u202e\u202a\u2066\u2069\u2028\u2029\ufeff"
"""Controls XML 1.0 allows (DEL, bidi, line separators): a well-formed feed can carry
them, so the fast expat path reads it (ESC and other C0 controls make the XML not
well-formed; C1 characters send a feed to feedparser)."""


def controls_feed_wellformed(c1: bool = False) -> bytes:
    """Well-formed RSS with DEL and bidi characters (raw and as references) in every
    field: what the fast path (ElementTree) reads instead of feedparser. ``c1=True``
    adds C1 controls, which feedparser reads."""
    legal = XML_LEGAL_CONTROLS + ("\x85\x9b31m\x9d0;evil-c1\x9c" if c1 else "")
    bad = legal + xml_refs(legal)
    items = (
        f"<item><title>EVILTITLE {bad} end</title><author>EVILAUTHOR {bad}</author>"
        f"<category>EVILCAT {bad}</category><guid>EVILGUID{bad}</guid>"
        f"<link>https://evil.example/EVILLINK{bad}</link>"
        f"<description>{escape(f'<p>EVILBODY {legal}</p>')}{bad}</description>"
        f'<enclosure url="https://evil.example/a.mp3{bad}" type="audio/mpeg{bad}" length="1"/>'
        "</item>"
    )
    return rss(items, title=f"EVILFEED {bad}")


def controls_json_feed() -> bytes:
    """The same attack through JSON Feed string escapes (``\\u001b``)."""
    bad = ALL_CONTROLS
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"EVILFEED {bad}",
        "home_page_url": f"https://evil.example/{bad}",
        "authors": [{"name": f"EVILFEEDAUTHOR {bad}"}],
        "items": [
            {
                "id": f"EVILGUID{bad}",
                "url": f"https://evil.example/EVILLINK{bad}",
                "title": f"EVILTITLE {bad} end",
                "content_html": f"<p>EVILBODY {bad}</p>",
                "summary": f"EVILSUMMARY {bad}",
                "authors": [{"name": f"EVILAUTHOR {bad}"}],
                "tags": [f"EVILCAT {bad}"],
                "attachments": [
                    {"url": f"https://evil.example/a.mp3{bad}", "mime_type": f"audio/{bad}"}
                ],
            },
            {
                "id": "text-item",
                "title": f"EVILTEXT {bad}",
                "content_text": f"EVILBODY text {bad} https://evil.example/{bad}",
            },
        ],
    }
    return json.dumps(doc).encode()


# --- XML attacks -----------------------------------------------------------------------------


def billion_laughs(levels: int = 10, fanout: int = 10) -> bytes:
    """Nested entities: ``fanout ** levels`` copies of "lol" when expanded."""
    decls = ['<!ENTITY lol0 "lol">']
    for level in range(1, levels):
        refs = f"&lol{level - 1};" * fanout
        decls.append(f'<!ENTITY lol{level} "{refs}">')
    subset = "\n  ".join(decls)
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n  {subset}\n]>\n'
        f'<rss version="2.0"><channel><title>&lol{levels - 1};</title>'
        f"<item><title>x</title><guid>x</guid></item></channel></rss>\n"
    ).encode()


def quadratic_blowup(entity_size: int = 50_000, references: int = 50_000) -> bytes:
    """One big entity referenced many times: quadratic memory without nesting."""
    big = "A" * entity_size
    refs = "&a;" * references
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "{big}">]>\n'
        f'<rss version="2.0"><channel><title>q</title>'
        f"<item><title>x</title><guid>x</guid><description>{refs}</description></item>"
        f"</channel></rss>\n"
    ).encode()


def external_dtd_feed(dtd_url: str) -> bytes:
    """A well-formed feed whose DOCTYPE names an external DTD (``http://`` or ``file://``)."""
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "{dtd_url}">\n'
        '<rss version="2.0"><channel><title>DTD</title>'
        "<item><title>x</title><guid>x</guid></item></channel></rss>\n"
    ).encode()


def external_entity_feed(url: str) -> bytes:
    """XXE: an external general entity pointing at ``url``, used in an item title."""
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{url}">]>\n'
        '<rss version="2.0"><channel><title>XXE</title>'
        "<item><title>&xxe;</title><guid>x</guid></item></channel></rss>\n"
    ).encode()


def parameter_entity_feed(url: str) -> bytes:
    """An external parameter entity (read during DOCTYPE processing)."""
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY % ext SYSTEM "{url}"> %ext;]>\n'
        '<rss version="2.0"><channel><title>PE</title>'
        "<item><title>x</title><guid>x</guid></item></channel></rss>\n"
    ).encode()


def opml_billion_laughs(levels: int = 10) -> bytes:
    decls = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE opml [' + "".join(decls) + "]>\n"
        f'<opml version="2.0"><body><outline text="&lol{levels - 1};" '
        'xmlUrl="https://example.org/feed"/></body></opml>\n'
    ).encode()


def opml_quadratic(entity_size: int = 50_000, references: int = 20_000) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE opml [<!ENTITY a "{"A" * entity_size}">]>\n'
        f'<opml version="2.0"><body><outline text="{"&a;" * references}" '
        'xmlUrl="https://example.org/feed"/></body></opml>\n'
    ).encode()


def opml_external(url: str, kind: str = "entity") -> bytes:
    """OPML with an external entity (``kind="entity"``) or an external DTD (``"dtd"``)."""
    if kind == "dtd":
        doctype = f'<!DOCTYPE opml SYSTEM "{url}">'
        text = "DTD"
    else:
        doctype = f'<!DOCTYPE opml [<!ENTITY xxe SYSTEM "{url}">]>'
        text = "&xxe;"
    return (
        f'<?xml version="1.0"?>\n{doctype}\n<opml version="2.0"><head><title>t</title></head>'
        f'<body><outline text="{text}" xmlUrl="https://example.org/feed"/></body></opml>\n'
    ).encode()


# --- size and depth ---------------------------------------------------------------------------


def huge_title_feed(size: int = 1_000_000) -> bytes:
    """A 1 MB item title and a 1 MB feed title."""
    title = "T" * size
    return rss(item("huge-title", title, "body"), title=title)


def long_url_feed(size: int = 64 * 1024) -> bytes:
    """A 64 KB item link and enclosure URL."""
    url = "https://evil.example/" + "a" * size
    enclosure = f'<enclosure url="{url}" type="audio/mpeg" length="1"/>'
    return rss(item("long-url", "long url", "body", link=url, extra=enclosure))


def many_categories_feed(count: int = 5_000) -> bytes:
    """One item with ``count`` distinct categories and as many enclosures."""
    cats = "".join(f"<category>cat{n}</category>" for n in range(count))
    encs = "".join(
        f'<enclosure url="https://evil.example/{n}.mp3" type="audio/mpeg" length="{n}"/>'
        for n in range(count)
    )
    return rss(item("many-cats", "categories", "body", extra=cats + encs))


def huge_body_feed(size: int = 4_000_000) -> bytes:
    """An item whose HTML body is ``size`` characters (twice the stored cap)."""
    paragraph = "<p>" + "word " * 50 + "</p>"
    body = paragraph * (size // len(paragraph) + 1)
    return rss(item("huge-body", "huge body", f"<![CDATA[{body}]]>"))


def nested_html(kind: str = "ul", depth: int = 10_000) -> str:
    """``depth`` nested lists, blockquotes, tables or divs, with text at every level."""
    if kind == "ul":
        return "<ul><li>level" * depth + "</li></ul>" * depth
    if kind == "blockquote":
        return "<blockquote>level " * depth + "</blockquote>" * depth
    if kind == "table":
        return "<table><tr><td>cell " * depth + "</td></tr></table>" * depth
    if kind == "unclosed":
        return "<div><ol><li><blockquote><table><tr><td><em>" * (depth // 7)
    if kind == "markdown":
        return "> " * depth + "quote\n" + "".join("  " * n + "- item\n" for n in range(depth))
    raise ValueError(kind)


UNCLOSED = {
    "comment": "<!--",
    "cdata": "<![CDATA[",
    "start-tag": "<a ",
    "attribute": "<a x",
    "quote": "<a b='",
    "end-tag": "</",
    "processing-instruction": "<?",
    "comment-then-gt": "<!--x>",
}


def unclosed_html(kind: str = "comment", count: int = 40_000) -> str:
    """``count`` tags, comments or sections that never end: Python's html.parser rescans
    to the end of the body for each (40,000 ``<!--`` took 26 s, 20,000 ``<a `` 65 s)."""
    return "<p>EVILSTART</p>" + UNCLOSED[kind] * count


def big_table(rows: int = 100_000, columns: int = 3, kind: str = "markdown") -> str:
    """A pipe table (or an HTML table) of ``rows`` x ``columns`` cells, with inline code
    and emphasis in its cells (laying out 200,000 cells took seconds on the UI thread)."""
    if kind == "html":
        cells = "".join(f"<td>c{n}</td>" for n in range(columns))
        return "<table>" + f"<tr>{cells}</tr>" * rows + "</table>"
    head = "|" + "|".join(f"h{n}" for n in range(columns)) + "|\n"
    rule = "|" + "|".join("-" for _ in range(columns)) + "|\n"
    return head + rule + ("|" + "|".join("`x` **y**" for _ in range(columns)) + "|\n") * rows


INLINE_BOMBS = {
    "backtick-runs": lambda: "".join("`" * k + " x " for k in range(1, 1300)),
    "emphasis-runs": lambda: "*_" * 450_000,
    "emphasis-words": lambda: "a*b_" * 240_000,
    "lazy-quote-lines": lambda: "> a\nb\n" * 150_000,
}
"""One paragraph of Markdown that is slow to style: 1,300 backtick runs of different
lengths (18 s), 900,000 emphasis delimiters (4.7 s), 300,000 quote lines (7.8 s)."""


def nested_html_feed(kind: str = "ul", depth: int = 10_000) -> bytes:
    return rss(item(f"nested-{kind}", f"nested {kind}", f"<![CDATA[{nested_html(kind, depth)}]]>"))


def gzip_bomb(size: int = 64 * 1024 * 1024) -> bytes:
    """``size`` bytes of spaces, gzip-compressed to a few tens of KB."""
    return gzip.compress(b" " * size, compresslevel=9)


# --- dates, ids, encodings -----------------------------------------------------------------


def ids_feed(version: int) -> bytes:
    """Version 1: items with duplicate, missing, case- and whitespace-different guids.
    Version 2: the same items reordered, duplicated, with changed bodies, plus a new one."""
    v1 = [
        item("dup", "First with guid dup", "one"),
        item("dup", "Second with guid dup (dropped)", "two"),
        item("Case", "Guid Case", "case upper"),
        item("case", "Guid case", "case lower"),
        item("  spaced  ", "Guid with spaces", "spaced"),
        "<item><title>No guid, link only</title><link>https://example.org/a</link></item>",
        "<item><title>No guid, no link</title><description>hash</description></item>",
        "<item><guid></guid><title>Empty guid</title><link>https://example.org/b</link></item>",
    ]
    if version == 1:
        return rss("".join(v1))
    v2 = [
        "<item><guid></guid><title>Empty guid</title><link>https://example.org/b</link>"
        "<description>changed</description></item>",
        item("spaced", "Guid with spaces", "spaced"),
        item("case", "Guid case", "case lower, edited"),
        v1[5],
        item("dup", "First with guid dup", "one, edited"),
        item("dup", "First with guid dup", "one, edited"),
        item("Case", "Guid Case", "case upper"),
        v1[6],
        v1[6],
        item("new", "A new one", "new"),
    ]
    return rss("".join(v2))


def dates_feed() -> bytes:
    """Dates that are absurd, out of range, missing, or not dates at all."""
    dates = [
        "Mon, 01 Jan 0001 00:00:00 GMT",
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "Thu, 01 Jan 1970 00:00:00 +9999",
        "Mon, 30 Feb 2015 25:61:61 GMT",
        "-1",
        "99999999999999999999",
        "yesterday",
        "",
        "Sat, 01 Jan 1800 00:00:00 GMT",
        "2999-01-01T00:00:00Z",
        "2024-13-45T99:99:99Z",
        "\x00",
    ]
    items = "".join(
        item(
            f"date{n}",
            f"date {n}",
            "b",
            extra=f"<pubDate>{escape(d)}</pubDate><updated>{escape(d)}</updated>",
        )
        for n, d in enumerate(dates)
    )
    return rss(items.replace("\x00", "&#0;"))


def dates_json_feed() -> bytes:
    values: list[object] = [
        "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2024-02-30T00:00:00Z", "nonsense",
        "", 12345, None, [], {"a": 1}, "1e999", "2024-01-01T00:00:00+99:00",
    ]  # fmt: skip
    items = [
        {"id": f"d{n}", "title": f"date {n}", "content_text": "b", "date_published": v,
         "date_modified": v}
        for n, v in enumerate(values)
    ]  # fmt: skip
    return json.dumps({"version": "https://jsonfeed.org/version/1", "items": items}).encode()


def encoding_feeds() -> dict[str, bytes]:
    """Feeds whose bytes and declared charset disagree, or hold bytes no charset allows."""
    body = "Caf\u00e9 na\u00efve \u2603 \u0416"
    doc = rss(item("enc", f"EVILENC {body}", f"<p>{body}</p>")).decode()
    return {
        "latin1-declared-utf8": doc.encode("latin-1", "replace"),
        "utf8-declared-latin1": doc.replace('encoding="utf-8"', 'encoding="iso-8859-1"').encode(),
        "unknown-charset": doc.replace('encoding="utf-8"', 'encoding="x-no-such-charset"').encode(),
        "utf16-declared-utf8": doc.encode("utf-16"),
        "invalid-utf8": doc.encode().replace(b"Caf\xc3\xa9", b"Caf\xc3\x28\xff\xfe\xed\xa0\x80"),
        "nul-bytes": doc.encode().replace(b"EVILENC", b"EVIL\x00ENC\x00"),
        "nul-ref": doc.replace("EVILENC", "EVIL&#0;ENC&#x0;").encode(),
        "surrogate-ref": doc.replace("EVILENC", "EVIL&#xD800;ENC&#xDFFF;").encode(),
        "json-invalid-utf8": b'{"version":"https://jsonfeed.org/version/1","items":'
        b'[{"id":"j\xff","title":"EVIL\xc3(ENC","content_text":"x\xed\xa0\x80"}]}',
        "json-lone-surrogate": b'{"version":"https://jsonfeed.org/version/1","items":'
        b'[{"id":"\\ud800","title":"EVIL\\udfffENC","content_text":"\\u0000x"}]}',
        "json-nul": b'{"version":"https://jsonfeed.org/version/1","items":'
        b'[{"id":"a\\u0000b","title":"EVIL\\u0000ENC","content_html":"<p>\\u0000</p>"}]}',
    }


def feedparser_crash_feed() -> bytes:
    """A namespace URI holding a no-break space: feedparser 6 raises ValueError on it."""
    return (
        '<rss version="2.0" xmlns:x="http://a\u00a0b/"><channel><title>t</title>'
        "<item><x:y>1</x:y><title>z</title><guid>z</guid></item></channel></rss>"
    ).encode()


def good_feed(marker: str = "GOOD") -> bytes:
    """A plain, valid feed with two items: what must keep loading next to hostile ones."""
    return rss(
        item(f"{marker.lower()}-1", f"{marker} one", "<p>first</p>", "https://good.example/1")
        + item(f"{marker.lower()}-2", f"{marker} two", "<p>second</p>", "https://good.example/2"),
        title=f"{marker} feed",
    )


def feed_files() -> dict[str, Path]:
    """The fixture files in this folder that are feeds (RSS, Atom or JSON)."""
    return {
        path.name: path
        for path in sorted(HERE.iterdir())
        if path.suffix in (".rss", ".atom", ".json", ".xml")
    }


# --- a local feed server ------------------------------------------------------------------


class FeedServer:
    """A threaded HTTP server on 127.0.0.1 serving ``routes`` and recording every request.

    ``routes[path] = (status, headers, body)``; ``status`` may be ``(code, reason)`` to send
    any reason phrase. Use as a context manager; change ``routes`` between refreshes.
    """

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.routes: dict[str, tuple[object, dict[str, str], bytes]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                server.requests.append((self.path, dict(self.headers)))
                status, headers, body = server.routes.get(self.path, (404, {}, b"not here"))
                code, reason = status if isinstance(status, tuple) else (status, None)
                try:
                    self.send_response_only(code, reason)
                    self.send_header("Content-Length", str(len(body)))
                    self.send_header("Connection", "close")
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading (a size cap): expected

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str, userinfo: str = "") -> str:
        host, port = self._server.server_address[:2]
        at = f"{userinfo}@" if userinfo else ""
        return f"http://{at}{host}:{port}{path}"

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
