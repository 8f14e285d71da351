"""The cursor of the list and of the sidebar can be seen in every built-in theme: its
row has a background of its own across the whole row, on unread and read rows alike,
focused and unfocused (and the two differ, so the focused pane shows)."""

from __future__ import annotations

from rich.segment import Segment
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from newsterm.ui.app import NewsApp
from newsterm.ui.widgets.article_list import ArticleList
from newsterm.ui.widgets.section_tree import SectionTree
from sample import settle

SIZE = (120, 40)


def backgrounds(strip: Strip) -> set[str]:
    """The background colours of a drawn row (each cell of it)."""
    out = set()
    for segment in strip:
        assert isinstance(segment, Segment)
        if segment.text:
            colour = segment.style.bgcolor if segment.style else None
            out.add(colour.name if colour else "none")
    return out


def rows(widget: Widget, count: int) -> list[Strip]:
    return widget.render_lines(Region(0, 0, widget.size.width, count))


def check(widget: Widget, cursor: int, where: str, problems: list[str]) -> str:
    """Checks row ``cursor`` against its neighbours; returns the cursor's colour."""
    lines = rows(widget, cursor + 2)
    here = backgrounds(lines[cursor])
    around = backgrounds(lines[cursor - 1]) | backgrounds(lines[cursor + 1])
    if len(here) != 1:
        problems.append(f"{where}: cursor row is not one background: {sorted(here)}")
    elif here & around:
        problems.append(f"{where}: cursor row {sorted(here)} like its neighbours {sorted(around)}")
    return min(here) if here else ""


async def test_the_cursor_is_seen_in_every_theme_focused_and_not(make_app) -> None:
    app: NewsApp = make_app()
    problems: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        tree = app.screen.query_one(SectionTree)
        ids = articles.ids[:4]
        app.library.set_read([ids[1], ids[3]], True)  # unread, read, unread, read
        articles.invalidate()
        assert [r.read for r in app.library.rows(ids)] == [False, True, False, True]
        themes = sorted(app.available_themes)
        assert len(themes) >= 20 and "ansi-dark" in themes and "textual-dark" in themes
        for theme in themes:
            app.theme = theme
            # the list (the sidebar's cursor stays on All, so the list stays as it is)
            colours = {}
            for focused in (articles, tree):
                focused.focus()
                await pilot.pause()
                state = "focused" if focused is articles else "unfocused"
                for cursor in (1, 2):  # on a read row, then on an unread one
                    articles.cursor = cursor
                    await pilot.pause()
                    colours[state] = check(
                        articles, cursor, f"{theme} list {state} row {cursor}", problems
                    )
            if colours["focused"] == colours["unfocused"]:
                problems.append(f"{theme} list: focused and unfocused cursor alike")
            # the sidebar: All (bold), Unread (bold), Starred (none starred), Today
            colours = {}
            for focused in (tree, articles):
                focused.focus()
                await pilot.pause()
                state = "focused" if focused is tree else "unfocused"
                for cursor in (1, 2):
                    tree.cursor_line = cursor
                    await pilot.pause()
                    colours[state] = check(
                        tree, cursor, f"{theme} sidebar {state} row {cursor}", problems
                    )
            if colours["focused"] == colours["unfocused"]:
                problems.append(f"{theme} sidebar: focused and unfocused cursor alike")
            tree.cursor_line = 0
            await settle(pilot)
    assert problems == []
