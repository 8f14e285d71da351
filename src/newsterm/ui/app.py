"""NewsApp: wiring only. The main screen does the work."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual.app import App, SystemCommand
from textual.screen import Screen

from newsterm.core.actions import ACTIONS
from newsterm.core.library import Library
from newsterm.ui.keys import bindings, keys_text
from newsterm.ui.screens.help import HelpScreen
from newsterm.ui.screens.main import MainScreen


class NewsApp(App[int]):
    """The newsterm TUI."""

    TITLE = "newsterm"
    CSS_PATH = Path(__file__).with_name("newsterm.tcss")
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = bindings("app")

    def __init__(self, library: Library, notices: Iterable[str] = ()) -> None:
        super().__init__()
        self.library = library
        self.rebound_keys = dict(library.config.keys)
        """The ``[keys]`` table: action id -> its keys, where feeds.toml rebinds them."""
        self._notices = list(notices)
        self.main_screen = MainScreen(library)

    def on_mount(self) -> None:
        saved = self.library.saved("theme")
        if saved and saved in self.available_themes:
            self.theme = saved
        if self.rebound_keys:  # binding ids are action ids (ui/keys.py)
            self.set_keymap({action: ",".join(keys) for action, keys in self.rebound_keys.items()})
        self.push_screen(self.main_screen)
        for notice in self._notices[:5]:
            self.notify(notice, markup=False, timeout=12)

    def watch_theme(self, theme: str) -> None:
        if self.is_running:  # not while App.__init__ sets the default theme
            self.library.save("theme", theme)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.rebound_keys))

    async def action_quit(self) -> None:
        if isinstance(self.screen, MainScreen):
            self.screen.save_state()
        self.exit(0)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action of the table meant for the palette, once, with its current keys;
        of Textual's own commands only those that apply here (no second "Keys", no
        "Maximize", no quitting without saving the reader's place)."""
        for action in ACTIONS:
            if action.palette:
                target = self if "app" in action.scopes else self.main_screen
                what = action.description[:1].upper() + action.description[1:]
                help_text = f"{what} ({keys_text(action, self.rebound_keys)})"
                yield SystemCommand(
                    action.palette_title, help_text, getattr(target, f"action_{action.id}")
                )
        yield SystemCommand("Theme", "Change the colour theme", self.action_change_theme)
        yield SystemCommand(
            "Screenshot",
            "Save an SVG 'screenshot' of the current screen",
            lambda: self.set_timer(0.1, self.deliver_screenshot),
        )
