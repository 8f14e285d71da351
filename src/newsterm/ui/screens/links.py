"""Links in the reader (mixed into the main screen): open, open numbered link N, open
and go on, copy (core/links.py and core/clipboard.py do the work)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from newsterm.core import clipboard
from newsterm.core.links import open_url, refusal
from newsterm.ui.widgets.article_list import ArticleList
from newsterm.ui.widgets.article_view import ArticleView
from newsterm.ui.workers import work

if TYPE_CHECKING:
    from textual.screen import Screen

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object


class LinkActions(_ScreenBase):
    """``o``, ``O``, ``1``…``9`` then ``o``, ``y`` of the main screen."""

    _digits: str

    def action_next_unread(self) -> None:
        raise NotImplementedError  # the walk's

    def _current_url(self) -> str | None:
        view = self.query_one(ArticleView)
        if view.article is not None:
            return view.article.row.url
        row = self.query_one(ArticleList).current
        return row.url if row else None

    def _open(self, url: str | None) -> bool:
        reason = refusal(url)
        if reason is None:
            reason = open_url(url or "")
        if reason:
            self.app.notify(f"Not opened: {reason}", severity="warning", markup=False)
            return False
        self.app.notify(f"Opened {url}", markup=False, timeout=3)
        return True

    def action_digit(self, digit: int) -> None:
        self._digits = (self._digits + str(digit))[-3:]
        self.app.notify(f"Link {self._digits}: press o to open", timeout=2)

    def _numbered_link(self) -> str | None:
        number, self._digits = int(self._digits), ""
        rendered = self.query_one(ArticleView).rendered
        links = rendered.links if rendered else ()
        if not 1 <= number <= len(links):
            self.app.notify(f"No link {number} in this article.", severity="warning")
            return None
        return links[number - 1]

    def action_open_link(self) -> None:
        if self._digits:
            url = self._numbered_link()
            if url is not None:
                self._open(url)
            return
        self._open(self._current_url())

    def action_follow_link(self) -> None:
        if self._digits:
            self.action_open_link()

    def action_open_link_next(self) -> None:
        if self._open(self._current_url()):
            self.action_next_unread()

    def action_copy_link(self) -> None:
        url = self._current_url()
        if not url:
            self.app.notify("This article has no link.", severity="warning")
            return
        # OSC 52, and the app's own clipboard; a system tool too, where there is one.
        self.app.copy_to_clipboard(url)
        self._copy(url)

    @work(thread=True, group="copy")
    def _copy(self, url: str) -> None:
        result = clipboard.copy(url, os.environ)
        self.app.call_from_thread(
            self.app.notify,
            result.message(),
            severity="information" if result.copied else "warning",
            markup=False,
            timeout=3 if result.copied else 10,
        )
