"""The dialogs of the tools keys: the pipe prompt (``|``) and the question before
opening many articles at once. They only ask (``ui/screens/tools.py`` does the work);
text from feeds and commands goes into widgets as ``rich.text.Text``."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, OptionList, Static
from textual.widgets.option_list import Option

from newsterm.core.config_tools import PipeCommand
from newsterm.ui.keys import bindings
from newsterm.ui.screens.feed_dialogs import _css


@dataclass(frozen=True, slots=True)
class PipeChoice:
    """The pipe prompt's answer: a command, and whether it needs the terminal."""

    argv: tuple[str, ...]
    terminal: bool
    typed: str = ""
    """The command as typed (offered again next time), empty for a ``[pipes]`` one."""


class PipeDialog(ModalScreen[PipeChoice | None]):
    """Pipe the article to a command: one of ``[pipes]``, or typed (split like a shell
    line, then run without one)."""

    DEFAULT_CSS = _css(
        "PipeDialog",
        """
        PipeDialog #pipes { height: auto; max-height: 12; }
        PipeDialog #pipe-problem { color: $error; }
        """,
    )
    BINDINGS = bindings("dialog", close="cancel")

    def __init__(self, title: str, pipes: Sequence[PipeCommand], last: str = "") -> None:
        super().__init__()
        self.article_title = title
        self.pipes = list(pipes)
        self.last = last

    def compose(self) -> ComposeResult:
        heading = Text("Pipe ")
        heading.append(self.article_title, style="bold")
        heading.append(" as Markdown to a command (it reads the article on its input)")
        with Vertical(classes="dialog"):
            yield Static("Pipe article", classes="dialog-title")
            yield Static(heading, id="pipe-text")
            options = []
            for pipe in self.pipes:
                line = Text(pipe.name, style="bold")
                line.append("  " + shlex.join(pipe.argv), style="dim")
                if pipe.terminal:
                    line.append("  (on the terminal)", style="dim")
                options.append(Option(line))
            pipes = OptionList(*options, id="pipes")
            pipes.display = bool(options)
            yield pipes
            yield Static(
                "Command (e.g. wc -w; no shell: | > $ are plain text)", classes="field-label"
            )
            yield Input(self.last, placeholder="program and arguments", id="command")
            yield Checkbox("Run on the terminal (a pager, an editor)", id="terminal")
            yield Static("", id="pipe-problem")
            with Horizontal(classes="buttons"):
                yield Button("Pipe", id="pipe", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        if self.pipes and not self.last:
            self.query_one("#pipes", OptionList).focus()
        else:
            self.query_one("#command", Input).focus()

    @on(OptionList.OptionSelected, "#pipes")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        pipe = self.pipes[event.option_index]
        self.dismiss(PipeChoice(pipe.argv, pipe.terminal))

    @on(Button.Pressed, "#pipe")
    @on(Input.Submitted, "#command")
    def _typed(self) -> None:
        typed = self.query_one("#command", Input).value.strip()
        problem = self.query_one("#pipe-problem", Static)
        try:
            argv = shlex.split(typed)
        except ValueError as exc:
            problem.update(Text(f"Not a command line: {exc}"))
            return
        if not argv:
            problem.update(Text("Type a command, or choose one above."))
            return
        terminal = self.query_one("#terminal", Checkbox).value
        self.dismiss(PipeChoice(tuple(argv), terminal, typed))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmOpenDialog(ModalScreen[bool]):
    """Open this many articles in the browser at once?"""

    DEFAULT_CSS = _css("ConfirmOpenDialog")
    BINDINGS = [
        *bindings("dialog", close="cancel"),
        *bindings("confirm", yes="open", no="cancel"),
    ]

    def __init__(self, count: int, unread: int, cap: int) -> None:
        super().__init__()
        self.count = count
        self.unread = unread
        self.cap = cap

    def compose(self) -> ComposeResult:
        if self.unread > self.count:
            what = f"the first {self.count} of the {self.unread} unread articles"
            cap = f"\n(open_unread_max = {self.cap} in feeds.toml caps how many open at once)"
        else:
            what, cap = f"the {self.count} unread articles", ""
        text = Text(f"Open {what} of this list in the browser? Each is marked read.{cap}")
        with Vertical(classes="dialog"):
            yield Static("Open unread articles", classes="dialog-title")
            yield Static(text, id="open-text")
            with Horizontal(classes="buttons"):
                yield Button(f"Open {self.count}", id="open", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#open", Button).focus()

    @on(Button.Pressed, "#open")
    def action_open(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
