"""The help screen: every action of the table (core/actions.py), grouped, with the keys
it has now (after the ``[keys]`` table), so it can neither miss a key nor go stale."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from newsterm.core.actions import ACTIONS, GROUPS
from newsterm.ui.keys import bindings, keys_text

HelpRows = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
"""(group, ((keys, what they do), ...)), ... in the help's order."""


def help_rows(keymap: Mapping[str, tuple[str, ...]]) -> HelpRows:
    """The help's rows: every action, under its group, with its keys after ``keymap``."""
    groups: dict[str, list[tuple[str, str]]] = {group: [] for group in GROUPS}
    for action in ACTIONS:
        groups[action.group].append((keys_text(action, keymap), action.description))
    return tuple((group, tuple(rows)) for group, rows in groups.items() if rows)


KEYS: HelpRows = help_rows({})
"""The help with the default keys."""


def help_text(keymap: Mapping[str, tuple[str, ...]]) -> Text:
    """The help as the screen shows it."""
    rows = help_rows(keymap)
    width = max(len(keys) for _, group in rows for keys, _ in group) + 2
    text = Text()
    text.append("newsterm keys\n", style="bold underline")
    for title, group in rows:
        text.append(f"\n{title}\n", style="bold")
        for keys, what in group:
            text.append(f"  {keys:<{width}}", style="bold")
            text.append(f"{what}\n")
    text.append("\nKeys can be changed in feeds.toml ([keys] table).", style="dim")
    return text


def help_table(keymap: Mapping[str, tuple[str, ...]]) -> Group:
    """:func:`help_text` as the screen draws it: keys and descriptions in two columns
    (one width for every group), a long description wrapping under itself."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column()
    for index, (title, group) in enumerate(help_rows(keymap)):
        if index:
            grid.add_row("", "")
        grid.add_row(Text(title, style="bold"), "")
        for keys, what in group:
            grid.add_row(Text(f"  {keys}"), Text(what))
    return Group(
        Text("newsterm keys\n", style="bold underline"),
        grid,
        Text("\nKeys can be changed in feeds.toml ([keys] table).", style="dim"),
    )


class HelpText(VerticalScroll):
    """The help's scrolling text: the movement keys scroll it."""

    BINDINGS = bindings(
        "help_text",
        next="scroll_down",
        previous="scroll_up",
        first="scroll_home",
        last="scroll_end",
        next_page="page_down",
        previous_page="page_up",
    )


class HelpScreen(ModalScreen[None]):
    """Every key newsterm knows."""

    BINDINGS = bindings("help", close="dismiss", help="dismiss")

    def __init__(self, keymap: Mapping[str, tuple[str, ...]] | None = None) -> None:
        super().__init__()
        self.keymap = dict(keymap or {})
        """The ``[keys]`` table the keys are shown after."""

    def compose(self) -> ComposeResult:
        with HelpText(id="help-box"):
            yield Static(help_table(self.keymap), id="help-text")

    def on_mount(self) -> None:
        self.query_one(HelpText).focus()

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
