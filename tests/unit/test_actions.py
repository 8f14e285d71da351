"""The action table (core/actions.py): one entry per action, consistent, the only source
of the names ``[keys]`` accepts."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from newsterm.core.actions import (
    ACTIONS,
    BY_ID,
    GROUPS,
    REBINDABLE,
    SCOPES,
    current_keys,
    in_scope,
)
from newsterm.core.config import parse_config
from newsterm.core.errors import ConfigError

OLD_NAMES = (
    "next", "previous", "next_article", "previous_article", "next_unread", "previous_unread",
    "first", "last", "open", "back", "page_down", "toggle_read", "toggle_starred",
    "mark_all_read", "undo", "open_link", "open_link_next", "copy_link", "search",
    "refresh", "refresh_all", "toggle_show_read", "cycle_sort", "help", "quit",
    "add_feed", "remove_feed", "edit_feed", "feed_errors",
)  # fmt: skip
"""What ``[keys]`` accepted before the table: every one of them still works."""

BOUND_TOGETHER = (("main", "feeds"), ("dialog", "confirm"), ("dialog", "errors"), ("help",))
"""Scopes one screen binds at once (their keys must not clash)."""


def test_ids_are_unique_and_every_field_is_in_range() -> None:
    assert [i for i, n in Counter(a.id for a in ACTIONS).items() if n > 1] == []
    for action in ACTIONS:
        assert action.group in GROUPS, action.id
        assert set(action.scopes) <= set(SCOPES), action.id
        assert set(action.footer) <= set(action.scopes), action.id
        assert action.keys and all(action.keys), action.id
        assert action.label and action.description, action.id
        if action.textual:  # Textual binds it: listed, never rebound
            assert not action.scopes and not action.rebindable, action.id
        else:
            assert action.scopes, f"{action.id} is bound nowhere"
    assert all(in_scope(scope) for scope in SCOPES)


def test_no_two_actions_of_one_place_share_a_key() -> None:
    for scopes in [(scope,) for scope in SCOPES] + list(BOUND_TOGETHER):
        keys = Counter(  # an action bound in two of the scopes counts once
            key
            for action in {a for a in ACTIONS if set(a.scopes) & set(scopes)}
            for key in action.keys
        )
        assert [key for key, n in keys.items() if n > 1] == [], scopes


def test_the_palette_lists_actions_of_the_app_and_the_reader_only() -> None:
    for action in ACTIONS:
        if action.palette:
            assert set(action.scopes) & {"app", "main", "feeds"}, action.id
    titles = Counter(a.palette_title for a in ACTIONS if a.palette)
    assert [t for t, n in titles.items() if n > 1] == []
    assert BY_ID["help"].palette_title == "Keys"


def test_every_name_keys_accepted_before_is_still_rebindable() -> None:
    assert set(OLD_NAMES) <= REBINDABLE
    assert "link_number" not in REBINDABLE and "command_palette" not in REBINDABLE


def test_current_keys_follow_the_keys_table_where_it_may() -> None:
    assert current_keys(BY_ID["next"], {}) == ("j", "down")
    assert current_keys(BY_ID["next"], {"next": ("x",)}) == ("x",)
    assert current_keys(BY_ID["link_number"], {"link_number": ("x",)})[0] == "0"


def _config(keys: str) -> str:
    return f'[[feeds]]\nurl = "https://example.org/feed.xml"\n\n[keys]\n{keys}\n'


def test_config_checks_keys_against_the_table(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    config = parse_config(_config('next = "x"\nfollow_link = ["F", "f"]'), path)
    assert dict(config.keys) == {"next": ("x",), "follow_link": ("F", "f")}
    with pytest.raises(ConfigError, match="unknown action 'launch_rockets'"):
        parse_config(_config('launch_rockets = "x"'), path)
    with pytest.raises(ConfigError, match="'command_palette' cannot be rebound"):
        parse_config(_config('command_palette = "x"'), path)


def test_the_table_imports_nothing_of_the_ui() -> None:
    code = (
        "import sys, newsterm.core.actions, newsterm.core.config; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich') "
        "or m.startswith('newsterm.ui')]; print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
