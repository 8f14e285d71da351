"""Editing feeds.toml: byte-for-byte preservation, duplicates, atomic replacement."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsterm.core import feeds_file
from newsterm.core.config import load_config
from newsterm.core.errors import ConfigError
from newsterm.core.feeds_file import (
    UNCHANGED,
    add_feeds,
    atomic_write,
    normalise_url,
    remove_feed,
    update_feed,
)

ORIGINAL = """\
# newsterm feeds — hand written, with comments everywhere
[settings]
refresh_minutes = 30   # every half hour

# --- technology ---
[[feeds]]
url = "https://a.example/feed"   # the A feed
title = "Alpha"  # keep this note

# Beta is great
[[feeds]]
url = "https://b.example/rss/"
section = "Technology/Mobiles"

[[local]]
path = "~/news/saved"  # scraped pages
section = "Saved"

[keys]
quit = ["q", "ctrl+c"]
"""

NEW_ENTRIES = """
[[feeds]]
url = "https://c.example/atom.xml"
title = "Gamma \\"quoted\\" \\\\ name"
section = "News/Europe"

[[feeds]]
url = "https://d.example/rss"
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(ORIGINAL, encoding="utf-8")
    return path


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- add -------------------------------------------------------------------------------------


def test_add_keeps_everything_else_byte_for_byte(config: Path):
    added = add_feeds(
        config,
        [
            ("https://c.example/atom.xml", 'Gamma "quoted" \\ name', ("News", "Europe")),
            ("  https://d.example/rss  ", None, ()),
        ],
    )
    assert added == ["https://c.example/atom.xml", "https://d.example/rss"]
    text = config.read_text(encoding="utf-8")
    # inserted right after the last [[feeds]] entry, before the blank line and [[local]]
    anchor = 'section = "Technology/Mobiles"\n'
    assert text == ORIGINAL.replace(anchor, anchor + NEW_ENTRIES, 1)
    data = tomllib.loads(text)
    assert data["feeds"][2] == {
        "url": "https://c.example/atom.xml",
        "title": 'Gamma "quoted" \\ name',
        "section": "News/Europe",
    }
    assert data["feeds"][3] == {"url": "https://d.example/rss"}  # no empty title/section keys


def test_added_entries_are_accepted_by_config(config: Path):
    add_feeds(config, [("https://c.example/atom.xml", "Gamma", ("News", "Europe"))])
    loaded = load_config(config)
    assert [(f.url, f.title, f.section) for f in loaded.feeds][-1] == (
        "https://c.example/atom.xml",
        "Gamma",
        ("News", "Europe"),
    )


def test_duplicates_are_skipped(config: Path):
    before = config.read_bytes()
    added = add_feeds(
        config,
        [
            ("HTTPS://A.EXAMPLE/feed/", "same as a", ()),  # scheme/host case, trailing slash
            (" https://b.example/rss ", None, ()),  # stored with a trailing slash
            ("https://new.example/rss", "new", ()),
            ("https://NEW.example/rss/", "repeat within the batch", ()),
        ],
    )
    assert added == ["https://new.example/rss"]
    feeds = tomllib.loads(config.read_text())["feeds"]
    assert [f["url"] for f in feeds] == [
        "https://a.example/feed",
        "https://b.example/rss/",
        "https://new.example/rss",
    ]
    # nothing new: the file is not even rewritten
    assert add_feeds(config, [("https://a.example/feed", None, ())]) == []
    assert config.read_bytes() != before  # (changed once, above)
    again = config.read_bytes()
    assert add_feeds(config, []) == []
    assert config.read_bytes() == again


def test_path_is_case_sensitive_for_duplicates():
    assert normalise_url(" HTTP://Example.COM/Feed/ ") == "http://example.com/Feed"
    assert normalise_url("https://u:Pw@Host.example/x") == "https://u:Pw@host.example/x"
    assert normalise_url("https://a.example/Feed") != normalise_url("https://a.example/feed")


def test_add_creates_missing_file_and_folder(tmp_path: Path):
    path = tmp_path / "new" / "folder" / "feeds.toml"
    assert add_feeds(path, [("https://a.example/rss", "A", ("X",))]) == ["https://a.example/rss"]
    assert (
        path.read_text() == '[[feeds]]\nurl = "https://a.example/rss"\ntitle = "A"\nsection = "X"\n'
    )
    assert stat.S_IMODE(path.stat().st_mode) == feeds_file.NEW_FILE_MODE


def test_add_to_file_without_feeds_appends_at_end(tmp_path: Path):
    path = tmp_path / "feeds.toml"
    original = "# only settings\n[settings]\nshow_read = false\n"
    path.write_text(original)
    add_feeds(path, [("https://a.example/rss", None, ())])
    assert path.read_text() == original + '\n[[feeds]]\nurl = "https://a.example/rss"\n'


def test_add_after_non_contiguous_entries(tmp_path: Path):
    path = tmp_path / "feeds.toml"
    original = (
        '[[feeds]]\nurl = "https://a.example/1"\n\n[keys]\nquit = "q"\n\n'
        '[[feeds]]  # a late entry\nurl = "https://a.example/2"'  # no final newline
    )
    path.write_text(original)
    add_feeds(path, [("https://a.example/3", None, ())])
    assert path.read_text() == original + '\n\n[[feeds]]\nurl = "https://a.example/3"\n'
    assert [f["url"] for f in tomllib.loads(path.read_text())["feeds"]] == [
        "https://a.example/1",
        "https://a.example/2",
        "https://a.example/3",
    ]


def test_multiline_strings_are_not_mistaken_for_entries(tmp_path: Path):
    path = tmp_path / "feeds.toml"
    original = (
        '[[feeds]]\nurl = "https://a.example/1"\ntitle = """\n[[feeds]]\nurl = "nope"\n"""\n'
        "\n[settings]\nshow_read = true\n"
    )
    path.write_text(original)
    add_feeds(path, [("https://a.example/2", None, ())])
    text = path.read_text()
    head = original.split("\n[settings]")[0]
    assert text == head + '\n[[feeds]]\nurl = "https://a.example/2"\n' + original[len(head) :]
    assert len(tomllib.loads(text)["feeds"]) == 2


def test_crlf_and_bom_are_kept(tmp_path: Path):
    path = tmp_path / "feeds.toml"
    original = '\ufeff# windows\r\n[[feeds]]\r\nurl = "https://a.example/1"\r\n'
    path.write_bytes(original.encode("utf-8"))
    add_feeds(path, [("https://a.example/2", None, ())])
    assert path.read_bytes() == (
        original + '\r\n[[feeds]]\r\nurl = "https://a.example/2"\r\n'
    ).encode("utf-8")


def test_titles_are_cleaned_and_bad_urls_refused(config: Path):
    before = config.read_bytes()
    with pytest.raises(ConfigError, match="not an http/https feed URL"):
        add_feeds(config, [("https://ok.example/rss", None, ()), ("file:///etc/passwd", None, ())])
    with pytest.raises(ConfigError, match="whitespace"):
        add_feeds(config, [("https://a b.example/rss", None, ())])
    assert config.read_bytes() == before
    add_feeds(
        config, [("https://e.example/rss", "Evil\x1b[31m\u202e title\n", ("A\x07", "", " B "))]
    )
    entry = tomllib.loads(config.read_text())["feeds"][-1]
    assert entry == {"url": "https://e.example/rss", "title": "Evil[31m title", "section": "A/B"}


# --- remove ----------------------------------------------------------------------------------


def test_remove_keeps_comments_and_other_entries(config: Path):
    assert remove_feed(config, "https://A.example/feed/") is True
    assert config.read_text() == ORIGINAL.replace(
        '[[feeds]]\nurl = "https://a.example/feed"   # the A feed\ntitle = "Alpha"  # keep this note\n',
        "",
        1,
    )
    assert [f["url"] for f in tomllib.loads(config.read_text())["feeds"]] == [
        "https://b.example/rss/"
    ]


def test_remove_last_entry_and_missing_entry(config: Path):
    assert remove_feed(config, "https://b.example/rss") is True
    expected = ORIGINAL.replace(
        '\n# Beta is great\n[[feeds]]\nurl = "https://b.example/rss/"\n'
        'section = "Technology/Mobiles"\n',
        "\n# Beta is great\n",
    )
    assert config.read_text() == expected
    before = config.read_bytes()
    assert remove_feed(config, "https://nowhere.example/rss") is False
    assert config.read_bytes() == before
    assert remove_feed(config, "https://a.example/feed") is True
    assert "feeds" not in tomllib.loads(config.read_text())
    assert "# Beta is great" in config.read_text()


SAMPLES = [
    ORIGINAL,
    '[[feeds]]\nurl = "https://a.example/1"\n',
    "# nothing but a comment\n",
    "",
    '[settings]\nshow_read = false\n\n[[feeds]]\nurl = "https://a.example/1"\n\n# end\n',
]


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(SAMPLES),
    st.lists(
        st.tuples(
            st.from_regex(r"https://[a-z]{1,8}\.example/[a-z0-9/]{0,8}", fullmatch=True),
            st.none() | st.text(min_size=1, max_size=12),
            st.lists(st.from_regex(r"[A-Za-z ]{1,6}", fullmatch=True), max_size=2).map(tuple),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_add_then_remove_gives_back_the_original(
    tmp_path_factory: pytest.TempPathFactory,
    original: str,
    rows: list[tuple[str, str | None, tuple[str, ...]]],
):
    path = tmp_path_factory.mktemp("prop") / "feeds.toml"
    path.write_text(original)
    added = add_feeds(path, rows)
    for url in added:
        assert remove_feed(path, url)
    if original:
        assert path.read_text() == original


# --- update ------------------------------------------------------------------------------------


def test_update_title_and_section_in_place(config: Path):
    assert update_feed(config, "https://a.example/feed", title="Alpha Two", section=("X", "Y"))
    assert config.read_text() == ORIGINAL.replace(
        'title = "Alpha"  # keep this note\n',
        'title = "Alpha Two"  # keep this note\nsection = "X/Y"\n',
    )


def test_update_removes_keys_and_leaves_unchanged_ones(config: Path):
    assert update_feed(config, "https://b.example/rss", section=None)
    assert update_feed(config, "https://a.example/feed", title="")
    text = config.read_text()
    assert text == ORIGINAL.replace('section = "Technology/Mobiles"\n', "").replace(
        'title = "Alpha"  # keep this note\n', ""
    )
    assert update_feed(config, "https://b.example/rss", title="Beta", section="A/B")
    entry = tomllib.loads(config.read_text())["feeds"][1]
    assert entry == {"url": "https://b.example/rss/", "title": "Beta", "section": "A/B"}


def test_update_unchanged_or_missing_does_not_write(config: Path):
    before = config.read_bytes()
    mtime = config.stat().st_mtime_ns
    assert update_feed(config, "https://a.example/feed", title=UNCHANGED) is True
    assert update_feed(config, "https://a.example/feed", title="Alpha") is True
    assert update_feed(config, "https://missing.example/", title="x") is False
    assert config.read_bytes() == before
    assert config.stat().st_mtime_ns == mtime


# --- errors and atomicity -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[[feeds]]\nurl = "https://a.example/1"\ntitle = \n', 3),
        ('[[feeds]]\nurl = "https://a.example/1"\nurl = "https://a.example/2"\n', 3),
        ('[settings]\nx = 1\n[settings]\ny = "unterminated\n', 3),
    ],
)
def test_invalid_toml_is_a_config_error_with_line(tmp_path: Path, text: str, line: int):
    path = tmp_path / "feeds.toml"
    path.write_text(text)
    for edit in (
        lambda: add_feeds(path, [("https://new.example/rss", None, ())]),
        lambda: remove_feed(path, "https://a.example/1"),
        lambda: update_feed(path, "https://a.example/1", title="x"),
    ):
        with pytest.raises(ConfigError) as info:
            edit()
        assert str(info.value).startswith(f"{path}: line {line}: ")
    assert path.read_text() == text
    assert files_in(tmp_path) == ["feeds.toml"]


def test_not_utf8_is_a_config_error(tmp_path: Path):
    path = tmp_path / "feeds.toml"
    path.write_bytes(b'# ok\n# caf\xe9\n[[feeds]]\nurl = "https://a.example/1"\n')
    with pytest.raises(ConfigError, match=r"line 2: not UTF-8 text"):
        add_feeds(path, [("https://new.example/rss", None, ())])


def test_inline_feeds_array_is_refused(tmp_path: Path):
    path = tmp_path / "feeds.toml"
    path.write_text('feeds = [{ url = "https://a.example/1" }]\n')
    with pytest.raises(ConfigError, match=r"not written as \[\[feeds\]\] tables"):
        add_feeds(path, [("https://new.example/rss", None, ())])
    assert path.read_text() == 'feeds = [{ url = "https://a.example/1" }]\n'


def test_failed_replace_leaves_old_file_and_no_temp_file(
    config: Path, monkeypatch: pytest.MonkeyPatch
):
    before = config.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        assert Path(src).read_bytes() != before  # the new text was fully written first
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ConfigError, match="cannot write: No space left on device"):
        add_feeds(config, [("https://new.example/rss", None, ())])
    assert config.read_bytes() == before
    assert files_in(config.parent) == ["feeds.toml"]


def test_failed_fsync_leaves_old_file_and_no_temp_file(
    config: Path, monkeypatch: pytest.MonkeyPatch
):
    before = config.read_bytes()

    def broken_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(ConfigError, match="Input/output error"):
        remove_feed(config, "https://a.example/feed")
    assert config.read_bytes() == before
    assert files_in(config.parent) == ["feeds.toml"]


def test_interrupted_write_removes_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "notes.txt"
    path.write_text("old")

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, "new")
    assert path.read_text() == "old"
    assert files_in(tmp_path) == ["notes.txt"]


def test_atomic_write_keeps_mode_and_follows_symlinks(tmp_path: Path):
    real = tmp_path / "dotfiles" / "feeds.toml"
    real.parent.mkdir()
    real.write_text("old")
    real.chmod(0o600)
    link = tmp_path / "feeds.toml"
    link.symlink_to(real)
    atomic_write(link, "new ✓")
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == "new ✓"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert files_in(real.parent) == ["feeds.toml"]
