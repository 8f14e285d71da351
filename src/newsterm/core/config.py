"""``feeds.toml`` -> :class:`Config`: strict, and every error names the file and line.

The file is only ever read here (``tomllib``); editing it is ``feeds_file.py``'s job.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsterm.core.actions import BY_ID, REBINDABLE
from newsterm.core.config_accounts import AccountConfig, parse_accounts
from newsterm.core.config_queries import Rule, SavedQuery, rules, saved_queries
from newsterm.core.config_settings import (
    FEED_SETTINGS,
    FeedOptions,
    Settings,
    feed_own,
    parse_settings,
)
from newsterm.core.config_tools import (
    Headers,
    HooksConfig,
    PipeCommand,
    merge_headers,
    parse_headers,
    parse_hooks,
    parse_pipes,
)
from newsterm.core.config_where import Where as _Where
from newsterm.core.config_where import check_keys as _check_keys
from newsterm.core.config_where import string as _string
from newsterm.core.errors import ConfigError
from newsterm.core.models import (
    FullTextMode,
    SectionPath,
    Source,
    section_from_string,
)
from newsterm.core.text import clean_line
from newsterm.core.urls import Problem, feed_url_problem

_KEY_RE = re.compile(r"^(?:(?:ctrl|shift|alt|meta)\+)*(?:[!-~]|[a-z][a-z0-9_]*)$")


@dataclass(frozen=True, slots=True)
class FeedConfig:
    url: str
    title: str | None = None
    section: SectionPath = ()
    own: tuple[tuple[str, Any], ...] = ()
    """The feed's own settings (keys of :data:`FEED_SETTINGS`) it sets, in file order."""
    headers: Headers | None = None
    """The feed's own request headers (merged over ``[settings] headers``)."""


@dataclass(frozen=True, slots=True)
class LocalConfig:
    path: Path
    section: SectionPath = ()


@dataclass(frozen=True, slots=True)
class Config:
    path: Path | None
    settings: Settings = field(default_factory=Settings)
    feeds: tuple[FeedConfig, ...] = ()
    local: tuple[LocalConfig, ...] = ()
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    queries: tuple[SavedQuery, ...] = ()
    """``[[queries]]``: the saved searches, in file order."""
    rules: tuple[Rule, ...] = ()
    """``[[rules]]``: applied to articles as they are stored, in file order."""
    hooks: HooksConfig = field(default_factory=HooksConfig)
    pipes: tuple[PipeCommand, ...] = ()
    accounts: tuple[AccountConfig, ...] = ()
    """``[[accounts]]``: sync servers (core/sync), in file order."""

    def feed_options(self, url: str) -> FeedOptions:
        """The settings a feed's refresh follows (the defaults for an unknown URL)."""
        s = self.settings
        feed = next((f for f in self.feeds if f.url == url), None)
        own = dict(feed.own) if feed is not None else {}
        return FeedOptions(
            refresh_minutes=own.get("refresh_minutes", s.refresh_minutes),
            keep_days=own.get("keep_days", s.keep_days),
            max_articles=own.get("max_articles", s.max_articles_per_feed),
            enabled=own.get("enabled", s.enabled),
            user_agent=own.get("user_agent", s.user_agent),
            headers=merge_headers(s.headers, feed.headers if feed is not None else None),
            full_text=own.get("full_text", s.full_text),
        )

    def sources(self) -> list[Source]:
        """Every configured source, feeds first, in file order."""
        out = [Source(f.url, "feed", f.title, f.section) for f in self.feeds]
        out += [
            Source(f"local:{loc.path}", "local", None, loc.section, str(loc.path))
            for loc in self.local
        ]
        return out

    def full_text_mode(self, key: str) -> FullTextMode:
        """The ``full_text`` of the feed ``key`` (its own, else ``[settings]``'s)."""
        return self.feed_options(key).full_text


def local_only(paths: list[Path]) -> Config:
    """The config of ``newsterm read PATH…``: just these files or folders."""
    return Config(None, local=tuple(LocalConfig(p.resolve()) for p in paths))


_URL_PROBLEMS = {
    Problem.INVALID: "is not a valid URL",
    Problem.SCHEME: "must be an http:// or https:// URL",
    Problem.NO_HOST: "has no host name",
    Problem.SPACE: "contains whitespace",
}


def _url_problem(url: str) -> str | None:
    problem = feed_url_problem(url)
    return _URL_PROBLEMS[problem] if problem else None


def _keys(where: _Where, raw: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise where.error("[keys] must be a table", "keys")
    out: dict[str, tuple[str, ...]] = {}
    for action, value in raw.items():
        if action not in REBINDABLE:
            why = (
                f"{action!r} cannot be rebound" if action in BY_ID else f"unknown action {action!r}"
            )
            raise where.error(f"[keys]: {why}", "keys", None, action)
        keys = [value] if isinstance(value, str) else value
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            raise where.error(
                f"[keys]: {action!r} must be a key name or a list of key names",
                "keys",
                None,
                action,
            )
        for key in keys:
            if not _KEY_RE.match(key):
                raise where.error(
                    f"[keys]: {action!r}: {key!r} is not a key name", "keys", None, action
                )
        out[action] = tuple(keys)
    return out


def parse_config(text: str, path: Path) -> Config:
    """Parse feeds.toml text; ``path`` names the file in errors and anchors relative paths."""
    if text.startswith("\ufeff"):
        text = text[1:]
    where = _Where(path, text)
    try:
        data = tomllib.loads(text)
    except (ValueError, RecursionError) as exc:
        if not isinstance(exc, tomllib.TOMLDecodeError):
            reason = (
                "nested too deeply" if isinstance(exc, RecursionError) else "a number too large"
            )
            raise ConfigError(f"{path}: TOML this file cannot hold: {reason}") from None
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)).strip()
        loc = f"{path}:{match.group(1)}" if match else str(path)
        raise ConfigError(f"{loc}: TOML syntax error: {reason}") from None
    allowed = (
        "settings", "feeds", "local", "keys", "queries", "rules", "hooks", "pipes", "accounts",
    )  # fmt: skip
    for key in data:
        if key not in allowed:
            line = next(
                (
                    n
                    for n, ln in enumerate(where.lines, 1)
                    if re.match(rf"^\s*\[*\s*{re.escape(key)}\b", ln)
                ),
                None,
            )
            raise ConfigError(
                f"{path}:{line or '?'}: unknown top-level key {key!r} (allowed: {', '.join(allowed)})"
            )
    settings = parse_settings(where, data.get("settings", {}))
    keys = _keys(where, data.get("keys", {}))
    hooks = parse_hooks(where, data.get("hooks", {}))
    pipes = parse_pipes(where, data.get("pipes", {}))
    accounts = parse_accounts(where, data.get("accounts", []))

    feeds_raw = data.get("feeds", [])
    if not isinstance(feeds_raw, list):
        raise where.error("'feeds' must be an array of tables: write [[feeds]]", "feeds")
    feeds: list[FeedConfig] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(feeds_raw):
        if not isinstance(entry, dict):
            raise where.error(f"[[feeds]] entry {i + 1} must be a table", "feeds", i)
        _check_keys(
            where, entry, ("url", "title", "section", *FEED_SETTINGS, "headers"), "feeds", i
        )
        url = (_string(where, entry, "url", "feeds", i, True) or "").strip()
        problem = _url_problem(url)
        if problem:
            raise where.error(f"[[feeds]] entry {i + 1}: 'url' {problem}", "feeds", i, "url")
        if url in seen:
            raise where.error(
                f"[[feeds]] entry {i + 1}: duplicate url (same as entry {seen[url] + 1})",
                "feeds",
                i,
                "url",
            )
        seen[url] = i
        title = _string(where, entry, "title", "feeds", i, False)
        section = _string(where, entry, "section", "feeds", i, False) or ""
        headers = parse_headers(where, entry["headers"], "feeds", i) if "headers" in entry else None
        feeds.append(
            FeedConfig(
                url,
                clean_line(title) or None,
                _section(section),
                feed_own(where, entry, i),
                headers,
            )  # fmt: skip
        )

    local_raw = data.get("local", [])
    if not isinstance(local_raw, list):
        raise where.error("'local' must be an array of tables: write [[local]]", "local")
    local: list[LocalConfig] = []
    for i, entry in enumerate(local_raw):
        if not isinstance(entry, dict):
            raise where.error(f"[[local]] entry {i + 1} must be a table", "local", i)
        _check_keys(where, entry, ("path", "section"), "local", i)
        raw_path = _string(where, entry, "path", "local", i, True) or ""
        if not raw_path.strip():
            raise where.error(f"[[local]] entry {i + 1}: 'path' is empty", "local", i, "path")
        folder = Path(raw_path).expanduser()
        if not folder.is_absolute():
            folder = path.parent / folder
        section = _string(where, entry, "section", "local", i, False) or ""
        local.append(LocalConfig(folder.resolve(), _section(section)))

    def read(entry: dict[str, Any], key: str, name: str, i: int, required: bool) -> str | None:
        return _string(where, entry, key, name, i, required)

    queries = saved_queries(where.error, read, data.get("queries", []))
    rule_list = rules(where.error, read, data.get("rules", []))
    return Config(
        path, settings, tuple(feeds), tuple(local), keys, queries, rule_list, hooks, pipes, accounts
    )


def _section(value: str) -> SectionPath:
    return tuple(clean_line(part, 200) for part in section_from_string(value))


def load_config(path: Path) -> Config:
    """Read and parse ``path``; a missing or unreadable file is a ConfigError."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text") from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ConfigError(f"{path}:{line}: binary data (NUL byte) in a TOML file")
    return parse_config(text, path)
