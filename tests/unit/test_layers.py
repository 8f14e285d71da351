"""The house plan's doors (docs/architecture.md): the UI and manage reach the store only
through the Library; every UI worker goes through the one error path."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "newsterm"

STORE_HOLDERS = {
    "core/library.py",
    "core/library_feeds.py",
    "core/library_pages.py",
    "core/library_queries.py",
    "core/marks.py",
    "core/refresh/pipeline.py",
    "core/refresh/worker.py",
    "core/refresh/pages.py",  # the full-text pass: core/refresh/, as the plan says
    "core/library_sync.py",  # the Library's part for sync accounts
    "core/sync/engine.py",  # an account's sync, given the Library's store (as refresh/)
    "cli.py",  # opens the store and hands it to the Library
}
COUNTS_READERS = {"cli_unread.py"}
"""`newsterm unread`'s quick path: core/store/counts.py alone, on a read-only connection."""


def _modules() -> list[tuple[str, ast.Module]]:
    return [
        (str(path.relative_to(SRC)), ast.parse(path.read_text(), str(path)))
        for path in sorted(SRC.rglob("*.py"))
    ]


def test_only_the_library_and_its_parts_import_the_store() -> None:
    offenders = []
    for name, tree in _modules():
        if name.startswith("core/store/") or name in STORE_HOLDERS:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "newsterm.core.store"
            ):
                names = {alias.name for alias in node.names}
                if (
                    name in COUNTS_READERS
                    and node.module == "newsterm.core.store"
                    and names == {"counts"}
                ):
                    continue
                offenders.append(f"{name}:{node.lineno}")
    assert offenders == []


def test_nobody_reaches_through_the_library_to_its_store() -> None:
    offenders = []
    for name, tree in _modules():
        if name == "core/library.py":
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("store", "_store")
                and isinstance(node.value, ast.Name | ast.Attribute)
                and "library" in ast.unparse(node.value)
            ):
                offenders.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
    assert offenders == []


def test_every_ui_worker_uses_the_one_error_path() -> None:
    offenders = []
    for name, tree in _modules():
        if not name.startswith("ui/") or name == "ui/workers.py":
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "textual"
                and any(alias.name == "work" for alias in node.names)
            ):
                offenders.append(f"{name}:{node.lineno}: from textual import work")
            if isinstance(node, ast.Attribute) and node.attr == "run_worker":
                offenders.append(f"{name}:{node.lineno}: run_worker")
    assert offenders == []


def test_no_on_decorator_in_a_screen_mixin() -> None:
    """Textual collects ``@on`` handlers only from classes its metaclass makes: in a
    mixin over ``object`` (the main screen's action mixins) one would never run. Such
    mixins name their handlers ``on_<message>`` instead."""
    offenders = []
    for name, tree in _modules():
        for cls in ast.walk(tree):
            if not isinstance(cls, ast.ClassDef):
                continue
            if not any(ast.unparse(base) == "_ScreenBase" for base in cls.bases):
                continue
            for item in cls.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                    ast.unparse(d).startswith("on(") for d in item.decorator_list
                ):
                    offenders.append(f"{name}:{item.lineno}: {cls.name}.{item.name}")
    assert offenders == []
