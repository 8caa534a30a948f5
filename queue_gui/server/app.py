"""The FastAPI application: the routers over the manager, and the layers every request passes.

Handlers are thin: they turn a request into one manager command and await
its Future without blocking the event loop (see ``replies.py``). Every
answer is JSON with ``success`` and ``msg``; malformed requests are 4xx
with a ``detail`` key, as the bluesky clients expect; no exception of the
server leaks a traceback or drops a connection (see ``errors.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from .auth import ApiKeyAuth
from .errors import CatchAll, on_http_error, on_invalid_request
from .limits import DEFAULT_MAX_BODY_BYTES, BodySizeLimit
from .replies import PublishedReplies

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from ..manager.manager import Manager
    from ..store import RunStore


def create_app(manager: Manager, api_key: str | None = None, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, store: RunStore | None = None) -> ASGIApp:
    """Build the ASGI app serving ``manager``.

    Parameters
    ----------
    manager : queue_gui.manager.manager.Manager
    api_key : str or None
        When given, every request must carry ``Authorization: ApiKey <key>``.
    max_body_bytes : int
        Larger request bodies are refused with 413.
    store : queue_gui.store.RunStore or None
        The saved runs, served by ``/api/runs`` (absent without a store).
    """
    from .api_routes import api_router
    from .data_routes import data_router
    from .push import push_router
    from .seed_routes import seed_router

    app = FastAPI(title="queue-gui", version=__version__, description="Queue and run bluesky plans.")
    app.state.manager = manager
    # Status, queue and history read from what the manager published, encoded once per change.
    published = PublishedReplies(manager)
    app.include_router(seed_router(manager, published))
    app.include_router(api_router(manager, published))
    app.include_router(push_router(manager))
    if store is not None:
        app.include_router(data_router(store))
    # Starlette types every handler as taking any Exception; it calls each with its own class only.
    app.add_exception_handler(RequestValidationError, on_invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http_error)  # type: ignore[arg-type]
    app.add_middleware(CatchAll)
    return ApiKeyAuth(BodySizeLimit(app, max_body_bytes), api_key)
