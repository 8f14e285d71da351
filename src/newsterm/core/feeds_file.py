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

import contextlib
import enum
import logging
import os
import re
import stat
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import urlsplit, urlunsplit

import tomlkit
from tomlkit.exceptions import ParseError as TomlkitParseError
from tomlkit.exceptions import TOMLKitError

from newsterm.core.errors import ConfigError
from newsterm.core.models import SectionPath, section_from_string
from newsterm.core.text import clean_line
from newsterm.core.urls import Problem, feed_url_problem

log = logging.getLogger(__name__)


class _Unchanged(enum.Enum):
    UNCHANGED = "unchanged"


UNCHANGED: Final = _Unchanged.UNCHANGED
"""Default of :func:`update_feed`'s keywords: leave this key as it is."""

NEW_FILE_MODE = 0o644


# --- public API ---------------------------------------------------------------------------


def normalise_url(url: str) -> str:
    """The form two feed URLs are compared in: stripped, scheme and host lower-cased,
    without a trailing slash. Only for equality; the URL stored is the one given."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    user, at, host = parts.netloc.rpartition("@")
    netloc = f"{user}{at}{host.lower()}"
    out = urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))
    return out[:-1] if out.endswith("/") else out


def add_feeds(
    config_path: Path, feeds: Sequence[tuple[str, str | None, tuple[str, ...]]]
) -> list[str]:
    """Append a ``[[feeds]]`` entry for each (url, title, section) not already present.

    URLs already in the file (compared with :func:`normalise_url`) and repeats within
    ``feeds`` are skipped. Returns the URLs added, in order. Creates the file if needed.
    """
    config_path = Path(config_path)
    doc = _Document.read(config_path)
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
    doc = _Document.read(config_path)
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
    doc = _Document.read(config_path)
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


def atomic_write(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically, keeping the file's mode.

    A temporary file in the same folder is written, flushed and fsynced, then renamed over
    ``path``, and the folder is fsynced. On any failure the old file is untouched and the
    temporary file removed. A symlink is followed: its target is replaced.
    """
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = NEW_FILE_MODE
    data = text.encode("utf-8")
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    _fsync_folder(folder)


# --- internals ----------------------------------------------------------------------------


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:  # e.g. Windows: folders cannot be opened
        log.debug("cannot open %s to fsync it: %s", folder, exc)
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        log.debug("cannot fsync %s: %s", folder, exc)
    finally:
        os.close(fd)


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


_LINE_RE = re.compile(r"[^\n]*\n|[^\n]+$")
_TOMLLIB_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)")
_TOMLKIT_WHERE = re.compile(r"\s*at line (\d+) col (\d+)$")


@dataclass
class _Document:
    """feeds.toml as text, with the line span of each ``[[feeds]]`` entry."""

    path: Path
    text: str
    bom: str
    lines: list[str]
    entries: list[dict[str, Any]]
    """``tomllib``'s reading of each ``[[feeds]]`` entry, in file order."""
    spans: list[tuple[int, int]]
    """(first line, line after the last key) of each entry, parallel to ``entries``."""
    data: dict[str, Any]
    eol: str

    @classmethod
    def read(cls, path: Path) -> _Document:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raw = b""
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise ConfigError(f"{path}: line {line}: not UTF-8 text") from None
        bom = ""
        if text.startswith("\ufeff"):
            bom, text = "\ufeff", text[1:]
        data = _parse(path, text)
        feeds = data.get("feeds", [])
        lines = _LINE_RE.findall(text)
        spans = _feed_spans(lines)
        if not isinstance(feeds, list) or len(spans) != len(feeds):
            raise ConfigError(
                f"{path}: 'feeds' is not written as [[feeds]] tables; edit it by hand"
            )
        entries = [dict(entry) if isinstance(entry, dict) else {} for entry in feeds]
        eol = "\r\n" if re.search(r"\r\n", text[:4096]) else "\n"
        return cls(path, text, bom, lines, entries, spans, data, eol)

    def matching(self, url: str) -> list[int]:
        key = normalise_url(url)
        return [
            i
            for i, entry in enumerate(self.entries)
            if normalise_url(str(entry.get("url", ""))) == key
        ]

    def insert_entries(self, rendered: list[str]) -> str:
        """The text with new entries after the last ``[[feeds]]`` entry (or at the end)."""
        chunk_lines = list(self.lines)
        if self.spans:
            at = self.spans[-1][1]
            if not chunk_lines[at - 1].endswith("\n"):
                chunk_lines[at - 1] += self.eol
            insert = "".join(self.eol + entry for entry in rendered)
            chunk_lines.insert(at, insert)
            return "".join(chunk_lines)
        text = self.text
        if text and not text.endswith("\n"):
            text += self.eol
        if text.strip() and not text.endswith(self.eol * 2):
            text += self.eol
        return text + self.eol.join(rendered)

    def write(self, text: str, expected_feeds: list[dict[str, Any]]) -> None:
        """Check ``text`` reads back as the old data with ``expected_feeds``, then write it."""
        expected = dict(self.data)
        expected.pop("feeds", None)
        if expected_feeds:
            expected["feeds"] = expected_feeds
        try:
            ok = tomllib.loads(text) == expected
        except tomllib.TOMLDecodeError:
            ok = False
        if not ok:
            raise ConfigError(f"{self.path}: could not edit the file safely; it was left unchanged")
        try:
            atomic_write(self.path, self.bom + text)
        except OSError as exc:
            raise ConfigError(f"{self.path}: cannot write: {exc.strerror or exc}") from None


def _parse(path: Path, text: str) -> dict[str, Any]:
    """Validate with tomllib (what config.py reads with) and tomlkit (what edits entries)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = _TOMLLIB_WHERE.search(message)
        reason = _TOMLLIB_WHERE.sub("", message).strip()
        if where:
            raise ConfigError(
                f"{path}: line {where.group(1)}: {reason} (column {where.group(2)})"
            ) from None
        raise ConfigError(f"{path}: {reason}") from None
    try:
        tomlkit.parse(text)
    except TomlkitParseError as exc:
        reason = _TOMLKIT_WHERE.sub("", str(exc)).strip()
        raise ConfigError(f"{path}: line {exc.line}: {reason}") from None
    except TOMLKitError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return data


def _feed_spans(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) line ranges of the ``[[feeds]]`` entries: header to last key line."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    last = 0
    state: str | None = None
    for number, line in enumerate(lines):
        inside_string = state is not None
        state = _scan_line(line, state)
        if inside_string:
            last = number
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("["):
            root, is_entry = _header(line)
            if is_entry or root != "feeds":
                if start is not None:
                    spans.append((start, last + 1))
                    start = None
                if is_entry:
                    start = last = number
                continue
        last = number
    if start is not None:
        spans.append((start, last + 1))
    return spans


def _header(line: str) -> tuple[str | None, bool]:
    """The first key of a table header line, and whether it is exactly ``[[feeds]]``."""
    try:
        parsed = tomllib.loads(line)
    except tomllib.TOMLDecodeError:
        return None, False
    root = next(iter(parsed), None)
    is_entry = line.lstrip().startswith("[[") and parsed == {"feeds": [{}]}
    return root, is_entry


def _scan_line(line: str, state: str | None) -> str | None:
    """Track multi-line strings: the open delimiter (or None) at the end of ``line``."""
    i, size = 0, len(line)
    while i < size:
        if state is not None:
            if state == '"""':
                j = i
                while j < size and not line.startswith('"""', j):
                    j += 2 if line[j] == "\\" else 1
            else:
                j = line.find("'''", i)
                j = size if j < 0 else j
            if j >= size:
                return state
            i, quote = j + 3, state[0]
            for _ in range(2):  # up to two quotes next to the delimiter are content
                if i < size and line[i] == quote:
                    i += 1
            state = None
            continue
        char = line[i]
        if char == "#":
            return None
        if line.startswith('"""', i) or line.startswith("'''", i):
            state, i = line[i : i + 3], i + 3
        elif char == '"':
            i += 1
            while i < size and line[i] != '"':
                i += 2 if line[i] == "\\" else 1
            i += 1
        elif char == "'":
            j = line.find("'", i + 1)
            i = size if j < 0 else j + 1
        else:
            i += 1
    return state
