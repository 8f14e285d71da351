"""Fixtures for the Pilot tests: a NewsApp on the sample reader."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from newsterm.ui.app import NewsApp


@pytest.fixture
def make_app(sample: tuple[Path, Path]) -> Callable[[], NewsApp]:
    """Builds a NewsApp on the sample data; call it again to 'restart' on the same data."""
    from sample import open_sample

    config, data = sample

    def make() -> NewsApp:
        return NewsApp(open_sample(config, data))

    return make
