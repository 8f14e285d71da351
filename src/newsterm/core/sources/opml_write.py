"""OPML export: the configured feeds as an OPML 2.0 document, sections as folders.

(Reading OPML is :mod:`.opml`.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from newsterm.core.text import clean_line, clean_url

_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _attr(value: str) -> str:
    value = _XML_ILLEGAL.sub("", value)
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )


_Row = tuple[str, str | None, str | None]


@dataclass
class _Folder:
    folders: dict[str, _Folder] = field(default_factory=dict)
    order: list[str | _Row] = field(default_factory=list)
    """Folder names and feed rows, in the order they first appear."""


def export_opml(
    feeds: Iterable[tuple[str, str | None, tuple[str, ...], str | None]],
    *,
    title: str = "newsterm subscriptions",
) -> str:
    """(url, title, section, html_url) rows -> an OPML 2.0 document, folders as sections.

    Feeds of one section are grouped in one folder (at the place of its first feed);
    rows whose URL is empty after cleaning are left out. A feed without a title gets its
    URL as ``text`` (never empty).
    """
    root = _Folder()
    for url, feed_title, section, html_url in feeds:
        clean = clean_url(url)
        if clean is None:
            continue
        node = root
        for part in section:
            name = clean_line(part)
            if not name:
                continue
            if name not in node.folders:
                node.folders[name] = _Folder()
                node.order.append(name)
            node = node.folders[name]
        node.order.append((clean, clean_line(feed_title) or None, clean_url(html_url)))
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{_attr(clean_line(title))}</title>",
        "  </head>",
        "  <body>",
    ]
    _write_folder(root, 2, lines)
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _write_folder(folder: _Folder, depth: int, lines: list[str]) -> None:
    pad = "  " * depth
    for item in folder.order:
        if isinstance(item, str):
            name = _attr(item)
            lines.append(f'{pad}<outline text="{name}" title="{name}">')
            _write_folder(folder.folders[item], depth + 1, lines)
            lines.append(f"{pad}</outline>")
            continue
        url, feed_title, html_url = item
        # text is required and shown by every reader: a feed without a title (one never
        # fetched, none configured) is named by its address
        names = f'text="{_attr(feed_title)}" title="{_attr(feed_title)}"' if feed_title else ""
        names = names or f'text="{_attr(url)}"'
        link = f' htmlUrl="{_attr(html_url)}"' if html_url else ""
        lines.append(f'{pad}<outline type="rss" {names} xmlUrl="{_attr(url)}"{link}/>')
