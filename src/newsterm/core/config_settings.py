"""The ``[settings]`` of feeds.toml and the settings a ``[[feeds]]`` entry may set for
itself over them: their types, limits and choices, and how each value is checked
(every error naming the file and line through :class:`~.config_where.Where`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsterm.core.config_tools import Headers, parse_headers
from newsterm.core.config_where import Where as _Where
from newsterm.core.config_where import check_keys as _check_keys
from newsterm.core.config_where import string as _string
from newsterm.core.models import FULL_TEXT_MODES, FullTextMode
from newsterm.core.text import clean_line, has_control


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


def parse_settings(where: _Where, raw: Any) -> Settings:
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


def feed_own(where: _Where, entry: Mapping[str, Any], index: int) -> tuple[tuple[str, Any], ...]:
    """A ``[[feeds]]`` entry's own settings (see :data:`FEED_SETTINGS`)."""
    return tuple(
        (key, _setting(where, FEED_SETTINGS[key], key, value, "feeds", index))
        for key, value in entry.items()
        if key in FEED_SETTINGS
    )
