"""``[[accounts]]`` of feeds.toml: sync servers (issue 17), checked as strictly as the
rest of the file (every error names the file and line).

A password is never written in the file: ``password_command`` (an argv, run without a
shell by :mod:`newsterm.core.run`, its first line of output is the password) or
``password_env`` (the name of an environment variable). Either is read when the account
is synced (:func:`account_password`), never kept in the config.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Literal

from newsterm.core.config_tools import parse_argv
from newsterm.core.config_where import Where, check_keys, string
from newsterm.core.errors import SyncAuthError
from newsterm.core.urls import feed_url_problem

AccountKind = Literal["greader", "ttrss"]
KINDS: tuple[AccountKind, ...] = ("greader", "ttrss")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,39}$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
PASSWORD_SECONDS = 30.0
"""How long a password command may run."""


@dataclass(frozen=True, slots=True)
class AccountConfig:
    """One ``[[accounts]]`` entry: a server that owns its subscriptions and flags."""

    name: str
    """Its section in the sidebar, and the middle of its sources' keys
    (``account:<name>:<feed id>``); no ``:`` in it."""
    kind: AccountKind
    url: str
    """The API's address (GReader: FreshRSS ``…/api/greader.php``, Miniflux its root;
    TT-RSS: its ``…/api/`` address), as written."""
    user: str
    password_command: tuple[str, ...] = ()
    password_env: str | None = None

    @property
    def key_prefix(self) -> str:
        """The start of every source key of this account."""
        return f"account:{self.name}:"


def parse_accounts(where: Where, raw: Any) -> tuple[AccountConfig, ...]:
    """The ``accounts`` array of feeds.toml."""
    if not isinstance(raw, list):
        raise where.error("'accounts' must be an array of tables: write [[accounts]]", "accounts")
    out: list[AccountConfig] = []
    names: set[str] = set()
    allowed = ("name", "kind", "url", "user", "password_command", "password_env")
    for i, entry in enumerate(raw):
        label = f"[[accounts]] entry {i + 1}"
        if not isinstance(entry, dict):
            raise where.error(f"{label} must be a table", "accounts", i)
        check_keys(where, entry, allowed, "accounts", i)
        name = (string(where, entry, "name", "accounts", i, True) or "").strip()
        if not _NAME.match(name):
            raise where.error(
                f"{label}: 'name' must be 1-40 letters, digits, spaces, '_', '.' or '-'",
                "accounts",
                i,
                "name",
            )
        if name.casefold() in names:
            raise where.error(f"{label}: duplicate name {name!r}", "accounts", i, "name")
        names.add(name.casefold())
        kind = string(where, entry, "kind", "accounts", i, True)
        if kind not in KINDS:
            raise where.error(
                f"{label}: 'kind' must be one of {', '.join(KINDS)}", "accounts", i, "kind"
            )
        url = (string(where, entry, "url", "accounts", i, True) or "").strip()
        if feed_url_problem(url) is not None:
            raise where.error(
                f"{label}: 'url' must be an http:// or https:// URL", "accounts", i, "url"
            )
        user = string(where, entry, "user", "accounts", i, True) or ""
        command: tuple[str, ...] = ()
        if "password_command" in entry:
            command = parse_argv(
                where, entry["password_command"], "password_command", "accounts", i,
                "password_command",
            )  # fmt: skip
        env = string(where, entry, "password_env", "accounts", i, False)
        if env is not None and not _ENV.match(env):
            raise where.error(
                f"{label}: 'password_env' must name an environment variable",
                "accounts",
                i,
                "password_env",
            )
        if bool(command) == (env is not None):
            raise where.error(
                f"{label}: give one of 'password_command' or 'password_env' "
                "(a password is never written in feeds.toml)",
                "accounts",
                i,
            )
        out.append(AccountConfig(name, kind, url, user, command, env))  # type: ignore[arg-type]
    return tuple(out)


def account_password(account: AccountConfig) -> str:
    """The account's password, read now; SyncAuthError (one line) when there is none."""
    if account.password_env is not None:
        value = os.environ.get(account.password_env)
        if not value:
            raise SyncAuthError(f"{account.name}: ${account.password_env} is not set")
        return value
    from newsterm.core.run import run

    done = run(account.password_command, timeout=PASSWORD_SECONDS)
    problem = done.problem(PASSWORD_SECONDS)
    if problem is not None:
        raise SyncAuthError(f"{account.name}: password command failed: {problem}")
    lines = done.stdout.splitlines()
    password = lines[0].strip() if lines else ""
    if not password:
        raise SyncAuthError(f"{account.name}: the password command printed nothing")
    return password
