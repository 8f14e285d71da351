"""Workers that cannot take the app down: the one error path of the UI.

Every worker in ``ui/`` is made with :func:`work` instead of Textual's: an exception
it raises reaches :func:`report_failure` on the app's thread — one line for the
reader, the traceback in the log — and the app keeps running. (Textual's own
``work`` exits the app on an error unless told not to, and its ``StateChanged``
message does not bubble, so no single handler would see every worker's.)
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from textual import work as textual_work
from textual.app import App
from textual.dom import DOMNode
from textual.worker import Worker

from newsterm.core.errors import NewstermError, StoreBusy

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def work(
    *, group: str, thread: bool = False, exclusive: bool = False
) -> Callable[[F], Callable[..., Worker[Any]]]:
    """Textual's ``@work``, with failures sent to :func:`report_failure`; calling the
    method starts the worker and returns it."""

    def decorator(method: F) -> Callable[..., Worker[Any]]:
        what = method.__name__.strip("_").replace("_", " ")
        if inspect.iscoroutinefunction(method):

            @functools.wraps(method)
            async def run_async(node: DOMNode, *args: Any, **kwargs: Any) -> Any:
                try:
                    return await method(node, *args, **kwargs)
                except Exception as exc:
                    report_failure(node.app, what, exc)
                    return None

            wrapped: Callable[..., Any] = run_async
        else:

            @functools.wraps(method)
            def run_thread(node: DOMNode, *args: Any, **kwargs: Any) -> Any:
                try:
                    return method(node, *args, **kwargs)
                except Exception as exc:
                    app = node.app
                    try:
                        app.call_from_thread(report_failure, app, what, exc)
                    except RuntimeError:  # the app has already stopped
                        log.error("%s failed: %s", what, exc, exc_info=exc)
                    return None

            wrapped = run_thread
        started: Callable[..., Worker[Any]] = textual_work(
            wrapped, group=group, thread=thread, exclusive=exclusive, exit_on_error=False
        )
        return started

    return decorator


def failure_message(what: str, exc: BaseException) -> str:
    """The one line a reader sees for a failed worker."""
    if isinstance(exc, StoreBusy):
        return f"{exc} — try again in a moment"
    if isinstance(exc, NewstermError):
        return str(exc)
    return f"{what} failed: {type(exc).__name__}: {exc}"


def report_failure(app: App[Any], what: str, exc: BaseException) -> None:
    """The UI's one error handler: notify in one line, log the traceback, go on."""
    log.error("%s failed", what, exc_info=exc)
    line = " ".join(failure_message(what, exc).split())[:200]
    app.notify(line, severity="error", markup=False, timeout=8)
