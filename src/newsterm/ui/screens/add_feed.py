"""The add-feed dialog: an address in, the feeds found there listed, one chosen."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

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
from newsterm.core.refresh import fetch_limits
from newsterm.ui.keys import bindings
from newsterm.ui.workers import work

if TYPE_CHECKING:
    from textual.screen import Screen

    from newsterm.core.sources.discover import FeedLink

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object


from newsterm.ui.screens.feed_dialogs import NewFeed, _css, _manage

log = logging.getLogger(__name__)


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
