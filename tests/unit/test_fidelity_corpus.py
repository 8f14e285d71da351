"""Every article of the real corpus feeds, as the pane and ``show`` render it, against
its own HTML (bench/fidelity.py; skipped when ../shared/corpus is absent)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "corpus" / "feeds" / "real"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not REAL.is_dir(), reason="../shared/corpus is absent"),
]


@pytest.fixture(scope="module")
def results():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("fidelity", ROOT / "bench" / "fidelity.py")
    assert spec is not None and spec.loader is not None
    fidelity = importlib.util.module_from_spec(spec)
    sys.modules["fidelity"] = fidelity
    spec.loader.exec_module(fidelity)
    found = fidelity.run(REAL)
    assert len(found) > 2_000  # every entry of every feed that parses
    return fidelity, found


def test_word_4gram_recall_of_every_corpus_article(results) -> None:  # type: ignore[no-untyped-def]
    fidelity, found = results
    total = fidelity.totals(found)
    assert total.recall("pane") >= fidelity.TARGET_RECALL, fidelity.report(found)
    assert total.recall("show") >= fidelity.TARGET_RECALL, fidelity.report(found)


def test_no_rendering_shows_markdown_as_text(results) -> None:  # type: ignore[no-untyped-def]
    _fidelity, found = results
    shown = [(r.feed, r.title, r.md) for r in found if r.md["pane"] or r.md["show"]]
    assert shown == []


def test_no_space_before_punctuation_that_the_source_lacks(results) -> None:  # type: ignore[no-untyped-def]
    _fidelity, found = results
    added = [(r.feed, r.title, r.punct) for r in found if r.punct["pane"] or r.punct["show"]]
    assert added == []
