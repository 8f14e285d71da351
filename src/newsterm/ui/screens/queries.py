"""The query language's side of the reader (mixed into the main screen, issue 15):
what ``/`` searches in, ctrl+g to search everywhere, and showing the articles rules
hid. Saved searches are sidebar nodes of search views (``SectionTree``), so ``A`` and
``u`` in one work as in any list.

A search starts in the view the sidebar selects; ``search_everywhere`` (ctrl+g)
switches it to every article and back. The box (a stock ``Input``: its keys are its
own) shows the scope in its placeholder while it is empty and in its lower border all
the time, with the key that switches it. A feed's name is untrusted text: it goes into
the border as ``Content``, never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Input

from newsterm.core.actions import BY_ID
from newsterm.core.library import Library
from newsterm.core.models import View, section_shown
from newsterm.core.query import as_typed
from newsterm.ui.keys import keys_text
from newsterm.ui.widgets.article_list import ArticleList
from newsterm.ui.widgets.section_tree import SectionTree

if TYPE_CHECKING:
    from textual.screen import Screen

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object


@dataclass(frozen=True, slots=True)
class SearchScope:
    """Where a search looks: the view it began in, or everywhere."""

    began: View | None = None
    """The view the box opened on; None: it opened everywhere (All)."""
    name: str = ""
    """That view's name as the sidebar shows it."""
    everywhere: bool = False
    """Switched to every article (ctrl+g)."""

    @property
    def view(self) -> View | None:
        """The view searched in (``View.within``); None: every article."""
        return None if self.everywhere else self.began

    def switched(self) -> SearchScope:
        """Everywhere, or back to the view it began in (itself when it began
        everywhere)."""
        return self if self.began is None else replace(self, everywhere=not self.everywhere)

    @property
    def text(self) -> str:
        """Where it searches: ``in Technology › Mobiles``, ``everywhere``."""
        return f"in {self.name}" if self.view is not None else "everywhere"

    def line(self, key: str) -> str:
        """The box's lower border: the scope, and what ``key`` switches it to."""
        if self.began is None:
            return self.text
        other = "everywhere" if self.view is not None else f"in {self.name}"
        return f"{self.text} · {key}: {other}"


class QueryActions(_ScreenBase):
    """``/``'s scope, ctrl+g, and ``V``: the lists show hidden articles too, or not."""

    library: Library
    view: View
    selected: View
    search_scope = SearchScope()
    """What the search box searches in (set as it opens)."""

    def _set_view(self, view: View, select: int | None = None) -> None:
        raise NotImplementedError  # the main screen's

    def action_search(self) -> None:
        raise NotImplementedError  # the main screen's

    def action_toggle_hidden(self) -> None:
        self.library.show_hidden = not self.library.show_hidden
        self.app.notify(
            "Showing hidden articles."
            if self.library.show_hidden
            else "Leaving out hidden articles.",
            timeout=2,
        )
        current = self.query_one(ArticleList).current
        self._set_view(self.view, select=current.rowid if current else None)

    # -- the search's scope --------------------------------------------------------------

    def begin_search(self) -> None:
        """The box opens on the view the sidebar selects (All: everywhere)."""
        view = self.selected.selection
        if view.kind == "all":
            self._show_scope(SearchScope())
            return
        if view.kind == "section":
            name = section_shown(view.section)
        else:
            tree = self.query_one(SectionTree)
            name = tree.name_of(view) or view.source or view.query or view.kind.title()
        self._show_scope(SearchScope(view, name))

    def search_view(self, typed: str) -> View:
        """The search of what the box holds, in its scope (the word being typed is a
        prefix: ``as_typed``; a space ends it)."""
        query = as_typed(typed).strip()
        return View("search", query=query, show_read=True, within=self.search_scope.view)

    def action_search_everywhere(self) -> None:
        """ctrl+g: from the lists, a search of every article; in the box, every article
        or again the view it began in."""
        box = self.query_one("#search", Input)
        if not box.display:
            self.action_search()
            self._show_scope(self.search_scope.switched())
            return
        self._show_scope(self.search_scope.switched())
        if box.value.strip():
            self._set_view(self.search_view(box.value))
        self.set_focus(box, scroll_visible=False)

    def _show_scope(self, scope: SearchScope) -> None:
        """Keep ``scope`` and write it into the box."""
        self.search_scope = scope
        box = self.query_one("#search", Input)
        box.placeholder = f"Search {scope.text}…"
        key = keys_text(BY_ID["search_everywhere"], getattr(self.app, "rebound_keys", {}))
        box.border_subtitle = Content(scope.line(key))
