"""Editing ``feeds.toml`` (add, remove, rename/move a feed) without losing the user's text.

Every edit is spliced into the original text: the lines of the ``[[feeds]]`` entries
touched are the only ones that change, so comments, blank lines, key order and the
other tables (``[settings]``, ``[[local]]``, ``[keys]``…) stay byte for byte. New values
are rendered by tomlkit, and an entry being changed is edited with tomlkit too (which
keeps its comments). Re-serialising the whole document with tomlkit is avoided on
purpose: it moves ``[[feeds]]`` entries that are not contiguous (measured with 0.15).

Before writing, the new text is read back with ``tomllib`` (the reader ``config.py``
uses) and must hold exactly the intended data; otherwise nothing is written. Files are
replaced atomically (:func:`atomic_write`).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Final, Literal

import tomlkit

from newsterm.core.errors import ConfigError
from newsterm.core.feeds_file_lines import NEW_FILE_MODE as NEW_FILE_MODE
from newsterm.core.feeds_file_lines import Document
from newsterm.core.feeds_file_lines import atomic_write as atomic_write
from newsterm.core.feeds_file_lines import normalise_url as normalise_url
from newsterm.core.models import SectionPath, section_from_string
from newsterm.core.text import clean_line
from newsterm.core.urls import Problem, feed_url_problem

log = logging.getLogger(__name__)


class _Unchanged(enum.Enum):
    UNCHANGED = "unchanged"


UNCHANGED: Final = _Unchanged.UNCHANGED
"""Default of :func:`update_feed`'s keywords: leave this key as it is."""


# --- public API ---------------------------------------------------------------------------


def add_feeds(
    config_path: Path, feeds: Sequence[tuple[str, str | None, tuple[str, ...]]]
) -> list[str]:
    """Append a ``[[feeds]]`` entry for each (url, title, section) not already present.

    URLs already in the file (compared with :func:`normalise_url`) and repeats within
    ``feeds`` are skipped. Returns the URLs added, in order. Creates the file if needed.
    """
    config_path = Path(config_path)
    doc = Document.read(config_path)
    known = {normalise_url(str(entry.get("url", ""))) for entry in doc.entries}
    added: list[str] = []
    rendered: list[str] = []
    new_entries: list[dict[str, str]] = []
    for url, title, section in feeds:
        url = url.strip()
        _check_url(config_path, url)
        key = normalise_url(url)
        if key in known:
            continue
        known.add(key)
        entry = {"url": url}
        title_text = clean_line(title) if title else ""
        if title_text:
            entry["title"] = title_text
        section_text = _section_text(section)
        if section_text:
            entry["section"] = section_text
        added.append(url)
        new_entries.append(entry)
        rendered.append(_render_entry(entry, doc.eol))
    if not added:
        return []
    text = doc.insert_entries(rendered)
    doc.write(text, [*doc.entries, *new_entries])
    return added


def remove_feed(config_path: Path, url: str) -> bool:
    """Remove the ``[[feeds]]`` entry (or entries) for ``url``; False when there is none.

    The entry's header and key lines go; comments above it and after its last key stay.
    """
    config_path = Path(config_path)
    doc = Document.read(config_path)
    matches = doc.matching(url)
    if not matches:
        return False
    lines = list(doc.lines)
    for index in reversed(matches):
        start, end = doc.spans[index]
        # don't leave two blank lines (or a blank line at the end) where the entry was
        if start == 0 or not lines[start - 1].strip():
            if end < len(lines) and not lines[end].strip():
                end += 1
            elif end == len(lines) and start > 0:
                start -= 1
        del lines[start:end]
    remaining = [entry for i, entry in enumerate(doc.entries) if i not in matches]
    doc.write("".join(lines), remaining)
    return True


def update_feed(
    config_path: Path,
    url: str,
    *,
    title: str | None | Literal[_Unchanged.UNCHANGED] = UNCHANGED,
    section: SectionPath | str | None | Literal[_Unchanged.UNCHANGED] = UNCHANGED,
) -> bool:
    """Rename and/or move the feed ``url``; None or empty removes the key. False if absent."""
    config_path = Path(config_path)
    doc = Document.read(config_path)
    matches = doc.matching(url)
    if not matches:
        return False
    wanted: dict[str, str | None] = {}
    if title is not UNCHANGED:
        wanted["title"] = clean_line(title) if title else None
    if section is not UNCHANGED:
        wanted["section"] = _section_text(section) if section else None
    entries = [dict(entry) for entry in doc.entries]
    lines = list(doc.lines)
    changed = False
    for index in reversed(matches):
        start, end = doc.spans[index]
        old_text = "".join(lines[start:end])
        new_text = _edit_entry(old_text, wanted)
        for key, value in wanted.items():
            if value:
                entries[index][key] = value
            else:
                entries[index].pop(key, None)
        if new_text != old_text:
            lines[start:end] = [new_text]
            changed = True
    if changed:
        doc.write("".join(lines), entries)
    return True


def _check_url(path: Path, url: str) -> None:
    problem = feed_url_problem(url)
    if problem is Problem.SPACE:
        raise ConfigError(f"{path}: feed URL contains whitespace: {clean_line(url, 200)!r}")
    if problem is not None:
        raise ConfigError(f"{path}: not an http/https feed URL: {clean_line(url, 200)!r}")


def _section_text(section: SectionPath | str) -> str:
    parts = section_from_string(section) if isinstance(section, str) else section
    return "/".join(name for name in (clean_line(part) for part in parts) if name)


def _render_entry(entry: dict[str, str], eol: str) -> str:
    lines = ["[[feeds]]"]
    lines += [f"{key} = {tomlkit.string(value).as_string()}" for key, value in entry.items()]
    return eol.join(lines) + eol


def _edit_entry(text: str, wanted: dict[str, str | None]) -> str:
    """One ``[[feeds]]`` entry's text with keys set or removed, by tomlkit."""
    doc = tomlkit.parse(text)
    table = doc["feeds"][0]  # type: ignore[index]
    for key, value in wanted.items():
        if value:
            if table.get(key) != value:
                table[key] = value
        elif key in table:
            del table[key]
    return tomlkit.dumps(doc)
