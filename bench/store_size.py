"""What newsterm's 100k store is made of, and what other choices would weigh.

    python bench/store_size.py [STORE]   # with newsterm's Python; uses the cached stores

Prints the bytes per table and index (SQLite's dbstat), then, measured on the
13,055 template articles and scaled to 100,000:
  - article bodies: zlib level 6 (today), level 9, and zlib with a preset dictionary
    (zdict: the 32 KB of text most typical of the bodies, built from a sample);
  - the full-text index in the layouts of LAYOUTS (schema 7's, schema 8's, detail=column,
    detail=full), and the same for the articles of STORE when given (real feeds).
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


_TOKENIZE = "tokenize='unicode61 remove_diacritics 2'"
# Index layouts: (name, [(table, columns, options)]); every one indexes the same
# (title, label, body) rows, "title" tables the title alone.
LAYOUTS = [
    ("schema 7: all detail=none, titles none", [
        ("search", "title, source, body", "detail=none"),
        ("search_title", "title", "detail=none")]),
    ("schema 8: all none, titles full, no docsize", [
        ("search", "title, source, body", "detail=none, columnsize=0"),
        ("search_title", "title", "detail=full, columnsize=0")]),
    ("all detail=column, no title table", [
        ("search", "title, source, body", "detail=column, columnsize=0")]),
    ("all detail=full, no title table", [
        ("search", "title, source, body", "detail=full, columnsize=0")]),
]  # fmt: skip


def fts_bytes(texts: list[tuple[str, str, str]], tables: list[tuple[str, str, str]]) -> int:
    from newsterm.core.store.search import indexed_text

    rows = [(indexed_text(t), indexed_text(s), indexed_text(b)) for t, s, b in texts]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fts.db"
        con = sqlite3.connect(path)
        for name, columns, options in tables:
            con.execute(
                f"CREATE VIRTUAL TABLE {name} USING fts5 ({columns}, content='', "
                f"{options}, {_TOKENIZE})"
            )
            width = len(columns.split(","))
            con.executemany(
                f"INSERT INTO {name} (rowid, {columns}) VALUES (?{', ?' * width})",
                [(i, *row[:width]) for i, row in enumerate(rows, 1)],
            )
            con.commit()
            con.execute(f"INSERT INTO {name} ({name}) VALUES ('optimize')")
            con.commit()
        con.execute("VACUUM")
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
    for name, tables in LAYOUTS:
        print(f"  {name:<46} {fts_bytes(texts, tables) * scale / 1e6:7.1f} MB")
    real = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    if real is not None:  # a store of real feeds (e.g. the corpus): the same, unscaled
        con = sqlite3.connect(f"file:{real}?mode=ro", uri=True)
        zd = {c: unpack_zdict(d) for c, d in con.execute("SELECT checksum, data FROM zdicts")}
        texts = [
            (t, label, plain_text(decompress(blob, zd.get), ct)[:20_000])
            for t, label, blob, ct in con.execute(
                "SELECT a.title, s.label, a.content, a.content_type FROM articles a "
                "JOIN sources s ON s.id = a.source_id"
            )
        ]
        con.close()
        print(f"\nfull-text index of the {len(texts)} articles of {real}:")
        for name, tables in LAYOUTS:
            print(f"  {name:<46} {fts_bytes(texts, tables) / 1e6:7.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
