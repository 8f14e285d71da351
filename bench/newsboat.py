"""newsboat as the reference, and whole-process measurement of any command.

path, reason = ensure_newsboat()        # installs with apt-get when missing
if path is None: print(f"newsboat unavailable: {reason}, comparison skipped")
wall, rss_kb = run_newsboat_reload(urls, workdir, threads=16)
wall, rss_kb = run_command_measured(["newsterm", "--config", ..., "refresh"], env)
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

GNU_TIME = "/usr/bin/time"


def ensure_newsboat(install: bool = True) -> tuple[str | None, str]:
    """(path to newsboat, "") or (None, reason). Tries apt-get install when missing."""
    found = shutil.which("newsboat")
    if found or not install:
        return found, "" if found else "not on PATH"
    if not shutil.which("apt-get"):
        return None, "not on PATH and no apt-get"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", "newsboat"]
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            return None, "not on PATH, and not root to apt-get install it"
        cmd = ["sudo", "-n", "-E"] + cmd
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:  # maybe stale package lists: update once and retry
        update = cmd[: cmd.index("install")] + ["update"]
        subprocess.run(update, env=env, capture_output=True, text=True)
        result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    found = shutil.which("newsboat")
    if found:
        return found, ""
    tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
    return None, f"apt-get install newsboat failed ({tail})"


def _tree_rss_kb(root: int) -> int:
    """Sum of VmRSS (kB) of `root` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                status = f.read()
        except OSError:
            continue
        ppid = re.search(r"^PPid:\s+(\d+)", status, re.M)
        vmrss = re.search(r"^VmRSS:\s+(\d+)", status, re.M)
        pid = int(entry)
        children.setdefault(int(ppid.group(1)) if ppid else 0, []).append(pid)
        rss[pid] = int(vmrss.group(1)) if vmrss else 0
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def run_command_measured(
    argv: list[str],
    env: dict[str, str] | None = None,
    *,
    cwd: str | os.PathLike | None = None,
    tree: bool = False,
    log: str | os.PathLike | None = None,
) -> tuple[float, int]:
    """Run argv to completion; return (wall seconds, peak RSS in kB).

    Peak RSS is the largest single process's maximum RSS (GNU time -v, or a wrapper
    reading getrusage(RUSAGE_CHILDREN)). With tree=True the summed RSS of the whole
    process tree is also sampled every 20 ms (for programs with worker processes)
    and the larger figure is returned. stdout+stderr go to `log` (or are dropped).
    A non-zero exit raises CalledProcessError.
    """
    with tempfile.TemporaryDirectory(prefix="bench-time-") as tmp:
        report = Path(tmp) / "rusage"
        if os.path.exists(GNU_TIME):
            full = [GNU_TIME, "-v", "-o", str(report), *argv]
        else:
            wrapper = (
                "import resource, subprocess, sys\n"
                "rc = subprocess.call(sys.argv[2:])\n"
                "open(sys.argv[1], 'w').write("
                "'Maximum resident set size (kbytes): %d\\n' % "
                "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
                "sys.exit(rc)\n"
            )
            full = [sys.executable, "-c", wrapper, str(report), *argv]
        with contextlib.ExitStack() as stack:
            out = stack.enter_context(open(log, "ab")) if log else subprocess.DEVNULL
            start = time.perf_counter()
            proc = subprocess.Popen(full, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
            tree_peak = 0
            if tree:
                done = threading.Event()

                def sample() -> None:
                    nonlocal tree_peak
                    while not done.wait(0.02):
                        tree_peak = max(tree_peak, _tree_rss_kb(proc.pid))

                sampler = threading.Thread(target=sample, daemon=True)
                sampler.start()
            rc = proc.wait()
            wall = time.perf_counter() - start
            if tree:
                done.set()
                sampler.join()
        if rc != 0:
            raise subprocess.CalledProcessError(rc, argv)
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report.read_text())
        peak = int(m.group(1)) if m else 0
        return wall, max(peak, tree_peak)


def count_items(cache_db: str | os.PathLike) -> int:
    """Rows in newsboat's rss_item table (0 when the table or file is missing)."""
    if not os.path.exists(cache_db):
        return 0
    con = sqlite3.connect(f"file:{cache_db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT count(*) FROM rss_item").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        con.close()


def feeds_with_validators(cache_db: str | os.PathLike) -> tuple[int, int]:
    """(feeds with a stored ETag or Last-Modified, all feeds) in newsboat's cache.

    newsboat 2.21 stores validators only from its second reload of a feed on (its
    first reload updates an rss_feed row that does not exist yet), so a cache for
    the 304 scenario takes two reloads.
    """
    con = sqlite3.connect(f"file:{cache_db}?mode=ro", uri=True)
    try:
        return con.execute(
            "SELECT coalesce(sum(etag != '' OR lastmodified > 0), 0), count(*) FROM rss_feed"
        ).fetchone()
    finally:
        con.close()


def run_newsboat_reload(
    urls: list[str],
    workdir: str | os.PathLike,
    threads: int | None = None,
    *,
    fresh: bool = True,
    min_items: int = 1,
    newsboat: str = "newsboat",
) -> tuple[float, int]:
    """`newsboat -x reload` of `urls` in workdir; return (wall seconds, peak RSS kB).

    fresh=True deletes workdir/cache.db first; fresh=False reloads into whatever
    cache.db is there (for the 304 and unchanged-body scenarios). threads sets
    `reload-threads` (newsboat's default is 1). Raises RuntimeError when the cache
    holds fewer than min_items items afterwards: fetching nothing is not a result.
    """
    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    (work / "urls").write_text("".join(u + "\n" for u in urls))
    config = ["# written by bench/newsboat.py"]
    if threads:
        config.append(f"reload-threads {threads}")
    (work / "config").write_text("\n".join(config) + "\n")
    cache = work / "cache.db"
    if fresh:
        for leftover in ("cache.db", "cache.db-journal", "cache.db.lock"):
            (work / leftover).unlink(missing_ok=True)
    # HOME and XDG dirs point into workdir so the user's own newsboat setup is never read.
    env = dict(
        os.environ,
        HOME=str(work),
        XDG_CONFIG_HOME=str(work / "xdg-config"),
        XDG_DATA_HOME=str(work / "xdg-data"),
    )
    argv = [
        newsboat,
        "-x",
        "reload",
        "-u",
        str(work / "urls"),
        "-c",
        str(cache),
        "-C",
        str(work / "config"),
    ]
    wall, rss = run_command_measured(argv, env, cwd=work, log=work / "newsboat.log")
    n = count_items(cache)
    if n < min_items:
        raise RuntimeError(
            f"newsboat stored {n} items (expected >= {min_items}); see {work / 'newsboat.log'}"
        )
    return wall, rss
