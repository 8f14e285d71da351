"""Every use of Textual below its public API, in one place (STYLE.md: "Public Textual
API only; where there is truly none, the workaround lives in one module").

``tests/ui/test_textual_compat.py`` checks the shape each of these relies on, so a
Textual upgrade that changes one fails there, by name, not somewhere in the reader.
Checked against Textual 8.2.8.

- :data:`FooterKey`: the widget Textual's ``Footer`` draws each key with. Textual
  exports ``Footer`` but not its key widget (``textual.widgets._footer``); the
  ``KeyFooter`` (ui/widgets/footer.py) hands the key widgets it has their new keys
  instead of recomposing, so it needs to know them and their attributes
  (:data:`FOOTER_KEY_FIELDS`).
- :func:`focused_without_repaint`: ``Screen.focused`` is a reactive that repaints the
  whole screen at every focus change. There is no public switch; the reader screen
  declares ``focused`` again without the repaint (the widgets that gain and lose the
  focus repaint themselves). The watcher (``Screen._watch_focused``, which refreshes
  the bindings) still runs: it is looked up by name.
"""

from __future__ import annotations

from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets._footer import FooterKey

__all__ = ["FOOTER_KEY_FIELDS", "FooterKey", "focused_without_repaint"]

FOOTER_KEY_FIELDS = ("key", "key_display", "description", "action", "tooltip")
"""The attributes of a FooterKey that the KeyFooter reads and sets."""


def focused_without_repaint() -> Reactive[Widget | None]:
    """A ``Screen.focused`` that does not repaint the screen when the focus moves."""
    return Reactive(None, repaint=False)
