"""Refreshing feeds: the coordinator on the event loop (:mod:`.pipeline`) and the
worker-process side that parses and stores (:mod:`.worker`).

The coordinator's names are imported when first asked for, so a worker process
(which imports :mod:`.worker`, and this package with it) never loads the event
loop's side: asyncio, the config, the fetcher (~5 MB in each process of the pool).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newsterm.core.refresh.pipeline import ProgressCallback, Refresher, fetch_limits

__all__ = ["ProgressCallback", "Refresher", "fetch_limits"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from newsterm.core.refresh import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
