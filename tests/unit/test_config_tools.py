"""feeds.toml's per-feed settings, [hooks] and [pipes] (core/config.py, config_tools.py):
as strict as the rest of the file, every error naming the file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsterm.core.config import FeedOptions, load_config
from newsterm.core.config_tools import HooksConfig, PipeCommand, expand_headers
from newsterm.core.errors import ConfigError

DATA = Path(__file__).resolve().parents[1] / "data" / "config"


def copy_fixture(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copyfile(DATA / name, target)
    return target


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return str(info.value)


def test_per_feed_settings_over_the_defaults(tmp_path: Path) -> None:
    config = load_config(copy_fixture("good_tools.toml", tmp_path))
    first, second, third = (config.feed_options(f.url) for f in config.feeds)
    assert first == FeedOptions(
        refresh_minutes=15,
        keep_days=30,
        max_articles=50,
        enabled=True,
        user_agent="my-reader/1",
        # the feed's own headers win, names compared case-blind; values unexpanded
        headers=(
            ("X-Client", "newsterm"),
            ("Authorization", "Bearer $TOKEN"),
            ("accept-language", "de"),
        ),
    )
    assert second.enabled is False and second.user_agent == "Mozilla/5.0"
    assert second.keep_days == 0 and second.refresh_minutes == 60
    assert third == FeedOptions(
        refresh_minutes=60,
        keep_days=30,
        max_articles=1000,
        user_agent="my-reader/1",
        headers=(("X-Client", "newsterm"), ("Accept-Language", "en")),
    )
    assert config.settings.save_dir == tmp_path / "saved"  # relative to the file
    assert config.settings.open_unread_max == 5


def test_hooks_and_pipes(tmp_path: Path) -> None:
    config = load_config(copy_fixture("good_tools.toml", tmp_path))
    assert config.hooks == HooksConfig(("~/bin/new-articles", "--quiet"), True, 10.0)
    assert config.pipes == (
        PipeCommand("words", ("wc", "-w")),
        PipeCommand("less", ("less", "-R"), terminal=True),
        PipeCommand("edit", ("vim", "-"), terminal=True),
    )


def test_no_hooks_no_pipes_by_default(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text('[[feeds]]\nurl = "https://example.org/"\n')
    config = load_config(path)
    assert config.hooks == HooksConfig() and config.pipes == ()
    assert config.feed_options("https://example.org/") == FeedOptions()


BAD = [
    ("bad_feed_setting.toml", 6, ["refresh_minutes", "int", "entry 2"]),
    ("bad_header_name.toml", 6, ["X Bad Name", "not a header name"]),
    ("bad_header_reserved.toml", 4, ["User-Agent", "user_agent"]),
    ("bad_hooks_string.toml", 6, ["on_new", "must be a list", "without a shell"]),
    ("bad_hooks_key.toml", 3, ["on_error", "unknown key"]),
    ("bad_pipes_value.toml", 3, ["count", "list of strings"]),
    ("bad_pipes_table.toml", 6, ["pager", "unknown key"]),
]


@pytest.mark.parametrize(("name", "line", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_file(name: str, line: int, words: list[str], tmp_path: Path) -> None:
    path = copy_fixture(name, tmp_path)
    message = error_of(path)
    assert message.startswith(f"{path}:{line}: "), message
    for word in words:
        assert word in message, (word, message)
    assert "\n" not in message


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ('[[feeds]]\nurl = "https://a.org/"\nkeep_days = -1\n', 3, "keep_days"),
        ('[[feeds]]\nurl = "https://a.org/"\n\nmax_articles = 1.5\n', 4, "max_articles"),
        ('[[feeds]]\nurl = "https://a.org/"\nenabled = "no"\n', 3, "enabled"),
        ('[[feeds]]\nurl = "https://a.org/"\nuser_agent = "a\\u001bb"\n', 3, "user_agent"),
        ('[[feeds]]\nurl = "https://a.org/"\nheaders = "X: 1"\n', 3, "headers"),
        ('[[feeds]]\nurl = "https://a.org/"\nheaders = { X = 1 }\n', 3, "X"),
        ('[[feeds]]\nurl = "https://a.org/"\nheaders = { X = "a\\nb" }\n', 3, "X"),
        ('[settings]\nheaders = { Host = "x" }\n', 2, "Host"),
        ("[settings]\nopen_unread_max = 0\n", 2, "open_unread_max"),
        ('[settings]\nsave_dir = ""\n', 2, "save_dir"),
        ("[hooks]\non_new = []\n", 2, "on_new"),
        ('[hooks]\non_new = ["", "x"]\n', 2, "on_new"),
        ('[hooks]\non_new = ["a", 3]\n', 2, "on_new"),
        ('[hooks]\non_new = ["a\\u0000"]\n', 2, "on_new"),
        ('[hooks]\nnotify = "yes"\n', 2, "notify"),
        ("[hooks]\n\ntimeout_seconds = 0\n", 3, "timeout_seconds"),
        ('[pipes]\nwords = "wc -w"\n', 2, "words"),
        ("[pipes.less]\nterminal = true\n", 1, "command"),
    ],
)
def test_bad_inline(text: str, line: int, key: str, tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text(text)
    message = error_of(path)
    assert message.startswith(f"{path}:{line}: "), message
    assert key in message, message


def test_header_values_come_from_the_environment() -> None:
    headers = (("Authorization", "Bearer $TOKEN"), ("X-Id", "${USER_ID}-x"), ("X-Cost", "$$5"))
    env = {"TOKEN": "s3cret", "USER_ID": "42"}
    assert expand_headers(headers, env) == {
        "Authorization": "Bearer s3cret",
        "X-Id": "42-x",
        "X-Cost": "$5",
    }


def test_an_unset_variable_names_the_header_never_a_value() -> None:
    with pytest.raises(ConfigError) as info:
        expand_headers((("Authorization", "Bearer $TOKEN"),), {"OTHER": "s3cret"})
    assert str(info.value) == "header Authorization: $TOKEN is not set in the environment"
    with pytest.raises(ConfigError) as info:
        expand_headers((("X", "$EVIL"),), {"EVIL": "a\r\nHost: evil.example"})
    assert "control characters" in str(info.value) and "evil" not in str(info.value)
