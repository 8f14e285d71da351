"""core/config.py and core/paths.py: feeds.toml is strict and every error names file:line."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from newsterm.core.config import Config, Settings, load_config, parse_config
from newsterm.core.errors import ConfigError
from newsterm.core.paths import (
    CONFIG_ENV,
    DATA_DIR_ENV,
    DB_NAME,
    default_config_file,
    install_default_config,
    resolve_paths,
    welcome_dir,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[1] / "data" / "config"


def copy_fixture(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copyfile(DATA / name, target)
    return target


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return str(info.value)


# -- the shipped file ------------------------------------------------------------------


def test_shipped_feeds_toml_parses() -> None:
    config = load_config(ROOT / "feeds.toml")
    assert len(config.feeds) == 5
    assert all(f.url.startswith("https://") for f in config.feeds)
    assert all(f.title and f.section for f in config.feeds)
    assert ("Technology", "Linux") in [f.section for f in config.feeds]
    assert len(config.local) == 1
    assert config.local[0].path == (ROOT / "welcome").resolve()
    assert config.local[0].section == ("Welcome",)
    assert config.local[0].path.is_dir()
    # the shipped values are the documented defaults
    assert config.settings == Settings()


def test_shipped_default_config_is_the_repo_file() -> None:
    assert default_config_file().read_bytes() == (ROOT / "feeds.toml").read_bytes()
    assert sorted(p.name for p in welcome_dir().iterdir()) == sorted(
        p.name for p in (ROOT / "welcome").iterdir()
    )


def test_sources_order_and_keys() -> None:
    config = load_config(ROOT / "feeds.toml")
    sources = config.sources()
    assert [s.kind for s in sources] == ["feed"] * 5 + ["local"]
    assert sources[0].key == config.feeds[0].url
    assert sources[-1].key == f"local:{config.local[0].path}"
    assert sources[-1].path == str(config.local[0].path)


# -- a good file with every setting -----------------------------------------------------


def test_good_file_every_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    path = copy_fixture("good_full.toml", tmp_path)
    config = load_config(path)
    assert config.path == path
    assert config.settings == Settings(
        refresh_on_start=False,
        refresh_minutes=30,
        concurrency=8,
        per_host=3,
        timeout_seconds=12.5,
        max_feed_mb=5,
        keep_days=30,
        max_articles_per_feed=200,
        show_read=False,
    )
    assert dict(config.keys) == {
        "next_unread": ("n",),
        "open_link": ("o", "enter"),
        "quit": ("ctrl+q",),
    }
    assert [f.url for f in config.feeds] == [
        "https://example.org/feed.xml",
        "http://example.net/rss",
    ]
    assert config.feeds[0].title == "Example Feed"
    assert config.feeds[0].section == ("Technology", "Mobiles")
    assert config.feeds[1].title is None
    assert config.feeds[1].section == ()
    # relative to the config file's folder, not the working directory
    assert config.local[0].path == (tmp_path / "articles").resolve()
    assert config.local[0].section == ("Saved", "Pages")
    # ~ is the home folder
    assert config.local[1].path == (home / "news-folder").resolve()
    assert config.local[1].section == ()


def test_relative_path_independent_of_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf_dir = tmp_path / "conf"
    conf_dir.mkdir()
    path = conf_dir / "feeds.toml"
    path.write_text('[[local]]\npath = "../saved/pages"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_config(path).local[0].path == (tmp_path / "saved" / "pages").resolve()


def test_int_accepted_for_float_setting(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text("[settings]\ntimeout_seconds = 5\n")
    value = load_config(path).settings.timeout_seconds
    assert value == 5.0 and isinstance(value, float)


def test_empty_file_is_defaults(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text("# nothing yet\n")
    config = load_config(path)
    assert config == Config(path)


def test_reading_never_modifies_the_file(tmp_path: Path) -> None:
    path = copy_fixture("good_full.toml", tmp_path)
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    load_config(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    bad = copy_fixture("bad_type.toml", tmp_path)
    os.utime(bad, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before_bad = (bad.read_bytes(), bad.stat().st_mtime_ns)
    with pytest.raises(ConfigError):
        load_config(bad)
    assert (bad.read_bytes(), bad.stat().st_mtime_ns) == before_bad
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad_type.toml", "good_full.toml"]


# -- bad files: ConfigError "<path>:<line>: ..." naming the key -------------------------

BAD = [
    # (fixture, line, words the message must contain)
    ("bad_syntax.toml", 5, ["TOML syntax error"]),
    ("bad_type.toml", 3, ["concurrency", "int", "str"]),
    ("bad_range.toml", 4, ["concurrency", "between"]),
    ("bad_unknown_setting.toml", 3, ["colour_scheme", "unknown"]),
    ("bad_unknown_feed_key.toml", 6, ["titel", "unknown", "entry 2"]),
    ("bad_unknown_local_key.toml", 3, ["folder", "unknown"]),
    ("bad_top_level.toml", 4, ["feed", "unknown top-level"]),
    ("bad_missing_url.toml", 4, ["url", "missing", "entry 2"]),
    ("bad_missing_path.toml", 1, ["path", "missing"]),
    ("bad_duplicate_url.toml", 6, ["url", "duplicate"]),
    ("bad_javascript_url.toml", 3, ["url", "http"]),
    ("bad_file_url.toml", 5, ["url", "http"]),
    ("bad_keys_action.toml", 3, ["launch_rockets", "unknown action"]),
    ("bad_keys_key.toml", 3, ["open_link", "not a key!"]),
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
        ("[settings]\nconcurrency = 65\n", 2, "concurrency"),
        ("[settings]\n\ntimeout_seconds = 0.5\n", 3, "timeout_seconds"),
        ("[settings]\ntimeout_seconds = nan\n", 2, "timeout_seconds"),
        ("[settings]\nkeep_days = -1\n", 2, "keep_days"),
        ("[settings]\nconcurrency = true\n", 2, "concurrency"),
        ("[settings]\nshow_read = 1\n", 2, "show_read"),
        ("[settings]\nrefresh_minutes = 1.5\n", 2, "refresh_minutes"),
        ('[[feeds]]\nurl = "ftp://example.org/feed"\n', 2, "url"),
        ('[[feeds]]\nurl = "https:///no-host"\n', 2, "url"),
        ('[[feeds]]\nurl = "JavaScript:alert(1)"\n', 2, "url"),
        ("[[feeds]]\nurl = 42\n", 2, "url"),
        ('[[feeds]]\nurl = "https://e.org/"\ntitle = "a\\u001b[31mb"\n', 3, "title"),
        ('[[local]]\npath = ""\n', 2, "path"),
        ('[[local]]\npath = ["a"]\n', 2, "path"),
        ("[keys]\nquit = []\n", 2, "quit"),
        ("[keys]\nquit = 5\n", 2, "quit"),
        ('[keys]\nquit = "ctrl+"\n', 2, "quit"),
        ('name = "x"\n[settings]\n', 1, "name"),
        (
            '[settings]\nconcurrency = 4\n\n[[feeds]]\nurl = "https://a.org/"\nsection = 3\n',
            6,
            "section",
        ),
    ],
)
def test_bad_inline(text: str, line: int, key: str, tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text(text)
    message = error_of(path)
    assert message.startswith(f"{path}:{line}: "), message
    assert key in message, message


def test_url_that_urlsplit_rejects_is_a_config_error(tmp_path: Path) -> None:
    # urlsplit() raises ValueError("Invalid IPv6 URL") here: it must still be a ConfigError
    path = tmp_path / "feeds.toml"
    path.write_text('[[feeds]]\ntitle = "x"\nurl = "http://[::1/feed"\n')
    message = error_of(path)
    assert message.startswith(f"{path}:3: "), message
    assert "url" in message


def test_dotted_settings_key_error_names_line(tmp_path: Path) -> None:
    # settings written as a dotted key instead of a [settings] header is valid TOML
    path = tmp_path / "feeds.toml"
    path.write_text('# comment\nsettings.concurrency = "x"\n')
    message = error_of(path)
    assert message.startswith(f"{path}:2: "), message
    assert "concurrency" in message


def test_inline_feeds_array_error_names_line(tmp_path: Path) -> None:
    # feeds = [{...}] is the same data as [[feeds]]; its errors need a line as well
    path = tmp_path / "feeds.toml"
    path.write_text('# feeds\nfeeds = [{ url = "javascript:alert(1)" }]\n')
    message = error_of(path)
    assert message.startswith(f"{path}:2: "), message
    assert "url" in message


def test_duplicate_after_strip(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text('[[feeds]]\nurl = "https://a.org/x"\n[[feeds]]\nurl = " https://a.org/x "\n')
    message = error_of(path)
    assert message.startswith(f"{path}:4: ") and "duplicate" in message


# -- encodings and odd bytes --------------------------------------------------------------

GOOD_TEXT = (
    '[settings]\nconcurrency = 3\n\n[[feeds]]\nurl = "https://example.org/feed"\ntitle = "Café"\n'
)


def test_utf8_bom_parses(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD_TEXT.encode())
    config = load_config(path)
    assert config.settings.concurrency == 3
    assert config.feeds[0].title == "Café"


def test_crlf_parses(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_bytes(GOOD_TEXT.replace("\n", "\r\n").encode())
    config = load_config(path)
    assert config.settings.concurrency == 3
    assert config.feeds[0].url == "https://example.org/feed"


def test_crlf_error_line(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_bytes(b"[settings]\r\n\r\nconcurrency = 0\r\n")
    assert error_of(path).startswith(f"{path}:3: ")


def test_bom_error_line(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_bytes(b"\xef\xbb\xbf[settings]\nkeep_days = 'x'\n")
    assert error_of(path).startswith(f"{path}:2: ")


def test_non_utf8_names_line(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_bytes(b'[[feeds]]\nurl = "https://a.org/"\ntitle = "caf\xe9"\n')
    message = error_of(path)
    assert message.startswith(f"{path}:3: "), message
    assert "UTF-8" in message


def test_nul_byte_names_line(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_bytes(b"[settings]\nconcurrency = 4\n\x00\x00\n")
    message = error_of(path)
    assert message.startswith(f"{path}:3: "), message


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00")
    message = error_of(path)
    assert re.match(rf"^{re.escape(str(path))}:\d+: ", message), message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    message = error_of(path)
    assert message.startswith(str(path)) and "no such file" in message


def test_parse_config_text_directly(tmp_path: Path) -> None:
    config = parse_config('[[local]]\npath = "x"\n', tmp_path / "f.toml")
    assert config.local[0].path == (tmp_path / "x").resolve()


# -- paths ------------------------------------------------------------------------------


def test_resolve_paths_from_arguments(tmp_path: Path) -> None:
    env = {CONFIG_ENV: "/env/feeds.toml", DATA_DIR_ENV: "/env/data"}
    paths = resolve_paths(tmp_path / "c.toml", tmp_path / "data", environ=env)
    assert paths.config_file == tmp_path / "c.toml"
    assert paths.data_dir == tmp_path / "data"
    assert paths.db == tmp_path / "data" / DB_NAME
    assert not paths.config_is_default


def test_resolve_paths_from_env(tmp_path: Path) -> None:
    env = {CONFIG_ENV: str(tmp_path / "e.toml"), DATA_DIR_ENV: str(tmp_path / "edata")}
    paths = resolve_paths(environ=env)
    assert paths.config_file == tmp_path / "e.toml"
    assert paths.data_dir == tmp_path / "edata"
    assert not paths.config_is_default


def test_resolve_paths_relative_and_tilde(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    paths = resolve_paths("rel.toml", "~/d", environ={})
    assert paths.config_file == (tmp_path / "rel.toml").resolve()
    assert paths.data_dir == (tmp_path / "home" / "d").resolve()


def test_resolve_paths_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    paths = resolve_paths(environ={CONFIG_ENV: "", DATA_DIR_ENV: ""})
    assert paths.config_file == tmp_path / "cfg" / "newsterm" / "feeds.toml"
    assert paths.data_dir == tmp_path / "share" / "newsterm"
    assert paths.config_is_default


def test_install_default_config(tmp_path: Path) -> None:
    target = tmp_path / "cfg" / "newsterm" / "feeds.toml"
    install_default_config(target)
    assert target.read_bytes() == (ROOT / "feeds.toml").read_bytes()
    welcome = target.parent / "welcome"
    shipped = sorted(p.name for p in (ROOT / "welcome").iterdir() if not p.name.startswith("."))
    assert sorted(p.name for p in welcome.iterdir()) == shipped
    for name in shipped:
        assert (welcome / name).read_bytes() == (ROOT / "welcome" / name).read_bytes()
    # the written config points at the written welcome folder
    config = load_config(target)
    assert config.local[0].path == welcome.resolve()


def test_install_default_config_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "feeds.toml"
    target.write_text("# mine\n")
    welcome = tmp_path / "welcome"
    welcome.mkdir()
    (welcome / "01-welcome.txt").write_text("my own edit\n")
    install_default_config(target)
    assert target.read_text() == "# mine\n"
    assert (welcome / "01-welcome.txt").read_text() == "my own edit\n"
    # installing twice changes nothing either
    install_default_config(target)
    assert target.read_text() == "# mine\n"


def test_per_host_never_exceeds_concurrency() -> None:
    from newsterm.core.refresh import fetch_limits

    assert fetch_limits(Settings()).per_host == 8
    assert fetch_limits(Settings(concurrency=4, per_host=8)).per_host == 4
    assert fetch_limits(Settings(concurrency=32, per_host=20)).per_host == 20


# -- sidebar_width ------------------------------------------------------------------------


def test_sidebar_width_is_automatic_by_default_or_a_number_of_columns(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    assert parse_config("", path).settings.sidebar_width == 0
    assert parse_config("[settings]\nsidebar_width = 40\n", path).settings.sidebar_width == 40
    assert parse_config("[settings]\nsidebar_width = 0\n", path).settings.sidebar_width == 0


@pytest.mark.parametrize("value", ["5", "121", "-1", '"wide"', "30.5", "true"])
def test_a_bad_sidebar_width_is_one_line_naming_the_line(value: str, tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text(f"[settings]\nrefresh_on_start = false\nsidebar_width = {value}\n")
    message = error_of(path)
    assert message.startswith(f"{path}:3: [settings]: 'sidebar_width' must be "), message
    assert "\n" not in message
    if value in ("5", "121", "-1"):
        assert message.endswith(f"0 (automatic) or between 12 and 120, not {value}"), message
