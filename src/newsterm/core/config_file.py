"""Following feeds.toml on disk: an edit made outside newsterm (an editor, a script,
a dotfiles checkout) is noticed and read again; a broken file is refused with its
one-line error, once per change, and the config in use stays what it was."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from newsterm.core.config import Config, load_config
from newsterm.core.errors import ConfigError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """feeds.toml changed on disk: followed, or refused with the old config kept."""

    path: Path
    error: str | None = None
    """The one-line error of a broken file (the config in use stays the old one)."""


def _stamp(path: Path | None) -> tuple[int, int, int] | None:
    """What tells a changed file: its modification time, size and inode."""
    if path is None:
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


class ConfigFile:
    """The feeds.toml a config was read from, and whether it changed since."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._stamp = _stamp(path)
        self._lock = threading.Lock()
        """The TUI's watcher and a refresh may look at once: one of them reads it."""

    def seen(self, path: Path | None) -> None:
        """``path`` was just read (by newsterm's own edit, say): as it is now, it is known."""
        self.path = path
        self._stamp = _stamp(path)

    def read_if_changed(self) -> tuple[Config | None, ConfigChange | None]:
        """(the new config, the change) when the file changed since it was last read;
        (None, the change with its error) when it is broken; (None, None) otherwise.
        A file that went away is not a change (the config in use goes on)."""
        with self._lock:
            stamp = _stamp(self.path)
            if self.path is None or stamp is None or stamp == self._stamp:
                return None, None
            self._stamp = stamp
            try:
                config = load_config(self.path)
            except ConfigError as exc:
                log.warning("%s changed but is not used: %s", self.path, exc)
                return None, ConfigChange(self.path, str(exc))
            return config, ConfigChange(self.path)
