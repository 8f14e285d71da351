"""SVG snapshots of the main views on the sample reader (fixed dates, UTC, no blink).

Update after a deliberate UI change with ``pytest tests/ui/test_snapshots.py
--snapshot-update`` and look at the SVGs before committing them.
"""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input

from newsterm.core.models import View
from newsterm.ui.widgets.section_tree import SectionTree
from sample import settle


async def _settle(pilot: Pilot) -> None:
    await settle(pilot)
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False


def _select(place: View):  # type: ignore[no-untyped-def]
    async def run(pilot: Pilot) -> None:
        await _settle(pilot)
        pilot.app.screen.query_one(SectionTree).select_view(place)
        await _settle(pilot)

    return run


def test_main_view_with_an_article(snap_compare, make_app) -> None:
    async def run(pilot: Pilot) -> None:
        await _settle(pilot)
        await pilot.press("j", "j", "enter")
        await _settle(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 36), run_before=run)


def test_help_screen(snap_compare, make_app) -> None:
    async def run(pilot: Pilot) -> None:
        await _settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(100, 40), run_before=run)


def test_search_results(snap_compare, make_app) -> None:
    async def run(pilot: Pilot) -> None:
        await _settle(pilot)
        await pilot.press("slash", *"tree")
        await _settle(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 30), run_before=run)


def test_starred_section(snap_compare, make_app) -> None:
    async def run(pilot: Pilot) -> None:
        await _settle(pilot)
        await pilot.press("s", "j", "j", "s")
        await _settle(pilot)
        await _select(View("starred"))(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 30), run_before=run)


def test_narrow_80x24(snap_compare, make_app) -> None:
    async def run(pilot: Pilot) -> None:
        await _select(View("section", ("Technology",)))(pilot)
        await pilot.press("enter")
        await _settle(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run)


def test_sidebar_focused_with_a_folded_section(snap_compare, make_app) -> None:
    """The sidebar's cursor across its row; the list's, dimmer, on its row."""

    async def run(pilot: Pilot) -> None:
        await _settle(pilot)
        await pilot.press("j", "j")  # the list's cursor on the third row
        tree = pilot.app.screen.query_one(SectionTree)
        tree.focus()
        tree.select_view(View("section", ("Technology",)))
        await _settle(pilot)
        await pilot.press("space")  # folded
        await _settle(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run)


def test_full_width_reading_in_ansi_dark(snap_compare, make_app) -> None:
    """The sidebar hidden (backslash); the cursor seen in an ANSI theme."""

    async def run(pilot: Pilot) -> None:
        await _settle(pilot)
        pilot.app.theme = "ansi-dark"
        await pilot.press("backslash", "j")
        await _settle(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 30), run_before=run)
