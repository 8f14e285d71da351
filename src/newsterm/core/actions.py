"""Every action a key can start: the one table the UI's bindings, help, footer and
palette are built from, and the ``[keys]`` table of feeds.toml is checked against.

An action that is the same idea in several places (``next`` in the list, the sidebar,
the article pane and the help) is one entry with one id, so one ``[keys]`` line rebinds
it everywhere. Keys are named as the terminal reports them (``question_mark``,
``slash``, ``ctrl+r``); the UI decides how to draw them.

Pure data: no Textual here (``core`` never imports it). ``ui/keys.py`` turns a scope's
entries into bindings, naming the widget's own method for each where it differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Scope = Literal[
    "app", "main", "feeds", "list", "sidebar", "article",
    "help", "help_text", "dialog", "confirm", "errors",
]  # fmt: skip
"""Where an action is bound:

- ``app``: everywhere (the app itself);
- ``main``: the reader screen, whichever pane has the focus;
- ``feeds``: the reader screen's feed management (add, remove, edit, errors);
- ``list``, ``sidebar``, ``article``: that pane, while it has the focus;
- ``help``: the help screen; ``help_text``: its scrolling text;
- ``dialog``: every feed dialog; ``confirm``: the remove question; ``errors``: the
  feed errors dialog.
"""

SCOPES: tuple[Scope, ...] = (
    "app", "main", "feeds", "list", "sidebar", "article",
    "help", "help_text", "dialog", "confirm", "errors",
)  # fmt: skip

GROUPS = ("Moving", "Marking", "Links", "Tools", "Lists", "Feeds", "Sidebar", "Dialogs", "App")
"""The help screen's groups, in the order it shows them."""


@dataclass(frozen=True, slots=True)
class Action:
    """One thing a key does."""

    id: str
    """The name ``[keys]`` uses, and the id of every binding made for it."""
    keys: tuple[str, ...]
    """Default keys, in the order they are shown (the first is the footer's)."""
    label: str
    """Short label, for the footer."""
    description: str
    """What it does, for the help screen and the command palette."""
    group: str
    """The help screen's group (one of :data:`GROUPS`)."""
    scopes: tuple[Scope, ...] = ()
    """Where it is bound. Empty for keys Textual binds itself (``textual``)."""
    footer: tuple[Scope, ...] = ()
    """The scopes whose footer shows it (while that scope is the focused one)."""
    palette: bool = False
    """Listed in the command palette (actions of the app and the reader screen)."""
    title: str = ""
    """The palette's title; the label when empty."""
    rebindable: bool = True
    """May a ``[keys]`` entry rebind it?"""
    per_key: bool = False
    """Each key passes itself to the action (the link digits: ``digit(3)``)."""
    shown_keys: str = ""
    """How the help writes the keys, where listing every one would not read well."""
    textual: bool = False
    """Bound by Textual on every screen (tab, ctrl+p…): listed, not bound, by us."""

    @property
    def palette_title(self) -> str:
        """The title the command palette shows."""
        return self.title or self.label


def _a(
    id: str,
    keys: str,
    label: str,
    description: str,
    group: str,
    *,
    scopes: tuple[Scope, ...] = (),
    footer: tuple[Scope, ...] = (),
    palette: bool = False,
    title: str = "",
    rebindable: bool = True,
    per_key: bool = False,
    shown_keys: str = "",
    textual: bool = False,
) -> Action:
    """An :class:`Action` with its keys written as Textual writes them ("j,down")."""
    return Action(
        id, tuple(keys.split(",")), label, description, group, scopes, footer, palette,
        title, rebindable and not textual, per_key, shown_keys, textual,
    )  # fmt: skip


PANES: tuple[Scope, ...] = ("list", "sidebar", "article", "help_text")
"""The scrolling panes: the movement keys mean the same in each."""

TEXT_PANES: tuple[Scope, ...] = ("list", "article", "help_text")
"""The panes where left and right scroll (in the sidebar they fold and open)."""

ACTIONS: tuple[Action, ...] = (
    # -- Moving ----------------------------------------------------------------------------
    _a("next", "j,down", "Down", "next row or section; a line down in the article", "Moving",
       scopes=PANES),
    _a("previous", "k,up", "Up", "previous row or section; a line up in the article", "Moving",
       scopes=PANES),
    _a("first", "g,home", "First", "first row or section; the top of the article", "Moving",
       scopes=PANES),
    _a("last", "G,end", "Last", "last row or section; the end of the article", "Moving",
       scopes=PANES),
    _a("open", "enter,l", "Open",
       "open the article; in the sidebar, show the section or feed in the list and go there",
       "Moving", scopes=("list", "sidebar"), footer=("list",)),
    _a("back", "h,escape", "Back", "back to the list; again: out of a search", "Moving",
       scopes=("main",), palette=True, title="Back to the list"),
    _a("next_article", "J", "Next", "open the next article in the list", "Moving",
       scopes=("main",), palette=True, title="Next article"),
    _a("previous_article", "K", "Previous", "open the previous article in the list", "Moving",
       scopes=("main",), palette=True, title="Previous article"),
    _a("next_unread", "n", "Next unread", "next unread: this list, then the next feed or section",
       "Moving", scopes=("main",), footer=("main",), palette=True),
    _a("previous_unread", "p", "Prev unread",
       "previous unread: this list, then the last one before it", "Moving",
       scopes=("main",), palette=True, title="Previous unread"),
    _a("page_down", "space", "Page down", "page down in the article; at its end, the next unread",
       "Moving", scopes=("main", "article"), palette=True,
       title="Read on"),
    _a("next_page", "pagedown", "Page down", "a page down (at the end it stays)", "Moving",
       scopes=PANES, footer=("article",)),
    _a("previous_page", "pageup,b", "Page up", "a page up", "Moving", scopes=PANES),
    _a("next_pane", "tab", "Next pane", "next pane", "Moving", textual=True),
    _a("previous_pane", "shift+tab", "Previous pane", "previous pane", "Moving", textual=True),
    _a("scroll_left", "left", "Left", "scroll left", "Moving", scopes=TEXT_PANES),
    _a("scroll_right", "right", "Right", "scroll right", "Moving", scopes=TEXT_PANES),
    _a("page_left", "ctrl+pageup", "Page left", "a page left", "Moving", scopes=PANES),
    _a("page_right", "ctrl+pagedown", "Page right", "a page right", "Moving", scopes=PANES),
    # -- Marking ---------------------------------------------------------------------------
    _a("toggle_read", "m", "Read/unread", "mark the article read or unread", "Marking",
       scopes=("main",), footer=("main",), palette=True, title="Toggle read"),
    _a("toggle_starred", "s", "Star", "star or unstar the article", "Marking",
       scopes=("main",), footer=("main",), palette=True, title="Toggle starred"),
    _a("mark_all_read", "A", "Mark all read", "mark everything in this view read", "Marking",
       scopes=("main",), footer=("main",), palette=True),
    _a("undo", "u", "Undo", "undo the last mark-all", "Marking", scopes=("main",),
       palette=True, title="Undo mark all"),
    _a("toggle_hidden", "V", "Hidden", "show or hide the articles rules hid", "Marking",
       scopes=("main",), palette=True, title="Toggle hidden articles"),
    # -- Links -----------------------------------------------------------------------------
    _a("open_link", "o", "Open link", "open the article's link in the browser", "Links",
       scopes=("main",), footer=("main",), palette=True),
    _a("open_link_next", "O", "Open + next", "open the link and go to the next unread",
       "Links", scopes=("main",), palette=True, title="Open link, then next unread"),
    _a("link_number", "0,1,2,3,4,5,6,7,8,9", "Link N",
       "type a number, then o (or f): open link N of the article's list", "Links",
       scopes=("main",), rebindable=False, per_key=True, shown_keys="0…9"),
    _a("follow_link", "f", "Follow link N", "after a number: open that link, as o does",
       "Links", scopes=("main",)),
    _a("copy_link", "y", "Copy link", "copy the article's link", "Links", scopes=("main",),
       palette=True),
    _a("toggle_full_text", "x", "Full article",
       "the full article, read from its page (fetched now if need be), or the feed's text",
       "Links", scopes=("main",), palette=True, title="Full article / feed's text"),
    _a("open_all_unread", "ctrl+o", "Open unread",
       "open the list's unread in the browser, each marked read", "Links",
       scopes=("main",), palette=True, title="Open all unread in the browser"),
    # -- Tools -----------------------------------------------------------------------------
    _a("pipe_article", "vertical_line", "Pipe",
       "pipe the article as Markdown to a command ([pipes])", "Tools",
       scopes=("main",), palette=True, title="Pipe article to a command"),
    _a("save_article", "w", "Save", "save the article as a Markdown file (save_dir)", "Tools",
       scopes=("main",), palette=True, title="Save article as Markdown"),
    # -- Lists -----------------------------------------------------------------------------
    _a("search", "slash", "Search", "search this view as you type (esc returns)", "Lists",
       scopes=("main",), footer=("main",), palette=True),
    _a("search_everywhere", "ctrl+g", "Everywhere",
       "search everywhere; in the search box, everywhere or back to the view", "Lists",
       scopes=("main",), palette=True),
    _a("toggle_show_read", "H,ctrl+r", "Hide read", "show / hide read articles", "Lists",
       scopes=("main",), palette=True, title="Show/hide read articles"),
    _a("cycle_sort", "S", "Sort", "sort: newest, oldest, source, title", "Lists",
       scopes=("main",), palette=True, title="Cycle sort order"),
    _a("refresh", "r", "Refresh", "refresh the selected feed or section", "Lists",
       scopes=("main",), palette=True, title="Refresh selected"),
    _a("refresh_all", "R", "Refresh all", "refresh every feed", "Lists", scopes=("main",),
       footer=("main",), palette=True, title="Refresh all feeds"),
    # -- Feeds -----------------------------------------------------------------------------
    _a("add_feed", "a", "Add feed", "add a feed: from a site, page or feed address", "Feeds",
       scopes=("feeds",), palette=True),
    _a("remove_feed", "d", "Remove feed", "remove the feed selected in the sidebar", "Feeds",
       scopes=("feeds",), palette=True),
    _a("edit_feed", "e", "Edit feed", "rename / move the feed selected in the sidebar",
       "Feeds", scopes=("feeds",), palette=True, title="Rename or move feed"),
    _a("feed_errors", "E", "Feed errors",
       "failed feeds and why; when each feed is next due", "Feeds",
       scopes=("feeds", "errors"), footer=("errors",), palette=True),
    # -- Sidebar ---------------------------------------------------------------------------
    _a("toggle_section", "space", "Fold", "fold or unfold the section", "Sidebar",
       scopes=("sidebar",)),
    _a("fold_or_parent", "left,h", "Fold/up",
       "fold the section; on a folded one or a feed, up to its section", "Sidebar",
       scopes=("sidebar",)),
    _a("unfold_or_open", "right", "Unfold/open",
       "unfold a folded section; else show it in the list and go there, as enter", "Sidebar",
       scopes=("sidebar",)),
    _a("toggle_all_sections", "shift+space", "Fold all", "fold or unfold it and all below",
       "Sidebar", scopes=("sidebar",)),
    _a("parent_section", "shift+left", "Parent", "up to the parent section", "Sidebar",
       scopes=("sidebar",)),
    _a("next_after_parent", "shift+right", "After parent", "on to the section after the parent",
       "Sidebar", scopes=("sidebar",)),
    _a("previous_sibling", "shift+up", "Previous sibling", "previous entry at this level",
       "Sidebar", scopes=("sidebar",)),
    _a("next_sibling", "shift+down", "Next sibling", "next entry at this level", "Sidebar",
       scopes=("sidebar",)),
    _a("toggle_sidebar", "backslash", "Sidebar", "hide or show the sidebar (full-width reading)",
       "Sidebar", scopes=("main",), palette=True, title="Hide/show the sidebar"),
    # -- Dialogs ---------------------------------------------------------------------------
    _a("close", "escape,q", "Close", "close the dialog or the help", "Dialogs",
       scopes=("dialog", "help"), footer=("dialog", "help")),
    _a("yes", "y", "Remove", "yes: remove the feed", "Dialogs", scopes=("confirm",)),
    _a("no", "n", "Cancel", "no: keep the feed", "Dialogs", scopes=("confirm",),
       footer=("confirm",)),
    # -- App -------------------------------------------------------------------------------
    _a("quit", "q", "Quit", "quit", "App", scopes=("app",),
       footer=("app",), palette=True),
    _a("help", "question_mark", "Help", "show every key and what it does", "App",
       scopes=("app", "help"), footer=("app", "help"), palette=True, title="Keys"),
    _a("command_palette", "ctrl+p", "palette", "command palette: every action, and themes",
       "App", textual=True),
    _a("copy_text", "ctrl+c,super+c", "Copy", "copy the text selected with the mouse", "App",
       textual=True),
    _a("quit_anywhere", "ctrl+q", "Quit", "quit, even while typing", "App", textual=True),
)  # fmt: skip
"""Every action, in the help's order (and, within a scope, the footer's)."""

BY_ID: dict[str, Action] = {action.id: action for action in ACTIONS}
"""The actions by id."""

REBINDABLE: frozenset[str] = frozenset(a.id for a in ACTIONS if a.rebindable)
"""The action names a ``[keys]`` table may rebind."""


def in_scope(scope: Scope) -> tuple[Action, ...]:
    """The actions bound in ``scope``, in table order."""
    return tuple(action for action in ACTIONS if scope in action.scopes)


def current_keys(action: Action, keymap: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The keys of ``action`` once ``keymap`` (the ``[keys]`` table) is applied."""
    if action.rebindable and action.id in keymap:
        return keymap[action.id]
    return action.keys
