"""The action table (core/actions.py) as Textual bindings, and keys as the UI shows them.

Every widget and screen builds its BINDINGS with :func:`bindings`, so a key bound
anywhere has an entry in the table, and each binding's id is the action's id: one
``[keys]`` line (``App.set_keymap``) rebinds the action in every place it is bound.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding, BindingType
from textual.keys import format_key

from newsterm.core.actions import Action, Scope, current_keys, in_scope

_HELP_NAMES = {"enter": "enter"}
"""Keys the help writes as words where Textual draws a symbol."""


def bindings(scope: Scope, **methods: str) -> list[BindingType]:
    """The bindings of every action in ``scope``, in table order.

    ``methods`` names the widget's own action where it is not the action's id, e.g.
    ``bindings("list", next="cursor_down")``. Naming an action that is not bound in
    ``scope`` is an error: the table is the place to add it.
    """
    actions = in_scope(scope)
    unknown = set(methods) - {action.id for action in actions}
    if unknown:
        raise ValueError(f"not actions of scope {scope!r}: {', '.join(sorted(unknown))}")
    out: list[BindingType] = []
    for action in actions:
        method = methods.get(action.id, action.id)
        show = scope in action.footer
        if action.per_key:
            out.extend(
                Binding(key, f"{method}({key})", action.label, show=show, id=action.id)
                for key in action.keys
            )
        else:
            keys = ",".join(action.keys)
            out.append(Binding(keys, method, action.label, show=show, id=action.id))
    return out


def key_display(key: str) -> str:
    """A key as the help and the palette write it: ``question_mark`` is ``?``, ``down``
    is ``↓``, ``ctrl+r`` stays ``ctrl+r``."""
    *modifiers, name = key.split("+")
    if not name and modifiers:  # "+" itself, or "ctrl++"
        modifiers, name = modifiers[:-1], "+"
    return "+".join([*modifiers, _HELP_NAMES.get(name) or format_key(name)])


def keys_text(action: Action, keymap: Mapping[str, tuple[str, ...]]) -> str:
    """The action's current keys (after ``[keys]``), as the help writes them."""
    if action.shown_keys:
        return action.shown_keys
    return " ".join(key_display(key) for key in current_keys(action, keymap))
