"""Refreshing feeds: the coordinator on the event loop (:mod:`.pipeline`) and the
worker-process side that parses and stores (:mod:`.worker`)."""

from newsterm.core.refresh.pipeline import ProgressCallback, Refresher, fetch_limits

__all__ = ["ProgressCallback", "Refresher", "fetch_limits"]
