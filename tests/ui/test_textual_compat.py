"""The shape of the Textual internals newsterm relies on (ui/textual_compat.py).

Each test names what changed if it fails: read the module's docstring, then fix the
workaround there (or drop it, where Textual now has a public way)."""

from __future__ import annotations

import inspect

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer

from newsterm.ui import textual_compat
from newsterm.ui.screens.main import MainScreen
from newsterm.ui.textual_compat import FOOTER_KEY_FIELDS, FooterKey


def test_footer_key_is_still_the_widget_footer_draws_keys_with() -> None:
    assert issubclass(FooterKey, Widget), "textual.widgets._footer.FooterKey moved or changed"
    parameters = list(inspect.signature(FooterKey.__init__).parameters)
    assert parameters[:5] == ["self", "key", "key_display", "description", "action"], (
        f"FooterKey's constructor changed: {parameters}"
    )
    assert "tooltip" in parameters, "FooterKey no longer takes a tooltip"
    key = FooterKey("x", "X", "Do it", "do_it", tooltip="tip")
    missing = [name for name in FOOTER_KEY_FIELDS if not hasattr(key, name)]
    assert not missing, f"FooterKey no longer has {missing}"
    assert (key.key, key.key_display, key.description, key.action) == ("x", "X", "Do it", "do_it")


async def test_footer_composes_its_keys_as_footer_keys() -> None:
    class KeysApp(App[None]):
        BINDINGS = [Binding("x", "bell", "Ring"), Binding("y", "bell", "Hidden", show=False)]

        def compose(self) -> ComposeResult:
            yield Footer()

    app = KeysApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        keys = [child for child in app.query_one(Footer).children if type(child) is FooterKey]
        assert [key.description for key in keys if key.key == "x"] == ["Ring"], (
            "Footer no longer draws a shown binding as one FooterKey"
        )
        assert not [key for key in keys if key.key == "y"]


def test_screen_focused_is_still_a_repainting_reactive_with_a_watcher() -> None:
    textual = vars(Screen).get("focused")
    assert isinstance(textual, Reactive), "Screen.focused is no longer a Reactive"
    ours = vars(MainScreen)["focused"]
    assert isinstance(ours, Reactive)
    flags = dict((name, value) for name, value, *_ in textual.__rich_repr__() if name)
    our_flags = dict((name, value) for name, value, *_ in ours.__rich_repr__() if name)
    assert flags.get("repaint") is True, (
        "Screen.focused no longer repaints: drop focused_without_repaint() from MainScreen"
    )
    assert our_flags.pop("repaint") is False
    flags.pop("repaint")
    assert our_flags == flags, f"Screen.focused has new flags the override lacks: {flags}"
    assert callable(getattr(Screen, "_watch_focused", None)), (
        "Screen._watch_focused (refreshes the bindings at a focus change) is gone"
    )


def test_the_compat_module_is_the_only_user_of_private_textual_modules() -> None:
    from pathlib import Path

    ui = Path(textual_compat.__file__).parent
    offenders = [
        path.relative_to(ui).as_posix()
        for path in ui.rglob("*.py")
        if path.name != "textual_compat.py"
        and any(
            part.startswith("_") and not part.startswith("__")
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.lstrip().startswith(("from textual", "import textual"))
            for part in line.split()[1].split(".")
        )
    ]
    assert offenders == []
