"""The reader with a sync account (issue 17): start-up paints from the store and
syncs after; an account it cannot reach says so on the status line, its marks queued."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from newsterm.core.models import View
from newsterm.ui.app import NewsApp
from newsterm.ui.screens.feed_dialogs import ConfirmRemoveDialog
from newsterm.ui.widgets.section_tree import SectionTree
from sample import open_sample, settle
from servers.greader import GReaderServer


@pytest.mark.asyncio
async def test_the_account_syncs_after_start_up_and_says_when_offline(
    sample: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NT_GR_PW", "secret")
    config, data = sample
    with GReaderServer() as server:
        feed = server.state.add_feed("https://tech.example/feed", "Tech News", "Technology")
        server.state.add_item(feed, "From the server")
        config.write_text(
            config.read_text()
            + f'\n[[accounts]]\nname = "home"\nkind = "greader"\nurl = "{server.url}"\n'
            'user = "me"\npassword_env = "NT_GR_PW"\n'
        )
        app = NewsApp(open_sample(config, data))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            tree = app.screen.query_one(SectionTree)
            assert (
                View(
                    "source", ("home", "Technology"), "account:home:feed/https://tech.example/feed"
                )
                in tree._view_nodes
            )
            library = app.screen.library  # type: ignore[attr-defined]
            (aid,) = library.article_ids(View("section", ("home",)))
            server.stop()
            library.set_read([aid])
            await app.screen._sync_worker().wait()  # type: ignore[attr-defined]
            await settle(pilot)
            status = str(app.screen.query_one("#status", Static).render())
            assert status == "home: offline, 1 change queued"


async def test_d_on_an_account_feed_unsubscribes_on_the_server(
    sample: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NT_GR_PW", "secret")
    config, data = sample
    with GReaderServer(flavour="miniflux") as server:
        feed = server.state.add_feed("https://tech.example/feed", "Tech News", "Technology")
        server.state.add_item(feed, "From the server")
        config.write_text(
            config.read_text()
            + f'\n[[accounts]]\nname = "home"\nkind = "greader"\nurl = "{server.url}"\n'
            'user = "me"\npassword_env = "NT_GR_PW"\n'
        )
        app = NewsApp(open_sample(config, data))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            key = "account:home:feed/https://tech.example/feed"
            tree = app.screen.query_one(SectionTree)
            assert tree.select_view(View("source", ("home", "Technology"), key))
            await settle(pilot)
            await pilot.press("d")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmRemoveDialog)
            await pilot.press("enter")
            await settle(pilot)
            assert server.state.feeds == {}
            assert View("source", ("home", "Technology"), key) not in tree._view_nodes
