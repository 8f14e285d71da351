"""Where a mistake is in feeds.toml: the line of a table, an entry or a key, for the
one-line errors of :mod:`newsterm.core.config` (and :mod:`.config_tools`), and the
checks every table shares (unknown keys, strings)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from newsterm.core.errors import ConfigError
from newsterm.core.text import has_control


class Where:
    """Finds the line of a table entry or key in the raw text, for error messages."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line_of(self, table: str, index: int | None = None, key: str | None = None) -> int | None:
        header = re.compile(
            rf"^\s*\[\[\s*{table}\s*\]\]" if index is not None else rf"^\s*\[\s*{table}\s*\]"
        )
        seen = -1
        start = None
        for number, line in enumerate(self.lines, 1):
            if header.match(line):
                seen += 1
                if index is None or seen == index:
                    start = number
                    break
        if start is None:
            # dotted keys (settings.x = 1) and inline arrays (feeds = [...])
            patterns = [rf"^\s*{table}\s*\.\s*[\"']?{re.escape(key)}[\"']?\s*="] if key else []
            patterns.append(rf"^\s*{table}\s*[.=]")
            for pattern in patterns:
                for number, line in enumerate(self.lines, 1):
                    if re.match(pattern, line):
                        return number
            return None
        if key is None:
            return start
        key_re = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for number in range(start, len(self.lines)):
            line = self.lines[number]
            if re.match(r"^\s*\[", line):
                break
            if key_re.match(line):
                return number + 1
        return start

    def error(
        self, message: str, table: str, index: int | None = None, key: str | None = None
    ) -> ConfigError:
        line = self.line_of(table, index, key)
        where = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(f"{where}: {message}")


def check_keys(
    where: Where, table: Mapping[str, Any], allowed: tuple[str, ...], name: str, index: int | None
) -> None:
    for key in table:
        if key not in allowed:
            label = f"[[{name}]] entry {index + 1}" if index is not None else f"[{name}]"
            raise where.error(
                f"{label}: unknown key {key!r} (allowed: {', '.join(allowed)})", name, index, key
            )


def string(
    where: Where, table: Mapping[str, Any], key: str, name: str, index: int | None, required: bool
) -> str | None:
    value = table.get(key)
    label = f"[[{name}]] entry {index + 1}" if index is not None else f"[{name}]"
    if value is None:
        if required:
            raise where.error(f"{label}: missing required key {key!r}", name, index)
        return None
    if not isinstance(value, str):
        raise where.error(
            f"{label}: {key!r} must be a string, not {type(value).__name__}", name, index, key
        )
    if has_control(value):
        raise where.error(f"{label}: {key!r} contains control characters", name, index, key)
    return value
