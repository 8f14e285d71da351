"""Managing the feeds: import/export OPML, find, add, remove, rename/move, errors.

Headless, shared by the command line and the TUI (which calls these from workers).
Every change is written to the ``feeds.toml`` in use by ``feeds_file`` (spliced into
the user's text and replaced atomically), then the library reloads its config so the
store's sources follow it. The network stack is imported only when a page is searched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from newsterm.core import feeds_file
from newsterm.core.config import Config, load_config
from newsterm.core.errors import ConfigError
from newsterm.core.library import Library
from newsterm.core.models import SectionPath, section_from_string, section_to_string
from newsterm.core.sources.discover import FeedLink, discover
from newsterm.core.sources.opml import OpmlFeed, OpmlSkip, export_opml, parse_opml
from newsterm.core.urls import shown as shown_url

if TYPE_CHECKING:
    from newsterm.core.sources.http import FetchLimits

ALREADY_CONFIGURED = "duplicate: already in feeds.toml"


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What :func:`import_opml` did."""

    added: tuple[OpmlFeed, ...]
    """Feeds written to feeds.toml, in file order."""
    skipped: tuple[OpmlSkip, ...]
    """Outlines not imported, each with its reason."""
    lenient: bool
    """The file was not well-formed XML and was read by the lenient scanner."""
    config_path: Path


@dataclass(frozen=True, slots=True)
class FeedError:
    """A configured feed whose last refresh failed."""

    key: str
    label: str
    error: str
    failed_at: datetime | None
    last_ok_at: datetime | None
    """None when the feed never worked."""


@dataclass(frozen=True, slots=True)
class FeedDue:
    """When a configured feed is next due (see core/schedule.py)."""

    key: str
    label: str
    at: datetime | None
    """None: no time of its own (due at every refresh, or disabled)."""
    why: str
    """What decides it ("every 30 min", "server: at most every 60 min (ttl)")."""


def config_path(library: Library) -> Path:
    """The feeds.toml the library was loaded from; ConfigError when there is none."""
    path = library.config.path
    if path is None:
        raise ConfigError("no feeds.toml in use (newsterm read PATH… has none to change)")
    return path


def reload_config(library: Library) -> Config:
    """Read feeds.toml again and make the library and its store follow it."""
    config = load_config(config_path(library))
    library.use_config(config)
    return config


# --- OPML ----------------------------------------------------------------------------------


def import_opml(library: Library, data: bytes) -> ImportReport:
    """Add every http/https feed of an OPML file to feeds.toml; folders become sections.

    Feeds already configured (compared as :func:`feeds_file.normalise_url` does) are
    skipped. ParseError when ``data`` is not OPML, ConfigError when feeds.toml is wrong.
    """
    result = parse_opml(data)
    path = config_path(library)
    configured = load_config(path).feeds if path.exists() else ()
    known = {feeds_file.normalise_url(feed.url) for feed in configured}
    seen: set[str] = set()
    skipped = list(result.skipped)
    wanted: list[OpmlFeed] = []
    for feed in result.feeds:
        key = feeds_file.normalise_url(feed.url)
        if key in known or key in seen:
            # the same feed twice in the file, e.g. with and without a final slash
            reason = ALREADY_CONFIGURED if key in known else "duplicate"
            skipped.append(OpmlSkip(feed.title, feed.url, reason))
            continue
        seen.add(key)
        wanted.append(feed)
    added: list[OpmlFeed] = []
    if wanted:
        written = set(feeds_file.add_feeds(path, [(f.url, f.title, f.section) for f in wanted]))
        added = [feed for feed in wanted if feed.url.strip() in written]
        skipped += [
            OpmlSkip(f.title, f.url, ALREADY_CONFIGURED)
            for f in wanted
            if f.url.strip() not in written
        ]
        reload_config(library)
    return ImportReport(tuple(added), tuple(skipped), result.lenient, path)


def export(library: Library) -> str:
    """The configured feeds as OPML 2.0: sections as nested folders, the configured title
    (else the feed's own), and the site's address when a fetch has told it."""
    rows = []
    for feed in library.config.feeds:
        state = library.source_state(feed.url)
        title = feed.title or (state.title if state else None)
        rows.append((feed.url, title, feed.section, library.site_link(feed.url)))
    return export_opml(rows)


# --- finding and adding --------------------------------------------------------------------


async def find_feeds(url: str, limits: FetchLimits | None = None) -> list[FeedLink]:
    """The feeds of a page or feed address, as :func:`discover` finds them with the real
    fetcher. An empty list when there are none; FetchError when the page cannot be read."""
    from newsterm.core.sources.http import Fetcher

    async with Fetcher(limits) as fetcher:
        return await discover(url, fetcher.fetch)


def not_found(url: str) -> str:
    return f"no feed found at {url.strip()} (neither a feed, nor a page that links to one)"


def add_feed(
    library: Library,
    url: str,
    title: str | None = None,
    section: SectionPath | str = (),
) -> bool:
    """Subscribe to the feed ``url``; False when feeds.toml already has it.

    The store forgets what an earlier subscription to the same URL left (validators,
    unstarred articles), so the next refresh fetches it in full.
    """
    path = config_path(library)
    url = url.strip()
    parts = section_from_string(section) if isinstance(section, str) else tuple(section)
    if not feeds_file.add_feeds(path, [(url, title or None, parts)]):
        return False
    library.forget_source(url, keep_starred=True)
    reload_config(library)
    return True


# --- changing and removing ------------------------------------------------------------------


def _configured(library: Library, key: str) -> None:
    if not any(feed.url == key for feed in library.config.feeds):
        raise ConfigError(f"{config_path(library)}: no feed {key}")


def remove_feed(library: Library, key: str, keep_starred: bool = True) -> int:
    """Unsubscribe: the feed leaves feeds.toml and its stored articles go, except the
    starred ones unless ``keep_starred`` is False. Returns how many articles went."""
    _configured(library, key)
    path = config_path(library)
    if not feeds_file.remove_feed(path, key):
        raise ConfigError(f"{path}: no feed {key}")
    removed = library.forget_source(key, keep_starred=keep_starred)
    reload_config(library)
    return removed


def edit_feed(
    library: Library, key: str, title: str | None, section: SectionPath | str | None
) -> None:
    """Rename and/or move a feed; an empty title falls back to the feed's own title, an
    empty section puts it at the top level."""
    _configured(library, key)
    path = config_path(library)
    parts = section_from_string(section) if isinstance(section, str) else section
    if not feeds_file.update_feed(path, key, title=title or None, section=parts or None):
        raise ConfigError(f"{path}: no feed {key}")
    reload_config(library)


# --- reading ---------------------------------------------------------------------------------


def article_counts(library: Library, key: str) -> tuple[int, int]:
    """(stored, starred) articles of one source."""
    return library.article_counts(key)


def feed_errors(library: Library) -> list[FeedError]:
    """Every configured feed whose last refresh failed, by name."""
    configured = {feed.url for feed in library.config.feeds}
    accounts = [  # a sync account that failed: one row, named for the account
        FeedError(
            f"account:{s.name}:", f"{s.name} (sync account)", s.error, s.error_at, s.synced_at
        )
        for s in library.account_states()
        if s.error
    ]
    return accounts + [
        FeedError(key, label, error, failed, ok)
        for key, label, error, failed, ok in library.source_errors()
        if key in configured
    ]


def feed_schedule(library: Library) -> list[FeedDue]:
    """When each configured feed is next due, soonest first (those without a time of
    their own last)."""
    labels = {feed.key: feed.label for feed in library.feed_nodes()}
    due = [
        FeedDue(
            d.key,
            labels.get(d.key) or shown_url(d.key),
            datetime.fromtimestamp(d.at, UTC) if d.at is not None else None,
            d.why,
        )
        for d in library.next_due()
    ]
    never = datetime.max.replace(tzinfo=UTC)
    return sorted(due, key=lambda d: (d.at or never, d.label.casefold()))


def section_names(library: Library) -> list[str]:
    """Every section of the config (parents too) as ``A/B`` strings, sorted; no I/O."""
    names: set[str] = set()
    for source in library.config.sources():
        for depth in range(1, len(source.section) + 1):
            names.add(section_to_string(source.section[:depth]))
    return sorted(names, key=str.casefold)
