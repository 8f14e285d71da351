"""The help screen: every key, from the bindings themselves (so it never goes stale)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Moving", (
        ("tab / shift+tab", "next / previous pane"),
        ("j k  ↓ ↑", "next / previous in the focused pane"),
        ("g G  home end", "first / last"),
        ("enter  l", "open the article (or section)"),
        ("h  esc", "back to the list"),
        ("J K", "next / previous article, opened"),
        ("n p", "next / previous unread, across sections"),
        ("space", "page down; at the end, the next unread"),
    )),
    ("Marking", (
        ("m", "toggle read"),
        ("s", "toggle starred"),
        ("A", "mark everything in this view read"),
        ("u", "undo the last mark-all"),
    )),
    ("Links", (
        ("o", "open the article's link in the browser"),
        ("O", "open it and go to the next unread"),
        ("1…9 then o", "open link N of the article's link list"),
        ("y", "copy the article's link"),
    )),
    ("Lists", (
        ("/", "full-text search (esc returns)"),
        ("H  ctrl+r", "show / hide read articles"),
        ("S", "sort: newest, oldest, source, title"),
        ("r / R", "refresh the selected feed or section / everything"),
    )),
    ("Feeds", (
        ("a", "add a feed: from a site, page or feed address"),
        ("d", "remove the feed selected in the sidebar"),
        ("e", "rename / move the feed selected in the sidebar"),
        ("E", "feeds whose last refresh failed, and why"),
    )),
    ("App", (
        ("ctrl+p", "command palette (every action, themes)"),
        ("?", "this help"),
        ("q", "quit (in a dialog: close it)"),
    )),
)  # fmt: skip


class HelpScreen(ModalScreen[None]):
    """Every key newsterm knows."""

    BINDINGS = [Binding("q,escape,question_mark", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        text = Text()
        text.append("newsterm keys\n", style="bold underline")
        for title, keys in KEYS:
            text.append(f"\n{title}\n", style="bold")
            for key, what in keys:
                text.append(f"  {key:<18}", style="bold")
                text.append(f"{what}\n")
        text.append("\nKeys can be changed in feeds.toml ([keys] table).", style="dim")
        with VerticalScroll(id="help-box"):
            yield Static(text, id="help-text")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
