"""Every path newsterm uses, in one place.

The config file comes from ``--config``, else ``$NEWSTERM_CONFIG``, else
``platformdirs.user_config_path("newsterm")/feeds.toml``. The data dir comes from
``--data-dir``, else ``$NEWSTERM_DATA_DIR``, else ``user_data_path("newsterm")``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

APP_NAME = "newsterm"
CONFIG_ENV = "NEWSTERM_CONFIG"
DATA_DIR_ENV = "NEWSTERM_DATA_DIR"
DB_NAME = "newsterm.db"
READ_DB_NAME = "read.db"
"""Store of ``newsterm read PATH``: kept apart so ad-hoc reading never touches the feeds."""
BACKUP_DIR = "backups"
"""The folder, beside a store, of its rolling backups of read/starred flags."""


class Paths:
    """Where the config file and the data dir are. A plain class, not a dataclass:
    `newsterm unread` (cli_unread.py) starts faster without that module."""

    __slots__ = ("config_file", "config_is_default", "data_dir")

    def __init__(self, config_file: Path, data_dir: Path, config_is_default: bool = False):
        self.config_file = config_file
        self.data_dir = data_dir
        self.config_is_default = config_is_default
        """True when neither --config nor NEWSTERM_CONFIG chose the file."""

    def __repr__(self) -> str:
        return f"Paths({self.config_file!r}, {self.data_dir!r}, {self.config_is_default!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Paths):
            return NotImplemented
        return (self.config_file, self.data_dir, self.config_is_default) == (
            other.config_file,
            other.data_dir,
            other.config_is_default,
        )

    __hash__ = None  # type: ignore[assignment]

    @property
    def db(self) -> Path:
        return self.data_dir / DB_NAME

    @property
    def read_db(self) -> Path:
        return self.data_dir / READ_DB_NAME

    @property
    def backup_dir(self) -> Path:
        return backup_dir_of(self.db)


def backup_dir_of(db: Path) -> Path:
    """Where the store at ``db`` keeps its backups of read/starred flags: beside it."""
    return db.parent / BACKUP_DIR


def resolve_paths(
    config: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Paths:
    env = os.environ if environ is None else environ
    chosen = config or env.get(CONFIG_ENV) or None
    if chosen:
        config_file = Path(chosen).expanduser().resolve()
    else:
        from platformdirs import user_config_path

        config_file = user_config_path(APP_NAME) / "feeds.toml"
    data = data_dir or env.get(DATA_DIR_ENV) or None
    if data:
        data_path = Path(data).expanduser().resolve()
    else:
        from platformdirs import user_data_path

        data_path = user_data_path(APP_NAME)
    return Paths(config_file, data_path, config_is_default=not chosen)


def documents_dir() -> Path:
    """Where ``w`` saves articles unless ``[settings] save_dir`` says: the user's
    documents folder (``~/Documents`` or what the platform calls it)."""
    from platformdirs import user_documents_path

    return user_documents_path()


def _shipped(name: str) -> Path:
    """A file shipped with newsterm: in the wheel under newsterm/data, else the repo root."""
    from importlib import resources

    packaged = resources.files("newsterm") / "data" / name
    if packaged.is_file() or packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / name


def default_config_file() -> Path:
    """The shipped default ``feeds.toml``."""
    return _shipped("feeds.toml")


def welcome_dir() -> Path:
    """The shipped Welcome articles."""
    return _shipped("welcome")


def install_default_config(target: Path) -> None:
    """Write the shipped ``feeds.toml`` and its Welcome folder beside it (never overwrite)."""
    import shutil

    target.parent.mkdir(parents=True, exist_ok=True)
    welcome = target.parent / "welcome"
    if not welcome.exists():
        shutil.copytree(welcome_dir(), welcome, ignore=shutil.ignore_patterns(".*"))
    if not target.exists():
        shutil.copyfile(default_config_file(), target)
