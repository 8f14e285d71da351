"""KeyFooter: Textual's Footer, redrawn only when the keys it shows change.

Textual's Footer recomposes (unmounts and mounts every key) whenever the screen says
its bindings were updated, and ``Screen.set_focus`` says so twice per focus change
(at once and again after the refresh). Opening an article moves the focus to the
pane: two recomposes of 25-100 ms each here, one of them for nothing, and others for
focus changes that do not change the keys shown at all. When the keys change, the
key widgets there are take the new keys, instead of being replaced.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.compose import compose
from textual.widgets import Footer

from newsterm.ui.textual_compat import FooterKey


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
        if not self._update_keys():
            await super().recompose()

    def _update_keys(self) -> bool:
        """Give the key widgets there are their new keys, when there are as many, all
        plain keys alike (no groups): False when a recompose is needed. Mounting new
        widgets is the slow part of a recompose (CSS for each); this lays out one line."""
        composed, children = compose(self), list(self.children)
        fresh = [key for key in composed if type(key) is FooterKey]
        shown = [key for key in children if type(key) is FooterKey]
        if not (len(fresh) == len(composed) == len(shown) == len(children)):
            return False
        pairs = list(zip(shown, fresh, strict=True))
        if any(set(old.classes) - {"-compact"} != set(new.classes) for old, new in pairs):
            return False
        for old, new in pairs:
            old.key, old.key_display = new.key, new.key_display
            old.description, old.action = new.description, new.action
            old.tooltip = new.tooltip
            old.refresh(layout=True)
        return True
