"""Pilot tests of the tools keys: | pipes the article to a real command, w saves it,
ctrl+o opens the list's unread articles (asking above 10), E shows when each feed is
next due, feeds.toml edited elsewhere is followed, a failing hook is told."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.widgets import Input, OptionList

from newsterm.core.article_text import article_markdown
from newsterm.core.models import Article, ArticleKey, View
from newsterm.ui.app import NewsApp
from newsterm.ui.screens.feed_dialogs import FeedErrorsDialog
from newsterm.ui.screens.tool_dialogs import ConfirmOpenDialog, PipeDialog
from newsterm.ui.widgets.article_view import ArticleView
from newsterm.ui.widgets.section_tree import SectionTree
from sample import FEED_URL, settle

SIZE = (120, 40)
HOSTILE = "$(touch PWNED) `id` | rm -rf ~ ; [b]bold[/b]"


def script(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(f"#!{sys.executable}\nimport json, os, sys\n{body}\n")
    path.chmod(0o755)
    return path


def configure(sample: tuple[Path, Path], settings: str = "", extra: str = "") -> None:
    """The sample's feeds.toml with more ``[settings]`` and tables."""
    config = sample[0]
    text = config.read_text().replace(
        "[settings]\nrefresh_on_start = false\n",
        f"[settings]\nrefresh_on_start = false\n{settings}\n",
    )
    config.write_text(text + "\n" + extra)


def notes(app: NewsApp) -> list[str]:
    return [n.message for n in app._notifications]


async def open_city_article(pilot) -> None:  # type: ignore[no-untyped-def]
    pilot.app.screen.query_one(SectionTree).select_view(View("section", ("City",)))
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


def recorder(tmp_path: Path) -> tuple[Path, Path]:
    """A command that writes its stdin, argv and NEWSTERM_* variables to a file, and
    prints a line."""
    out = tmp_path / "piped.json"
    prog = script(
        tmp_path,
        "record.py",
        "data = sys.stdin.read()\n"
        "env = {k: v for k, v in os.environ.items() if k.startswith('NEWSTERM_')}\n"
        f"json.dump({{'stdin': data, 'argv': sys.argv[1:], 'env': env}}, open({str(out)!r}, 'w'))\n"
        "print('words:', len(data.split()))",
    )
    return prog, out


async def test_pipe_a_typed_command_gets_the_article_on_stdin(make_app, sample, tmp_path) -> None:
    prog, out = recorder(tmp_path)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_city_article(pilot)
        article = app.screen.query_one(ArticleView).article
        assert article is not None
        await pilot.press("vertical_line")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PipeDialog)
        assert not dialog.query_one("#pipes", OptionList).display  # no [pipes]
        dialog.query_one("#command", Input).value = f"{prog} '{HOSTILE}' $HOME"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is app.main_screen
        seen = json.loads(out.read_text())
        expected = article_markdown(article, app.library.rendered(article))
        assert seen["stdin"] == expected
        assert seen["argv"] == [HOSTILE, "$HOME"]  # split like a shell line, run without one
        assert seen["env"]["NEWSTERM_TITLE"] == article.row.title
        assert seen["env"]["NEWSTERM_ID"] == str(article.row.rowid)
        assert any(m.startswith("record.py:\nwords:") for m in notes(app))
        assert not (tmp_path / "PWNED").exists()
        # offered again next time
        await pilot.press("vertical_line")
        await settle(pilot)
        assert app.screen.query_one("#command", Input).value == f"{prog} '{HOSTILE}' $HOME"


async def test_pipe_to_a_pipes_entry_and_a_failing_one(make_app, sample, tmp_path) -> None:
    prog, out = recorder(tmp_path)
    failing = script(
        tmp_path, "fail.py", "sys.stdin.read()\nprint('no room', file=sys.stderr)\nsys.exit(4)"
    )
    configure(sample, extra=f'[pipes]\nrecord = ["{prog}", "--from-pipes"]\nfail = ["{failing}"]\n')
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_city_article(pilot)
        await pilot.press("vertical_line")
        await settle(pilot)
        pipes = app.screen.query_one("#pipes", OptionList)
        assert pipes.display and pipes.option_count == 2 and app.focused is pipes
        await pilot.press("enter")  # the first: record
        await settle(pilot)
        assert json.loads(out.read_text())["argv"] == ["--from-pipes"]
        await pilot.press("vertical_line")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert "fail.py: exit status 4: no room" in notes(app)


async def test_pipe_on_the_terminal_when_it_cannot_be_handed_over(
    make_app, sample, tmp_path
) -> None:
    prog, out = recorder(tmp_path)
    configure(sample, extra=f'[pipes]\npager = {{ command = ["{prog}"], terminal = true }}\n')
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:  # a headless driver cannot be suspended
        await settle(pilot)
        await open_city_article(pilot)
        await pilot.press("vertical_line")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "This terminal cannot be handed to a command here." in notes(app)
        assert not out.exists() and app.is_running


async def test_w_saves_the_article_as_markdown(make_app, sample, tmp_path) -> None:
    folder = tmp_path / "saved articles"
    configure(sample, settings=f'save_dir = "{folder}"')
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_city_article(pilot)
        article = app.screen.query_one(ArticleView).article
        assert article is not None
        await pilot.press("w")
        await settle(pilot)
        (saved,) = folder.iterdir()
        assert saved.suffix == ".md" and article.row.title in saved.name
        assert saved.read_text() == article_markdown(article, app.library.rendered(article))
        assert f"Saved to {saved}" in notes(app)


def add_unread(app: NewsApp, count: int) -> None:
    """``count`` more unread articles in the City feed, with links."""
    start = datetime(2024, 3, 20, tzinfo=UTC)
    articles = [
        Article(
            ArticleKey(FEED_URL, f"extra-{n}"),
            f"Extra {n}",
            ("City",),
            url=f"https://daily.example.org/extra/{n}",
            published=start + timedelta(minutes=n),
            content="<p>More</p>",
        )
        for n in range(count)
    ]
    app.library._store.save_articles(FEED_URL, articles)


def browser(tmp_path: Path, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    """A $BROWSER that appends each address it is given to a file."""
    out = tmp_path / "opened.txt"
    prog = script(tmp_path, "browser.py", f"open({str(out)!r}, 'a').write(sys.argv[1] + '\\n')")
    monkeypatch.setenv("BROWSER", str(prog))
    return out


def opened(out: Path, expected: int) -> list[str]:
    """The addresses the browser got (each started on its own: wait for them)."""
    import time

    for _ in range(200):
        lines = out.read_text().splitlines() if out.exists() else []
        if len(lines) >= expected:
            return lines
        time.sleep(0.05)
    return out.read_text().splitlines() if out.exists() else []


async def test_ctrl_o_asks_above_ten_then_opens_and_marks_read(
    make_app, sample, tmp_path, monkeypatch
) -> None:
    out = browser(tmp_path, monkeypatch)
    app = make_app()
    add_unread(app, 12)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one(SectionTree).select_view(View("section", ("City",)))
        await settle(pilot)
        unread_before = app.library.unread_count(("City",))
        assert unread_before is not None and unread_before > 10
        await pilot.press("ctrl+o")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmOpenDialog) and dialog.count == unread_before
        await pilot.press("y")
        await settle(pilot)
        urls = opened(out, unread_before)
        assert len(urls) == unread_before
        assert "https://daily.example.org/extra/11" in urls
        assert app.library.unread_count(("City",)) == 0
        assert f"Opened {unread_before} articles." in notes(app)


async def test_ctrl_o_is_capped_by_the_config_and_no_asks_for_nothing(
    make_app, sample, tmp_path, monkeypatch
) -> None:
    out = browser(tmp_path, monkeypatch)
    configure(sample, settings="open_unread_max = 3")
    app = make_app()
    add_unread(app, 12)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one(SectionTree).select_view(View("section", ("City",)))
        await settle(pilot)
        before = app.library.unread_count(("City",))
        assert before is not None
        await pilot.press("ctrl+o")  # 3 at most: no question
        await settle(pilot)
        assert app.screen is app.main_screen
        assert len(opened(out, 3)) == 3
        assert app.library.unread_count(("City",)) == before - 3
        assert f"Opened 3 articles of {before} unread (open_unread_max = 3)." in notes(app)
    # and cancelling opens nothing
    out.unlink()
    config = sample[0]
    config.write_text(config.read_text().replace("open_unread_max = 3", "open_unread_max = 50"))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one(SectionTree).select_view(View("section", ("City",)))
        await settle(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmOpenDialog)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is app.main_screen and not out.exists()


async def test_E_shows_when_each_feed_is_next_due(make_app, sample) -> None:
    configure(sample, settings="refresh_minutes = 30")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("E")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FeedErrorsDialog)
        schedule = dialog.query_one("#schedule", OptionList)
        assert schedule.option_count == 1
        line = str(schedule.get_option_at_index(0).prompt)
        assert "The Sample Daily" in line and "never fetched" in line


async def test_an_outside_edit_of_feeds_toml_is_followed(make_app, sample) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        config = sample[0]
        config.write_text(config.read_text().replace('section = "City"', 'section = "Town"'))
        _touch_later(config)
        app.main_screen._look_at_config()
        await settle(pilot)
        assert app.library.config.feeds[0].section == ("Town",)
        assert "feeds.toml changed: read again." in notes(app)
        assert app.main_screen.query_one(SectionTree).select_view(View("section", ("Town",)))
        config.write_text(config.read_text() + "\n[[feeds]]\nurl = 42\n")
        _touch_later(config, 10)
        app.main_screen._look_at_config()
        await settle(pilot)
        assert app.library.config.feeds[0].section == ("Town",)  # the old config goes on
        (error,) = [m for m in notes(app) if "stay in use" in m]
        assert error.startswith(f"{config}:")


async def test_a_failing_hook_is_told(make_app, sample) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        failure = app.library._hooks.on_failure
        assert failure is not None  # the screen listens once it has started
        # from another thread, as the hooks' thread calls it (the loop runs meanwhile)
        await asyncio.to_thread(failure, "on_new hook failed: x: exit status 1")
        await settle(pilot)
        assert "on_new hook failed: x: exit status 1" in notes(app)


def _touch_later(path: Path, seconds: float = 5) -> None:
    import os
    import time

    stamp = time.time() + seconds
    os.utime(path, (stamp, stamp))
