"""Uniform error answers: 4xx with ``detail`` as the bluesky clients expect, and a 500 that keeps the connection.

Starlette's outermost error handler sends its 500 and then re-raises the
exception, and uvicorn closes any connection whose application raised, so a
keep-alive client (``REManagerAPI``, a browser) saw its next request fail
with a reset. :class:`CatchAll` answers the fault itself, inside that
handler, and the exception goes no further than the log.
"""

from __future__ import annotations

import logging
import typing

from fastapi import Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from .replies import JSONReply

logger = logging.getLogger(__name__)


class CatchAll:
    """ASGI middleware: any exception of an HTTP request becomes a logged 500 JSON answer.

    A fault after the reply has begun cannot be answered any more; it is
    logged and the connection closed, since the client would otherwise
    wait for a body that never comes.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception as exc:
            logger.exception("unexpected error serving %s", scope.get("path"))
            if started:
                raise
            msg = f"internal server error: {type(exc).__name__}"
            await JSONReply({"detail": msg, "success": False, "msg": msg}, status_code=500)(scope, receive, send)


def _summarize(errors):
    parts = []
    for error in errors:
        location = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{location or 'body'}: {error.get('msg', 'invalid')}")
    return "invalid request: " + "; ".join(parts)


def _jsonable_errors(errors):
    clean = []
    for error in errors:
        clean.append({key: _jsonable_detail(value) for key, value in error.items() if key != "ctx"})
    return clean


def _jsonable_detail(value):
    """A value of a validation error as JSON: ``loc`` tuples become lists, anything odd its text."""
    if isinstance(value, tuple):
        return list(value)
    return value if isinstance(value, (str, int, float, bool, list, type(None))) else str(value)


async def on_invalid_request(request: Request, exc: RequestValidationError) -> Response:
    errors = _jsonable_errors(exc.errors())
    msg = _summarize(errors)
    known = _known_fields(request)
    if known and any(error.get("type") == "extra_forbidden" for error in errors):
        msg += f" (known fields: {', '.join(known)})"
    return JSONReply({"detail": errors, "success": False, "msg": msg}, status_code=422)


def _known_fields(request):
    """The top-level fields the route's body takes, to name them when an unknown one is sent."""
    route = request.scope.get("route")
    model = getattr(getattr(getattr(route, "body_field", None), "field_info", None), "annotation", None)
    fields = getattr(model, "model_fields", None)
    if not fields:
        for candidate in typing.get_args(model) or ():  # Optional[Model]
            fields = getattr(candidate, "model_fields", None)
            if fields:
                break
    return sorted(fields) if fields else []


async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
    msg = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return JSONReply({"detail": exc.detail, "success": False, "msg": msg}, status_code=exc.status_code, headers=getattr(exc, "headers", None))
