"""Deterministic feed generator for the benchmarks.

generate(n_feeds, seed) returns [(name, bytes)]: even-numbered feeds are RSS 2.0,
odd-numbered ones Atom 1.0; each has 30-100 items with 1-5 KB HTML bodies.
Feed i depends only on (seed, i), so feed 7 is the same whatever n_feeds is.

    python bench/feedgen.py --feeds 200 --out /tmp/feeds
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

# Word lists of our own; a few non-ASCII words keep the encoders honest.
WORDS = """
report city council budget vote plan river bridge school teacher market price
energy solar wind grid storage battery train station airport flight weather storm
harbour garden museum library archive festival music concert theatre film review
science study research team island mountain valley forest coast village farm harvest
software release update security patch network server database terminal keyboard
phone camera screen chip factory worker union contract wage pension health clinic
hospital doctor patient vaccine water supply road traffic cycle lane tram bus ticket
election minister party leader debate policy tax reform court judge ruling appeal
company profit loss share investor startup founder product launch design prototype
league match goal season coach player final record medal race runner stadium crowd
café naïve Zürich Malmö São Paulo résumé façade déjà jalapeño smörgåsbord
quiet rapid careful bold early late local national global regional open closed new
old small large bright dark warm cold fresh stale simple complex public private
announces expands delays approves rejects opens closes reveals tests builds moves
plans cuts raises wins loses joins leaves warns promises questions celebrates
""".split()  # noqa: SIM905 (a word list reads better as prose)
SLUG_WORDS = [w for w in WORDS if w.isascii()]

FIRST_NAMES = """Ada Bruno Chiara Dmitri Elena Farid Greta Hiro Ines Jonas Kemal Lena
Mateo Nadia Olu Priya Quentin Rosa Sven Tomoko Uma Viktor Wanjiru Xavier Yara Zoltan
""".split()  # noqa: SIM905
LAST_NAMES = """Abara Berg Castillo Duarte Eriksen Fontaine Gallo Haddad Ivanova Jensen
Kowalski Lindqvist Moreau Nakamura Okafor Petrov Quispe Rahman Silva Tanaka Ueda
Varga Weber Xu Yilmaz Zamora""".split()  # noqa: SIM905

BASE_DATE = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
ZONES = [
    UTC,
    timezone(timedelta(hours=2)),
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=5, minutes=30)),
]


def _sentence(rng: random.Random, lo: int = 6, hi: int = 18) -> str:
    words = rng.choices(WORDS, k=rng.randint(lo, hi))
    return " ".join(words).capitalize() + rng.choice(".....?!")


def _title(rng: random.Random) -> str:
    return " ".join(w.capitalize() for w in rng.choices(WORDS, k=rng.randint(4, 10)))


def _link(rng: random.Random) -> str:
    path = "-".join(rng.choices(SLUG_WORDS, k=3))
    host = rng.choice(["example.com", "example.org", "example.net"])
    return f'<a href="https://{host}/{path}">{escape(" ".join(rng.choices(WORDS, k=3)))}</a>'


def _paragraph(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(2, 6)):
        s = escape(_sentence(rng))
        roll = rng.random()
        if roll < 0.25:
            s = s.replace(" ", " " + _link(rng) + " ", 1)
        elif roll < 0.35:
            s = f"<em>{s}</em>"
        elif roll < 0.45:
            s = f"<strong>{s}</strong>"
        parts.append(s)
    return "<p>" + " ".join(parts) + "</p>"


def _body(rng: random.Random) -> str:
    """HTML of 1-5 KB: paragraphs, with lists, links, subheadings and quotes."""
    target = rng.randint(1000, 5000)
    blocks: list[str] = []
    size = 0
    while size < target:
        roll = rng.random()
        if roll < 0.12:
            items = "".join(
                f"<li>{escape(_sentence(rng, 3, 8))}</li>" for _ in range(rng.randint(2, 5))
            )
            tag = rng.choice(["ul", "ol"])
            block = f"<{tag}>{items}</{tag}>"
        elif roll < 0.18:
            block = f"<h3>{escape(_title(rng))}</h3>"
        elif roll < 0.22:
            block = f"<blockquote><p>{escape(_sentence(rng))}</p></blockquote>"
        else:
            block = _paragraph(rng)
        blocks.append(block)
        size += len(block.encode())
    return "\n".join(blocks)


def _author(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return f"{first} {last}", f"{first.lower()}.{last.lower()}@example.com"


def _items(rng: random.Random, index: int) -> list[dict]:
    n = rng.randint(30, 100)
    zone = rng.choice(ZONES)
    when = (BASE_DATE - timedelta(minutes=rng.randint(0, 600))).astimezone(zone)
    items = []
    for k in range(n):
        name, email = _author(rng)
        slug = "-".join(rng.choices(SLUG_WORDS, k=4))
        items.append(
            {
                "guid": f"tag:bench.newsterm.example,2024:feed/{index}/item/{k}",
                "link": f"https://news{index}.example.com/{k}/{slug}",
                "title": _title(rng),
                "when": when,
                "author": name,
                "email": email,
                "body": _body(rng),
            }
        )
        when -= timedelta(minutes=rng.randint(10, 2 * 24 * 60))
    return items


def _rss(index: int, title: str, items: list[dict], rng: random.Random) -> str:
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">',
        "<channel>",
        f"<title>{escape(title)}</title>",
        f"<link>https://news{index}.example.com/</link>",
        f"<description>{escape(_sentence(rng))}</description>",
        "<language>en</language>",
        f"<lastBuildDate>{format_datetime(items[0]['when'])}</lastBuildDate>",
    ]
    cdata = rng.random() < 0.5  # some feeds use CDATA, others escape their HTML
    for it in items:
        body = f"<![CDATA[{it['body']}]]>" if cdata else escape(it["body"])
        out += [
            "<item>",
            f"<title>{escape(it['title'])}</title>",
            f"<link>{it['link']}</link>",
            f'<guid isPermaLink="false">{it["guid"]}</guid>',
            f"<pubDate>{format_datetime(it['when'])}</pubDate>",
            f"<author>{it['email']} ({escape(it['author'])})</author>",
            f"<description>{body}</description>",
            "</item>",
        ]
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out)


def _rfc3339(when: datetime) -> str:
    text = when.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _atom(index: int, title: str, items: list[dict], rng: random.Random) -> str:
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(title)}</title>",
        f"<subtitle>{escape(_sentence(rng))}</subtitle>",
        f'<link href="https://news{index}.example.com/"/>',
        f"<id>tag:bench.newsterm.example,2024:feed/{index}</id>",
        f"<updated>{_rfc3339(items[0]['when'])}</updated>",
    ]
    for it in items:
        out += [
            "<entry>",
            f"<title>{escape(it['title'])}</title>",
            f"<link href={quoteattr(it['link'])}/>",
            f"<id>{it['guid']}</id>",
            f"<published>{_rfc3339(it['when'])}</published>",
            f"<updated>{_rfc3339(it['when'])}</updated>",
            f"<author><name>{escape(it['author'])}</name><email>{it['email']}</email></author>",
            f'<content type="html">{escape(it["body"])}</content>',
            "</entry>",
        ]
    out += ["</feed>", ""]
    return "\n".join(out)


def generate_one(index: int, seed: int = 1) -> tuple[str, bytes]:
    """Feed number `index` as (name, bytes); RSS when index is even, Atom when odd."""
    rng = random.Random(f"newsterm-bench:{seed}:{index}")
    title = f"{_title(rng)} ({index})"
    items = _items(rng, index)
    make = _rss if index % 2 == 0 else _atom
    return f"{index}.xml", make(index, title, items, rng).encode("utf-8")


def generate(n_feeds: int = 200, seed: int = 1) -> list[tuple[str, bytes]]:
    """n_feeds feeds named "0.xml" … ; the same (n_feeds, seed) gives the same bytes."""
    return [generate_one(i, seed) for i in range(n_feeds)]


def count_items(data: bytes) -> int:
    return data.count(b"<item>") + data.count(b"<entry>")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    feeds = generate(args.feeds, args.seed)
    for name, data in feeds:
        (args.out / name).write_bytes(data)
    n_items = sum(count_items(d) for _, d in feeds)
    n_bytes = sum(len(d) for _, d in feeds)
    print(f"{len(feeds)} feeds, {n_items} items, {n_bytes / 1e6:.1f} MB -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
