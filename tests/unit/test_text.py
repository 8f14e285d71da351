"""core/text.py: sanitising untrusted text before it reaches the store or the terminal."""

from __future__ import annotations

import pytest

from newsterm.core.text import (
    TITLE_MAX,
    URL_MAX,
    clean_line,
    clean_text,
    clean_url,
    decode_bytes,
    has_control,
    looks_binary,
)

C0_REMOVED = [chr(c) for c in range(0x00, 0x20) if chr(c) not in "\t\n\r"]
C1 = [chr(c) for c in range(0x80, 0xA0)]
BIDI = [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]


@pytest.mark.parametrize("ch", C0_REMOVED + ["\x7f"] + C1 + BIDI)
def test_clean_text_removes_control_and_bidi(ch: str) -> None:
    assert clean_text(f"ab{ch}cd") == "abcd"
    assert has_control(f"x{ch}")


@pytest.mark.parametrize("ch", C0_REMOVED + ["\x7f"] + C1 + BIDI)
def test_clean_line_removes_control_and_bidi(ch: str) -> None:
    assert clean_line(f"ab{ch}cd") == "abcd"


def test_clean_text_keeps_tab_and_newline_and_normalises_cr() -> None:
    assert clean_text("a\tb\nc") == "a\tb\nc"
    assert clean_text("a\r\nb\rc") == "a\nb\nc"


def test_clean_line_collapses_whitespace_to_one_line() -> None:
    assert clean_line("  one\ttwo\nthree\r\nfour  ") == "one two three four"


def test_escape_sequence_loses_its_esc_byte() -> None:
    assert clean_text("\x1b[31mred\x1b[0m\x1b]0;title\x07") == "[31mred[0m]0;title"
    assert "\x1b" not in clean_line("\x1b[2J\x1b[Hcleared")
    # 8-bit CSI (C1) is removed too
    assert clean_line("\x9b31mred") == "31mred"


def test_clean_handles_none_and_non_strings() -> None:
    assert clean_text(None) == ""
    assert clean_line(None) == ""
    assert clean_line(42) == "42"


def test_plain_text_unchanged() -> None:
    text = "Grüße, 東京 — «quotes» [/] [bold]x[/bold] emoji 🎉"
    assert clean_text(text) == text
    assert clean_line(text) == text
    assert not has_control(text)


def test_clean_line_cap() -> None:
    out = clean_line("word " * 1000, limit=50)
    assert len(out) <= 50
    assert out.endswith("…")
    assert clean_line("x" * TITLE_MAX) == "x" * TITLE_MAX
    assert len(clean_line("x" * (TITLE_MAX + 1))) == TITLE_MAX


def test_clean_text_cap() -> None:
    assert len(clean_text("y" * 5000, limit=100)) == 100
    # controls are removed before the cap, so the cap counts visible characters
    assert clean_text("\x00" * 50 + "z" * 100, limit=100) == "z" * 100


def test_clean_url() -> None:
    assert clean_url(" https://example.org/a?b=c ") == "https://example.org/a?b=c"
    assert clean_url("https://exa\x1bmple.org/\u202e") == "https://example.org/"
    assert clean_url("https://example.org/a b") is None
    assert clean_url("") is None
    assert clean_url("   ") is None
    assert clean_url(None) is None
    assert clean_url("https://e.org/" + "a" * URL_MAX) is None
    long_ok = "https://e.org/" + "a" * (URL_MAX - len("https://e.org/"))
    assert clean_url(long_ok) == long_ok


def test_decode_bytes_utf8_and_bom() -> None:
    assert decode_bytes("café".encode()) == "café"
    assert decode_bytes(b"\xef\xbb\xbfcaf\xc3\xa9") == "café"


def test_decode_bytes_cp1252_fallback() -> None:
    assert decode_bytes(b"caf\xe9 \x93quoted\x94 \x80") == "café “quoted” €"
    # undefined cp1252 bytes never raise
    out = decode_bytes(b"a\x81b\x8dc")
    assert out.startswith("a") and "b" in out and out.endswith("c")


def test_decode_bytes_utf16() -> None:
    assert decode_bytes("héllo".encode("utf-16")) == "héllo"


def test_looks_binary() -> None:
    assert looks_binary(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert looks_binary(b"text" + b"\x00" + b"more")
    assert not looks_binary(b"plain text\nlines\n")
    assert not looks_binary("utf-16 text".encode("utf-16"))
    assert not looks_binary(b"")
    # only the first 8 KB are looked at
    assert not looks_binary(b"a" * 8192 + b"\x00")
