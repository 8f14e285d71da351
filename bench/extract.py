"""How well, and how fast, is a web page's article found? Issue 14's measure.

Scores, on the article pages of ../shared/corpus/articles that have an expected output
(``*.expected.html``), the text each extractor finds against that output's text, with
a shingle F1: word 4-grams (multisets), words being runs of letters and digits
lower-cased, each CJK character a word of its own (as newsterm counts words; with
plain ``\\w+`` runs a Japanese page is one "word" per sentence). Times every extractor
on every corpus page (``*.html``), median and p95.

The expected outputs are Mozilla Readability's own (its test pages): they favour
readability-lxml, a port of it, and are no held-out set. Run with newsterm's Python
(``--pages DIR`` for other pages laid out the same way):

    python bench/extract.py [--runs 3] [--pages DIR]

Rows:
- ``whole page``: the page as newsterm showed a saved page before (its <article>,
  <main> or <body>, rendered);
- ``trafilatura``: the library alone, as its docs call it (text output);
- ``newsterm``: newsterm's whole path: core/sources/extract.py (bounds, lazy images,
  trafilatura, our HTML) then core/render.py, as the pane gets it;
- ``readability``: readability-lxml alone (``Document(html).summary()``), when it is
  installed (it is no dependency of newsterm: run this with a Python that has it).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
PAGES = ROOT.parent / "shared" / "corpus" / "articles"
URL = "https://example.org/article.html"
N = 4

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
_MARKS = re.compile(r"\[image(?::[^\]]*)?\]|\[\d+\]")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def shingles(text: str) -> Counter[tuple[str, ...]]:
    words = tokens(text)
    return Counter(tuple(words[i : i + N]) for i in range(max(0, len(words) - N + 1)))


def f1(found: str, expected: str) -> tuple[float, float, float]:
    """(F1, precision, recall) of ``found`` against ``expected``."""
    got, want = shingles(found), shingles(expected)
    if not got or not want:
        return 0.0, 0.0, 0.0
    common = sum((got & want).values())
    precision, recall = common / sum(got.values()), common / sum(want.values())
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return score, precision, recall


def html_text(markup: str) -> str:
    """The visible text of HTML, blocks apart (lxml; scripts and styles left out)."""
    import lxml.html

    if not markup.strip():
        return ""
    tree = lxml.html.fromstring(markup)
    for bad in tree.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    return " ".join(" ".join(tree.itertext()).split())


def rendered_text(markdown: str) -> str:
    """The rendered Markdown's words: without the link list and the link numbers."""
    body = markdown.split("\n## Links\n")[0]
    return _MARKS.sub(" ", body)


def extractors() -> dict[str, Callable[[str], str] | str]:
    """name -> page HTML -> text; or why it is unavailable."""
    out: dict[str, Callable[[str], str] | str] = {}
    try:
        import html2text  # noqa: F401 - the renderer imports it at first use

        from newsterm.core.render import render_body
        from newsterm.core.sources.local import parse_html

        def whole_page(page: str) -> str:
            return rendered_text(render_body(parse_html(page)[1], "html", URL).markdown)

        out["whole page"] = whole_page
    except ImportError as exc:
        out["whole page"] = f"newsterm's renderer unavailable ({exc.name})"
    try:
        import trafilatura

        out["trafilatura"] = lambda page: trafilatura.extract(page, url=URL) or ""
    except ImportError:
        out["trafilatura"] = "not installed"
    try:
        import html2text  # noqa: F401

        from newsterm.core.render import render_body
        from newsterm.core.sources.extract import Extracted, extract_page

        def newsterm(page: str) -> str:
            found = extract_page(page, URL)
            if not isinstance(found, Extracted):
                return ""
            return rendered_text(render_body(found.content, "html", URL).markdown)

        out["newsterm"] = newsterm
    except ImportError as exc:
        out["newsterm"] = f"unavailable ({exc.name})"
    try:
        from readability import Document

        out["readability"] = lambda page: html_text(Document(page).summary())
    except ImportError:
        out["readability"] = "not installed (readability-lxml)"
    return out


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=Path, default=PAGES)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per page (the best)")
    args = parser.parse_args()
    if not args.pages.is_dir():
        print(f"no pages at {args.pages}: skipped")
        return 0
    pages = sorted(p for p in args.pages.glob("*.html") if not p.name.endswith(".expected.html"))
    scored = [p for p in pages if p.with_name(p.stem + ".expected.html").exists()]
    texts = {p: read(p) for p in pages}
    expected = {p: html_text(read(p.with_name(p.stem + ".expected.html"))) for p in scored}
    print(f"{len(scored)} pages scored (expected = Readability's own output), "
          f"{len(pages)} timed, word {N}-gram shingle F1\n")  # fmt: skip
    per_page: dict[str, list[float]] = {}
    print(f"{'extractor':12} {'F1':>6} {'P':>6} {'R':>6}   {'median':>7} {'p95':>7} {'max':>7}")
    for name, extract in extractors().items():
        if isinstance(extract, str):
            print(f"{name:12} {extract}")
            continue
        extract(texts[pages[0]])  # imports and first-use set-up are not a page's time
        scores = [f1(extract(texts[p]), expected[p]) for p in scored]
        per_page[name] = [s[0] for s in scores]
        times = []
        for page in pages:
            best = float("inf")
            for _ in range(max(1, args.runs)):
                start = time.perf_counter()
                extract(texts[page])
                best = min(best, time.perf_counter() - start)
            times.append(best * 1000)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95 + 0.5) - 1)]
        mean = [statistics.mean(s[i] for s in scores) for i in range(3)]
        print(f"{name:12} {mean[0]:6.3f} {mean[1]:6.3f} {mean[2]:6.3f}   "
              f"{statistics.median(times):5.0f}ms {p95:5.0f}ms {times[-1]:5.0f}ms")  # fmt: skip
    print("\nF1 per page:")
    names = list(per_page)
    print(f"{'page':28}" + "".join(f"{n:>13}" for n in names))
    for index, page in enumerate(scored):
        label = page.stem.removeprefix("readability__")
        print(f"{label:28}" + "".join(f"{per_page[n][index]:13.3f}" for n in names))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
