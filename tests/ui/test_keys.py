"""The key table at work: every key bound anywhere in the app is in the help (with the
keys it has now) and its action in the palette; ``[keys]`` rebinds an action in every
pane that has it; the help scrolls with the movement keys."""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
import re
from pathlib import Path

from rich.console import Console
from textual.binding import ActiveBinding, Binding
from textual.dom import DOMNode
from textual.widgets import Static

import newsterm.ui
from newsterm.core.actions import ACTIONS, BY_ID, Action, current_keys
from newsterm.ui.app import NewsApp
from newsterm.ui.keys import key_display, keys_text
from newsterm.ui.screens.add_feed import AddFeedDialog
from newsterm.ui.screens.feed_dialogs import (
    ConfirmRemoveDialog,
    EditFeedDialog,
    FeedErrorsDialog,
)
from newsterm.ui.screens.help import HelpScreen, HelpText, help_text
from newsterm.ui.widgets.article_list import ArticleList
from newsterm.ui.widgets.article_view import ArticleView
from newsterm.ui.widgets.section_tree import SectionTree
from sample import settle

SIZE = (120, 40)


def rendered_text(renderable: object) -> str:
    """What a widget's content reads as on a 100-column screen, as plain text."""
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


README = Path(__file__).resolve().parents[2] / "README.md"


def our_classes() -> list[type[DOMNode]]:
    """Every widget, screen and app class of newsterm.ui that declares BINDINGS."""
    found: list[type[DOMNode]] = []
    for info in pkgutil.walk_packages(newsterm.ui.__path__, "newsterm.ui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            ours = cls.__module__ == module.__name__ and issubclass(cls, DOMNode)
            if ours and "BINDINGS" in vars(cls):
                found.append(cls)
    return found


def test_every_binding_is_made_from_the_table() -> None:
    """No hand-made Binding: each has its action's id, keys and label (so help.KEYS-style
    drift cannot happen), and names an action the class has."""
    classes = our_classes()
    names = {cls.__name__ for cls in classes}
    assert {"NewsApp", "MainScreen", "ArticleList", "SectionTree", "ArticleView"} <= names
    assert {"HelpScreen", "HelpText", "AddFeedDialog", "FeedErrorsDialog"} <= names
    for cls in classes:
        for binding in vars(cls)["BINDINGS"]:
            assert isinstance(binding, Binding), (cls, binding)
            assert binding.id in BY_ID, f"{cls.__name__}: {binding} has no table entry"
            action = BY_ID[binding.id]
            keys = tuple(binding.key.split(","))
            assert set(keys) <= set(action.keys), (cls.__name__, binding)
            assert binding.description == action.label
            name = binding.action.split("(")[0]
            assert "." in name or callable(getattr(cls, f"action_{name}", None)), (
                f"{cls.__name__} has no action_{name} for {binding.id}"
            )


def active(app: NewsApp) -> dict[str, ActiveBinding]:
    """The bindings in force where the focus is, from our own nodes (a stock widget's
    own keys, like an Input's, are the widget's business)."""
    return {
        key: bound
        for key, bound in app.screen.active_bindings.items()
        if type(bound.node).__module__.startswith("newsterm.")
        or bound.node is app
        or bound.node is app.screen
    }


def action_of(key: str, bound: ActiveBinding) -> Action:
    """The table's entry for a binding: by id, or (Textual's own, on the app and every
    screen) by its key."""
    if bound.binding.id is not None:
        return BY_ID[bound.binding.id]
    owners = [a for a in ACTIONS if a.textual and key in a.keys]
    assert owners, f"{key} ({bound.binding.action}, on {bound.node}) is in no table entry"
    return owners[0]


def check_documented(app: NewsApp, where: str, seen: set[str]) -> None:
    help_lines = help_text(app.rebound_keys).plain.splitlines()
    palette = [command.title for command in app.get_system_commands(app.screen)]
    for key, bound in active(app).items():
        action = action_of(key, bound)
        seen.add(action.id)
        shown = keys_text(action, app.rebound_keys)
        if not action.shown_keys:
            assert key_display(key) in shown.split(" "), (where, key, shown)
        line = f"{shown} "
        assert any(
            row.strip().startswith(line) and row.endswith(action.description) for row in help_lines
        ), (where, key, action.id)
        if action.palette:
            assert palette.count(action.palette_title) == 1, (where, action.id)


async def test_every_key_in_force_anywhere_is_in_the_help_and_palette(make_app) -> None:
    app = make_app()
    seen: set[str] = set()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        assert isinstance(app.focused, ArticleList)
        check_documented(app, "list", seen)
        screen.query_one(SectionTree).focus()
        await pilot.pause()
        check_documented(app, "sidebar", seen)
        screen.query_one(ArticleList).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.focused, ArticleView)
        check_documented(app, "article", seen)
        await pilot.press("h", "slash")
        await settle(pilot)
        check_documented(app, "search", seen)
        await pilot.press("escape")
        await settle(pilot)
        for key, dialog in (("question_mark", HelpScreen), ("a", AddFeedDialog)):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, dialog)
            check_documented(app, dialog.__name__, seen)
            await pilot.press("escape")
            await settle(pilot)
        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, FeedErrorsDialog)
        check_documented(app, "errors", seen)
        await pilot.press("E")  # the key that opened it closes it
        await settle(pilot)
        screen.query_one(SectionTree).focus()
        for dialog_key, dialog in (("d", ConfirmRemoveDialog), ("e", EditFeedDialog)):
            for _ in range(12):  # down the sidebar to the first feed
                await pilot.press(dialog_key)
                await settle(pilot)
                if isinstance(app.screen, dialog):
                    break
                await pilot.press("j")
                await settle(pilot)
            assert isinstance(app.screen, dialog)
            check_documented(app, dialog.__name__, seen)
            await pilot.press("escape")
            await settle(pilot)
    bound_somewhere = {a.id for a in ACTIONS}
    assert bound_somewhere - seen == set(), "table entries bound nowhere the test went"


async def test_the_palette_lists_each_action_once_and_no_textual_extras(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        commands = list(app.get_system_commands(app.screen))
        titles = [command.title for command in commands]
        assert sorted(set(titles)) == sorted(titles)  # "Keys" once, every title once
        assert {a.palette_title for a in ACTIONS if a.palette} <= set(titles)
        assert "Theme" in titles and "Maximize" not in titles
        assert not [c for c in commands if "as soon as possible" in c.help]
        keys = next(c for c in commands if c.title == "Keys")
        assert keys.help.endswith("(?)")
        await pilot.press("ctrl+p")  # and a command runs from the real palette
        await pilot.pause()
        await pilot.press(*"Toggle starred")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        row = app.main_screen.query_one(ArticleList).current
        assert row is not None and app.library.rows([row.rowid])[0].starred


async def rebound_app(sample, keys: str) -> NewsApp:  # type: ignore[no-untyped-def]
    from sample import open_sample

    config, data = sample
    config.write_text(config.read_text() + f"\n[keys]\n{keys}\n")
    return NewsApp(open_sample(config, data))


async def test_keys_rebinds_next_and_last_in_every_pane(sample) -> None:
    app = await rebound_app(sample, 'next = "x"\nlast = "w"\ntoggle_read = "z"')
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.main_screen
        articles = screen.query_one(ArticleList)
        assert articles.has_focus and articles.cursor == 0
        await pilot.press("x")
        assert articles.cursor == 1
        await pilot.press("j")  # rebound: j no longer moves
        assert articles.cursor == 1
        await pilot.press("w")
        assert articles.cursor == len(articles.ids) - 1

        tree = screen.query_one(SectionTree)
        tree.focus()
        await settle(pilot)
        line = tree.cursor_line
        await pilot.press("x")
        await settle(pilot)
        assert tree.cursor_line == line + 1
        await pilot.press("w")
        await settle(pilot)
        assert tree.cursor_line == tree.last_line

        await pilot.press("g")  # back to All, and its first article (a long one)
        await settle(pilot)
        articles.focus()
        await pilot.press("g", "enter")
        await settle(pilot)
        view = screen.query_one(ArticleView)
        assert view.has_focus and view.max_scroll_y > 0 and view.scroll_y == 0
        await pilot.press("x")
        await settle(pilot)
        assert view.scroll_y > 0
        await pilot.press("w")
        await settle(pilot)
        assert view.scroll_y == view.max_scroll_y

        await pilot.press("question_mark")
        await settle(pilot)
        box = app.screen.query_one(HelpText)
        await pilot.press("x")
        await settle(pilot)
        assert box.scroll_y == 1
        shown = rendered_text(app.screen.query_one("#help-text", Static).content)
        assert re.search(r"^  x +next row", shown, re.M)
        await pilot.press("escape", "h")
        await settle(pilot)

        row = articles.current
        assert row is not None
        before = app.library.rows([row.rowid])[0].read
        await pilot.press("z")
        await settle(pilot)
        assert app.library.rows([row.rowid])[0].read is not before
        await pilot.press("m")  # rebound: m no longer toggles
        await settle(pilot)
        assert app.library.rows([row.rowid])[0].read is not before
        palette = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert palette["Toggle read"].endswith("(z)")
        assert current_keys(BY_ID["next"], app.rebound_keys) == ("x",)


async def test_the_help_scrolls_with_the_movement_keys(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        box = app.screen.query_one(HelpText)
        assert box.has_focus and box.max_scroll_y > 10

        async def press(key: str) -> float:
            await pilot.press(key)
            await settle(pilot)
            return box.scroll_y

        assert await press("j") == 1
        assert await press("down") == 2
        assert await press("k") == 1
        assert await press("up") == 0
        assert await press("G") == box.max_scroll_y
        assert await press("g") == 0
        assert await press("end") == box.max_scroll_y
        assert await press("home") == 0
        page = await press("pagedown")
        assert 10 < page <= box.max_scroll_y
        assert await press("b") == 0
        assert await press("pagedown") == page
        assert await press("pageup") == 0
        await pilot.press("q")
        assert not isinstance(app.screen, HelpScreen)


def test_the_readme_key_table_agrees_with_the_table() -> None:
    text = README.read_text(encoding="utf-8")
    table = text.split("## Reading", 1)[1].split("\n\n", 2)[1]
    assert table.startswith("| key | action |")
    known = {k for a in ACTIONS for k in a.keys} | {key_display(k) for a in ACTIONS for k in a.keys}
    for row in table.splitlines()[2:]:
        cell = row.split("|")[1]
        for key in re.findall(r"`([^`]+)`", cell):
            assert key in known, f"README names {key!r}, which the table does not bind"
