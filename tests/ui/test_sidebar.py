"""The sidebar: names cut with an ellipsis beside a count that always shows, its width
(automatic or ``sidebar_width``), hiding it, folds and order kept from run to run, the
label of a never-fetched feed, Starred's count, and the keys that lead to the list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region

from newsterm.core.config import load_config
from newsterm.core.library import Library
from newsterm.core.models import FeedNode, SectionNode, View
from newsterm.core.store import Store
from newsterm.ui.app import NewsApp
from newsterm.ui.screens.help import help_text
from newsterm.ui.widgets.article_list import ArticleList
from newsterm.ui.widgets.section_tree import SectionTree
from sample import FEED_URL, settle

SIZE = (120, 40)
LONG = "heise developer neueste Meldungen aus der Welt der Softwareentwicklung"


def tree_of(app: NewsApp) -> SectionTree:
    return app.screen.query_one(SectionTree)


def drawn(tree: SectionTree) -> list[str]:
    """The sidebar's rows as drawn, trailing blanks kept."""
    lines = tree.render_lines(Region(0, 0, tree.size.width, tree.size.height))
    return [line.text for line in lines]


def order(node) -> list[str]:  # type: ignore[no-untyped-def]
    """Every node's label under ``node``, depth first, indented by depth."""
    out: list[str] = []

    def walk(parent, depth: int) -> None:  # type: ignore[no-untyped-def]
        for child in parent.children:
            out.append("  " * depth + child.data.kind + ":" + child.label.plain)
            walk(child, depth + 1)

    walk(node, 0)
    return out


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_long_names_end_in_an_ellipsis_and_keep_their_count(make_app, size) -> None:
    """It read "heise developer neueste Me": cut with no ellipsis, the count gone."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        tree = tree_of(app)
        feeds = [
            FeedNode("https://h.example/feed", LONG, ("News",), 15, 15),
            FeedNode("https://b.example/feed", "Broken " + LONG, ("News",), 0, 3, "HTTP 500"),
        ]
        tree.update_views({"all": (15, 18)}, [SectionNode(("News",), 15, 18)], feeds)
        await pilot.pause()
        rows = drawn(tree)
        width = tree.size.width
        assert all(len(row) == width for row in rows)
        heise = next(row for row in rows if "heise" in row and "Broken" not in row)
        assert heise.endswith(" 15") and "…" in heise, heise
        assert next(row for row in rows if row.lstrip("└├─ ").startswith("▼ News")).endswith(" 15")
        broken = next(row for row in rows if "Broken" in row)
        assert "! Broken" in broken and broken.rstrip().endswith("…"), broken
        assert next(row for row in rows if row.startswith("All")).endswith(" 15")


def _with_settings(sample: tuple[Path, Path], line: str) -> NewsApp:
    from sample import open_sample

    config, data = sample
    config.write_text(config.read_text().replace("[settings]\n", f"[settings]\n{line}\n"))
    return NewsApp(open_sample(config, data))


@pytest.mark.parametrize(("size", "width"), [((80, 24), 22), ((120, 40), 30), ((200, 50), 40)])
async def test_the_sidebar_grows_with_the_terminal(make_app, size, width) -> None:
    """It was 32 columns at any terminal width."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#sidebar").size.width + 1 == width  # + its border


@pytest.mark.parametrize(("size", "width"), [((120, 40), 45), ((80, 24), 48)])
async def test_sidebar_width_sets_it(sample, size, width) -> None:
    app = _with_settings(sample, "sidebar_width = 45")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        # 45 columns, but never more than 60% of the terminal (48 of 80)
        assert app.screen.query_one("#sidebar").outer_size.width == min(45, width)


async def test_backslash_hides_and_shows_the_sidebar_and_it_stays_so(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        before = articles.size.width
        tree_of(app).focus()
        await pilot.press("backslash")
        await settle(pilot)
        assert not app.screen.query_one("#sidebar").display
        assert isinstance(app.focused, ArticleList)  # the focus left the hidden pane
        assert articles.size.width == SIZE[0] > before
        await pilot.press("q")
    again = make_app()
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not again.screen.query_one("#sidebar").display  # still hidden
        await pilot.press("backslash")
        await settle(pilot)
        assert again.screen.query_one("#sidebar").display
        assert tree_of(again).size.width > 20


async def test_folded_sections_stay_folded_after_a_restart(make_app) -> None:
    """They all unfolded again at every start."""
    app = make_app()
    technology = View("section", ("Technology",))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = tree_of(app)
        tree.focus()
        assert tree.select_view(technology)
        await settle(pilot)
        await pilot.press("space")  # fold
        await settle(pilot)
        assert not tree.cursor_node.is_expanded
        await pilot.press("q")
    again = make_app()
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = tree_of(again)
        nodes = {node.data: node for node in _walk(tree.root)}
        assert not nodes[technology].is_expanded
        assert nodes[View("section", ("World",))].is_expanded
        assert json.loads(again.library.saved("sidebar") or "{}")["folded"] == [["Technology"]]


def _walk(node):  # type: ignore[no-untyped-def]
    for child in node.children:
        yield child
        yield from _walk(child)


async def test_the_order_is_the_same_in_every_run(sample) -> None:
    """Sections whose articles were stored after the first paint (local files read at
    start, a first refresh) went to the end of the sidebar; the next run sorted them."""
    config, _ = sample
    # the feed's section (from feeds.toml, there at once) sorts after the local ones
    config.write_text(config.read_text().replace('section = "City"', 'section = "Zeitung"'))
    fresh = sample[1].parent / "fresh"

    def library() -> Library:
        return Library(load_config(config), Store.open(fresh / "newsterm.db"))

    runs = []
    for _ in range(2):
        app = NewsApp(library())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await settle(pilot)  # the local files read after the first paint
            runs.append(order(tree_of(app).root))
            await pilot.press("q")
    assert runs[0] == runs[1]
    sections = [line for line in runs[0] if line.startswith("section:")]
    assert sections == sorted(sections, key=str.casefold)
    assert sections[-1].startswith("section:Zeitung") and len(sections) == 4


async def test_entries_arriving_later_take_their_place() -> None:
    """The same sidebar whichever order its entries came in."""
    beta = SectionNode(("Beta",), 1, 1)
    alpha, alpha_inner = SectionNode(("Alpha",), 1, 2), SectionNode(("Alpha", "Inner"), 1, 1)
    one = FeedNode("https://one.example/", "One", ("Alpha",), 0, 1)
    two = FeedNode("https://two.example/", "Two", ("Beta",), 1, 1)
    final = ([alpha, alpha_inner, beta], [one, two])
    orders = []
    for steps in ([final], [([beta], [two]), ([alpha, beta], [one, two]), final]):
        app = _TreeApp()
        async with app.run_test() as pilot:
            tree = app.query_one(SectionTree)
            for sections, feeds in steps:
                tree.update_views({}, sections, feeds)
                await pilot.pause()
            orders.append(order(tree.root))
    assert orders[0] == orders[1]
    assert [o for o in orders[0] if not o.startswith(("all", "unread", "starred", "today"))] == [
        "section:Alpha 1",
        "  section:Inner 1",
        "  source:One",
        "section:Beta 1",
        "  source:Two 1",
    ]


class _TreeApp(App[None]):
    """A bare app holding one SectionTree."""

    def compose(self) -> ComposeResult:
        yield SectionTree()


async def test_a_never_fetched_feed_reads_its_host_and_path(sample) -> None:
    """Every feed not fetched yet read "127.0.0.1" (and "!" when never fetched)."""
    config, data = sample
    app = NewsApp(Library(load_config(config), Store.open(data.parent / "new" / "newsterm.db")))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rows = drawn(tree_of(app))
        (row,) = [r for r in rows if "127.0.0.1" in r]
        assert row.strip().endswith("127.0.0.1/daily.xml"), row
        assert "!" not in row


async def test_starred_counts_its_articles_read_or_not(make_app) -> None:
    """Starred showed only unread starred articles: blank once they were read."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s", "j", "s", "j", "s")  # three starred
        await pilot.press("k", "enter")  # ... one of them read
        await settle(pilot)
        app.screen.load_sidebar()
        await settle(pilot)
        starred = next(row for row in drawn(tree_of(app)) if row.startswith("Starred"))
        assert starred.endswith(" 3"), starred


async def test_enter_l_and_right_show_the_entry_and_go_to_the_list(make_app) -> None:
    """Enter folded a section and the focus stayed; → scrolled the sidebar sideways."""
    app = make_app()
    city = View("section", ("City",))
    feed = View("source", ("City",), FEED_URL)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = tree_of(app)
        articles = app.screen.query_one(ArticleList)
        for key, place in (("enter", city), ("l", feed), ("right", city)):
            tree.focus()
            assert tree.select_view(place)
            await settle(pilot)
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.focused, ArticleList), key
            assert app.screen.selected == place, key
            shown = app.library.article_ids(place)
            assert articles.ids == shown and shown, key
            assert tree.cursor_node.data == place
            assert all(n.is_expanded for n in _walk(tree.root) if n.allow_expand), key
            assert tree.scroll_x == 0


async def test_space_and_left_fold_right_unfolds_left_goes_up(make_app) -> None:
    app = make_app()
    city = View("section", ("City",))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = tree_of(app)
        tree.focus()
        tree.select_view(View("source", ("City",), FEED_URL))
        await settle(pilot)
        await pilot.press("left")  # on a feed: up to its section
        assert tree.cursor_node.data == city and tree.cursor_node.is_expanded
        await pilot.press("left")  # on an unfolded section: fold it
        assert not tree.cursor_node.is_expanded
        await pilot.press("h")  # folded, at the top level: stays
        assert tree.cursor_node.data == city
        await pilot.press("right")  # folded: unfold, stay in the sidebar
        assert tree.cursor_node.is_expanded and tree.has_focus
        await pilot.press("space")
        assert not tree.cursor_node.is_expanded
        await pilot.press("space")
        assert tree.cursor_node.is_expanded and tree.has_focus


def test_the_help_says_what_the_sidebar_keys_do() -> None:
    lines = [line.strip() for line in help_text({}).plain.splitlines()]
    assert any(
        line.startswith("enter l ") and "show the section or feed in the list and go there" in line
        for line in lines
    )
    assert any(line.startswith("→ ") and "unfold a folded section" in line for line in lines)
    assert any(line.startswith("← h ") and "fold the section" in line for line in lines)
    assert any(line.startswith("space ") and "fold or unfold" in line for line in lines)
    assert any(line.startswith("\\ ") and "hide or show the sidebar" in line for line in lines)


async def test_the_sidebar_cursor_comes_back_where_it_was(make_app) -> None:
    """The saved section was selected before its node had a line: the cursor (and the
    list) went to All."""
    app = make_app()
    world = View("section", ("World",))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert tree_of(app).select_view(world)
        await settle(pilot)
        assert app.screen.selected == world
        await pilot.press("q")
    again = make_app()
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert tree_of(again).current_view == world
        assert again.screen.selected == world
        assert again.screen.query_one(ArticleList).ids == again.library.article_ids(world)


async def test_a_click_on_a_name_shows_it_and_on_its_arrow_folds_it(make_app) -> None:
    app = make_app()
    city = View("section", ("City",))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = tree_of(app)
        node = next(n for n in _walk(tree.root) if n.data == city)
        await pilot.click(SectionTree, offset=(8, node.line))  # the name
        await settle(pilot)
        assert app.screen.selected == city and node.is_expanded
        await pilot.click(SectionTree, offset=(0, node.line))  # the arrow
        await settle(pilot)
        assert not node.is_expanded
