"""core/run.py with real processes: an argv and no shell, data on stdin only, a time
limit that stops a command and its children, output captured and cleaned."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

from newsterm.core.run import OUTPUT_MAX, run

HOSTILE = "$(touch PWNED); `touch PWNED2` | rm -rf ~ & ; > out.txt \"' \\ \n*"


def script(tmp_path: Path, name: str, body: str) -> Path:
    """A small Python program of ours, runnable by its path."""
    path = tmp_path / name
    path.write_text(f"#!{sys.executable}\nimport json, os, sys\n{body}\n")
    path.chmod(0o755)
    return path


def test_arguments_and_stdin_reach_the_command_as_data(tmp_path: Path) -> None:
    record = tmp_path / "record.json"
    prog = script(
        tmp_path,
        "record.py",
        f"json.dump({{'argv': sys.argv[1:], 'stdin': sys.stdin.read()}}, open({str(record)!r}, 'w'))",
    )
    finished = run([str(prog), HOSTILE, "*"], HOSTILE.encode(), timeout=30, cwd=tmp_path)
    assert finished.ok, finished
    seen = json.loads(record.read_text())
    assert seen == {"argv": [HOSTILE, "*"], "stdin": HOSTILE}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["record.json", "record.py"]


def test_output_is_captured_bounded_and_cleaned(tmp_path: Path) -> None:
    prog = script(
        tmp_path,
        "noisy.py",
        "sys.stdout.write('\\x1b[2J\\x1b]52;c;aGk=\\x07hello\\n' + 'x' * 200000)\n"
        "sys.stderr.write('warning\\n')",
    )
    finished = run([str(prog)], timeout=30)
    assert finished.ok
    assert "\x1b" not in finished.stdout and "\x07" not in finished.stdout
    assert finished.stdout.startswith("[2J]52;c;aGk=hello")
    assert len(finished.stdout) <= OUTPUT_MAX
    assert finished.stderr == "warning\n"


def test_a_failure_says_why_in_one_line(tmp_path: Path) -> None:
    prog = script(
        tmp_path,
        "fail.py",
        "print('first', file=sys.stderr)\nprint('last words', file=sys.stderr)\nsys.exit(3)",
    )
    finished = run([str(prog)], timeout=30)
    assert not finished.ok
    assert finished.problem(30) == "fail.py: exit status 3: last words"
    missing = run([str(tmp_path / "nowhere")], timeout=30)
    assert missing.returncode is None and missing.problem(30) == "nowhere: program not found"
    plain = tmp_path / "plain.txt"
    plain.write_text("not a program")
    assert "permissions" in (run([str(plain)], timeout=30).problem(30) or "")


def test_the_time_limit_stops_the_command_and_its_children(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    child = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    prog = script(
        tmp_path,
        "slow.py",
        "import subprocess, time\n"
        f"subprocess.Popen([sys.executable, '-c', {child!r}])\n"
        f"while not os.path.exists({str(pid_file)!r}): time.sleep(0.01)\n"
        "time.sleep(60)",
    )
    finished = run([str(prog)], timeout=2)
    assert finished.timed_out and not finished.ok
    assert "stopped after 2 s" in (finished.problem(2) or "")
    pid = int(pid_file.read_text())
    for _ in range(100):  # SIGKILL is delivered when the child is next scheduled
        if _gone(pid):
            break
        time.sleep(0.05)
    assert _gone(pid)


def _gone(pid: int) -> bool:
    """The process has ended (a zombie waiting for init to reap it counts)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    state = next(line for line in status.splitlines() if line.startswith("State:"))
    return "Z" in state or "X" in state


def test_a_command_that_never_reads_its_input_does_not_hang(tmp_path: Path) -> None:
    prog = script(tmp_path, "ignore.py", "sys.exit(0)")
    chunks = (b"x" * 65536 for _ in range(200))  # far more than a pipe holds
    assert run([str(prog)], chunks, timeout=30).returncode == 0


def test_cancel_stops_a_running_command(tmp_path: Path) -> None:
    prog = script(tmp_path, "wait.py", "import time\ntime.sleep(60)")
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    finished = run([str(prog)], timeout=120, cancel=cancel)
    assert finished.timed_out
