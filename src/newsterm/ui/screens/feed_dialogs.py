"""The feed dialogs: add, confirm removal, rename/move, the errors view.

They only ask: they get what they show as arguments and return the answer
(:class:`newsterm.ui.screens.feeds.FeedActions` does the work). Text from feeds goes
into widgets as ``rich.text.Text``, never as a markup string.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from newsterm.core.models import SectionPath, View, section_to_string
from newsterm.core.urls import shown as shown_url
from newsterm.ui.keys import bindings

if TYPE_CHECKING:
    from textual.screen import Screen

    from newsterm.core.manage import FeedDue, FeedError

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object


log = logging.getLogger(__name__)


def _manage() -> ModuleType:
    """feeds.toml editing, OPML and discovery: imported when a dialog first needs them,
    not at start-up."""
    from newsterm.core import manage

    return manage


Severity = Literal["information", "warning", "error"]


_DIALOG_CSS = """
{name} {{
    align: center middle;
}}
{name} > .dialog {{
    width: 84;
    max-width: 100%;
    height: auto;
    max-height: 100%;
    padding: 1 2;
    border: thick $primary 70%;
    background: $surface;
}}
{name} .dialog-title {{
    text-style: bold;
    margin-bottom: 1;
}}
{name} .field-label {{
    color: $text-muted;
    margin-top: 1;
}}
{name} .buttons {{
    height: auto;
    margin-top: 1;
    align-horizontal: right;
}}
{name} .buttons Button {{
    margin-left: 1;
}}
"""


def _css(name: str, extra: str = "") -> str:
    return _DIALOG_CSS.format(name=name) + extra


@dataclass(frozen=True, slots=True)
class NewFeed:
    """The add dialog's answer."""

    url: str
    title: str
    section: str


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """What the remove and edit dialogs show about one feed."""

    key: str
    label: str
    title: str | None
    """The title configured in feeds.toml (None: the feed's own is shown)."""
    section: SectionPath
    total: int
    starred: int


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "never"


def _due_line(due: FeedDue, now: datetime | None = None) -> Text:
    """``14:05 (in 12 min)  Label  every 30 min``."""
    now = now or datetime.now(UTC)
    text = Text()
    if due.at is None:
        text.append("—  ", style="dim")
    else:
        minutes = int((due.at - now).total_seconds() // 60)
        local = due.at.astimezone()
        when = local.strftime("%H:%M" if local.date() == now.astimezone().date() else "%d %b %H:%M")
        soon = "now" if minutes <= 0 else f"in {minutes} min" if minutes < 120 else ""
        text.append(f"{when} ({soon})  " if soon else f"{when}  ")
    text.append(due.label, style="bold")
    text.append(f"  {due.why}", style="dim")
    return text


# --- messages the workers post -------------------------------------------------------------


class FeedsChanged(Message):
    """A feed was added, removed or changed (or that failed): tell, reload, select."""

    def __init__(
        self, notice: str, severity: Severity = "information", select: View | None = None
    ) -> None:
        super().__init__()
        self.notice = notice
        self.severity: Severity = severity
        self.select = select


class FeedInfoRead(Message):
    """A feed's details, read for the remove or edit dialog."""

    def __init__(self, purpose: Literal["remove", "edit"], info: FeedInfo) -> None:
        super().__init__()
        self.purpose = purpose
        self.info = info


class FeedErrorsRead(Message):
    def __init__(self, errors: list[FeedError], schedule: Sequence[FeedDue] = ()) -> None:
        super().__init__()
        self.errors = errors
        self.schedule = schedule
        """When each feed is next due."""


# --- dialogs ---------------------------------------------------------------------------------


RemoveChoice = Literal["remove", "remove_all"]


class ConfirmRemoveDialog(ModalScreen[RemoveChoice | None]):
    """Remove a feed: its articles go; starred ones stay unless asked."""

    DEFAULT_CSS = _css("ConfirmRemoveDialog")
    BINDINGS = [
        *bindings("dialog", close="cancel"),
        *bindings("confirm", yes="remove", no="cancel"),
    ]

    def __init__(self, info: FeedInfo) -> None:
        super().__init__()
        self.info = info

    def compose(self) -> ComposeResult:
        info = self.info
        text = Text("Remove the feed ")
        text.append(info.label, style="bold")
        text.append("?\n")
        text.append(shown_url(info.key), style="dim")
        text.append("\n\n")
        if info.total:
            plural = "s" if info.total != 1 else ""
            text.append(f"Its {info.total} stored article{plural} will be deleted; ")
        else:
            text.append("It has no stored articles; ")
        if info.starred == 1:
            text.append("the starred one is kept unless you choose otherwise.")
        elif info.starred:
            text.append(f"the {info.starred} starred ones are kept unless you choose otherwise.")
        else:
            text.append("none is starred.")
        with Vertical(classes="dialog"):
            yield Static("Remove feed", classes="dialog-title")
            yield Static(text, id="remove-text")
            with Horizontal(classes="buttons"):
                yield Button("Remove", id="remove", variant="error")
                yield Button(
                    "Remove, also starred", id="remove-all", variant="warning",
                    disabled=not info.starred,
                )  # fmt: skip
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#remove", Button).focus()

    @on(Button.Pressed, "#remove")
    def action_remove(self) -> None:
        self.dismiss("remove")

    @on(Button.Pressed, "#remove-all")
    def _remove_all(self) -> None:
        self.dismiss("remove_all")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class EditFeedDialog(ModalScreen[tuple[str, str] | None]):
    """Rename or move a feed: (title, section), empty meaning the default."""

    DEFAULT_CSS = _css("EditFeedDialog")
    BINDINGS = bindings("dialog", close="cancel")

    def __init__(self, info: FeedInfo, sections: list[str]) -> None:
        super().__init__()
        self.info = info
        self._sections = sections

    def compose(self) -> ComposeResult:
        info = self.info
        heading = Text()
        heading.append(info.label, style="bold")
        heading.append("\n")
        heading.append(shown_url(info.key), style="dim")
        with Vertical(classes="dialog"):
            yield Static("Rename or move feed", classes="dialog-title")
            yield Static(heading, id="edit-text")
            yield Static("Title (empty: the feed's own)", classes="field-label")
            yield Input(info.title or "", id="title")
            yield Static("Section (empty: top level)", classes="field-label")
            yield Input(
                section_to_string(info.section),
                placeholder="e.g. Technology/Mobiles",
                suggester=SuggestFromList(self._sections, case_sensitive=False),
                id="section",
            )
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#title", Input).focus()

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def _save(self) -> None:
        title = self.query_one("#title", Input).value.strip()
        section = self.query_one("#section", Input).value.strip()
        self.dismiss((title, section))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class FeedErrorsDialog(ModalScreen[str | None]):
    """Feeds whose last refresh failed, then when each feed is next due; Enter goes
    to one."""

    DEFAULT_CSS = _css(
        "FeedErrorsDialog",
        """
        FeedErrorsDialog > .dialog { width: 110; }
        FeedErrorsDialog #errors { height: auto; max-height: 20; }
        FeedErrorsDialog #schedule { height: auto; max-height: 12; }
        """,
    )
    BINDINGS = [*bindings("dialog"), *bindings("errors", feed_errors="close")]

    def __init__(self, errors: list[FeedError], schedule: Sequence[FeedDue] = ()) -> None:
        super().__init__()
        self.errors = errors
        self.schedule = list(schedule)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            count = len(self.errors)
            yield Static(
                f"Feed errors ({count})" if count else "Feed errors", classes="dialog-title"
            )
            if not self.errors:
                yield Static(Text("Every feed worked at its last refresh."), id="no-errors")
            options = []
            for error in self.errors:
                text = Text()
                text.append(error.label, style="bold")
                text.append(f"  {shown_url(error.key)}\n", style="dim")
                text.append(f"  {error.error}\n")
                text.append(
                    f"  failed {_when(error.failed_at)} · last worked {_when(error.last_ok_at)}",
                    style="dim",
                )
                options.append(Option(text))
            errors = OptionList(*options, id="errors")
            errors.display = bool(options)
            yield errors
            if self.schedule:
                yield Static("Next due", classes="field-label")
                yield OptionList(*[Option(_due_line(d)) for d in self.schedule], id="schedule")
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        if self.errors:
            self.query_one("#errors", OptionList).focus()
        else:
            self.query_one("#close", Button).focus()

    @on(OptionList.OptionSelected, "#errors")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.errors[event.option_index].key)

    @on(OptionList.OptionSelected, "#schedule")
    def _due_chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.schedule[event.option_index].key)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)


# --- the main screen's side --------------------------------------------------------------------
