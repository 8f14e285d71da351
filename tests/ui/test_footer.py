"""The footer: Textual's Footer, redrawn only when the keys it shows change."""

from __future__ import annotations

from newsterm.ui.textual_compat import FooterKey
from sample import settle


async def test_the_footer_changes_only_when_its_keys_change_and_keeps_its_widgets(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        keys = list(app.screen.query(FooterKey))
        assert "Open" in [key.description for key in keys]
        app.screen.refresh_bindings()  # nothing changed: the same key widgets stay
        await settle(pilot)
        assert list(app.screen.query(FooterKey)) == keys
        await pilot.press("enter")  # the pane has the focus: its keys are shown
        await settle(pilot)
        shown = [key.description for key in app.screen.query(FooterKey)]
        assert "Page down" in shown and "Open" not in shown
        assert list(app.screen.query(FooterKey)) == keys  # the same widgets, new keys
        await pilot.press("h")  # back to the list
        await settle(pilot)
        assert [key.description for key in app.screen.query(FooterKey)][0] == "Open"
        assert "Open" in keys[0].render().plain  # drawn with its new key
