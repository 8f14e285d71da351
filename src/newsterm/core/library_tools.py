"""The Library's part for newsterm among other tools: each feed's settings and
schedule, the ``[hooks]`` after a refresh, and following feeds.toml when it is edited
elsewhere. Mixed into :class:`newsterm.core.library.Library` (its store, config and
hooks are the Library's own)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from newsterm.core import schedule
from newsterm.core.config import Config, FeedOptions
from newsterm.core.config_file import ConfigChange, ConfigFile
from newsterm.core.hooks import Hooks
from newsterm.core.models import Source


class ToolsMixin:
    """Schedules, hooks and the config file, for :class:`Library`."""

    config: Config
    _hooks: Hooks
    _config_file: ConfigFile
    _on_config: Callable[[ConfigChange], None] | None

    def configured_feeds(self, keys: Sequence[str] | None = None) -> list[Source]:
        raise NotImplementedError  # the Library's

    def use_config(self, config: Config) -> None:
        raise NotImplementedError  # the Library's

    def _feed_timings(self, keys: Sequence[str]) -> dict[str, schedule.FeedTiming]:
        raise NotImplementedError  # the Library's (the door to the store)

    def feed_options(self, keys: Sequence[str] | None = None) -> dict[str, FeedOptions]:
        """Each configured feed's own settings over ``[settings]`` (see FeedOptions)."""
        return {s.key: self.config.feed_options(s.key) for s in self.configured_feeds(keys)}

    def scheduled_feeds(self) -> list[str]:
        """The enabled feeds with a schedule of their own (``refresh_minutes`` > 0):
        those the TUI refreshes by itself when they are due."""
        return [
            key
            for key, options in self.feed_options().items()
            if options.enabled and options.refresh_minutes > 0
        ]

    def due_feeds(self, keys: Sequence[str] | None = None) -> list[str]:
        """The feeds (of ``keys``) whose schedule calls for a fetch now."""
        options = self.feed_options(keys)
        timings = self._feed_timings(list(options))
        now = time.time()
        return [
            key
            for key, opts in options.items()
            if schedule.is_due(timings.get(key) or schedule.FeedTiming(key), opts, now)
        ]

    def next_due(self) -> list[schedule.NextDue]:
        """When each configured feed is next due, and why, in config order."""
        options = self.feed_options()
        timings = self._feed_timings(list(options))
        now = time.time()
        return [
            schedule.next_due(timings.get(key) or schedule.FeedTiming(key), opts, now)
            for key, opts in options.items()
        ]

    def wait_for_hooks(self, timeout: float | None = None) -> bool:
        """Wait for the hooks started so far (the CLI, before it exits)."""
        return self._hooks.wait(timeout)

    def on_hook_failed(self, callback: Callable[[str], None] | None) -> None:
        """Call ``callback`` (from the hooks' thread) with a failing hook's one line,
        once per failure (see :mod:`newsterm.core.hooks`)."""
        self._hooks.on_failure = callback

    # -- following feeds.toml ----------------------------------------------------------

    def on_config_change(self, callback: Callable[[ConfigChange], None] | None) -> None:
        """Call ``callback`` (from the thread that noticed) when feeds.toml changed on
        disk and was followed, or was broken and refused."""
        self._on_config = callback

    def follow_config(self) -> ConfigChange | None:
        """Read feeds.toml again if it changed on disk since it was last read; a broken
        file leaves the config in use as it was (its error is told once per change).
        None when nothing changed."""
        config, change = self._config_file.read_if_changed()
        if change is None:
            return None
        if config is not None:
            self.use_config(config)
        if self._on_config is not None:
            self._on_config(change)
        return change
