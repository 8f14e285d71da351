"""Messages the main screen's workers post back with their results."""

from __future__ import annotations

from collections.abc import Sequence

from textual.message import Message

from newsterm.core.models import FeedNode, SectionNode, SourceReport, StoredArticle, View
from newsterm.core.render import RenderedArticle
from newsterm.ui.widgets.article_body import WrappedBody


class SidebarLoaded(Message):
    """Counts for the sidebar."""

    def __init__(
        self,
        counts: dict[str, tuple[int, int]],
        sections: Sequence[SectionNode],
        feeds: Sequence[FeedNode],
        saved: Sequence[tuple[str, str, int, int]] | None = None,
    ) -> None:
        super().__init__()
        self.counts = counts
        self.sections = sections
        self.feeds = feeds
        self.saved = saved
        """(name, query, unread, total) of the saved searches; None: unchanged."""


class ListLoaded(Message):
    """The ids of a view, in order, and which row to put the cursor on."""

    def __init__(
        self,
        view: View,
        ids: list[int],
        select: int | None,
        highlight: Sequence[str] = (),
        partial: bool = False,
        error: str | None = None,
    ) -> None:
        super().__init__()
        self.view = view
        self.ids = ids
        self.select = select
        self.highlight = highlight
        self.partial = partial
        """Only the first rows: the whole list follows."""
        self.error = error
        """Why the view cannot be shown (a search that cannot run), one line."""


class ArticleLoaded(Message):
    """An article read from the store and made readable (and now marked read)."""

    def __init__(
        self,
        article: StoredArticle,
        rendered: RenderedArticle,
        focus: bool,
        body: WrappedBody,
    ) -> None:
        super().__init__()
        self.article = article
        self.rendered = rendered
        self.focus = focus
        self.body = body
        """The body already styled and wrapped (made in the worker)."""


class MarksChanged(Message):
    """Read or starred flags changed in the store."""

    def __init__(self, ids: Sequence[int], bulk: bool = False) -> None:
        super().__init__()
        self.ids = ids
        self.bulk = bulk


class MarksToPush(Message):
    """Marks on a sync account's articles wait in its outbox: time to send them."""


class RefreshProgressed(Message):
    """One more feed done in a refresh run."""

    def __init__(self, done: int, total: int, report: SourceReport | None) -> None:
        super().__init__()
        self.done = done
        self.total = total
        self.report = report


class RefreshFinished(Message):
    def __init__(self, reports: Sequence[SourceReport]) -> None:
        super().__init__()
        self.reports = reports
