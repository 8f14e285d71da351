"""The main screen: sidebar, article list and article pane, coordinated by messages.

Panes never query each other. They post messages up; this screen asks the Library
through thread workers and hands results down as attributes and method calls.
"""

from __future__ import annotations

import json
from dataclasses import replace

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import Reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, ProgressBar, Static

from newsterm.core.article_text import body_markdown
from newsterm.core.errors import QueryError
from newsterm.core.library import Library
from newsterm.core.models import SORT_ORDERS, SortOrder, View
from newsterm.core.querylang import highlights as highlight_words
from newsterm.core.querylang import why_not as query_error
from newsterm.ui.keys import bindings
from newsterm.ui.messages import (
    ArticleLoaded,
    ListLoaded,
    MarksChanged,
    SidebarLoaded,
)
from newsterm.ui.screens.feeds import FEED_BINDINGS, FeedActions
from newsterm.ui.screens.fulltext import FullTextActions
from newsterm.ui.screens.links import LinkActions
from newsterm.ui.screens.list_options import ListOptionsActions
from newsterm.ui.screens.marking import MarkActions
from newsterm.ui.screens.queries import QueryActions
from newsterm.ui.screens.refreshing import SYNC_SECONDS, RefreshActions
from newsterm.ui.screens.sidebar import SidebarActions
from newsterm.ui.screens.tools import ToolsActions
from newsterm.ui.screens.walk import WalkActions
from newsterm.ui.textual_compat import focused_without_repaint
from newsterm.ui.widgets.article_body import wrap_body
from newsterm.ui.widgets.article_list import ArticleList
from newsterm.ui.widgets.article_view import ArticleView
from newsterm.ui.widgets.footer import KeyFooter
from newsterm.ui.widgets.section_tree import SectionTree
from newsterm.ui.workers import work

FIRST_ROWS = 200
"""Rows a list paints with before the rest of its ids arrive."""


class MainScreen(
    FeedActions,
    QueryActions,
    WalkActions,
    FullTextActions,
    SidebarActions,
    MarkActions,
    LinkActions,
    RefreshActions,
    ToolsActions,
    ListOptionsActions,
    Screen[None],
):
    """The reader."""

    # Textual repaints the whole screen at every focus change (Screen.focused is a
    # repaint reactive); the widgets that gain and lose the focus repaint themselves,
    # and opening an article moves the focus: a full repaint of every pane, twice the
    # work of the frame that shows the article.
    focused: Reactive[Widget | None] = focused_without_repaint()

    BINDINGS = [*bindings("main", link_number="digit"), *FEED_BINDINGS]

    def __init__(self, library: Library) -> None:
        super().__init__()
        self.library = library
        settings = library.config.settings
        self.show_read = settings.show_read
        self.sort: SortOrder = "newest"
        self.selected = View("all")
        self.view = View("all", show_read=self.show_read)
        self._before_search: View | None = None
        self._before_search_row: int | None = None
        self._undo: list[tuple[str, dict[int, bool]]] = []
        self._digits = ""
        self._restore_article: int | None = None
        self._refreshing = False
        self._open_on_load: int | None = None
        self._stale_sidebar = self._stale_list = False
        self._partial_shown = False
        self._busy_shown = False
        self._key_at = 0.0
        self._sidebar_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            with Vertical(id="sidebar"):
                yield SectionTree(id="sections")
                yield Static("", id="status")
                yield ProgressBar(id="progress", show_eta=False, show_percentage=False)
            with Vertical(id="reader"):
                yield Input(id="search")
                yield ArticleList(self.library.rows, id="articles")
                yield ArticleView(id="article")
        yield KeyFooter()

    # -- start ---------------------------------------------------------------------

    def on_mount(self) -> None:
        self.query_one("#search", Input).display = False
        self.query_one("#progress", ProgressBar).display = False
        self._restore_state()
        self.restore_sidebar()
        view = self.view
        if self._restore_article is None and view.kind != "search":
            # The newest page is what the reader waits for: read at once (200 ids by
            # index, on the UI's own connection) rather than in a thread that would
            # wait for the event loop and compete with the sidebar's counts.
            first = self.library.article_ids(view, limit=FIRST_ROWS)
            self._list_loaded(ListLoaded(view, first, None, (), partial=True))
            # The rest of the list once that page is on screen: a thread started now
            # would take the GIL from the first frame.
            self.call_after_refresh(self.load_list, first_page=False)
        else:
            self.load_list(select=self._restore_article)
        # The sidebar's counts and local files after the first frame too.
        self.call_after_refresh(self.load_sidebar)
        self.call_after_refresh(self.start_up)
        self.set_interval(1.0, self._poll_store)
        self.library.on_marks_waiting(self._marks_waiting)
        self.query_one(ArticleList).focus()

    def _restore_state(self) -> None:
        raw = self.library.saved("ui")
        if not raw:
            return
        try:
            saved = json.loads(raw)
            self.selected = View(
                saved["kind"], tuple(saved.get("section", ())), saved.get("source")
            )
            self._restore_article = saved.get("article")
            sort = saved.get("sort")
            self.sort = next((s for s in SORT_ORDERS if s == sort), "newest")
        except (ValueError, KeyError, TypeError):
            return
        self.view = self.selected.shown(self.show_read, self.sort)

    def save_state(self) -> None:
        article = self.query_one(ArticleView).article
        state = {
            "kind": self.selected.kind,
            "section": list(self.selected.section),
            "source": self.selected.source,
            "article": article.row.rowid if article else None,
            "sort": self.sort,
        }
        self.library.save("ui", json.dumps(state))

    @work(thread=True, group="startup")
    def start_up(self) -> None:
        """After the first paint: read changed local files, then refresh feeds."""
        warnings, changed = self.library.sync_local_files()
        for warning in warnings[:5]:
            self.app.call_from_thread(self.app.notify, warning, severity="warning", markup=False)
        if changed:  # on_mount loaded the store as it was
            self.app.call_from_thread(self.reload)
        settings = self.library.config.settings
        if settings.refresh_on_start and self.library.configured_feeds():
            self.app.call_from_thread(self.action_refresh_all)  # accounts sync with it
        elif self.library.config.accounts:
            self.app.call_from_thread(self._sync_worker)
        if self.library.config.accounts:  # then in the background (refreshing.py)
            self.app.call_from_thread(self.set_interval, SYNC_SECONDS, self._sync_worker)
        self.app.call_from_thread(self.start_tools)  # feeds due by their schedule, hooks

    # -- loading -------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="sidebar")
    def load_sidebar(self) -> None:
        library = self.library
        counts, sections, feeds = library.counts(), library.sections(), library.feed_nodes()
        self.post_message(SidebarLoaded(counts, sections, feeds, library.saved_counts()))

    @work(thread=True, exclusive=True, group="list")
    def load_list(
        self,
        select: int | None = None,
        view: View | None = None,
        *,
        first_page: bool = True,
    ) -> None:
        view = view or self.view
        words = highlight_words(view.query) if view.kind == "search" else ()
        if first_page and view.kind != "search" and select is None:
            # The first screenful at once; the ids of a 100,000-article view follow.
            first = self.library.article_ids(view, limit=FIRST_ROWS)
            if len(first) == FIRST_ROWS:
                self.post_message(ListLoaded(view, first, None, words, partial=True))
        try:
            ids = self.library.article_ids(view)
        except QueryError as exc:  # shown in the list, where the results would be
            self.post_message(ListLoaded(view, [], None, error=str(exc)))
            return
        self.post_message(ListLoaded(view, ids, select, words))

    def load_article(self, rowid: int, focus: bool = True, mark: bool = True) -> None:
        self._load_article(rowid, self.query_one(ArticleView).wrap_width, focus, mark)

    @work(thread=True, exclusive=True, group="article")
    def _load_article(self, rowid: int, width: int, focus: bool, mark: bool) -> None:
        article = self.library.article(rowid)
        if article is None:
            return
        article, rendered = self.shown_text(article)  # the full article, or the feed's text
        # Styled and wrapped here, off the event loop: the pane only draws lines.
        body = wrap_body(body_markdown(article, rendered), width)
        marking = mark and not article.row.read
        if marking:
            article = replace(article, row=replace(article.row, read=True))
        self.post_message(ArticleLoaded(article, rendered, focus, body))
        if marking:  # shown first, then written
            self.library.set_read([rowid], True)
            self.post_message(MarksChanged([rowid]))

    def reload(self) -> None:
        self.load_sidebar()
        current = self.query_one(ArticleList).current
        self.load_list(select=current.rowid if current else None)

    @on(SidebarLoaded)
    def _sidebar_loaded(self, message: SidebarLoaded) -> None:
        tree = self.query_one(SectionTree)
        first = not tree.has_views
        tree.update_views(message.counts, message.sections, message.feeds, message.saved)
        if first:
            tree.select_view(self.selected) or tree.select_view(View("all"))

    @on(ListLoaded)
    def _list_loaded(self, message: ListLoaded) -> None:
        if message.view != self.view:
            return  # an older request
        article_list = self.query_one(ArticleList)
        index = message.ids.index(message.select) if message.select in message.ids else 0
        if self._partial_shown and message.select is None:
            index = article_list.cursor  # keys pressed while the rest loaded still count
        self._partial_shown = message.partial
        article_list.show(
            message.ids, index, message.highlight, keep_scroll=not message.partial and index > 0
        )
        if message.view.kind == "search":
            self._show_found(message)
        else:
            article_list.empty_text = (
                "No articles here."
                if self.show_read
                else "No unread articles here (H shows read ones)."
            )
        if self._open_on_load is not None:
            rowid, self._open_on_load = self._open_on_load, None
            if rowid in message.ids:
                self._open_index(message.ids.index(rowid))
        if self._restore_article is not None:
            if self._restore_article in message.ids:
                self.load_article(self._restore_article, focus=False, mark=False)
            self._restore_article = None

    @on(ArticleLoaded)
    def _article_loaded(self, message: ArticleLoaded) -> None:
        view = self.query_one(ArticleView)
        view.show(message.article, message.rendered, message.body)
        self.query_one(ArticleList).update_row(message.article.row)
        if message.focus:
            view.focus()

    # -- sidebar and list events -------------------------------------------------------

    @on(SectionTree.ViewChosen)
    def _view_chosen(self, message: SectionTree.ViewChosen) -> None:
        if message.view == self.selected and self.view.kind != "search":
            return
        if self.query_one("#search", Input).display:
            self._end_search()  # the reader chose a place: the search is over
        self.selected = message.view
        self._set_view(self.selected.shown(self.show_read, self.sort))

    def _set_view(self, view: View, select: int | None = None) -> None:
        self.view = view
        self.load_list(select=select)

    @on(ArticleList.ArticleSelected)
    def _article_selected(self, message: ArticleList.ArticleSelected) -> None:
        self.load_article(message.rowid)

    @on(ArticleView.EndReached)
    def _end_reached(self) -> None:
        self.action_next_unread()

    # -- reading -------------------------------------------------------------------

    def _open_index(self, index: int) -> None:
        article_list = self.query_one(ArticleList)
        if not article_list.ids:
            return
        article_list.cursor = max(0, min(index, len(article_list.ids) - 1))
        row = article_list.current
        if row is not None:
            self.load_article(row.rowid, focus=isinstance(self.focused, ArticleView))

    def action_next_article(self) -> None:
        self._open_index(self.query_one(ArticleList).cursor + 1)

    def action_previous_article(self) -> None:
        self._open_index(self.query_one(ArticleList).cursor - 1)

    def action_page_down(self) -> None:
        """``space`` from any pane: the article reads on (PgDn only pages, in each pane)."""
        view = self.query_one(ArticleView)
        if view.article is None:
            self.action_next_unread()
        else:
            view.action_read_on()

    def action_back(self) -> None:
        """Esc/h one step back: from the article to the list (a search's results, with
        its box); from the list or the box of a search, to the view before it."""
        searching = self.query_one("#search", Input).display
        if searching and not isinstance(self.focused, ArticleView):
            self._close_search()
            return
        self.query_one(ArticleList).focus()

    # -- search --------------------------------------------------------------------

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        if not search.display:
            self._before_search = self.selected
            current = self.query_one(ArticleList).current
            self._before_search_row = current.rowid if current else None
            self.begin_search()  # the view it searches in, shown in the box
            search.display = True
        # At once, not after a refresh: keys typed right after / belong to the box.
        self.set_focus(search, scroll_visible=False)

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        if not self.query_one("#search", Input).display:
            return  # the box was closed (and emptied) since: not a search any more
        self._set_view(self.search_view(event.value))  # in the box's scope

    def _show_found(self, message: ListLoaded) -> None:
        """The search's count in the box's border; its error, or that nothing matches."""
        search = self.query_one("#search", Input)
        query = search.value.strip() or message.view.query  # as typed, while the box shows
        if message.error:  # named as typed (without the * the box added)
            search.border_title = None
            self.query_one(ArticleList).empty_text = query_error(query) or message.error
            return
        search.border_title = f"{len(message.ids):,} found" if query else None
        self.query_one(ArticleList).empty_text = (
            f"Nothing matches {query!r}." if query else "Type to search."
        )

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        article_list = self.query_one(ArticleList)
        article_list.focus()
        if article_list.ids:
            article_list.action_open()

    def _close_search(self) -> None:
        """Back to the view the search started from, its row under the cursor."""
        self._end_search()
        self.selected = self._before_search or View("all")
        self._set_view(self.selected.shown(self.show_read, self.sort), self._before_search_row)
        self.query_one(SectionTree).select_view(self.selected)
        self.query_one(ArticleList).focus()

    def _end_search(self) -> None:
        """Hide and empty the box without the emptying starting a search of its own."""
        search = self.query_one("#search", Input)
        search.display = False
        with search.prevent(Input.Changed):
            search.value = ""
