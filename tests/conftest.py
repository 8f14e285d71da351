"""Shared test set-up: a fixed time zone and the deterministic sample reader."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

os.environ["TZ"] = "UTC"
time.tzset()
sys.path.insert(0, str(Path(__file__).parent))

SHARED = Path(__file__).resolve().parents[2] / "shared"
"""``../shared`` beside the repo: the real-world corpus (absent on a fresh machine)."""


@pytest.fixture
def sample(tmp_path: Path) -> tuple[Path, Path]:
    """(feeds.toml, data dir) of the sample reader in a temp folder."""
    from sample import build_sample

    return build_sample(tmp_path)
