"""Saved pages read as articles: a ``[[local]]`` ``.html`` file shows its article (title,
byline, date), found by the library's extractor; ``.txt`` files read as they always did."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsterm.core.config import Config, LocalConfig
from newsterm.core.library import Library
from newsterm.core.models import StoredArticle, View
from newsterm.core.render import render_body
from newsterm.core.sources import local
from newsterm.core.store import Store

DATA = Path(__file__).resolve().parents[1] / "data"
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def open_library(folder: Path, data: Path) -> Library:
    config = Config(None, local=(LocalConfig(folder, ("Saved",)),))
    return Library(config, Store.open(data / "newsterm.db"))


def articles(library: Library) -> dict[str, StoredArticle]:
    """file name -> stored article."""
    out = {}
    for aid in library.article_ids(View("all")):
        article = library.article(aid)
        assert article is not None
        out[article.row.key.id] = article
    return out


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "saved"
    folder.mkdir()
    shutil.copy(DATA / "fulltext" / "nav_comments.html", folder / "bridge.html")
    shutil.copy(DATA / "fulltext" / "cookie_wall.html", folder / "consent.htm")
    shutil.copy(DATA / "local" / "breadcrumb.txt", folder / "probe.txt")
    return folder


def test_a_saved_page_reads_as_its_article(folder: Path, tmp_path: Path) -> None:
    library = open_library(folder, tmp_path / "data")
    try:
        assert library.sync_local() == []
        page = articles(library)["bridge.html"]
    finally:
        library.close()
    assert page.row.title == "Why the town bridge closed for a month"
    assert page.author == "Maren Holt"
    assert page.row.published is not None
    assert page.row.published.date().isoformat() == "2024-03-12"  # the page's, not the file's
    assert page.note is None
    text = render_body(page.content, "html").markdown
    assert "undermined by the winter floods" in text
    for chrome in ("Most read", "riverwatcher", "Post comment", "Subscribe", "Privacy"):
        assert chrome not in text


def test_a_page_without_an_article_is_shown_whole_and_says_why(
    folder: Path, tmp_path: Path
) -> None:
    library = open_library(folder, tmp_path / "data")
    try:
        library.sync_local()
        page = articles(library)["consent.htm"]
    finally:
        library.close()
    assert page.note == "the page shows a cookie notice, not the article: the whole page is shown"
    assert "We use cookies" in page.content


def test_text_files_are_read_as_before(folder: Path, tmp_path: Path) -> None:
    library = open_library(folder, tmp_path / "data")
    try:
        library.sync_local()
        stored = articles(library)["probe.txt"]
    finally:
        library.close()
    file = next(f for f in local.scan(folder) if f.id == "probe.txt")
    direct = local.read_article(folder, file, f"local:{folder}", ("Saved",))
    assert direct is not None
    assert (stored.row.title, stored.row.section, stored.content) == (
        direct.title,
        direct.section,
        direct.content,
    )
    assert stored.content_type == "markdown"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds not present")
def test_the_seed_pages_are_read_as_before(tmp_path: Path) -> None:
    library = open_library(SEEDS, tmp_path / "data")
    try:
        library.sync_local()
        stored = articles(library)
    finally:
        library.close()
    assert stored
    for file in local.scan(SEEDS):
        direct = local.read_article(SEEDS, file, f"local:{SEEDS}", ("Saved",))
        assert direct is not None
        assert stored[file.id].content == direct.content
        assert stored[file.id].row.title == direct.title


def test_a_page_stored_whole_before_is_read_again_once(folder: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    library = open_library(folder, data)
    key = f"local:{folder}"
    try:
        # as a newsterm before extraction stored it: the page's <article>, its bare
        # fingerprint
        file = next(f for f in local.scan(folder) if f.id == "bridge.html")
        whole = local.read_article(folder, file, key, ("Saved",))
        assert whole is not None and "First!" in whole.content  # <main>: comments too
        library._store.save_articles(key, [whole], fingerprints={file.id: file.fingerprint})
        library.sync_local()
        page = articles(library)["bridge.html"]
        assert "First!" not in page.content and page.author == "Maren Holt"
        assert library.sync_local_files()[1] is False  # and not again
    finally:
        library.close()
