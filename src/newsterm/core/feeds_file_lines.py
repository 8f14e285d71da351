"""feeds.toml read as lines: the span of each ``[[feeds]]`` entry, found by a small
scanner that knows TOML's strings and comments, so ``feeds_file`` can splice edits
into the user's own text."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import stat
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import tomlkit
from tomlkit.exceptions import ParseError as TomlkitParseError
from tomlkit.exceptions import TOMLKitError

from newsterm.core.errors import ConfigError

log = logging.getLogger(__name__)

_LINE_RE = re.compile(r"[^\n]*\n|[^\n]+$")
_TOMLLIB_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)")
_TOMLKIT_WHERE = re.compile(r"\s*at line (\d+) col (\d+)$")


@dataclass
class Document:
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
    def read(cls, path: Path) -> Document:
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


NEW_FILE_MODE = 0o644


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
