"""Feed management in the TUI: add, remove, rename/move, and the feed errors view.

The dialogs only ask: they get what they show as arguments and return the answer.
:class:`FeedActions` (mixed into the main screen) does the work through
``core.manage`` in thread workers (feeds.toml, the store, the network) and gets the
results back as messages. Text from feeds (titles, addresses, errors) goes into widgets
as ``rich.text.Text``, never as a markup string.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING, Literal, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from newsterm.core.config import Settings
from newsterm.core.errors import NewstermError
from newsterm.core.library import Library
from newsterm.core.models import SectionNode, SectionPath, View, section_shown, section_to_string
from newsterm.core.refresh import fetch_limits
from newsterm.core.urls import shown as shown_url
from newsterm.ui.keys import bindings
from newsterm.ui.messages import SidebarLoaded
from newsterm.ui.widgets.section_tree import SectionTree
from newsterm.ui.workers import work

if TYPE_CHECKING:
    from textual.screen import Screen

    from newsterm.core.manage import FeedError
    from newsterm.core.sources.discover import FeedLink

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object


def _manage() -> ModuleType:
    """feeds.toml editing, OPML and discovery: imported when a dialog first needs them,
    not at start-up."""
    from newsterm.core import manage

    return manage


log = logging.getLogger(__name__)

_T = TypeVar("_T")

_EDITING = threading.Lock()
"""One change of feeds.toml at a time (each is read, edit, replace)."""

FEED_BINDINGS = bindings("feeds")
"""The feed keys, for the screen that mixes in :class:`FeedActions`."""

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
    def __init__(self, errors: list[FeedError]) -> None:
        super().__init__()
        self.errors = errors


# --- dialogs ---------------------------------------------------------------------------------


class AddFeedDialog(ModalScreen[NewFeed | None]):
    """Find the feeds of an address, pick one, choose its section."""

    DEFAULT_CSS = _css(
        "AddFeedDialog",
        """
        AddFeedDialog #url-row { height: auto; }
        AddFeedDialog #url { width: 1fr; }
        AddFeedDialog #add-status { color: $text-muted; height: auto; margin-top: 1; }
        AddFeedDialog #found { height: auto; max-height: 10; margin-top: 1; }
        """,
    )
    BINDINGS = bindings("dialog", close="cancel")

    class FeedsFound(Message):
        def __init__(self, address: str, links: list[FeedLink]) -> None:
            super().__init__()
            self.address = address
            self.links = links

    class SearchFailed(Message):
        def __init__(self, address: str, reason: str) -> None:
            super().__init__()
            self.address = address
            self.reason = reason

    def __init__(self, settings: Settings, section: str, sections: list[str]) -> None:
        super().__init__()
        self._settings = settings
        self._section = section
        self._sections = sections
        self._links: list[FeedLink] = []
        self._searching: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Add a feed", classes="dialog-title")
            with Horizontal(id="url-row"):
                yield Input(placeholder="Address of a site, page or feed", id="url")
                yield Button("Find feeds", id="find", variant="primary")
            yield Static(Text("Type an address and press Enter."), id="add-status")
            yield OptionList(id="found")
            yield Static("Section (empty: top level)", classes="field-label")
            yield Input(
                self._section,
                placeholder="e.g. Technology/Mobiles",
                suggester=SuggestFromList(self._sections, case_sensitive=False),
                id="section",
            )
            yield Static("Title (empty: the feed's own)", classes="field-label")
            yield Input(id="title")
            with Horizontal(classes="buttons"):
                yield Button("Add", id="add", variant="success", disabled=True)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#found", OptionList).display = False
        self.query_one("#url", Input).focus()

    def _status(self, text: str | Text) -> None:
        self.query_one("#add-status", Static).update(Text(text) if isinstance(text, str) else text)

    @on(Button.Pressed, "#find")
    @on(Input.Submitted, "#url")
    def _find(self) -> None:
        address = self.query_one("#url", Input).value.strip()
        if not address:
            self._status("Type an address first.")
            return
        self._searching = address
        self._status(Text(f"Looking for feeds at {address}…"))
        self._search(address)

    @work(thread=True, exclusive=True, group="discover")
    def _search(self, address: str) -> None:
        try:
            limits = fetch_limits(self._settings)
            links = asyncio.run(_manage().find_feeds(address, limits))
        except NewstermError as exc:
            self.post_message(self.SearchFailed(address, str(exc)))
            return
        except Exception as exc:  # a bug must not take the app down; the log has it
            log.exception("finding feeds at %s failed", address)
            self.post_message(self.SearchFailed(address, f"internal error: {exc!r}"[:200]))
            return
        self.post_message(self.FeedsFound(address, links))

    @on(SearchFailed)
    def _search_failed(self, message: SearchFailed) -> None:
        if message.address == self._searching:
            self._status(Text(f"{message.address}: {message.reason}", style="bold"))

    @on(FeedsFound)
    def _feeds_found(self, message: FeedsFound) -> None:
        if message.address != self._searching:
            return  # the address changed since
        found = self.query_one("#found", OptionList)
        found.clear_options()
        self._links = message.links
        if not message.links:
            found.display = False
            self._status(Text(_manage().not_found(message.address), style="bold"))
            return
        for url, title, kind in message.links:
            prompt = Text(no_wrap=True, overflow="ellipsis")
            prompt.append(title or url, style="bold")
            prompt.append(f"  {kind}", style="dim")
            if title:
                prompt.append(f"  {url}", style="dim")
            found.add_option(Option(prompt))
        found.display = True
        found.highlighted = 0
        count = len(message.links)
        self._status(
            Text("Found 1 feed." if count == 1 else f"Found {count} feeds; pick one (Enter).")
        )
        self.query_one("#add", Button).disabled = False
        found.focus()

    @on(Input.Changed, "#url")
    def _address_changed(self) -> None:
        if self._links:
            self._links = []
            self._searching = None
            found = self.query_one("#found", OptionList)
            found.clear_options()
            found.display = False
            self.query_one("#add", Button).disabled = True

    @on(OptionList.OptionSelected, "#found")
    def _picked(self) -> None:
        self.query_one("#section", Input).focus()

    @on(Button.Pressed, "#add")
    @on(Input.Submitted, "#section, #title")
    def _add(self) -> None:
        index = self.query_one("#found", OptionList).highlighted
        if not self._links or index is None:
            self._status("Find the feeds first (Enter in the address).")
            return
        self.dismiss(
            NewFeed(
                self._links[index][0],
                self.query_one("#title", Input).value.strip(),
                self.query_one("#section", Input).value.strip(),
            )
        )

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


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
    """Feeds whose last refresh failed; Enter goes to one."""

    DEFAULT_CSS = _css(
        "FeedErrorsDialog",
        """
        FeedErrorsDialog > .dialog { width: 110; }
        FeedErrorsDialog #errors { height: auto; max-height: 30; }
        """,
    )
    BINDINGS = [*bindings("dialog"), *bindings("errors", feed_errors="close")]

    def __init__(self, errors: list[FeedError]) -> None:
        super().__init__()
        self.errors = errors

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

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)


# --- the main screen's side --------------------------------------------------------------------


class FeedActions(_ScreenBase):
    """Feed management keys and workers, mixed into the main screen."""

    library: Library

    def reload(self) -> None:
        """Reload the sidebar and the list (the main screen's own)."""
        raise NotImplementedError

    # -- asking ----------------------------------------------------------------------------

    def _selected_feed(self) -> str | None:
        selection = self.query_one(SectionTree).current_view
        if selection is None or selection.kind != "source" or not selection.source:
            self.app.notify("Select a feed in the sidebar first.", severity="warning", timeout=3)
            return None
        return selection.source

    def action_add_feed(self) -> None:
        if self.library.config.path is None:
            self.app.notify("No feeds.toml in use: feeds cannot be added here.", timeout=3)
            return
        selection = self.query_one(SectionTree).current_view
        section = ""
        if selection is not None and selection.kind in ("section", "source"):
            section = section_to_string(selection.section)
        dialog = AddFeedDialog(
            self.library.config.settings, section, _manage().section_names(self.library)
        )
        self.app.push_screen(dialog, self._add_answered)

    def action_remove_feed(self) -> None:
        key = self._selected_feed()
        if key is not None:
            self._read_info("remove", key)

    def action_edit_feed(self) -> None:
        key = self._selected_feed()
        if key is not None:
            self._read_info("edit", key)

    def action_feed_errors(self) -> None:
        self._read_errors()

    @work(thread=True, exclusive=True, group="feed-info")
    def _read_info(self, purpose: Literal["remove", "edit"], key: str) -> None:
        library = self.library
        label = next(
            (feed.label for feed in library.feed_nodes() if feed.key == key), shown_url(key)
        )
        configured = next((feed for feed in library.config.feeds if feed.url == key), None)
        total, starred = _manage().article_counts(library, key)
        info = FeedInfo(
            key,
            label,
            configured.title if configured else None,
            configured.section if configured else (),
            total,
            starred,
        )
        self.post_message(FeedInfoRead(purpose, info))

    def on_feed_info_read(self, message: FeedInfoRead) -> None:
        info = message.info
        if message.purpose == "remove":
            self.app.push_screen(
                ConfirmRemoveDialog(info),
                lambda choice: self._remove_answered(info, choice),
            )
        else:
            self.app.push_screen(
                EditFeedDialog(info, _manage().section_names(self.library)),
                lambda answer: self._edit_answered(info, answer),
            )

    @work(thread=True, exclusive=True, group="feed-info")
    def _read_errors(self) -> None:
        self.post_message(FeedErrorsRead(_manage().feed_errors(self.library)))

    def on_feed_errors_read(self, message: FeedErrorsRead) -> None:
        self.app.push_screen(FeedErrorsDialog(message.errors), self._error_chosen)

    # -- answers ---------------------------------------------------------------------------

    def _add_answered(self, answer: NewFeed | None) -> None:
        if answer is not None:
            self.app.notify(f"Adding {answer.url}…", markup=False, timeout=3)
            self._add_worker(answer)

    def _remove_answered(self, info: FeedInfo, choice: RemoveChoice | None) -> None:
        if choice is not None:
            self._remove_worker(info, keep_starred=choice == "remove")

    def _edit_answered(self, info: FeedInfo, answer: tuple[str, str] | None) -> None:
        if answer is not None:
            self._edit_worker(info, *answer)

    def _error_chosen(self, key: str | None) -> None:
        if key is None:
            return
        selection = self._view_of(key)
        if selection is not None:
            self.query_one(SectionTree).select_view(selection)
            self.query_one(SectionTree).focus()

    # -- work (threads) --------------------------------------------------------------------

    def _view_of(self, key: str) -> View | None:
        for source in self.library.config.sources():
            if source.key == key:
                return View("source", source.section, key)
        return None

    def _changed(
        self,
        notice: str,
        severity: Severity = "information",
        select: View | None = None,
        before: list[SectionNode] | None = None,
    ) -> None:
        """From a worker thread: post the new sidebar, then the outcome.

        With ``before`` (the sections before the change), a feed's node goes in a first
        update that still has every old section, so a section that is now empty goes
        after its feed: the sidebar cannot remove a section and then its child.
        """
        library = self.library
        counts, sections, feeds = library.counts(), library.sections(), library.feed_nodes()
        if before is not None:
            kept = {node.path: node for node in before} | {node.path: node for node in sections}
            both = [kept[path] for path in sorted(kept, key=lambda p: [x.casefold() for x in p])]
            self.post_message(SidebarLoaded(counts, both, feeds))
        self.post_message(SidebarLoaded(counts, sections, feeds))
        self.post_message(FeedsChanged(notice, severity, select))

    def _attempt(
        self, change: Callable[[], _T], refused: str, failed: str, *, edits: bool = True
    ) -> tuple[bool, _T | None]:
        """Run ``change`` in this worker thread, one edit of feeds.toml at a time (when
        ``edits``). On failure tell why: "``refused``: reason" for a mistake newsterm
        explains, "``failed``: error" for anything else (logged), and give (False, None)."""
        try:
            with _EDITING if edits else contextlib.nullcontext():
                return True, change()
        except NewstermError as exc:
            self._changed(f"{refused}: {exc}", "error")
        except Exception as exc:  # never take the app down; the log has it
            log.exception(failed)
            self._changed(f"{failed}: {exc!r}"[:300], "error")
        return False, None

    @work(thread=True, group="feeds")
    def _add_worker(self, new: NewFeed) -> None:
        library = self.library
        refused, failed = "Not added", f"Adding {new.url} failed"
        ok, added = self._attempt(
            lambda: _manage().add_feed(library, new.url, new.title or None, new.section),
            refused,
            failed,
        )
        if not ok:
            return
        if not added:
            self._changed(f"Already subscribed: {new.url}", "warning", self._view_of(new.url))
            return
        ok, reports = self._attempt(
            lambda: library.refresh_sync([new.url]), refused, failed, edits=False
        )
        if not ok:
            return
        report = reports[0] if reports else None
        if report is not None and report.error:
            notice = f"Added {report.title}, but its first fetch failed: {report.error}"
            severity: Severity = "warning"
        else:
            title = report.title if report else new.url
            notice = f"Added {title}: {report.new if report else 0} articles."
            severity = "information"
        self._changed(notice, severity, self._view_of(new.url))

    @work(thread=True, group="feeds")
    def _remove_worker(self, info: FeedInfo, keep_starred: bool) -> None:
        before = self.library.sections()
        ok, removed = self._attempt(
            lambda: _manage().remove_feed(self.library, info.key, keep_starred=keep_starred),
            "Not removed",
            f"Removing {shown_url(info.key)} failed",
        )
        if not ok:
            return
        kept = "" if not keep_starred or not info.starred else f"; {info.starred} starred kept"
        section = View("section", info.section) if info.section else View("all")
        notice = f"Removed {info.label} ({removed} articles{kept})."
        self._changed(notice, select=section, before=before)

    @work(thread=True, group="feeds")
    def _edit_worker(self, info: FeedInfo, title: str, section: str) -> None:
        before = self.library.sections()
        ok, _ = self._attempt(
            lambda: _manage().edit_feed(self.library, info.key, title or None, section),
            "Not changed",
            f"Changing {shown_url(info.key)} failed",
        )
        if not ok:
            return
        selection = self._view_of(info.key)
        label = next(
            (f.label for f in self.library.feed_nodes() if f.key == info.key),
            shown_url(info.key),
        )
        where = (
            section_shown(selection.section) if selection and selection.section else "the top level"
        )
        self._changed(f"{label} is now in {where}.", select=selection, before=before)

    # -- results (the screen's thread) -----------------------------------------------------

    def on_feeds_changed(self, message: FeedsChanged) -> None:
        self.app.notify(message.notice, severity=message.severity, markup=False)
        self.reload()
        if message.select is not None:
            tree = self.query_one(SectionTree)
            selection = message.select
            tree.call_after_refresh(
                lambda: tree.select_view(selection) or tree.select_view(View("all"))
            )
