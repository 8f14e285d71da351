"""Pilot tests of feed management in the TUI: a (add), d (remove), e (edit), E (errors),
against a real local HTTP server, asserting feeds.toml, the store and the widgets."""

from __future__ import annotations

import tomllib
from html import escape
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from rich.text import Text
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, Input, OptionList, Static

from newsterm.core.models import View
from newsterm.ui.app import NewsApp
from newsterm.ui.screens.add_feed import AddFeedDialog
from newsterm.ui.screens.feed_dialogs import (
    ConfirmRemoveDialog,
    EditFeedDialog,
    FeedErrorsDialog,
)
from newsterm.ui.screens.help import KEYS
from newsterm.ui.widgets.section_tree import SectionTree
from sample import settle

SIZE = (120, 40)
HOSTILE = "[@click=app.quit]Quit[/] [/] [b]"
"""A feed title that would be markup (and an action!) if parsed as such."""


def rss(title: str, items: int = 3) -> bytes:
    entries = "".join(
        f"<item><title>Story {n}</title><link>http://site.example/{n}</link>"
        f"<guid>http://site.example/{n}</guid></item>"
        for n in range(1, items + 1)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{escape(title)}</title>'
        f"<link>http://site.example/</link>{entries}</channel></rss>"
    ).encode()


@pytest.fixture
def site(httpserver: HTTPServer) -> HTTPServer:
    """/site/ announces two feeds: Main (3 stories) and one with a hostile title."""
    httpserver.expect_request("/site/").respond_with_data(
        "<!doctype html><html><head>"
        '<link rel="alternate" type="application/rss+xml" title="Main" href="/main.rss">'
        f'<link rel="alternate" type="application/rss+xml" title="{escape(HOSTILE)}" '
        'href="/other.rss"></head><body>site</body></html>',
        content_type="text/html",
    )
    httpserver.expect_request("/main.rss").respond_with_data(
        rss("Main stories"), content_type="application/rss+xml"
    )
    httpserver.expect_request("/other.rss").respond_with_data(
        rss(HOSTILE, 2), content_type="application/rss+xml"
    )
    return httpserver


def shown(widget: Widget) -> str:
    """The text a widget draws on screen."""
    width, height = widget.outer_size
    return "\n".join(s.text for s in widget.render_lines(Region(0, 0, width, height)))


def config(sample: tuple[Path, Path]) -> dict:
    return tomllib.loads(sample[0].read_text(encoding="utf-8"))


def tree(app: NewsApp) -> SectionTree:
    return app.main_screen.query_one(SectionTree)


async def select(pilot: Pilot, place: View) -> None:
    assert tree(pilot.app).select_view(place)  # type: ignore[arg-type]
    await settle(pilot)


def city_feed(app: NewsApp) -> str:
    (source,) = app.library.configured_feeds()
    return source.key


# --- add ---------------------------------------------------------------------------------------


async def test_a_finds_picks_and_adds_a_feed(make_app, sample, site: HTTPServer) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, View("section", ("City",)))
        await pilot.press("a")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, AddFeedDialog)
        assert dialog.query_one("#section", Input).value == "City"  # the selected section
        await pilot.press(*site.url_for("/site/"))
        await pilot.press("enter")
        await settle(pilot)
        found = dialog.query_one("#found", OptionList)
        assert found.option_count == 2
        # the hostile link title is shown literally, and nothing was run
        assert HOSTILE in shown(found)
        prompt = found.get_option_at_index(1).prompt
        assert isinstance(prompt, Text) and HOSTILE in prompt.plain
        assert app.is_running
        # pick the first, go to the section, change it, Enter adds
        assert found.highlighted == 0
        await pilot.press("enter")
        assert dialog.query_one("#section", Input).has_focus
        dialog.query_one("#section", Input).value = "News/Town"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is app.main_screen
        main = site.url_for("/main.rss")
        assert config(sample)["feeds"][-1] == {"url": main, "section": "News/Town"}
        # fetched at once: the sidebar shows it with its articles, and it is selected
        place = View("source", ("News", "Town"), main)
        ids = app.library.article_ids(View("source", source=main))
        assert len(ids) == 3
        await settle(pilot)
        assert tree(app).current_view == place
        (feed,) = [f for f in app.library.feed_nodes() if f.key == main]
        assert (feed.label, feed.unread) == ("Main stories", 3)
        node = tree(app)._view_nodes[place]
        assert str(node.label).startswith("Main stories 3")


async def test_add_dialog_says_when_nothing_is_found_and_closes(
    make_app, sample, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/blank/").respond_with_data(
        "<html><head></head></html>", content_type="text/html"
    )
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    before = sample[0].read_bytes()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        dialog = app.screen
        assert isinstance(dialog, AddFeedDialog)
        dialog.query_one("#url", Input).value = httpserver.url_for("/blank/")
        await pilot.press("enter")
        await settle(pilot)
        status = dialog.query_one("#add-status", Static)
        assert "no feed found" in shown(status)
        assert dialog.query_one("#add", Button).disabled
        dialog.query_one("#url", Input).value = httpserver.url_for("/gone")
        await pilot.press("enter")
        await settle(pilot)
        assert "404" in shown(status)
        await pilot.press("escape")
        assert app.screen is app.main_screen
        # q closes too when the focus is not in a text field
        await pilot.press("a")
        await pilot.press("tab")  # to the Find button
        await pilot.press("q")
        assert app.screen is app.main_screen and app.is_running
    assert sample[0].read_bytes() == before


# --- remove ------------------------------------------------------------------------------------


async def test_d_removes_the_feed_keeping_starred(make_app, sample) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        key = city_feed(app)
        ids = app.library.article_ids(View("source", source=key))
        assert len(ids) == 4
        app.library.set_starred([ids[0]])
        await select(pilot, View("source", ("City",), key))
        await pilot.press("d")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmRemoveDialog)
        text = shown(dialog.query_one("#remove-text"))
        assert "4 stored articles will be deleted" in text and "starred one is kept" in text
        await pilot.press("enter")  # "Remove" has the focus
        await settle(pilot)
        assert app.screen is app.main_screen
        assert "feeds" not in config(sample)
        assert config(sample)["local"]  # the rest of the file stays
        left = app.library.rows(app.library.article_ids(View("all")))
        assert [r.rowid for r in left if r.key.source == key] == [ids[0]]
        assert View("source", ("City",), key) not in tree(app)._view_nodes
        assert tree(app).current_view == View("section", ("City",))


async def test_d_with_a_broken_feeds_toml_says_why_and_keeps_everything(make_app, sample) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        key = city_feed(app)
        await select(pilot, View("source", ("City",), key))
        broken = sample[0].read_text(encoding="utf-8") + "\n[[feeds]\n"
        sample[0].write_text(broken, encoding="utf-8")  # edited by hand meanwhile
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        notices = [str(n.message) for n in app._notifications]
        assert any(n.startswith("Not removed: ") and "feeds.toml" in n for n in notices), notices
        assert sample[0].read_text(encoding="utf-8") == broken  # not rewritten
        assert len(app.library.article_ids(View("source", source=key))) == 4


async def test_d_remove_also_starred_and_cancel(make_app, sample) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        key = city_feed(app)
        ids = app.library.article_ids(View("source", source=key))
        app.library.set_starred(ids[:2])
        await select(pilot, View("source", ("City",), key))
        before = sample[0].read_bytes()
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.main_screen
        assert sample[0].read_bytes() == before
        await pilot.press("d")
        await settle(pilot)
        await pilot.click("#remove-all")
        await settle(pilot)
        assert app.library.article_ids(View("source", source=key)) == []
        assert "feeds" not in config(sample)


async def test_d_and_e_need_a_feed_selected(make_app, sample) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, View("section", ("City",)))
        await pilot.press("d")
        await settle(pilot)
        assert app.screen is app.main_screen
        await pilot.press("e")
        await settle(pilot)
        assert app.screen is app.main_screen
        assert any("Select a feed" in str(n.message) for n in app._notifications)


# --- edit --------------------------------------------------------------------------------------


async def test_e_renames_and_moves_the_feed(make_app, sample) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        key = city_feed(app)
        await select(pilot, View("source", ("City",), key))
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, EditFeedDialog)
        assert dialog.query_one("#section", Input).value == "City"
        dialog.query_one("#title", Input).value = "[b]Town[/b] crier"
        dialog.query_one("#section", Input).value = "World/Cities"
        await pilot.press("enter")
        await settle(pilot)
        assert config(sample)["feeds"] == [
            {"url": key, "title": "[b]Town[/b] crier", "section": "World/Cities"}
        ]
        place = View("source", ("World", "Cities"), key)
        assert tree(app).current_view == place
        assert str(tree(app)._view_nodes[place].label).startswith("[b]Town[/b] crier")
        ids = app.library.article_ids(View("section", ("World", "Cities")))
        assert len(ids) == 4
        assert {r.source_title for r in app.library.rows(ids)} == {"[b]Town[/b] crier"}
        assert View("section", ("City",)) not in tree(app)._view_nodes


# --- errors and hostile titles -----------------------------------------------------------------


async def test_E_lists_failing_feeds_and_goes_to_one(make_app, sample) -> None:
    app = make_app()
    key = city_feed(app)
    app.library._store.record_fetch(key, ok=False, error=f"HTTP 500 {HOSTILE}")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("E")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FeedErrorsDialog)
        errors = dialog.query_one("#errors", OptionList)
        assert errors.option_count == 1
        text = shown(errors)
        assert f"HTTP 500 {HOSTILE}" in text
        assert "last worked " in text and "failed 20" in text
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is app.main_screen
        assert tree(app).current_view == View("source", ("City",), key)


async def test_E_with_no_errors_and_from_the_palette(make_app, sample) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        commands = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Add feed", "Remove feed", "Rename or move feed", "Feed errors"} <= commands
        (errors,) = [c for c in app.get_system_commands(app.screen) if c.title == "Feed errors"]
        errors.callback()
        await settle(pilot)
        assert isinstance(app.screen, FeedErrorsDialog)
        assert "Every feed worked" in shown(app.screen.query_one("#no-errors"))
        await pilot.press("q")
        assert app.screen is app.main_screen and app.is_running


async def test_hostile_feed_title_is_literal_in_dialogs(make_app, sample) -> None:
    app = make_app()
    key = city_feed(app)
    app.library._store.record_fetch(key, ok=True, title=HOSTILE)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, View("source", ("City",), key))
        await pilot.press("e")
        await settle(pilot)
        assert HOSTILE in shown(app.screen.query_one("#edit-text"))
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.main_screen
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmRemoveDialog)
        assert HOSTILE in shown(app.screen.query_one("#remove-text"))
        await pilot.click("#cancel")
        await settle(pilot)
        assert app.is_running and app.screen is app.main_screen
        assert "feeds" in config(sample)


def test_help_lists_the_feed_keys() -> None:
    keys = dict(KEYS)["Feeds"]
    assert [k for k, _ in keys] == ["a", "d", "e", "E"]
