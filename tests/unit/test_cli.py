"""The command line, run as a real subprocess on temp config and data folders."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from newsterm import __version__
from newsterm.core.models import View
from newsterm.core.store import Store

DATA = Path(__file__).resolve().parents[1] / "data"
ROW_KEYS = ["id", "title", "section", "source", "url", "published", "read", "starred"]


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSTERM_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-config")
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg-data")
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg-cache")
    env.pop("BROWSER", None)
    env.update(extra)
    return env


def run(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsterm", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env if env is not None else clean_env(tmp_path),
        cwd=tmp_path,
        timeout=120,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A config with a [[local]] folder of our sample articles, and a data dir."""
    articles = tmp_path / "conf" / "articles"
    shutil.copytree(DATA / "local", articles)
    (tmp_path / "conf" / "feeds.toml").write_text(
        '[settings]\nrefresh_on_start = false\n\n[[local]]\npath = "articles"\nsection = "Saved"\n'
    )
    return tmp_path


def cli(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run(
        home,
        *args,
        "--config",
        str(home / "conf" / "feeds.toml"),
        "--data-dir",
        str(home / "data"),
        env=clean_env(home, **env),
    )


def json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def by_title(rows: list[dict]) -> dict[str, dict]:
    return {r["title"]: r for r in rows}


def test_version(tmp_path: Path) -> None:
    result = run(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"newsterm {__version__}"


def test_help(tmp_path: Path) -> None:
    result = run(tmp_path, "--help")
    assert result.returncode == 0
    for word in ("sections", "list", "search", "show", "refresh", "read", "--config", "--data-dir"):
        assert word in result.stdout
    assert result.stderr == ""


def test_usage_error_is_one_line(tmp_path: Path) -> None:
    result = run(tmp_path, "list", "--bogus")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_sections_json(home: Path) -> None:
    result = cli(home, "sections", "--json")
    assert result.returncode == 0, result.stderr
    lines = json_lines(result.stdout)
    for line in lines:
        assert list(line) == ["section", "unread", "total"]
    got = {tuple(line["section"]): (line["unread"], line["total"]) for line in lines}
    assert got == {
        ("Saved",): (4, 4),
        ("Saved", "sub"): (1, 1),
        ("Saved", "sub", "deeper"): (1, 1),
        ("Science",): (1, 1),
        ("Science", "Space"): (1, 1),
    }


def test_sections_plain(home: Path) -> None:
    result = cli(home, "sections")
    assert result.returncode == 0, result.stderr
    assert "Saved  (4/4)" in result.stdout.splitlines()
    assert "  Space  (1/1)" in result.stdout.splitlines()


def test_list_json(home: Path) -> None:
    result = cli(home, "list", "--json")
    assert result.returncode == 0, result.stderr
    rows = json_lines(result.stdout)
    assert len(rows) == 5
    for row in rows:
        assert list(row) == ROW_KEYS
        assert isinstance(row["id"], str) and row["id"].isdigit()
        assert row["read"] is False and row["starred"] is False
        assert row["url"] is None
        assert isinstance(row["section"], list)
    titles = by_title(rows)
    assert set(titles) == {
        "Probe reaches the outer planets",
        "Notes from the garden",
        "Markdown heading title",
        "Html & headline",
        "A nested note",
    }
    assert titles["Probe reaches the outer planets"]["section"] == ["Science", "Space"]
    assert titles["A nested note"]["section"] == ["Saved", "sub", "deeper"]
    assert titles["Notes from the garden"]["section"] == ["Saved"]
    assert titles["Notes from the garden"]["source"] == "Saved"


def test_list_section(home: Path) -> None:
    result = cli(home, "list", "--section", "Science/Space", "--json")
    assert result.returncode == 0, result.stderr
    assert [r["title"] for r in json_lines(result.stdout)] == ["Probe reaches the outer planets"]
    result = cli(home, "list", "--section", "Saved", "--json")
    assert {r["title"] for r in json_lines(result.stdout)} == {
        "Notes from the garden",
        "Markdown heading title",
        "Html & headline",
        "A nested note",
    }
    result = cli(home, "list", "--section", "Nowhere", "--json")  # issue 12: an error now
    assert result.returncode == 2 and result.stdout == ""
    assert "'Nowhere'" in result.stderr


def test_read_and_starred_persist_across_runs(home: Path) -> None:
    first = json_lines(cli(home, "list", "--json").stdout)
    ids = {r["title"]: int(r["id"]) for r in first}
    store = Store.open(home / "data" / "newsterm.db")
    try:
        store.set_flag([ids["Notes from the garden"]], "read", True)
        store.set_flag([ids["A nested note"]], "starred", True)
    finally:
        store.close()
    rows = by_title(json_lines(cli(home, "list", "--json").stdout))
    assert rows["Notes from the garden"]["read"] is True
    assert rows["A nested note"]["starred"] is True
    assert rows["Html & headline"]["read"] is False
    assert {r["id"] for r in first} == {r["id"] for r in rows.values()}  # ids are stable

    unread = json_lines(cli(home, "list", "--unread", "--json").stdout)
    assert "Notes from the garden" not in {r["title"] for r in unread}
    assert len(unread) == 4
    starred = json_lines(cli(home, "list", "--starred", "--json").stdout)
    assert [r["title"] for r in starred] == ["A nested note"]
    section_unread = json_lines(
        cli(home, "list", "--section", "Saved", "--unread", "--json").stdout
    )
    assert len(section_unread) == 3
    sections = {
        tuple(s["section"]): (s["unread"], s["total"])
        for s in json_lines(cli(home, "sections", "--json").stdout)
    }
    assert sections[("Saved",)] == (3, 4)
    # and the store agrees after the CLI runs
    store = Store.open(home / "data" / "newsterm.db")
    try:
        assert len(store.article_ids(View("unread"))) == 4
    finally:
        store.close()


def test_list_plain_and_limit(home: Path) -> None:
    result = cli(home, "list", "--limit", "2")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2


def test_show(home: Path) -> None:
    rows = by_title(json_lines(cli(home, "list", "--json").stdout))
    aid = rows["Probe reaches the outer planets"]["id"]
    result = cli(home, "show", aid)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "# Probe reaches the outer planets"
    body = result.stdout.split("\n", 1)[1]
    assert "The probe launched eleven years ago" in body
    assert "What comes next" in body
    assert (
        body.index("The probe launched")
        < body.index("What comes next")
        < body.index("Scientists hope")
    )
    # the title is not repeated in the body
    assert body.count("Probe reaches the outer planets") == 0


def test_show_html_article(home: Path) -> None:
    rows = by_title(json_lines(cli(home, "list", "--json").stdout))
    result = cli(home, "show", rows["Html & headline"]["id"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Html & headline\n")
    assert "kohlrabi" in result.stdout
    assert "<p>" not in result.stdout


@pytest.mark.parametrize("bad_id", ["999999", "abc", "-1"])
def test_show_missing(home: Path, bad_id: str) -> None:
    result = cli(home, "show", bad_id)
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_show_missing_message(home: Path) -> None:
    result = cli(home, "show", "999999")
    assert result.returncode == 1
    assert "999999" in result.stderr


def test_search_json(home: Path) -> None:
    result = cli(home, "search", "kohlrabi", "--json")
    assert result.returncode == 0, result.stderr
    rows = json_lines(result.stdout)
    assert [r["title"] for r in rows] == ["Html & headline"]
    assert list(rows[0]) == ROW_KEYS
    result = cli(home, "search", "tomato*", "--json")  # a prefix of "Tomatoes", asked for
    assert [r["title"] for r in json_lines(result.stdout)] == ["Notes from the garden"]
    assert cli(home, "search", "tomato", "--json").stdout == ""  # only when asked for
    result = cli(home, "search", 'NEAR( "*', "--json")
    assert result.returncode == 0 and "Traceback" not in result.stderr


def test_list_and_search_take_a_query(home: Path) -> None:
    result = cli(home, "list", "--query", "kohlrabi or tomato*", "--json")
    assert result.returncode == 0, result.stderr
    titles = {r["title"] for r in json_lines(result.stdout)}
    assert titles == {"Html & headline", "Notes from the garden"}
    result = cli(home, "list", "--query", "-kohlrabi tomato*", "--section", "Saved", "--json")
    assert [r["title"] for r in json_lines(result.stdout)] == ["Notes from the garden"]
    result = cli(home, "search", "title:garden starred", "--json")
    assert result.returncode == 0 and result.stdout == ""
    result = cli(home, "search", "(kohlrabi or garden")
    assert result.returncode == 2
    assert result.stderr.strip() == "newsterm: query: 1:20: expected ')'"


BAD_CONFIGS = [
    ('[settings]\nkeep_days = 30\nconcurrency = "x"\n', 3),
    ('[[feeds]]\nurl = "javascript:alert(1)"\n', 2),
    ("[settings\n", 1),
    (b'[[feeds]]\nurl = "https://a.org/"\ntitle = "caf\xe9"\n', 3),
    ('[[feeds]]\ntitle = "x"\nurl = "http://[::1/feed"\n', 3),
]


@pytest.mark.parametrize(("text", "line"), BAD_CONFIGS)
def test_bad_config_one_line_exit_2(tmp_path: Path, text: str | bytes, line: int) -> None:
    path = tmp_path / "bad.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    result = run(tmp_path, "list", "--config", str(path), "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert f"{path}:{line}:" in result.stderr
    assert result.stdout == ""


def test_newsterm_config_env(home: Path) -> None:
    env = clean_env(
        home,
        NEWSTERM_CONFIG=str(home / "conf" / "feeds.toml"),
        NEWSTERM_DATA_DIR=str(home / "envdata"),
    )
    result = run(home, "sections", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert ["Science", "Space"] in [s["section"] for s in json_lines(result.stdout)]
    assert (home / "envdata" / "newsterm.db").is_file()
    assert not (home / "xdg-config").exists()


def test_newsterm_config_env_missing_file(tmp_path: Path) -> None:
    env = clean_env(tmp_path, NEWSTERM_CONFIG=str(tmp_path / "missing.toml"))
    result = run(tmp_path, "sections", env=env)
    assert result.returncode == 2
    assert "missing.toml" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    # a chosen file is never created for the user
    assert not (tmp_path / "missing.toml").exists()


def test_first_run_writes_default_config(tmp_path: Path) -> None:
    result = run(tmp_path, "sections", "--json")
    assert result.returncode == 0, result.stderr
    config = tmp_path / "xdg-config" / "newsterm" / "feeds.toml"
    assert config.is_file()
    assert (config.parent / "welcome" / "01-welcome.txt").is_file()
    assert str(config) in result.stderr
    assert "default config" in result.stderr
    sections = {tuple(s["section"]): (s["unread"], s["total"]) for s in json_lines(result.stdout)}
    assert sections[("Welcome",)] == (4, 4)
    assert (tmp_path / "xdg-data" / "newsterm" / "newsterm.db").is_file()
    # the second run does not write or announce again
    mtime = config.stat().st_mtime_ns
    again = run(tmp_path, "sections", "--json")
    assert again.returncode == 0
    assert "default config" not in again.stderr
    assert config.stat().st_mtime_ns == mtime
    titles = [r["title"] for r in json_lines(run(tmp_path, "list", "--json").stdout)]
    assert "Welcome to newsterm" in titles


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_refresh_unreachable_feeds(tmp_path: Path) -> None:
    port = closed_port()
    config = tmp_path / "feeds.toml"
    config.write_text(
        f'[settings]\ntimeout_seconds = 5\n\n[[feeds]]\nurl = "http://127.0.0.1:{port}/a.xml"\n'
        f'title = "Feed A"\n\n[[feeds]]\nurl = "http://127.0.0.1:{port}/b.xml"\ntitle = "Feed B"\n'
    )
    result = run(tmp_path, "refresh", "--config", str(config), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if "error" in line]
    assert len(errors) == 2, result.stdout
    assert any("Feed A" in line for line in errors)
    assert any("Feed B" in line for line in errors)


def test_refresh_no_feeds(home: Path) -> None:
    result = cli(home, "refresh")
    assert result.returncode == 0
    assert "no feeds" in result.stdout


def test_corrupt_database_is_kept_and_replaced(home: Path) -> None:
    (home / "data").mkdir()
    (home / "data" / "newsterm.db").write_bytes(b"garbage, not sqlite\n" * 100)
    result = cli(home, "list", "--json")
    assert result.returncode == 0, result.stderr
    assert len(json_lines(result.stdout)) == 5
    assert "corrupt" in result.stderr
    aside = list((home / "data").glob("newsterm.db.corrupt-*"))
    assert aside and aside[0].read_bytes() == b"garbage, not sqlite\n" * 100


def test_saved_searches_rules_and_mark_read_by_query(home: Path) -> None:
    conf = home / "conf" / "feeds.toml"
    conf.write_text(
        conf.read_text()
        + "\n[[queries]]\nname = \"Garden\"\nquery = 'title:garden'\n"
        + "\n[[rules]]\nquery = 'kohlrabi'\naction = \"hide\"\n"
    )
    result = cli(home, "sections", "--json")
    assert result.returncode == 0, result.stderr
    saved = [line for line in json_lines(result.stdout) if "query" in line]
    assert saved == [{"query": "title:garden", "name": "Garden", "unread": 1, "total": 1}]
    assert cli(home, "rules", "apply").stdout.startswith("1 rules applied (hide: ")
    listed = [r["title"] for r in json_lines(cli(home, "list", "--json").stdout)]
    assert "Html & headline" not in listed
    hidden = [r["title"] for r in json_lines(cli(home, "list", "--hidden", "--json").stdout)]
    assert "Html & headline" in hidden
    assert cli(home, "search", "kohlrabi").stdout == ""
    result = cli(home, "mark-read", "--query", "title:garden")
    assert result.stdout.strip() == "1 articles marked read", result.stderr
    rows = json_lines(cli(home, "list", "--query", "title:garden", "--json").stdout)
    assert [r["read"] for r in rows] == [True]
