"""core/sources/local.py: local article files (.txt breadcrumb format, .md, .html)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from newsterm.core.models import Article
from newsterm.core.sources import local
from newsterm.core.sources.local import (
    LocalFile,
    default_section,
    parse_html,
    parse_markdown,
    parse_txt,
    read_article,
    scan,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "local"
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
SEED = SEEDS / "000_1941c3592bbffc92.txt"


def read(root: Path, relative: str, section: tuple[str, ...] = ()) -> Article | None:
    """Read one file the way the library does: scan entry, default section, read_article."""
    files = {f.id: f for f in scan(root)}
    file = files[relative]
    key = local.source_key(root)
    return read_article(root, file, key, default_section(root, file, section))


def write(root: Path, relative: str, data: bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# -- the .txt breadcrumb format ----------------------------------------------------------


def test_breadcrumb_gives_section_and_title() -> None:
    article = read(DATA, "breadcrumb.txt", ("Configured",))
    assert article is not None
    assert article.title == "Probe reaches the outer planets"
    assert article.section == ("Science", "Space")
    assert article.content_type == "markdown"
    assert article.key.source == f"local:{DATA}"
    assert article.key.id == "breadcrumb.txt"
    assert article.published is not None and article.published.tzinfo is not None


def test_breadcrumb_repeated_title_dropped() -> None:
    article = read(DATA, "breadcrumb.txt")
    assert article is not None
    assert "Probe reaches the outer planets" not in article.content
    assert "Home" not in article.content
    assert article.content.startswith("The probe launched eleven years ago")


def test_subheadings() -> None:
    article = read(DATA, "breadcrumb.txt")
    assert article is not None
    blocks = article.content.split("\n\n")
    assert "## What comes next" in blocks
    # short, but with final punctuation: a paragraph
    assert "It did." in blocks
    assert "## It did." not in article.content
    # the last paragraph is never a subheading
    assert blocks[-1] == "Thanks for reading"
    assert [b for b in blocks if b.startswith("#")] == ["## What comes next"]


def test_parse_txt_directly() -> None:
    text = (
        "Home » A » B » The Title\n\nThe Title\n\nFirst paragraph here.\n\n"
        "A Subheading\n\nSecond paragraph.\n\nLast line\n"
    )
    title, section, body = parse_txt(text)
    assert title == "The Title"
    assert section == ("A", "B")
    assert body == "First paragraph here.\n\n## A Subheading\n\nSecond paragraph.\n\nLast line"


def test_first_paragraph_not_a_subheading() -> None:
    title, _, body = parse_txt("Home » X » T\n\nT\n\nShort first\n\nMore text follows here.\n")
    assert title == "T"
    assert body.split("\n\n")[0] == "Short first"


def test_lines_of_a_paragraph_are_joined() -> None:
    _, _, body = parse_txt("Home » S » T\n\nT\n\none line\nand its next line.\n\nEnd.\n")
    assert body.split("\n\n")[0] == "one line and its next line."


def test_breadcrumb_without_home_and_without_repeat() -> None:
    title, section, body = parse_txt("News » World » Big event\n\nSomething happened.\n")
    assert title == "Big event"
    assert section == ("News", "World")
    assert body == "Something happened."


def test_breadcrumb_only_home_and_title_uses_default_section(tmp_path: Path) -> None:
    root = tmp_path / "Saved"
    write(root, "a.txt", "Home » Just a title\n\nJust a title\n\nBody text.\n".encode())
    article = read(root, "a.txt")
    assert article is not None
    assert article.title == "Just a title"
    assert article.section == ("Saved",)
    assert article.content == "Body text."


def test_text_that_looks_like_markdown_is_escaped() -> None:
    _, _, body = parse_txt("Home » S » T\n\nT\n\n# not a heading, a hash tag.\n\n> not a quote.\n")
    assert body.split("\n\n") == ["\\# not a heading, a hash tag.", "\\> not a quote."]


def test_no_breadcrumb_first_line_is_title_and_folder_is_section(tmp_path: Path) -> None:
    root = tmp_path / "Garden Notes"
    shutil.copyfile(DATA / "no_breadcrumb.txt", write(root, "n.txt", b""))
    article = read(root, "n.txt")
    assert article is not None
    assert article.title == "Notes from the garden"
    assert article.section == ("Garden Notes",)
    assert article.content.startswith("Tomatoes ripened early")
    assert "Notes from the garden" not in article.content


def test_no_breadcrumb_configured_section_wins() -> None:
    article = read(DATA, "no_breadcrumb.txt", ("Hobbies", "Garden"))
    assert article is not None
    assert article.section == ("Hobbies", "Garden")


def test_breadcrumb_wins_over_configured_section() -> None:
    article = read(DATA, "breadcrumb.txt", ("Hobbies",))
    assert article is not None
    assert article.section == ("Science", "Space")


def test_subfolders_extend_the_default_section() -> None:
    article = read(DATA, "sub/deeper/nested.txt")
    assert article is not None
    assert article.key.id == "sub/deeper/nested.txt"
    assert article.title == "A nested note"
    assert article.section == ("local", "sub", "deeper")
    configured = read(DATA, "sub/deeper/nested.txt", ("Mine",))
    assert configured is not None
    assert configured.section == ("Mine", "sub", "deeper")


def test_guillemets_in_a_plain_title_are_not_a_breadcrumb(tmp_path: Path) -> None:
    # French quotes use » too; a first line that is a sentence is not a breadcrumb
    root = tmp_path / "Presse"
    text = "Le « grand » débat continue\n\nLe débat a repris mardi soir à Paris.\n"
    write(root, "a.txt", text.encode())
    article = read(root, "a.txt")
    assert article is not None
    assert article.title == "Le « grand » débat continue"
    assert article.section == ("Presse",)


# -- encodings and odd files ---------------------------------------------------------------

CRUMB = "Home » Tech » Café » Ünïcode title\n\nÜnïcode title\n\nFirst paragraph with café.\n\nMiddle bit\n\nLast paragraph.\n"


def test_utf8_bom(tmp_path: Path) -> None:
    write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + CRUMB.encode())
    article = read(tmp_path, "bom.txt")
    assert article is not None
    assert article.title == "Ünïcode title"
    assert article.section == ("Tech", "Café")
    assert "\ufeff" not in article.content + article.title


def test_crlf(tmp_path: Path) -> None:
    write(tmp_path, "crlf.txt", CRUMB.replace("\n", "\r\n").encode())
    article = read(tmp_path, "crlf.txt")
    assert article is not None
    assert article.title == "Ünïcode title"
    assert article.section == ("Tech", "Café")
    assert "\r" not in article.content
    assert article.content.split("\n\n") == [
        "First paragraph with café.",
        "## Middle bit",
        "Last paragraph.",
    ]


def test_cp1252_bytes(tmp_path: Path) -> None:
    data = "Home » Tech » Résumé title\n\nRésumé title\n\nIt costs 5 € — “quoted”.\n".encode(
        "cp1252"
    )
    write(tmp_path, "cp.txt", data)
    article = read(tmp_path, "cp.txt")
    assert article is not None
    assert article.title == "Résumé title"
    assert article.section == ("Tech",)
    assert article.content == "It costs 5 € — “quoted”."


def test_cp1252_undefined_bytes_do_not_crash(tmp_path: Path) -> None:
    write(tmp_path, "odd.txt", b"Title \x81\x8d here\n\nbody \x90 text.\n")
    article = read(tmp_path, "odd.txt")
    assert article is not None
    assert article.title.startswith("Title") and article.title.endswith("here")
    assert "body" in article.content and "text." in article.content


def test_control_characters_removed(tmp_path: Path) -> None:
    write(
        tmp_path, "esc.txt", b"Evil \x1b[31mtitle\x07\n\nBody \x1b]0;pwned\x07 text \xe2\x80\xae.\n"
    )
    article = read(tmp_path, "esc.txt")
    assert article is not None
    assert "\x1b" not in article.title + article.content
    assert "\x07" not in article.title + article.content
    assert "\u202e" not in article.content


@pytest.mark.parametrize("data", [b"", b"   \n\n\t\n", b"\xef\xbb\xbf", b"\r\n\r\n"])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    write(tmp_path, "empty_one.txt", data)
    article = read(tmp_path, "empty_one.txt")
    assert article is not None
    assert article.note == "empty file"
    assert article.title == "empty one"
    assert article.content == ""


def test_binary_file_is_none(tmp_path: Path) -> None:
    write(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert read(tmp_path, "image.txt") is None
    write(tmp_path, "page.html", b"<html>\x00\x00\x00</html>")
    assert read(tmp_path, "page.html") is None


def test_utf16_text(tmp_path: Path) -> None:
    write(tmp_path, "u16.txt", "Home » A » Wide title\n\nWide title\n\nBody.\n".encode("utf-16"))
    article = read(tmp_path, "u16.txt")
    assert article is not None
    assert article.title == "Wide title"
    assert article.section == ("A",)


# -- Markdown and HTML --------------------------------------------------------------------


def test_markdown_file() -> None:
    article = read(DATA, "article.md", ("Notes",))
    assert article is not None
    assert article.title == "Markdown heading title"
    assert article.section == ("Notes",)
    assert article.content_type == "markdown"
    assert "Markdown heading title" not in article.content
    assert article.content.startswith("Some *markdown* body about zucchini.")
    assert "## A second heading" in article.content


def test_markdown_setext_and_closing_hashes() -> None:
    assert parse_markdown("Setext Title\n============\n\nBody.\n") == ("Setext Title", "Body.")
    assert parse_markdown("\n\n## Closed heading ##\ntext\n") == ("Closed heading", "text")


def test_html_file() -> None:
    article = read(DATA, "page.html", ("Web",))
    assert article is not None
    assert article.title == "Html & headline"
    assert article.content_type == "html"
    assert article.section == ("Web",)
    assert "kohlrabi" in article.content
    # the body is the <article>, not the navigation or footer
    assert "menu link" not in article.content
    assert "footer text" not in article.content


def test_html_title_from_title_element() -> None:
    title, body = parse_html(
        "<html><head><title>Only &lt;title&gt;</title></head><body><p>Body words</p></body></html>"
    )
    assert title == "Only <title>"
    assert "Body words" in body
    assert "<title>" not in body


def test_html_main_element() -> None:
    title, body = parse_html(
        "<body><header>top</header><main class='x'><h1>Main <b>bold</b></h1><p>m</p></main>"
        "<aside>side</aside></body>"
    )
    assert title == "Main bold"
    assert "<p>m</p>" in body
    assert "top" not in body and "side" not in body


def test_html_without_title_uses_file_name(tmp_path: Path) -> None:
    write(tmp_path, "my_saved_page.htm", b"<p>just a fragment</p>")
    article = read(tmp_path, "my_saved_page.htm")
    assert article is not None
    assert article.title == "my saved page"
    assert "just a fragment" in article.content


# -- scanning -------------------------------------------------------------------------------


def test_scan_ids_recursion_hidden_and_suffixes(tmp_path: Path) -> None:
    for name in [
        "a.txt",
        "b.md",
        "c.html",
        "d.htm",
        "e.markdown",
        "UPPER.TXT",
        "sub/f.txt",
        "sub/deeper/g.md",
        ".hidden.txt",
        ".git/h.txt",
        "sub/.cache/i.txt",
        "notes.pdf",
        "image.png",
        "README",
        "data.json",
    ]:
        write(tmp_path, name, b"x\n")
    (tmp_path / "dir.txt").mkdir()  # a folder with an article suffix is not a file
    ids = sorted(f.id for f in scan(tmp_path))
    assert ids == sorted(
        [
            "a.txt",
            "b.md",
            "c.html",
            "d.htm",
            "e.markdown",
            "UPPER.TXT",
            "sub/f.txt",
            "sub/deeper/g.md",
        ]
    )
    for file in scan(tmp_path):
        assert file.path == tmp_path / file.id
        assert "\\" not in file.id
        assert re.fullmatch(r"\d+:\d+", file.fingerprint)


def test_scan_single_file(tmp_path: Path) -> None:
    path = write(tmp_path, "one/article.txt", b"Title\n\nBody.\n")
    files = list(scan(path))
    assert [f.id for f in files] == ["article.txt"]
    assert list(scan(tmp_path / "missing")) == []


def test_scan_fingerprint_changes_with_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", b"Title\n\nBody.\n")
    before = next(iter(scan(tmp_path))).fingerprint
    path.write_bytes(b"Title\n\nA longer body now.\n")
    assert next(iter(scan(tmp_path))).fingerprint != before


def test_single_file_root_has_no_folder_section(tmp_path: Path) -> None:
    path = write(tmp_path, "Folder/x.txt", b"Lone title\n\nBody.\n")
    file = LocalFile(path, "x.txt", "0:0")
    assert default_section(path, file, ()) == ()
    assert default_section(path, file, ("Given",)) == ("Given",)


# -- the real seed ----------------------------------------------------------------------------


@pytest.mark.skipif(not SEED.is_file(), reason=f"seed article absent: {SEED}")
def test_real_seed_article() -> None:
    article = read(SEEDS, SEED.name)
    assert article is not None
    assert article.title == "Huawei cannot sell its new smartphones in the US via US carriers"
    assert article.section == ("Technology", "Mobiles")
    blocks = article.content.split("\n\n")
    assert "## The Challenges in the US" in blocks
    assert [b for b in blocks if b.startswith("#")] == ["## The Challenges in the US"]
    assert article.title not in blocks
    assert blocks[0].startswith("Chinese Smartphone giant")
    assert blocks[-1].startswith("Huawei has become the world’s 3rd largest")


def test_sync_reports_whether_the_store_changed(tmp_path: Path) -> None:
    import os

    from newsterm.core.config import local_only
    from newsterm.core.library import Library
    from newsterm.core.store import Store

    folder = tmp_path / "saved"
    page = write(folder, "a.txt", b"First title\n\nA paragraph of text.\n")
    library = Library(local_only([folder]), Store.open(tmp_path / "data" / "newsterm.db"))
    try:
        assert library.sync_local_files() == ([], True)
        assert library.sync_local_files() == ([], False)  # nothing new: the UI keeps its lists
        page.write_bytes(b"First title\n\nA longer paragraph of text now.\n")
        os.utime(page, (1_700_000_000, 1_700_000_000))
        assert library.sync_local_files() == ([], True)
        page.unlink()
        assert library.sync_local_files() == ([], True)
        assert library.sections() == []  # its section went with it
    finally:
        library._store.close()
