"""The reading commands' edges (issue 12): a closed pipe, sections whose totals add up,
an unknown section, a search that cannot run, every search result. Real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsterm.core.models import Article, ArticleKey, Source
from newsterm.core.store import Store

FEED = "http://127.0.0.1:9/daily.xml"  # never fetched: the commands here read the store
LONELY = "http://127.0.0.1:9/lonely.xml"
N_ROWS = 3_000


def newsterm(home: Path, *args: str, **popen: object) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSTERM_")}
    env["XDG_CONFIG_HOME"] = str(home / "xdg-config")
    env["XDG_DATA_HOME"] = str(home / "xdg-data")
    argv = [sys.executable, "-m", "newsterm", *args]
    argv += ["--config", str(home / "feeds.toml"), "--data-dir", str(home / "data")]
    return subprocess.Popen(  # type: ignore[call-overload,no-any-return]
        argv, text=True, encoding="utf-8", env=env, cwd=home, **popen
    )


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    process = newsterm(home, *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def article(source: str, guid: str, title: str, content: str = "<p>Kiwi news.</p>") -> Article:
    return Article(
        ArticleKey(source, guid),
        title,
        section=(),
        published=datetime(2024, 3, 1, tzinfo=UTC),
        content=content,
        content_type="html",
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A feed in a section with 3,000 articles (more than a pipe holds), a feed without
    a section, and a local folder (its files are in a section named after it)."""
    home = tmp_path_factory.mktemp("home")
    (home / "notes").mkdir()
    (home / "notes" / "garden.txt").write_text("Garden notes\n\nThe kiwi vines grew.\n")
    (home / "feeds.toml").write_text(
        "[settings]\nrefresh_on_start = false\n\n"
        f'[[feeds]]\nurl = "{FEED}"\ntitle = "The Daily"\nsection = "News/City"\n\n'
        f'[[feeds]]\nurl = "{LONELY}"\ntitle = "Lonely Blog"\n\n'
        '[[local]]\npath = "notes"\n'
    )
    store = Store.open(home / "data" / "newsterm.db")
    try:
        store.sync_sources(
            [
                Source(FEED, "feed", "The Daily", ("News", "City")),
                Source(LONELY, "feed", "Lonely Blog"),
            ]
        )
        long_body = "<p>" + "A long line of words. " * 8_000 + "</p>"
        items = [article(FEED, f"g{i}", f"Kiwi report number {i}") for i in range(N_ROWS)]
        items[0] = article(FEED, "g0", "Kiwi report number 0", long_body)
        store.save_articles(FEED, items)
        store.save_articles(LONELY, [article(LONELY, "l1", "On being alone", "<p>Quiet.</p>")])
    finally:
        store.close()
    return home


@pytest.mark.parametrize(
    "args",
    [("list",), ("list", "--json"), ("sections",), ("search", "kiwi"), ("show", "1")],
)
def test_a_closed_pipe_ends_quietly(home: Path, args: tuple[str, ...]) -> None:
    process = newsterm(home, *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first line is written
    err = process.stderr.read()
    assert process.wait(timeout=120) in (0, 141)
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_list_piped_into_head(home: Path) -> None:
    result = subprocess.run(
        f"{sys.executable} -m newsterm list --config feeds.toml --data-dir data | head -1",
        shell=True,
        capture_output=True,
        text=True,
        cwd=home,
        timeout=120,
    )
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 1
    assert "Traceback" not in result.stderr, result.stderr


def test_sections_list_every_source_so_totals_add_up(home: Path) -> None:
    result = run(home, "sections", "--json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    top = [line for line in lines if len(line["section"]) <= 1]
    assert sum(line["total"] for line in top) == N_ROWS + 2  # every article, once
    sources = {line["source"]: line for line in lines if "source" in line}
    assert list(sources) == ["Lonely Blog"]  # was left out: in no section
    assert sources["Lonely Blog"]["kind"] == "feed" and sources["Lonely Blog"]["total"] == 1
    assert {"section": ["notes"], "unread": 1, "total": 1} in lines  # the folder's name
    plain = run(home, "sections").stdout.splitlines()
    assert "News  (3000/3000)" in plain and "  City  (3000/3000)" in plain
    assert "Lonely Blog [feed]  (1/1)" in plain


def test_an_unknown_section_exits_2_naming_the_closest(home: Path) -> None:
    result = run(home, "list", "--section", "News/Cty")
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line == "newsterm: no section 'News/Cty'; the closest: 'News/City', 'News'"
    result = run(home, "list", "--section", "Zzzz")
    assert result.returncode == 2
    assert "no section 'Zzzz'" in result.stderr and "newsterm sections" in result.stderr


def test_search_prints_every_result_or_limit(home: Path) -> None:
    result = run(home, "search", "kiwi")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == N_ROWS + 1  # the note too; was 50
    assert len(run(home, "search", "kiwi", "--limit", "7").stdout.splitlines()) == 7


@pytest.mark.parametrize("query", ["*kiwi", "+++"])
def test_a_search_that_cannot_run_exits_2_with_one_line(home: Path, query: str) -> None:
    result = run(home, "search", query)
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"newsterm: cannot search for {query!r}: ")
