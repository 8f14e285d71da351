"""NewsApp: wiring only. The main screen does the work."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from newsterm.core.library import Library
from newsterm.ui.screens.help import HelpScreen
from newsterm.ui.screens.main import MainScreen

# (action on the main screen, title, help) for the command palette
PALETTE = (
    ("refresh_all", "Refresh all feeds", "Fetch every feed now (R)"),
    ("refresh", "Refresh selected", "Fetch the selected feed or section (r)"),
    ("search", "Search", "Full-text search over every article (/)"),
    ("mark_all_read", "Mark all read", "Mark everything in this view read (A)"),
    ("undo", "Undo mark all", "Restore the flags before the last mark-all (u)"),
    ("toggle_show_read", "Show/hide read articles", "Toggle read articles in the list (H)"),
    ("cycle_sort", "Cycle sort order", "Newest, oldest, source, title (S)"),
    ("next_unread", "Next unread", "Open the next unread article (n)"),
    ("toggle_read", "Toggle read", "Mark the article read or unread (m)"),
    ("toggle_starred", "Toggle starred", "Star or unstar the article (s)"),
    ("open_link", "Open link", "Open the article's link in the browser (o)"),
    ("copy_link", "Copy link", "Copy the article's link (y)"),
    ("add_feed", "Add feed", "Find the feeds of a site or page and subscribe (a)"),
    ("remove_feed", "Remove feed", "Unsubscribe from the feed selected in the sidebar (d)"),
    ("edit_feed", "Rename or move feed", "Change the selected feed's title or section (e)"),
    ("feed_errors", "Feed errors", "Feeds whose last refresh failed, and why (E)"),
)


class NewsApp(App[int]):
    """The newsterm TUI."""

    TITLE = "newsterm"
    CSS_PATH = Path(__file__).with_name("newsterm.tcss")
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
    ]

    def __init__(self, library: Library, notices: Iterable[str] = ()) -> None:
        super().__init__()
        self.library = library
        self._notices = list(notices)
        self.main_screen = MainScreen(library)

    def on_mount(self) -> None:
        saved = self.library.store.get_state("theme")
        if saved and saved in self.available_themes:
            self.theme = saved
        keys = self.library.config.keys
        if keys:  # [keys] in feeds.toml: action name -> key(s)
            self.set_keymap({action: ",".join(names) for action, names in keys.items()})
        self.push_screen(self.main_screen)
        for notice in self._notices[:5]:
            self.notify(notice, markup=False, timeout=12)

    def watch_theme(self, theme: str) -> None:
        if self.is_running:  # not while App.__init__ sets the default theme
            self.library.store.set_state("theme", theme)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        if isinstance(self.screen, MainScreen):
            self.screen.save_state()
        self.exit(0)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        main = self.main_screen
        for action, title, help_text in PALETTE:
            yield SystemCommand(title, help_text, getattr(main, f"action_{action}"))
        yield SystemCommand("Keys", "Show every key (?)", self.action_help)
