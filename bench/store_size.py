"""What newsterm's 100k store is made of, and what other choices would weigh.

    python bench/store_size.py        # with newsterm's Python; uses the cached stores

Prints the bytes per table and index (SQLite's dbstat), then, measured on the
13,055 template articles and scaled to 100,000:
  - article bodies: zlib level 6 (today), level 9, and zlib with a preset dictionary
    (zdict: the 32 KB of text most typical of the bodies, built from a sample);
  - the full-text index: FTS5 with detail=full (today), detail=column, detail=none.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stores  # noqa: E402


def dbstat(db: Path) -> list[tuple[str, int]]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
        ).fetchall()
    finally:
        con.close()


def fts_bytes(texts: list[tuple[str, str, str]], detail: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fts.db"
        con = sqlite3.connect(path)
        con.execute(
            "CREATE VIRTUAL TABLE search USING fts5 (title, source, body, content='', "
            f"detail={detail}, tokenize='unicode61 remove_diacritics 2')"
        )
        con.executemany("INSERT INTO search (title, source, body) VALUES (?, ?, ?)", texts)
        con.commit()
        con.execute("INSERT INTO search (search) VALUES ('optimize')")
        con.commit()
        con.close()
        return path.stat().st_size


def main() -> int:
    from run import find_newsterm

    from newsterm.core.bodies import decompress, unpack_zdict
    from newsterm.core.store import plain_text

    big = stores.big_stores(find_newsterm(None))
    print(f"{big.newsterm_db}: {big.newsterm_db.stat().st_size / 1e6:.0f} MB")
    for name, size in dbstat(big.newsterm_db)[:10]:
        print(f"  {name:<28} {size / 1e6:7.1f} MB")
    con = sqlite3.connect(f"file:{big.template_db}?mode=ro", uri=True)
    rows = con.execute(
        "SELECT a.title, s.label, a.content, a.content_type FROM articles a "
        "JOIN sources s ON s.id = a.source_id"
    ).fetchall()
    zdicts = {c: unpack_zdict(d) for c, d in con.execute("SELECT checksum, data FROM zdicts")}
    stored = sum(len(blob) for _, _, blob, _ in rows) + sum(
        len(d) for (d,) in con.execute("SELECT data FROM zdicts")
    )
    con.close()
    scale = stores.TOTAL / len(rows)
    bodies = [decompress(blob, zdicts.get).encode() for _, _, blob, _ in rows]
    print(f"\nbodies of {len(rows)} template articles, scaled x{scale:.2f} to 100k:")
    print(f"  {'raw HTML':<36} {sum(map(len, bodies)) * scale / 1e6:7.1f} MB")
    for level in (6, 9):
        size = sum(len(zlib.compress(b, level)) for b in bodies)
        print(f"  {f'zlib level {level}':<36} {size * scale / 1e6:7.1f} MB")
    # A preset dictionary: zlib looks back 32 KB, so the dictionary is the last 32 KB
    # of a sample of bodies (the most common strings of this vocabulary and markup).
    sample = b"".join(bodies[::200])[-32768:]
    started = time.perf_counter()
    size = 0
    for b in bodies:
        c = zlib.compressobj(6, zdict=sample)
        size += len(c.compress(b) + c.flush())
    per = (time.perf_counter() - started) / len(bodies) * 1e6
    print(f"  {'zlib level 6 + 32 KB zdict':<36} {size * scale / 1e6:7.1f} MB ({per:.0f} us each)")
    print(f"  {'as stored (per-feed zdicts, counted)':<36} {stored * scale / 1e6:7.1f} MB")
    texts = [
        (t, label, plain_text(b.decode(), ct)[:20_000])
        for (t, label, _, ct), b in zip(rows, bodies, strict=False)
    ]
    print("\nfull-text index of the same articles, scaled to 100k:")
    for detail in ("full", "column", "none"):
        print(f"  {f'FTS5 detail={detail}':<36} {fts_bytes(texts, detail) * scale / 1e6:7.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
