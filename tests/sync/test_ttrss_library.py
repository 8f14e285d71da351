"""Sync with a real TT-RSS, end to end (issue 17): an account in feeds.toml, the Library
over a real SQLite file, the engine, core/sync/ttrss.py, and the private server of
tests/servers/ttrss.py. Marks go both ways; marks made while the server is down arrive
when it is back, after a restart of the Library too."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsterm.core.config import parse_config
from newsterm.core.library import Library
from newsterm.core.models import View
from newsterm.core.store import Store
from servers.ttrss import PASSWORD, USER, Article, TtrssServer


def _library(tmp_path: Path, server: TtrssServer) -> Library:
    text = (
        f'[[accounts]]\nname = "home"\nkind = "ttrss"\nurl = "{server.api_url}"\n'
        f'user = "{USER}"\npassword_env = "NT_TTRSS_PW"\n'
    )
    config = parse_config(text, tmp_path / "feeds.toml")
    return Library(config, Store.open(tmp_path / "data" / "newsterm.db"))


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NT_TTRSS_PW", PASSWORD)


def _rows(lib: Library) -> dict[str, tuple[int, bool, bool]]:
    return {r.title: (r.rowid, r.read, r.starred) for r in lib.rows(lib.article_ids(View("all")))}


def test_a_ttrss_account_reads_and_marks_both_ways_and_keeps_offline_marks(
    tmp_path: Path, ttrss: TtrssServer
) -> None:
    folder = ttrss.add_category("Library e2e")
    feed = ttrss.add_feed("E2E feed", "http://127.0.0.1:9/e2e.xml", folder)
    today = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")  # inside keep_days: read ones stay
    ids = ttrss.add_articles(
        feed,
        [
            Article(f"e2e-{n}", f"E2E article {n}", f"http://127.0.0.1:9/{n}", updated=today)
            for n in range(3)
        ],
    )
    lib = _library(tmp_path, ttrss)
    (report,) = lib.sync_accounts_blocking(force=True)
    assert report.error is None, report.error
    rows = _rows(lib)
    assert {f"E2E article {n}" for n in range(3)} <= set(rows)
    sections = {node.path for node in lib.sections()}
    assert ("home", "Library e2e") in sections  # the account's folder is a section

    # a mark in newsterm reaches the server
    lib.set_read([rows["E2E article 0"][0]])
    lib.set_starred([rows["E2E article 1"][0]])
    (report,) = lib.sync_accounts_blocking(force=True)
    assert report.error is None and report.pushed == 2
    states = ttrss.states()
    assert states[ids[0]] == (False, False) and states[ids[1]] == (True, True)

    # a mark on the server shows in newsterm
    ttrss.psql(f"UPDATE ttrss_user_entries SET unread = false WHERE ref_id = {ids[2]}")
    lib.sync_accounts_blocking(force=True)
    assert _rows(lib)["E2E article 2"][1] is True

    # offline: marks are kept, queued, and arrive once the server is back (a new Library)
    ttrss.stop()
    lib.set_read([rows["E2E article 1"][0]])
    lib.set_starred([rows["E2E article 0"][0]])
    (report,) = lib.sync_accounts_blocking(force=True)
    assert report.error
    assert lib.account_status() == "home: offline, 2 changes queued"
    lib.close()
    ttrss.start()
    lib = _library(tmp_path, ttrss)
    (report,) = lib.sync_accounts_blocking(force=True)
    assert report.error is None and report.pushed == 2
    states = ttrss.states()
    assert states[ids[1]] == (False, True) and states[ids[0]] == (False, True)
    assert lib.account_status() is None
    lib.close()
