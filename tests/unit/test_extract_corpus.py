"""Extraction on the real article pages of ../shared/corpus/articles (skipped when
absent): every page gives its article with a title, and on the pages with an expected
output the text found scores as bench/extract.py measures it.

The expected outputs are Mozilla Readability's own (not a held-out set): the floor here
guards against losing what is found today, it is not the issue's quality target.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from newsterm.core.render import render_body
from newsterm.core.sources.extract import Extracted, extract_page

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = ROOT.parent / "shared" / "corpus" / "articles"
URL = "https://corpus.example/article.html"
F1_FLOOR = 0.9
"""Every scored page is above it today (the lowest, nytimes-3, at 0.921)."""
F1_MEAN_FLOOR = 0.95
"""The issue's target, on these five pages (0.972 today)."""

pytestmark = pytest.mark.corpus

PAGES = (
    sorted(p for p in ARTICLES.glob("*.html") if not p.name.endswith(".expected.html"))
    if ARTICLES.is_dir()
    else []
)


def _bench():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT / "bench"))
    import extract as bench

    return bench


def _skip_without_corpus() -> None:
    if not PAGES:
        pytest.skip("../shared/corpus/articles not present")


@pytest.mark.parametrize("page", PAGES or [None], ids=lambda p: p.stem if p else "absent")
def test_every_page_gives_its_article(page: Path | None) -> None:
    _skip_without_corpus()
    assert page is not None
    found = extract_page(page.read_bytes(), URL)
    assert isinstance(found, Extracted), found
    assert found.title and found.words > 200
    text = render_body(found.content, "html", URL).markdown
    assert "\x1b" not in text and "<script" not in text


def test_the_scored_pages_keep_their_text() -> None:
    _skip_without_corpus()
    bench = _bench()
    scored = [p for p in PAGES if p.with_name(p.stem + ".expected.html").exists()]
    assert scored
    scores = []
    for page in scored:
        found = extract_page(page.read_bytes(), bench.URL)
        assert isinstance(found, Extracted), page.name
        text = bench.rendered_text(render_body(found.content, "html", bench.URL).markdown)
        expected = bench.html_text(page.with_name(page.stem + ".expected.html").read_text())
        score, _precision, _recall = bench.f1(text, expected)
        assert score >= F1_FLOOR, (page.name, score)
        scores.append(score)
    assert sum(scores) / len(scores) >= F1_MEAN_FLOOR, scores
