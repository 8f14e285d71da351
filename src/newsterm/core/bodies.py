"""Article bodies as stored: zlib, with a preset dictionary of the feed's own text.

A feed's articles share much of their text: markup, boilerplate, vocabulary. A short
body compressed alone pays full price for all of it; zlib can instead start from a
*preset dictionary* (up to 32 KB it treats as already seen). It saved 28% of the body
bytes of the benchmark's generated feeds (short bodies, a small vocabulary) and 6% on
the real feeds of the test corpus (long bodies, which refer to their own text). Each feed gets its own dictionary, made by
:func:`build_zdict` from the bodies it lists on the first fetch that has enough of them
(a feed stored before dictionaries gets one too), stored once by the store and used
for the feed's later bodies.

A blob names its dictionary itself: the zlib header's FDICT flag and DICTID (the
adler32 of the dictionary, RFC 1950). So a body is read without knowing its feed, and
blobs written before dictionaries existed (no FDICT) read as they always did.
"""

from __future__ import annotations

import logging
import zlib
from collections import Counter
from collections.abc import Callable, Sequence

from newsterm.core.htmltext import visible_text

log = logging.getLogger(__name__)

LEVEL = 4
"""Level 6 took 40% longer on the corpus's real bodies for 1.4% fewer bytes."""
ZDICT_LEVEL = 4
"""With a dictionary, level 4 compressed the benchmark's bodies within 0.5% of level 6
in two thirds of the time: faster than level 6 without one, dictionary made included."""
ZDICT_MAX = 32_768
"""zlib looks back 32 KB: a longer dictionary would only be cut."""
ZDICT_MIN_BODY_BYTES = 64_000
"""Body bytes a fetch must bring before a dictionary is made: a dictionary costs a few
KB to store and saves ~13% of the raw body bytes, so this pays it back twice at once."""
ZDICT_MIN_ARTICLES = 8
ZDICT_SAMPLE = 32_768
"""Characters of a feed's bodies read to make its dictionary (a share of each, head and
tail). On the benchmark's feeds, reading all of them took 6x as long and made the
bodies 4% smaller: the first fetch of a feed would have cost more than it did before
dictionaries; with this sample it costs no more."""
SEARCH_BODY_MAX = 20_000
"""Characters of a body's text that the search index holds."""

ZdictFinder = Callable[[int], bytes | None]
"""DICTID (adler32) -> the dictionary, or None when the store has none of that id."""


def plain_text(content: str, content_type: str) -> str:
    """The words of a body: what the search index holds and every word count counts
    (the list's "Nm" from the stored count, the pane's "N min read" from the body).

    HTML: :func:`~newsterm.core.htmltext.visible_text`. Markdown and text as they are.
    """
    return visible_text(content) if content_type == "html" else content


def build_zdict(bodies: Sequence[str]) -> bytes | None:
    """A preset dictionary for a feed, from its bodies; None when too few to pay.

    It holds only words (markup included, split at white space) found in at least two
    different bodies, so it is the feed's shared text and never one article's own:
    later articles gain from it as much as these do. The most valuable words (number
    of bodies x length) come last, where zlib reaches them with the shortest distance.
    """
    if len(bodies) < ZDICT_MIN_ARTICLES or sum(map(len, bodies)) < ZDICT_MIN_BODY_BYTES:
        return None
    share = max(256, ZDICT_SAMPLE // len(bodies))
    found_in: Counter[str] = Counter()
    for body in bodies:
        if len(body) > share:  # where boilerplate is: the start and the end
            body = body[: share * 2 // 3] + " " + body[-(share // 3) :]
        found_in.update(set(body.split()))
    shared = [word for word, n in found_in.items() if n >= 2 and len(word) >= 3]
    shared.sort(key=lambda word: found_in[word] * len(word))
    chosen: list[str] = []
    size = 0
    for word in reversed(shared):
        size += len(word) + 1
        if size > ZDICT_MAX:
            break
        chosen.append(word)
    if not chosen:
        return None
    chosen.reverse()
    # non-ASCII words weigh more as bytes: cut the least valuable end to fit
    zdict = (" ".join(chosen) + " ").encode("utf-8", "replace")[-ZDICT_MAX:]
    return zdict if _pays(zdict, bodies) else None


def _pays(zdict: bytes, bodies: Sequence[str]) -> bool:
    """Whether a dictionary saves more than it costs to store, on these bodies alone.

    Measured on four of them (up to 32 KB each), compressed both ways. It helps a
    body's start, before the body has text of its own to refer to, and level 4 costs a
    long body a little: on the long bodies of the test corpus's real feeds a few grew.
    """
    step = max(1, len(bodies) // 4)
    sample = [b[:32_768].encode("utf-8", "replace") for b in bodies[::step][:4]]
    with_zdict = Compressor(zdict)
    saved = sum(len(PLAIN(b)) - len(with_zdict(b)) for b in sample)
    return saved * len(bodies) / len(sample) > len(pack_zdict(zdict))


class Compressor:
    """Compresses bodies, with a preset dictionary or without."""

    def __init__(self, zdict: bytes | None = None) -> None:
        self.zdict = zdict
        # Setting a dictionary costs as much as compressing it; copying a compressor
        # that has it costs less than the body's own compression.
        self._primed = zlib.compressobj(ZDICT_LEVEL, zdict=zdict) if zdict else None

    def __call__(self, data: bytes) -> bytes:
        if self._primed is None:
            return zlib.compress(data, LEVEL)
        compressor = self._primed.copy()
        return compressor.compress(data) + compressor.flush()


PLAIN = Compressor()


def zdict_id(blob: bytes) -> int | None:
    """The DICTID of a zlib stream made with a preset dictionary, else None."""
    if len(blob) < 6 or blob[0] & 0x0F != 8 or not blob[1] & 0x20:
        return None
    return int.from_bytes(blob[2:6], "big")


def decompress(blob: bytes | None, find_zdict: ZdictFinder) -> str:
    """A stored body as text ("" for no body, or one that cannot be read)."""
    if not blob:
        return ""
    try:
        wanted = zdict_id(blob)
        if wanted is None:
            return zlib.decompress(blob).decode("utf-8", "replace")
        zdict = find_zdict(wanted)
        if zdict is None:
            log.warning("a stored body needs dictionary %08x, which the store lacks", wanted)
            return ""
        inflater = zlib.decompressobj(zdict=zdict)
        return (inflater.decompress(blob) + inflater.flush()).decode("utf-8", "replace")
    except zlib.error as exc:
        log.warning("a stored body is unreadable: %s", exc)
        return ""


def pack_zdict(zdict: bytes) -> bytes:
    """A dictionary as the store keeps it (it is text: compressed, it takes a third)."""
    return zlib.compress(zdict, 9)


def unpack_zdict(data: bytes) -> bytes:
    return zlib.decompress(data)
