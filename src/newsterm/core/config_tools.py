"""The parts of feeds.toml that reach outside newsterm: a feed's own request headers,
the ``[hooks]`` and ``[pipes]`` commands. Checked as strictly as the rest of the file
(:mod:`newsterm.core.config` calls these; every error names the file and line).

Commands are argument lists, never a string for a shell: ``["notify-send", "-u",
"low"]``. Header values may name environment variables (``"Bearer $TOKEN"``), so
secrets stay out of the file; they are read when a feed is fetched
(:func:`expand_headers`), never kept in the config.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from newsterm.core.config_where import Where
from newsterm.core.errors import ConfigError
from newsterm.core.text import has_control

Headers = tuple[tuple[str, str], ...]
"""Request headers as written in feeds.toml: (name, value) pairs, values unexpanded."""

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
"""An HTTP header name (RFC 9110 token)."""
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*)|(\$))")
RESERVED_HEADERS = frozenset({
    "host", "content-length", "transfer-encoding", "connection", "accept-encoding",
    "if-none-match", "if-modified-since", "user-agent",
})  # fmt: skip
"""Headers newsterm sets itself (the user agent has its own key, ``user_agent``)."""


@dataclass(frozen=True, slots=True)
class HooksConfig:
    """``[hooks]``: what runs after a refresh that stored new articles."""

    on_new: tuple[str, ...] = ()
    """The command (argv) given the new articles as JSON lines on stdin; () = none."""
    notify: bool = False
    """A desktop notification ("12 new in Technology") through notify-send, if present."""
    timeout_seconds: float = 30.0  # HOOK_SECONDS
    """How long the hook may run before it is stopped."""


HOOK_SECONDS = 30.0
"""The default of ``[hooks] timeout_seconds``."""


@dataclass(frozen=True, slots=True)
class PipeCommand:
    """One ``[pipes]`` entry: a command the open article can be piped to (``|``)."""

    name: str
    argv: tuple[str, ...]
    terminal: bool = False
    """Run on the terminal with the reader suspended (a pager, an editor); else its
    output is captured and shown."""


def _label(table: str, index: int | None) -> str:
    return f"[[{table}]] entry {index + 1}" if index is not None else f"[{table}]"


def parse_argv(
    where: Where, value: Any, what: str, table: str, index: int | None, key: str
) -> tuple[str, ...]:
    """A command as feeds.toml must write it: a non-empty list of strings."""
    label = f"{_label(table, index)}: {what!r}"
    if isinstance(value, str):
        raise where.error(
            f"{label} must be a list: the program, then each argument, e.g. "
            f'["{value.split()[0] if value.split() else "program"}", "--flag"] '
            "(it is run without a shell)",
            table,
            index,
            key,
        )
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise where.error(
            f"{label} must be a non-empty list of strings (the program, then its arguments)",
            table,
            index,
            key,
        )
    if not value[0].strip():
        raise where.error(f"{label}: the program name is empty", table, index, key)
    if any(has_control(v) or "\n" in v for v in value):
        raise where.error(f"{label} contains control characters", table, index, key)
    return tuple(value)


def parse_headers(where: Where, value: Any, table: str, index: int | None) -> Headers:
    """``headers = { Authorization = "Bearer $TOKEN" }``: names are HTTP tokens, values
    strings of one line; the headers newsterm sets itself are refused."""
    label = _label(table, index)
    if not isinstance(value, dict):
        raise where.error(
            f"{label}: 'headers' must be a table, e.g. {{ Authorization = \"Bearer $TOKEN\" }}",
            table,
            index,
            "headers",
        )
    out: list[tuple[str, str]] = []
    for name, text in value.items():
        if not _TOKEN.match(name):
            raise where.error(f"{label}: {name!r} is not a header name", table, index, "headers")
        if name.lower() in RESERVED_HEADERS:
            why = "use user_agent" if name.lower() == "user-agent" else "newsterm sets it"
            raise where.error(
                f"{label}: header {name!r} cannot be set here ({why})", table, index, "headers"
            )
        if not isinstance(text, str):
            raise where.error(
                f"{label}: header {name!r} must be a string, not {type(text).__name__}",
                table,
                index,
                "headers",
            )
        if has_control(text) or "\n" in text or "\t" in text:
            raise where.error(
                f"{label}: header {name!r} contains control characters", table, index, "headers"
            )
        out.append((name, text))
    return tuple(out)


def merge_headers(defaults: Headers, own: Headers | None) -> Headers:
    """A feed's headers over the ``[settings]`` ones (names compared case-blind)."""
    if not own:
        return defaults
    names = {name.lower() for name, _ in own}
    return tuple((n, v) for n, v in defaults if n.lower() not in names) + own


def expand_headers(headers: Headers, environ: Mapping[str, str]) -> dict[str, str]:
    """The headers to send: ``$NAME`` and ``${NAME}`` read from ``environ``, ``$$`` is
    a dollar. ConfigError (one line, naming the header, never its value) when a
    variable is unset or holds a line break."""
    out: dict[str, str] = {}
    for name, template in headers:

        def value(match: re.Match[str], name: str = name) -> str:
            if match.group(3):
                return "$"
            variable = match.group(1) or match.group(2)
            found = environ.get(variable)
            if found is None:
                raise ConfigError(f"header {name}: ${variable} is not set in the environment")
            if has_control(found) or "\n" in found:
                raise ConfigError(f"header {name}: ${variable} holds control characters")
            return found

        out[name] = _VARIABLE.sub(value, template)
    return out


def parse_hooks(where: Where, raw: Any) -> HooksConfig:
    if not isinstance(raw, dict):
        raise where.error("[hooks] must be a table", "hooks")
    allowed = ("on_new", "notify", "timeout_seconds")
    for key in raw:
        if key not in allowed:
            raise where.error(
                f"[hooks]: unknown key {key!r} (allowed: {', '.join(allowed)})", "hooks", None, key
            )
    on_new: tuple[str, ...] = ()
    if "on_new" in raw:
        on_new = parse_argv(where, raw["on_new"], "on_new", "hooks", None, "on_new")
    notify = raw.get("notify", False)
    if not isinstance(notify, bool):
        raise where.error(
            f"[hooks]: 'notify' must be true or false, not {type(notify).__name__}",
            "hooks",
            None,
            "notify",
        )
    timeout = raw.get("timeout_seconds", HOOK_SECONDS)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise where.error(
            f"[hooks]: 'timeout_seconds' must be a number, not {type(timeout).__name__}",
            "hooks",
            None,
            "timeout_seconds",
        )
    if not 1 <= timeout <= 3600:
        raise where.error(
            f"[hooks]: 'timeout_seconds' must be between 1 and 3600, not {timeout}",
            "hooks",
            None,
            "timeout_seconds",
        )
    return HooksConfig(on_new, notify, float(timeout))


def parse_pipes(where: Where, raw: Any) -> tuple[PipeCommand, ...]:
    """``[pipes]``: ``name = ["cmd", "arg"]``, or ``name = { command = [...], terminal =
    true }`` for a command that needs the terminal (a pager)."""
    if not isinstance(raw, dict):
        raise where.error("[pipes] must be a table", "pipes")
    out: list[PipeCommand] = []
    for name, value in raw.items():
        if has_control(name) or not name.strip():
            raise where.error(f"[pipes]: {name!r} is not a usable name", "pipes", None, name)
        table = "pipes"
        if isinstance(value, dict):
            sub = rf"pipes\s*\.\s*[\"']?{re.escape(name)}[\"']?"
            table = sub if where.line_of(sub) is not None else "pipes"
            for key in value:
                if key not in ("command", "terminal"):
                    raise where.error(
                        f"[pipes.{name}]: unknown key {key!r} (allowed: command, terminal)",
                        table,
                        None,
                        key if table != "pipes" else name,
                    )
            if "command" not in value:
                raise where.error(
                    f"[pipes.{name}]: missing required key 'command'",
                    table,
                    None,
                    None if table != "pipes" else name,
                )
            terminal = value.get("terminal", False)
            if not isinstance(terminal, bool):
                raise where.error(
                    f"[pipes.{name}]: 'terminal' must be true or false",
                    table,
                    None,
                    "terminal" if table != "pipes" else name,
                )
            argv = parse_argv(
                where, value["command"], f"{name}.command", table, None,
                "command" if table != "pipes" else name,
            )  # fmt: skip
            out.append(PipeCommand(name, argv, terminal))
        else:
            out.append(PipeCommand(name, parse_argv(where, value, name, "pipes", None, name)))
    return tuple(out)
