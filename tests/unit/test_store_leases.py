"""Refresh leases: one process at a time refreshes a source (two stores on one file,
and real processes)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsterm.core.store import Store, lease_owner
from newsterm.core.store.schema import SCHEMA_VERSION

KEYS = [f"https://example.org/{i}.xml" for i in range(6)]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "newsterm.db"


@pytest.fixture
def pair(db: Path) -> Iterator[tuple[Store, Store]]:
    first, second = Store.open(db), Store.open(db)
    yield first, second
    first.close()
    second.close()


def age_leases(db: Path, seconds: int) -> None:
    """Time passes for every lease (what a crashed process leaves runs out)."""
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("UPDATE leases SET expires = expires - ?", (seconds,))
    finally:
        con.close()


def test_two_stores_on_one_file_share_the_sources_out(pair: tuple[Store, Store]) -> None:
    a, b = pair
    assert a.claim_sources(KEYS[:3], "pid 1 on a", 600) == (KEYS[:3], {})
    held, others = b.claim_sources(KEYS[2:5], "pid 2 on b", 600)
    assert held == KEYS[3:5]
    assert others == {KEYS[2]: "pid 1 on a"}
    a.release_sources(KEYS[:3], "pid 1 on a")
    assert b.claim_sources(KEYS[2:5], "pid 2 on b", 600) == (KEYS[2:5], {})
    assert a.claim_sources(KEYS, "pid 1 on a", 600) == (
        [KEYS[0], KEYS[1], KEYS[5]],
        dict.fromkeys(KEYS[2:5], "pid 2 on b"),
    )


def test_an_owner_renews_its_own_lease(pair: tuple[Store, Store], db: Path) -> None:
    a, b = pair
    a.claim_sources(KEYS[:1], "me", 600)
    age_leases(db, 500)  # 100 s left
    assert a.claim_sources(KEYS[:1], "me", 600) == (KEYS[:1], {})  # renewed: 600 s again
    age_leases(db, 500)
    assert b.claim_sources(KEYS[:1], "other", 600) == ([], {KEYS[0]: "me"})


def test_an_expired_lease_is_taken_over(pair: tuple[Store, Store], db: Path) -> None:
    a, b = pair
    a.claim_sources(KEYS[:2], "crashed", 60)
    age_leases(db, 61)
    assert b.claim_sources(KEYS[:2], "next", 60) == (KEYS[:2], {})
    assert a.claim_sources(KEYS[:2], "crashed", 60) == ([], dict.fromkeys(KEYS[:2], "next"))


def test_release_leaves_other_owners_leases(pair: tuple[Store, Store]) -> None:
    a, b = pair
    a.claim_sources(KEYS[:2], "a", 600)
    b.release_sources(KEYS[:2], "b")
    assert b.claim_sources(KEYS[:2], "b", 600) == ([], dict.fromkeys(KEYS[:2], "a"))
    a.release_sources([], "a")  # nothing to release is fine
    a.release_sources(KEYS, "a")  # so is a key it never held
    assert b.claim_sources(KEYS[:2], "b", 600) == (KEYS[:2], {})


def test_a_key_asked_twice_is_held_once(pair: tuple[Store, Store]) -> None:
    a, _ = pair
    assert a.claim_sources([KEYS[0], KEYS[1], KEYS[0]], "a", 600) == (KEYS[:2], {})


def test_lease_owner_names_this_process() -> None:
    assert re.fullmatch(rf"pid {os.getpid()} on \S.*", lease_owner())


def test_a_store_of_schema_5_gains_the_leases_table(db: Path) -> None:
    Store.open(db).close()
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("DROP TABLE leases")
    con.execute("PRAGMA user_version = 5")
    con.close()
    store = Store.open(db)
    try:
        assert store.claim_sources(KEYS[:1], "a", 60) == (KEYS[:1], {})
    finally:
        store.close()
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        con.close()


CLAIMER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from newsterm.core.store import Store, lease_owner
    store = Store.open(Path(sys.argv[1]))
    keys = json.loads(sys.argv[2])
    sys.stdin.readline()  # start together
    held, others = store.claim_sources(keys, lease_owner(), 600)
    print(json.dumps({"owner": lease_owner(), "held": held, "others": others}), flush=True)
    if sys.argv[3] == "crash":
        import os
        os._exit(0)  # no release, no close: what a killed refresh leaves
    store.release_sources(held, lease_owner())
    store.close()
    """
)


def claimer(db: Path, keys: list[str], end: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CLAIMER, str(db), json.dumps(keys), end],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str], go: bool = True) -> dict:  # type: ignore[type-arg]
    out, _ = proc.communicate("go\n" if go else None, timeout=60)
    assert proc.returncode == 0
    return json.loads(out)  # type: ignore[no-any-return]


def test_a_crashed_process_holds_its_sources_until_its_lease_runs_out(db: Path) -> None:
    Store.open(db).close()
    crashed = finish(claimer(db, KEYS[:3], "crash"))
    assert crashed["held"] == KEYS[:3]
    assert crashed["owner"] != lease_owner()
    store = Store.open(db)
    try:
        held, others = store.claim_sources(KEYS, lease_owner(), 600)
        assert held == KEYS[3:]
        assert others == dict.fromkeys(KEYS[:3], crashed["owner"])
        age_leases(db, 601)
        assert store.claim_sources(KEYS[:3], lease_owner(), 600) == (KEYS[:3], {})
    finally:
        store.close()


def test_processes_claiming_at_once_never_share_a_source(db: Path) -> None:
    Store.open(db).close()
    procs = [claimer(db, KEYS[i:] + KEYS[:i], "crash") for i in range(3)]
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = [finish(proc, go=False) for proc in procs]
    owners = {r["owner"] for r in results}
    assert len(owners) == 3
    holders: dict[str, list[str]] = {key: [] for key in KEYS}
    for r in results:
        for key in r["held"]:
            holders[key].append(r["owner"])
        for key, owner in r["others"].items():
            assert owner in owners - {r["owner"]}
            assert key not in r["held"]
    assert all(len(h) == 1 for h in holders.values()), holders
