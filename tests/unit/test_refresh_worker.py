"""The refresh worker's process set-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def test_workers_yield_the_cpu_only_under_the_ui() -> None:
    """Under the TUI the parsers run niced (the event loop draws); a headless refresh
    (cron, the command line) has nothing to yield to."""
    script = (
        "import os\n"
        "from newsterm.core.refresh.worker import worker_init\n"
        "start = os.nice(0)\n"
        "worker_init(None, None, yield_cpu=False)\n"
        "print(os.nice(0) - start)\n"
        "worker_init(None, None, yield_cpu=True)\n"
        "print(os.nice(0) - start)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(SRC))
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["0", "5"]
