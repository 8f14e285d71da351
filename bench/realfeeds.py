"""The real-shaped refresh corpus: the real feeds of ../shared/corpus/feeds/real, each
copied N times with its items' identities made unique per copy.

    python bench/realfeeds.py [--copies 5] [--out DIR]     # writes the files, prints totals

Every XML and JSON file of that folder (broken ones included: real feed lists have
them too) is copied ``copies`` times. Copy ``c`` of a feed gets ``#nt<c>`` (or ``-nt<c>``
after a URL that has a fragment already) appended to every item identity a reader keys
items by: RSS ``<guid>`` and ``<link>``, Atom ``<id>`` and ``<link href>``, RDF
``rdf:about`` / ``rdf:resource``, JSON Feed ``id`` and ``url``. newsboat keys items by guid
across all feeds, so without this it would store each item once, not ``copies`` times.
The rewrite is bytewise on ASCII markup, so no feed's encoding changes; JSON files are
rewritten only when they parse and hold ``items``.

When ../shared/corpus is absent, :func:`available` is False and the bench falls back to
the generated feeds (``feedgen.py``), saying so in its table.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REAL = BENCH.parents[1] / "shared" / "corpus" / "feeds" / "real"  # ../shared of the checkout
COPIES = 5

_GUID = re.compile(
    rb"(<(?:guid|id|link)\b[^>]*(?<!/)>\s*(?:<!\[CDATA\[)?)([^<\]\s][^<\]]*?)(\s*(?:\]\]>)?\s*</)"
)
_HREF = re.compile(rb"(<(?:\w+:)?link\b[^>]*?\bhref\s*=\s*)([\"'])([^\"']*)\2")
_ABOUT = re.compile(rb"(\brdf:(?:about|resource)\s*=\s*)([\"'])([^\"']*)\2")


def available() -> bool:
    return REAL.is_dir()


def sources() -> list[Path]:
    """The corpus files a copy is made of: every XML and JSON feed, in name order."""
    return sorted(p for p in REAL.iterdir() if p.is_file())


def _suffix(value: bytes, copy: int) -> bytes:
    return value + (b"-nt%d" if b"#" in value else b"#nt%d") % copy


def unique_copy(data: bytes, copy: int, name: str = "") -> bytes:
    """``data`` with every item identity made unique to copy number ``copy``."""
    if name.endswith(".json"):
        try:
            doc = json.loads(data)
        except ValueError:
            return data
        if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
            return data
        for item in doc["items"]:
            if isinstance(item, dict):
                for key in ("id", "url"):
                    if isinstance(item.get(key), str):
                        item[key] = _suffix(item[key].encode(), copy).decode()
        return json.dumps(doc, ensure_ascii=False, indent=1).encode()
    data = _GUID.sub(lambda m: m[1] + _suffix(m[2], copy) + m[3], data)
    data = _HREF.sub(lambda m: m[1] + m[2] + _suffix(m[3], copy) + m[2], data)
    return _ABOUT.sub(lambda m: m[1] + m[2] + _suffix(m[3], copy) + m[2], data)


def build(copies: int = COPIES) -> list[tuple[str, bytes]]:
    """``[(name, bytes)]``: names ``0.xml`` … in copy-major order (the server's path is
    ``/feed/N.xml`` whatever the format; every body is sniffed from its content)."""
    files = [(p.name, p.read_bytes()) for p in sources()]
    out = []
    for copy in range(copies):
        for name, data in files:
            out.append((f"{len(out)}.xml", unique_copy(data, copy, name)))
    return out


def origins(copies: int = COPIES) -> list[str]:
    """The corpus file each of :func:`build`'s feeds was copied from, in the same order."""
    return [p.name for _ in range(copies) for p in sources()]


def content_type(data: bytes) -> str:
    """What a web server would send: JSON or XML, no charset (the document says it)."""
    head = data.lstrip()[:1]
    return "application/feed+json" if head in (b"{", b"[") else "application/xml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=COPIES)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if not available():
        print(f"no corpus at {REAL}", file=sys.stderr)
        return 1
    feeds = build(args.copies)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, data in feeds:
            (args.out / name).write_bytes(data)
    total = sum(len(d) for _, d in feeds)
    print(
        f"{len(feeds)} feeds ({len(sources())} corpus files x {args.copies}), {total / 1e6:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
