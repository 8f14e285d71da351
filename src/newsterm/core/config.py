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
from newsterm.core.config_queries import Rule, SavedQuery, rules, saved_queries
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
    FULL_TEXT_MODES,
    FullTextMode,
    SectionPath,
    Source,
    section_from_string,
)
from newsterm.core.text import clean_line, has_control
from newsterm.core.urls import Problem, feed_url_problem


@dataclass(frozen=True, slots=True)
class Settings:
    """``[settings]``: every key is documented in the shipped feeds.toml and the README."""

    refresh_on_start: bool = True
    """Refresh every feed when the TUI starts (after the first paint)."""
    refresh_minutes: int = 0
    """Refresh automatically every N minutes while the TUI runs; 0 turns it off."""
    concurrency: int = 64
    """How many feeds are fetched at once (64: 305 feeds over 20 hosts, 250 ms per
    answer, took 12 s at 16 or 32, and as long as newsboat's 16 threads at 64; see
    bench/README.md)."""
    per_host: int = 8
    """How many of them at most from one host (never more than ``concurrency``)."""
    timeout_seconds: float = 20.0
    """Total time one feed may take, redirects and body included."""
    max_feed_mb: int = 20
    """Size cap of one feed, after decompression."""
    keep_days: int = 90
    """Read articles older than this are pruned after a refresh; 0 keeps them forever."""
    max_articles_per_feed: int = 1000
    """Read articles beyond this many per feed are pruned (oldest first); 0: no limit."""
    show_read: bool = True
    """Show read articles in the lists (toggle with H)."""
    sidebar_width: int = 0
    """Columns of the sidebar; 0 sizes it to the terminal (a quarter, 22 to 40)."""
    full_text: FullTextMode = "auto"
    """When an article's web page is read for its full text: ``auto`` (when the feed
    gives a summary, see core/fulltext.py), ``always`` or ``never``; per feed too."""
    enabled: bool = True
    """Feeds are refreshed (a feed's own ``enabled = false`` leaves it out)."""
    user_agent: str = ""
    """The User-Agent sent with every fetch; empty: newsterm's own."""
    headers: Headers = ()
    """Request headers sent with every fetch (values may name ``$VARIABLES``)."""
    save_dir: Path | None = None
    """Where ``w`` saves articles; None: the user's documents folder."""
    open_unread_max: int = 20
    """The most articles "open all unread" opens at once."""


# (type, minimum, maximum) for each setting
_SETTING_RULES: dict[str, tuple[type, float | None, float | None]] = {
    "refresh_on_start": (bool, None, None),
    "refresh_minutes": (int, 0, 7 * 24 * 60),
    "concurrency": (int, 1, 64),
    "per_host": (int, 1, 64),
    "timeout_seconds": (float, 1, 600),
    "max_feed_mb": (int, 1, 500),
    "keep_days": (int, 0, 36_500),
    "max_articles_per_feed": (int, 0, 1_000_000),
    "show_read": (bool, None, None),
    "sidebar_width": (int, 0, 120),
    "full_text": (str, None, None),
    "enabled": (bool, None, None),
    "user_agent": (str, None, None),
    "open_unread_max": (int, 1, 500),
}
_CHOICES: dict[str, tuple[str, ...]] = {"full_text": FULL_TEXT_MODES}
"""The values a string setting may take."""

SIDEBAR_MIN = 12
"""The narrowest sidebar ``sidebar_width`` may ask for (0 is automatic)."""

FEED_SETTINGS: dict[str, str] = {
    "refresh_minutes": "refresh_minutes",
    "keep_days": "keep_days",
    "max_articles": "max_articles_per_feed",
    "enabled": "enabled",
    "user_agent": "user_agent",
    "full_text": "full_text",
}
"""The ``[[feeds]]`` keys a feed may set for itself, and the ``[settings]`` key that is
their default (``headers`` too: a feed's are merged over the defaults)."""

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
class FeedOptions:
    """What one feed's refresh follows: its own ``[[feeds]]`` keys over ``[settings]``."""

    refresh_minutes: int = 0
    """Its schedule: due this long after its last fetch; 0: whenever a refresh asks."""
    keep_days: int = 90
    max_articles: int = 1000
    enabled: bool = True
    user_agent: str = ""
    """Empty: newsterm's own."""
    headers: Headers = ()
    """Unexpanded: ``$VARIABLES`` are read at the fetch."""
    full_text: FullTextMode = "auto"
    """When its articles' web pages are read (see :attr:`Settings.full_text`)."""


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


def _setting(where: _Where, rule: str, key: str, value: Any, table: str, index: int | None) -> Any:
    """``value`` checked by the rule of the setting ``rule`` (``key`` as written)."""
    label = f"[[{table}]] entry {index + 1}" if index is not None else f"[{table}]"
    kind, low, high = _SETTING_RULES[rule]
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        ok, value = True, float(value)
    if not ok:
        raise where.error(
            f"{label}: {key!r} must be {kind.__name__}, not {type(value).__name__}",
            table,
            index,
            key,
        )
    if kind is str and has_control(value):
        raise where.error(f"{label}: {key!r} contains control characters", table, index, key)
    if rule in _CHOICES:
        return _choice(where, value, key, label, table, index)
    if rule == "sidebar_width" and value != 0 and not SIDEBAR_MIN <= value <= (high or 0):
        raise where.error(
            f"{label}: 'sidebar_width' must be 0 (automatic) or between "
            f"{SIDEBAR_MIN} and {high:g}, not {value}",
            table,
            index,
            key,
        )
    if low is not None and high is not None and not low <= value <= high:
        raise where.error(
            f"{label}: {key!r} must be between {low:g} and {high:g}, not {value}",
            table,
            index,
            key,
        )
    return value


def _choice(where: _Where, value: str, key: str, label: str, table: str, index: int | None) -> Any:
    """``value`` when it is one of the choices of setting ``key``."""
    choices = _CHOICES[key]
    if value not in choices:
        allowed = ", ".join(f'"{c}"' for c in choices)
        raise where.error(
            f"{label}: {key!r} must be one of {allowed}, not {clean_line(value, 40)!r}",
            table,
            index,
            key,
        )
    return value


def _settings(where: _Where, raw: Any) -> Settings:
    if not isinstance(raw, dict):
        raise where.error("[settings] must be a table", "settings")
    _check_keys(where, raw, (*_SETTING_RULES, "headers", "save_dir"), "settings", None)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "headers":
            values[key] = parse_headers(where, value, "settings", None)
        elif key == "save_dir":
            values[key] = _folder(where, value, "settings", None, key)
        else:
            values[key] = _setting(where, key, key, value, "settings", None)
    return Settings(**values)


def _folder(where: _Where, value: Any, table: str, index: int | None, key: str) -> Path:
    """A folder named in feeds.toml: ``~`` is home, relative is to the file's folder."""
    text = _string(where, {key: value}, key, table, index, True) or ""
    if not text.strip():
        raise where.error(f"[{table}]: {key!r} is empty", table, index, key)
    folder = Path(text).expanduser()
    return folder if folder.is_absolute() else where.path.parent / folder


def _feed_own(where: _Where, entry: Mapping[str, Any], index: int) -> tuple[tuple[str, Any], ...]:
    """A ``[[feeds]]`` entry's own settings (see :data:`FEED_SETTINGS`)."""
    return tuple(
        (key, _setting(where, FEED_SETTINGS[key], key, value, "feeds", index))
        for key, value in entry.items()
        if key in FEED_SETTINGS
    )


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
    allowed = ("settings", "feeds", "local", "keys", "queries", "rules", "hooks", "pipes")
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
    settings = _settings(where, data.get("settings", {}))
    keys = _keys(where, data.get("keys", {}))
    hooks = parse_hooks(where, data.get("hooks", {}))
    pipes = parse_pipes(where, data.get("pipes", {}))

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
                _feed_own(where, entry, i),
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
        path, settings, tuple(feeds), tuple(local), keys, queries, rule_list, hooks, pipes
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
