"""``newsterm unread`` answered from the store alone (cli_unread.py): the same counts as
the full program, hidden articles left out, without loading the rest of newsterm, and
the full program when the store cannot be read that way."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import clean_env, cli, home  # noqa: F401 - fixture

from newsterm.cli_unread import unread_quick
from newsterm.launch import command_of

HIDE_MARKDOWN = """
[[rules]]
query = 'title:"Markdown heading"'
action = "hide"
"""


def full_program(home: Path, *args: str) -> subprocess.CompletedProcess[str]:  # noqa: F811
    """The same command through cli.main, never the quick path."""
    argv = [*args, "--config", str(home / "conf" / "feeds.toml"), "--data-dir", str(home / "data")]
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from newsterm.cli import main; sys.exit(main())",
            *argv,
        ],
        capture_output=True,
        text=True,
        env=clean_env(home),
        cwd=home,
        timeout=120,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ("unread",),
        ("unread", "--section", "Saved/sub"),
        ("unread", "--json"),
        ("unread", "--section", "Nowhere"),
    ],
)
def test_the_quick_path_prints_what_the_full_program_does(
    home: Path,  # noqa: F811
    argv: tuple[str, ...],
) -> None:
    assert cli(home, "sections").returncode == 0  # the store is made
    quick, full = cli(home, *argv), full_program(home, *argv)
    assert (quick.returncode, quick.stdout, quick.stderr) == (
        full.returncode,
        full.stdout,
        full.stderr,
    )


def test_hidden_articles_are_not_counted(home: Path) -> None:  # noqa: F811
    config = home / "conf" / "feeds.toml"
    config.write_text(config.read_text() + HIDE_MARKDOWN)
    assert cli(home, "sections").returncode == 0  # the store is made, the rule applied
    listed = [line for line in cli(home, "list", "--unread", "--json").stdout.splitlines() if line]
    assert len(listed) == 4  # five unread, one hidden
    assert cli(home, "unread").stdout == "4\n"
    assert full_program(home, "unread").stdout == "4\n"
    sections = json.loads(cli(home, "unread", "--json").stdout)["sections"]
    assert sections["Saved"] == 3


def test_the_quick_path_loads_no_more_than_it_needs(home: Path) -> None:  # noqa: F811
    assert cli(home, "sections").returncode == 0
    script = (
        "import sys; from newsterm.launch import main; code = main(sys.argv[1:]); "
        "print(sorted(m for m in sys.modules if m.startswith('newsterm')), file=sys.stderr)"
    )
    argv = [
        "unread",
        "--config",
        str(home / "conf" / "feeds.toml"),
        "--data-dir",
        str(home / "data"),
    ]
    result = subprocess.run(
        [sys.executable, "-c", script, *argv], capture_output=True, text=True, env=clean_env(home)
    )
    assert result.stdout == "5\n"
    loaded = set(eval(result.stderr))  # noqa: S307 - our own print of a list of names
    assert "newsterm.core.store.counts" in loaded
    for heavy in (
        "newsterm.cli",
        "newsterm.core.library",
        "newsterm.core.config",
        "newsterm.core.store._store",
    ):
        assert heavy not in loaded


def test_without_a_store_the_full_program_answers(tmp_path: Path) -> None:
    argv = [
        "unread",
        "--config",
        str(tmp_path / "feeds.toml"),
        "--data-dir",
        str(tmp_path / "data"),
    ]
    assert unread_quick(argv) is None  # nothing to read: the full program makes the store
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "newsterm.db").write_bytes(b"not a database at all" * 100)
    assert unread_quick(argv) is None  # and the full program says what is wrong with it


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["unread"], "unread"),
        (["--config", "x.toml", "unread", "--json"], "unread"),
        (["--data-dir=d", "--config=c", "unread"], "unread"),
        (["--config", "unread", "list"], "list"),  # "unread" is the config file's name here
        (["--help", "unread"], None),
        (["--version"], None),
        ([], None),
    ],
)
def test_command_of(argv: list[str], command: str | None) -> None:
    assert command_of(argv) == command
