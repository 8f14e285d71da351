"""The core and the CLI start without the UI or the network stack (start-up speed)."""

from __future__ import annotations

import ast
import importlib.util
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

MODULES = ["newsterm.core.library", "newsterm.core.store", "newsterm.core.config", "newsterm.cli"]
ABSENT = ["textual", "rich", "httpx", "feedparser", "newsterm.ui"]

PROBE = """
import json, sys
for name in {modules!r}:
    __import__(name)
print(json.dumps(sorted(sys.modules)))
"""


def loaded(modules: list[str]) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(modules=modules)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(json.loads(result.stdout))


def test_core_and_cli_do_not_import_ui_or_network() -> None:
    names = loaded(MODULES)
    assert set(MODULES) <= names  # the probe really imported them
    for absent in ABSENT:
        offenders = sorted(n for n in names if n == absent or n.startswith(absent + "."))
        assert offenders == [], f"{absent} imported at start-up: {offenders}"


def test_each_core_module_alone() -> None:
    for module in MODULES:
        names = loaded([module])
        assert module in names
        assert not any(
            n == "textual" or n.startswith(("textual.", "rich.")) or n == "rich" for n in names
        ), module


def test_the_tui_starts_without_feed_management_or_the_network() -> None:
    """feeds.toml editing (tomlkit), OPML, discovery and the network stack load when a
    dialog or a refresh first needs them."""
    names = loaded(["newsterm.cli", "newsterm.ui.app"])
    assert "newsterm.ui.app" in names
    for absent in ["newsterm.core.manage", "tomlkit", "newsterm.core.sources.opml", "httpx"]:
        offenders = sorted(n for n in names if n == absent or n.startswith(absent + "."))
        assert offenders == [], f"{absent} imported at start-up: {offenders}"


WALK = """
import json, pkgutil, sys
import newsterm.core
names = [m.name for m in pkgutil.walk_packages(newsterm.core.__path__, "newsterm.core.")]
for name in names:
    __import__(name)
print(json.dumps({"walked": names, "loaded": sorted(sys.modules)}))
"""


def test_every_core_module_imports_without_the_ui() -> None:
    """core/ never imports textual, rich or newsterm.ui: every module under
    newsterm.core, found by walking the package (a new module is checked too)."""
    result = subprocess.run(
        [sys.executable, "-c", WALK], capture_output=True, text=True, timeout=120, check=True
    )
    found = json.loads(result.stdout)
    walked, names = found["walked"], set(found["loaded"])
    assert "newsterm.core.sources.http" in walked and "newsterm.core.urls" in walked
    assert len(walked) >= 20 and set(walked) <= names
    for absent in ["textual", "rich", "newsterm.ui"]:
        offenders = sorted(n for n in names if n == absent or n.startswith(absent + "."))
        assert offenders == [], f"{absent} imported by the core: {offenders}"


def _imports(path: Path, names: set[str]) -> set[str]:
    """The newsterm.core modules a module imports, at its top or lazily in a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found & names


def test_the_core_has_no_import_cycles() -> None:
    """No module of the core imports one that imports it back, even lazily (feeds.py and
    jsonfeed.py did)."""
    import newsterm.core

    modules = {
        info.name: Path(spec.origin)
        for info in pkgutil.walk_packages(newsterm.core.__path__, "newsterm.core.")
        if (spec := importlib.util.find_spec(info.name)) is not None and spec.origin
    }
    graph = {name: _imports(path, set(modules)) - {name} for name, path in modules.items()}
    assert graph["newsterm.core.sources.feeds"]  # the parse found imports at all

    def cycle_from(start: str) -> list[str] | None:
        stack, seen = [(start, [start])], set()
        while stack:
            name, path = stack.pop()
            for target in graph[name]:
                if target == start:
                    return [*path, start]
                if target not in seen:
                    seen.add(target)
                    stack.append((target, [*path, target]))
        return None

    cycles = [cycle for name in sorted(graph) if (cycle := cycle_from(name))]
    assert cycles == [], " -> ".join(cycles[0])
