"""``full_text`` in feeds.toml: [settings] and per feed, strict, errors naming file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsterm.core.config import parse_config
from newsterm.core.errors import ConfigError

PATH = Path("/home/reader/feeds.toml")


def test_default_settings_and_per_feed() -> None:
    config = parse_config(
        '[settings]\nfull_text = "never"\n\n'
        '[[feeds]]\nurl = "https://a.example/feed"\n\n'
        '[[feeds]]\nurl = "https://b.example/feed"\nfull_text = "always"\n',
        PATH,
    )
    assert config.settings.full_text == "never"
    assert config.full_text_mode("https://a.example/feed") == "never"
    assert config.full_text_mode("https://b.example/feed") == "always"
    assert parse_config("", PATH).settings.full_text == "auto"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[settings]\nrefresh_on_start = false\nfull_text = "sometimes"\n',
            "/home/reader/feeds.toml:3: [settings]: 'full_text' must be one of "
            '"auto", "always", "never", not \'sometimes\'',
        ),
        (
            "[settings]\nfull_text = true\n",
            "/home/reader/feeds.toml:2: [settings]: 'full_text' must be str, not bool",
        ),
        (
            '[[feeds]]\nurl = "https://a.example/f"\n\n[[feeds]]\nurl = "https://b.example/f"\n'
            'full_text = "Always"\n',
            "/home/reader/feeds.toml:6: [[feeds]] entry 2: 'full_text' must be one of "
            '"auto", "always", "never", not \'Always\'',
        ),
        (
            '[[feeds]]\nurl = "https://a.example/f"\nfull_text = 1\n',
            "/home/reader/feeds.toml:3: [[feeds]] entry 1: 'full_text' must be str, not int",
        ),
    ],
)
def test_a_bad_value_is_one_line_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, PATH)
    assert str(caught.value) == message
