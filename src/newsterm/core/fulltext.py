"""When an article's web page is read for its full text, and what the reader is told.

Pure: no I/O. The page is fetched by :mod:`newsterm.core.refresh.pages`, read by
:mod:`newsterm.core.sources.extract`, kept by :mod:`newsterm.core.store.fulltext`.

``full_text`` in feeds.toml (per feed, or in ``[settings]``; default ``auto``):

- ``always``: every article's page is fetched;
- ``never``: none is, unless the reader asks (``x``, ``newsterm show --full``);
- ``auto``: the page is fetched when the feed's text is a summary (:func:`is_summary`).

Automatic fetches (after a refresh, and on opening an article whose page was not
fetched yet) try a failed page again after :data:`RETRY_HOURS`, at most
:data:`MAX_TRIES` times; the reader's own request always tries.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from datetime import datetime, timedelta

from newsterm.core.models import FullText, FullTextMode, StoredArticle

SUMMARY_WORDS = 100
"""A feed text shorter than this is a summary."""
TYPICAL_SHARE = 0.3
"""A feed text under this share of the feed's typical length (its median) is one too."""
TYPICAL_MIN_ARTICLES = 5
"""Articles a feed needs before its median counts."""
SHORTER_SHARE = 0.8
"""A page whose article has fewer words than this share of the feed's text is not the
article (a teaser, a consent page): the feed's text stays."""
RETRY_HOURS = 12
MAX_TRIES = 3

# "…", "...", "[…]", "[...]", "(…)", "Read more", "Continue reading", "Lire la suite",
# "Weiterlesen", "Leer más", "Leggi tutto", "Lees meer", "more »" at the very end.
_ENDS_AS_SUMMARY = re.compile(
    r"(?:…|\.\.\.|\[\s*(?:…|\.\.\.)\s*\]|\(\s*(?:…|\.\.\.)\s*\)"
    r"|\bread more|\bcontinue reading(?: [^.!?\n]{0,80})?|\bkeep reading|\bmore\s*[»›→]"
    r"|\blire la suite|\bweiterlesen|\bleer más|\bleggi tutto|\blees meer|\bler mais)"
    r"[\s\W]{0,6}$",
    re.IGNORECASE,
)


def is_summary(text: str, words: int, typical: int | None) -> bool:
    """Whether a feed's text of an article (``text``, ``words`` of it) is a summary.

    It is when it is short (under :data:`SUMMARY_WORDS` words), when it ends as a
    summary does ("…", "[…]", "Read more", "Continue reading"), or when it is much
    shorter than the feed's typical text (under :data:`TYPICAL_SHARE` of ``typical``,
    the median words of the feed's recent articles).
    """
    if words < SUMMARY_WORDS:
        return True
    if _ENDS_AS_SUMMARY.search(text[-200:].rstrip()):
        return True
    return typical is not None and words < typical * TYPICAL_SHARE


def typical_words(counts: Sequence[int]) -> int | None:
    """The typical words of a feed's articles (median), None with too few of them."""
    if len(counts) < TYPICAL_MIN_ARTICLES:
        return None
    return int(statistics.median(counts))


def may_retry(stored: FullText | None, now: datetime) -> bool:
    """Whether an automatic fetch may read the page (again): never read, or it failed
    long enough ago and not too often."""
    if stored is None:
        return True
    if stored.error is None:
        return False
    return stored.tries < MAX_TRIES and now - stored.fetched_at >= timedelta(hours=RETRY_HOURS)


def wants_page(mode: FullTextMode, text: str, words: int, typical: int | None) -> bool:
    """Whether an automatic fetch reads this article's page (``mode``: the feed's)."""
    if mode == "never":
        return False
    return mode == "always" or is_summary(text, words, typical)


def versus_feed(page_words: int, feed_words: int) -> str | None:
    """Why a page's article is not worth showing instead of the feed's text, or None."""
    if feed_words >= SUMMARY_WORDS and page_words < feed_words * SHORTER_SHARE:
        return "the page has less text than the feed"
    return None


def origin_line(article: StoredArticle) -> str | None:
    """The line that says which text the reader sees: the full article (read from its
    page) or the feed's; None for a local file (it has only one)."""
    full = article.full_text
    if article.shows_full and full is not None:
        line = "full article, read from its page"
        return f"{line} ({full.note})" if full.note else line
    if article.row.key.source.startswith("local:"):
        return None
    if full is not None and full.ok:
        return "from the feed (the full article is kept too)"
    if full is not None and full.error:
        return f"from the feed · no full article: {full.error}"
    return "from the feed"
