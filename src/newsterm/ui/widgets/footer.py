"""KeyFooter: Textual's Footer, rebuilt only when the keys it shows change.

Textual's Footer recomposes (unmounts and mounts every key) whenever the screen says
its bindings were updated, and ``Screen.set_focus`` says so twice per focus change
(at once and again after the refresh). Opening an article moves the focus to the
pane: two recomposes of 25-100 ms each here, one of them for nothing, and others for
focus changes that do not change the keys shown at all.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.widgets import Footer


class KeyFooter(Footer):
    """A Footer that skips recomposing when the keys it would show are the same."""

    def __init__(self) -> None:
        super().__init__()
        self._shown: Hashable = None

    def _keys(self) -> Hashable:
        """What compose() draws from: the shown bindings and the palette key."""
        app = self.app
        return (
            self.show_command_palette and app.ENABLE_COMMAND_PALETTE,
            self.compact,
            tuple(
                (
                    key,
                    binding.key,
                    app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    binding.group,
                    binding.show,
                    enabled,
                    tooltip,
                )
                for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items()
                if binding.show or key == app.COMMAND_PALETTE_BINDING
            ),
        )

    async def recompose(self) -> None:
        if not self.is_attached:
            return
        keys = self._keys()
        if keys == self._shown:
            return
        self._shown = keys
        await super().recompose()
