"""A real TT-RSS for the sync tests: started once per session, skipped without it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from servers.ttrss import TtrssServer, missing


@pytest.fixture(scope="session")
def ttrss() -> Iterator[TtrssServer]:
    """The private TT-RSS (see tests/servers/ttrss.py); skips when it cannot run here."""
    reason = missing()
    if reason:
        if os.environ.get("NEWSTERM_REQUIRE_TTRSS"):  # CI installed it: it must run
            pytest.fail(f"NEWSTERM_REQUIRE_TTRSS is set but {reason}")
        pytest.skip(f"no TT-RSS here: {reason}")
    server = TtrssServer()
    try:
        yield server
    finally:
        server.close()
