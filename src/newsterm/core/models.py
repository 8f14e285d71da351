"""The domain model: frozen dataclasses shared by core, CLI and UI."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

ContentType = Literal["html", "markdown", "text"]
FullTextMode = Literal["auto", "always", "never"]
"""``full_text`` in feeds.toml: when an article's page is fetched for its full text."""
FULL_TEXT_MODES: tuple[FullTextMode, ...] = ("auto", "always", "never")
SectionPath = tuple[str, ...]


def section_from_string(value: str) -> SectionPath:
    """``"Technology/Mobiles"`` -> ``("Technology", "Mobiles")``; empty parts dropped."""
    return tuple(part.strip() for part in value.split("/") if part.strip())


def section_to_string(path: SectionPath) -> str:
    """The inverse of :func:`section_from_string`: how a reader writes a section in
    feeds.toml, on the command line and in dialogs."""
    return "/".join(path)


SECTION_SHOWN = " › "
"""How a section path is joined where a reader sees it (the core keeps tuples)."""


def section_shown(path: SectionPath) -> str:
    """``("Technology", "Mobiles")`` -> ``"Technology › Mobiles"``, for display only."""
    return SECTION_SHOWN.join(path)


@dataclass(frozen=True, slots=True)
class ArticleKey:
    """Identity of an article: stable across refreshes and restarts."""

    source: str
    """The source's key: the feed URL, or ``local:<folder>`` for local files."""
    id: str
    """The id within the source: guid, link, path relative to the folder, or a hash."""


@dataclass(frozen=True, slots=True)
class Enclosure:
    """A file attached to a feed entry (podcast audio, image)."""

    url: str
    type: str = ""
    length: int | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """One article as a source produced it (no read state)."""

    key: ArticleKey
    title: str
    section: SectionPath = ()
    url: str | None = None
    author: str | None = None
    published: datetime | None = None
    """Aware UTC datetime, or None when unknown or absurd."""
    updated: datetime | None = None
    content: str = ""
    """The body: HTML, Markdown or plain text, see ``content_type``."""
    content_type: ContentType = "html"
    summary: str = ""
    categories: tuple[str, ...] = ()
    enclosures: tuple[Enclosure, ...] = ()
    note: str | None = None
    """A remark about how the article was read (e.g. "empty file"), shown in the pane."""


@dataclass(frozen=True, slots=True)
class Source:
    """A configured place articles come from: one feed or one local folder/file."""

    key: str
    """Feed URL, ``local:<absolute path>``, or ``account:<name>:<feed id>`` (a sync
    account's feed, kind ``remote``: the server owns it, core/sync)."""
    kind: Literal["feed", "local", "remote"]
    title: str | None = None
    """Title from feeds.toml (overrides the feed's own title)."""
    section: SectionPath = ()
    path: str | None = None
    """For local sources: the absolute path of the folder or file."""


@dataclass(frozen=True, slots=True)
class SourceState:
    """What the store knows about a source: validators and last outcome."""

    key: str
    title: str | None = None
    url: str | None = None
    """The URL to fetch next (after a permanent redirect it differs from ``key``)."""
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_ok_at: datetime | None = None
    retry_after: datetime | None = None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed document turned into articles (before storing)."""

    title: str | None
    link: str | None
    articles: tuple[Article, ...]
    warning: str | None = None
    """Set when the feed was malformed but some items were recovered."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one HTTP fetch gave: a body, not-modified, or an error."""

    url: str
    status: int = 0
    body: bytes | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    permanent_url: str | None = None
    """Set when a permanent redirect moved the feed."""
    error: str | None = None
    retry_after_seconds: float | None = None
    cache_control: str | None = None
    """The answer's ``Cache-Control`` header (a floor for the feed's schedule)."""


@dataclass(frozen=True, slots=True)
class SectionNode:
    """A section in the sidebar with its counts (including sub-sections)."""

    path: SectionPath
    unread: int
    total: int


@dataclass(frozen=True, slots=True)
class FeedNode:
    """A configured feed in the sidebar, under its section."""

    key: str
    label: str
    section: SectionPath
    unread: int
    total: int
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """One row of an article list: what the list shows, without the body."""

    rowid: int
    key: ArticleKey
    title: str
    section: SectionPath
    source_title: str
    url: str | None
    published: datetime | None
    read: bool
    starred: bool
    words: int = 0


@dataclass(frozen=True, slots=True)
class SourceReport:
    """The outcome of refreshing one source."""

    key: str
    title: str
    new: int = 0
    updated: int = 0
    not_modified: bool = False
    error: str | None = None
    warning: str | None = None
    skipped: str | None = None
    """Why the feed was left alone, not failed (another newsterm is refreshing it)."""
    waiting: str | None = None
    """Why it was not fetched: the server's floor (ttl, max-age, Retry-After) holds."""
    new_ids: tuple[int, ...] = ()
    """The ids of the articles this refresh added (for the ``on_new`` hook)."""


SortOrder = Literal["newest", "oldest", "source", "title"]
SORT_ORDERS: tuple[SortOrder, ...] = ("newest", "oldest", "source", "title")
ViewKind = Literal["all", "unread", "starred", "today", "section", "source", "search"]


@dataclass(frozen=True, slots=True)
class View:
    """What an article list shows: a virtual section, a section, or a search."""

    kind: ViewKind = "all"
    section: SectionPath = ()
    source: str | None = None
    """For ``kind="source"``: the source's key."""
    query: str = ""
    show_read: bool = True
    sort: SortOrder = "newest"
    hidden: bool = False
    """Show the articles rules hid too (a list's option, like ``show_read``)."""
    within: View | None = None
    """For ``kind="search"``: the view searched in (the search box's scope); None: every
    article."""

    @property
    def selection(self) -> View:
        """What the sidebar selects: this view without the list's options."""
        return View(self.kind, self.section, self.source, self.query)

    def shown(self, show_read: bool, sort: SortOrder) -> View:
        """This view with the list's options."""
        return replace(self, show_read=show_read, sort=sort)


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """An article as the store holds it: the row plus the body and extras."""

    row: ArticleRow
    author: str | None
    updated: datetime | None
    content: str
    content_type: ContentType
    summary: str
    categories: tuple[str, ...]
    enclosures: tuple[Enclosure, ...]
    note: str | None
    source_link: str | None
    full_text: FullText | None = None
    """The article read from its web page, when one was fetched (or why it could not
    be); set by ``Library.with_full_text``."""
    shows_full: bool = False
    """The body is ``full_text``'s, not the feed's (``Library.with_full_text``)."""


@dataclass(frozen=True, slots=True)
class FullText:
    """An article as read from its web page (core/refresh/pages.py), or why it could
    not be read: kept beside the feed's own text, which stays as it was."""

    article_id: int
    content: str
    """The article as HTML (core/sources/extract.py); "" when ``error`` is set."""
    url: str | None
    """The page it was read from (after redirects): its links resolve against it."""
    title: str | None
    author: str | None
    published: datetime | None
    words: int
    fetched_at: datetime
    error: str | None = None
    """Why there is no full text (one line), else None."""
    note: str | None = None
    """Something the reader should know (the page was cut)."""
    tries: int = 1
    """Fetches that failed in a row (the automatic ones give up after a few)."""

    @property
    def ok(self) -> bool:
        """There is an article to show."""
        return self.error is None and bool(self.content)
