"""A second sample reader for the walk of n/p: several feeds in nested sections, one
long article with an attachment. Written by the tests, stored as if fetched; no network.

The sidebar shows (sections, then their sub-sections, then their feeds)::

    News            5 unread
      Local         1 unread
        Local Post     1  ("Local 1")
      Alpha Wire     2  ("Alpha 1", "Alpha 2")
      Beta Times     0  (one article, read)
      Gamma Daily    2  ("Gamma 1", "Gamma 2")
    Tech            3 unread
      Delta Dev      2  ("Delta 1", "Delta long read" — long, with an attachment)
      Epsilon Ops    1  ("Epsilon 1")

Within a feed, "1" is the newest (the lists sort newest first).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsterm.core.config import load_config
from newsterm.core.library import Library
from newsterm.core.models import View
from newsterm.core.sources.feeds import parse_feed
from newsterm.core.store import Store

BASE = "http://127.0.0.1:9/"
"""Never fetched (refresh_on_start is off); port 9 is the discard port."""

LONG_TITLE = "Delta long read"
LONG_LAST_LINE = "http://media.example.org/delta/episode.mp3"
"""Words of the long article's very last line (its attachment)."""

FEEDS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    # (file, section, title, article titles newest first)
    ("alpha.xml", "News", "Alpha Wire", ("Alpha 1", "Alpha 2")),
    ("beta.xml", "News", "Beta Times", ("Beta 1",)),
    ("gamma.xml", "News", "Gamma Daily", ("Gamma 1", "Gamma 2")),
    ("local.xml", "News/Local", "Local Post", ("Local 1",)),
    ("delta.xml", "Tech", "Delta Dev", ("Delta 1", LONG_TITLE)),
    ("epsilon.xml", "Tech", "Epsilon Ops", ("Epsilon 1",)),
)
READ = ("Beta 1",)


def url(file: str) -> str:
    return BASE + file


def feed_view(library: Library, title: str) -> View:
    """The sidebar's view of the feed called ``title``."""
    (node,) = [f for f in library.feed_nodes() if f.label == title]
    return View("source", node.section, node.key)


def _body(title: str) -> str:
    if title != LONG_TITLE:
        return f"<p>{title}: a short article.</p>"
    paragraphs = "".join(
        f"<p>Paragraph {n} of the long read, long enough to wrap on a narrow pane "
        f"and to need several pages.</p>"
        for n in range(1, 61)
    )
    return paragraphs + '<p>See <a href="https://delta.example.org/notes">the notes</a>.</p>'


def _rss(title: str, file: str, items: tuple[str, ...], start: datetime) -> bytes:
    out = [
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>',
        f"<title>{title}</title><link>https://{file}.example.org/</link>",
    ]
    for n, item in enumerate(items):
        when = (start - timedelta(hours=n)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        slug = item.lower().replace(" ", "-")
        out.append(
            f"<item><title>{item}</title><link>https://{file}.example.org/{slug}</link>"
            f"<guid>{slug}</guid><pubDate>{when}</pubDate>"
            f"<description><![CDATA[{_body(item)}]]></description>"
        )
        if item == LONG_TITLE:
            out.append(f'<enclosure url="{LONG_LAST_LINE}" type="audio/mpeg" length="1000"/>')
        out.append("</item>")
    out.append("</channel></rss>")
    return "".join(out).encode()


def build_walk_sample(root: Path) -> tuple[Path, Path]:
    """Write the config and store under ``root``; returns (feeds.toml, data dir)."""
    root.mkdir(parents=True, exist_ok=True)
    config = root / "feeds.toml"
    lines = ["[settings]", "refresh_on_start = false", ""]
    for file, section, _title, _items in FEEDS:
        lines += ["[[feeds]]", f'url = "{url(file)}"', f'section = "{section}"', ""]
    config.write_text("\n".join(lines), encoding="utf-8")
    data = root / "data"
    library = Library(load_config(config), Store.open(data / "newsterm.db"))
    start = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)
    for n, (file, section, title, items) in enumerate(FEEDS):
        key = url(file)
        parsed = parse_feed(_rss(title, file, items, start - timedelta(days=n)), key, key)
        section_path = tuple(section.split("/"))
        articles = [replace(a, section=section_path) for a in parsed.articles]
        library._store.save_articles(key, articles)
        library._store.record_fetch(key, ok=True, title=parsed.title, link=parsed.link)
    ids = library.article_ids(View("all"))
    library.set_read([r.rowid for r in library.rows(ids) if r.title in READ], True)
    library.close()
    return config, data


def open_walk_sample(config: Path, data: Path) -> Library:
    return Library(load_config(config), Store.open(data / "newsterm.db"))
