"""``[[accounts]]`` in feeds.toml: strict, every error names the file and line, and a
password is never read from the file itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsterm.core.config import parse_config
from newsterm.core.config_accounts import account_password
from newsterm.core.errors import ConfigError, SyncAuthError

GOOD = """\
[[feeds]]
url = "https://example.org/feed"

[[accounts]]
name = "home"
kind = "greader"
url = "https://rss.example.org/api/greader.php/"
user = "me"
password_command = ["pass", "show", "rss"]

[[accounts]]
name = "work"
kind = "ttrss"
url = "https://tt.example.org"
user = "me"
password_env = "TT_PASSWORD"
"""


def test_accounts_are_read_beside_feeds(tmp_path: Path) -> None:
    config = parse_config(GOOD, tmp_path / "feeds.toml")
    home, work = config.accounts
    assert (home.name, home.kind, home.url, home.user) == (
        "home", "greader", "https://rss.example.org/api/greader.php/", "me",
    )  # fmt: skip
    assert home.password_command == ("pass", "show", "rss") and home.password_env is None
    assert (work.kind, work.password_env) == ("ttrss", "TT_PASSWORD")
    assert [s.key for s in config.sources()] == ["https://example.org/feed"]


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (('kind = "ttrss"', 'kind = "fever"'), 13, "'kind' must be one of greader, ttrss"),
        (('name = "work"', 'name = "a:b"'), 12, "'name' must be 1-40 letters"),
        (('name = "work"', 'name = "Home"'), 12, "duplicate name 'Home'"),
        (('url = "https://tt.example.org"', 'url = "ftp://x"'), 14, "'url' must be an http"),
        (('password_env = "TT_PASSWORD"', 'password = "hunter2"'), 16, "unknown key 'password'"),
        (('password_env = "TT_PASSWORD"', 'user2 = "x"'), 16, "unknown key 'user2'"),
        (('password_env = "TT_PASSWORD"', ""), 11, "give one of 'password_command' or"),
        (('["pass", "show", "rss"]', '"pass show rss"'), 9, "must be a list"),
        (('password_env = "TT_PASSWORD"', 'password_env = "A B"'), 16, "an environment variable"),
    ],
)
def test_mistakes_name_the_file_and_line(
    tmp_path: Path, change: tuple[str, str], line: int, message: str
) -> None:
    path = tmp_path / "feeds.toml"
    with pytest.raises(ConfigError) as caught:
        parse_config(GOOD.replace(*change), path)
    assert str(caught.value).startswith(f"{path}:{line}: [[accounts]] entry ")
    assert message in str(caught.value)


def test_the_password_comes_from_the_command_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = GOOD.replace('["pass", "show", "rss"]', '["printf", "s3cret\\\\nsecond line"]')
    home, work = parse_config(text, tmp_path / "feeds.toml").accounts
    assert account_password(home) == "s3cret"
    monkeypatch.delenv("TT_PASSWORD", raising=False)
    with pytest.raises(SyncAuthError, match=r"^work: \$TT_PASSWORD is not set$"):
        account_password(work)
    monkeypatch.setenv("TT_PASSWORD", "pw")
    assert account_password(work) == "pw"
    failing = GOOD.replace('["pass", "show", "rss"]', '["false"]')
    with pytest.raises(SyncAuthError, match="^home: password command failed: false: exit"):
        account_password(parse_config(failing, tmp_path / "feeds.toml").accounts[0])
