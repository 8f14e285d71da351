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
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from newsterm.core.errors import NewstermError
from newsterm.core.library import Library
from newsterm.core.models import (
    SectionNode,
    View,
    section_from_string,
    section_shown,
    section_to_string,
)
from newsterm.core.urls import shown as shown_url
from newsterm.ui.keys import bindings
from newsterm.ui.messages import SidebarLoaded
from newsterm.ui.screens.add_feed import AddFeedDialog
from newsterm.ui.screens.feed_dialogs import (
    ConfirmRemoveDialog,
    EditFeedDialog,
    FeedErrorsDialog,
    FeedErrorsRead,
    FeedInfo,
    FeedInfoRead,
    FeedsChanged,
    NewFeed,
    RemoveChoice,
    Severity,
    _manage,
)
from newsterm.ui.widgets.section_tree import SectionTree
from newsterm.ui.workers import work

if TYPE_CHECKING:
    from textual.screen import Screen

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object


log = logging.getLogger(__name__)

_T = TypeVar("_T")

_EDITING = threading.Lock()
"""One change of feeds.toml at a time (each is read, edit, replace)."""

FEED_BINDINGS = bindings("feeds")
"""The feed keys, for the screen that mixes in :class:`FeedActions`."""


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
        node = next((feed for feed in library.feed_nodes() if feed.key == key), None)
        label = node.label if node else shown_url(key)
        configured = next((feed for feed in library.config.feeds if feed.url == key), None)
        total, starred = _manage().article_counts(library, key)
        info = FeedInfo(
            key,
            label,
            configured.title if configured else None,
            configured.section if configured else node.section if node else (),
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
        manage = _manage()
        self.post_message(
            FeedErrorsRead(manage.feed_errors(self.library), manage.feed_schedule(self.library))
        )

    def on_feed_errors_read(self, message: FeedErrorsRead) -> None:
        self.app.push_screen(FeedErrorsDialog(message.errors, message.schedule), self._error_chosen)

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

    def _remote(
        self, change: Callable[[], Coroutine[Any, Any, object]], notice: str, failed: str
    ) -> None:
        """A change on an account's server (then a sync), from a worker thread."""
        before = self.library.sections()
        ok, _ = self._attempt(lambda: asyncio.run(change()), "Not done", failed, edits=False)
        if ok:
            self._changed(notice, before=before)

    @work(thread=True, group="feeds")
    def _add_worker(self, new: NewFeed) -> None:
        library = self.library
        refused, failed = "Not added", f"Adding {new.url} failed"
        account, *folder = section_from_string(new.section) or [""]
        if account in {a.name for a in library.config.accounts}:  # on its server
            where = "/".join(folder) or None
            subscribe = lambda: library.subscribe_remote(account, new.url, where)  # noqa: E731
            return self._remote(subscribe, f"{account}: subscribed to {new.url}.", failed)
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
        if info.key.startswith("account:"):  # on its server
            notice, failed = f"Unsubscribed from {info.label}.", f"Removing {info.label} failed"
            return self._remote(lambda: self.library.unsubscribe_remote(info.key), notice, failed)
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
        if info.key.startswith("account:"):  # a folder on its server (its title is the server's)
            _, *folder = section_from_string(section) or [""]
            where = "/".join(folder) or None
            move = lambda: self.library.move_remote(info.key, where)  # noqa: E731
            return self._remote(move, f"{info.label} moved.", f"Moving {info.label} failed")
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
