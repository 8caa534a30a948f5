"""The FastAPI application: routers over the manager, uniform errors.

Handlers are thin: they turn a request into one manager command and await
its Future without blocking the event loop. Every answer is JSON with
``success`` and ``msg``; malformed requests are 4xx with a ``detail`` key,
as the bluesky clients expect; no exception of the server leaks a traceback.
"""

import asyncio
import json
import logging
import math

import orjson
import pydantic_core

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from .auth import ApiKeyAuth
from .limits import DEFAULT_MAX_BODY_BYTES, BodySizeLimit

logger = logging.getLogger(__name__)

#: A manager command that has not answered after this long is reported as a
#: server-side timeout instead of hanging the client.
COMMAND_TIMEOUT = 30.0


class JSONReply(JSONResponse):
    """A JSON reply encoded with orjson, which never fails on a non-finite float.

    Encoding is the largest server cost of big replies: ``json.dumps`` of a
    thousand queue items takes 2.5 to 5 ms here, orjson about a tenth of
    that. Python's JSON parser accepts ``NaN`` and ``Infinity`` in request
    bodies and a refusal may echo them back (a 422's ``input``, a refused
    batch's items); JSON has no such numbers, so they are sent as ``null``
    (what orjson does). What orjson refuses (an integer beyond 64 bits, a
    non-string key) is encoded by the standard library instead.
    """

    def render(self, content):
        try:
            return orjson.dumps(content)
        except TypeError:
            pass
        # ASCII escapes: a lone surrogate stored before the door refused
        # them is sent as "\\ud800" and the read still answers.
        return json.dumps(_finite(content), ensure_ascii=True, allow_nan=False).encode("ascii")


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(element) for key, element in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(element) for element in value]
    return value


class FastJSONRequest(Request):
    """A request whose JSON body is parsed by pydantic-core's parser, falling back to the standard library.

    FastAPI parses bodies with ``json.loads``: 2 to 6 ms for a batch of a
    thousand items, ``pydantic_core.from_json`` less than half of that.
    For every body it accepts it gives what ``json.loads`` gives (integers
    of any size included; orjson would turn those into floats). What it
    refuses and Python reads (``NaN``, ``Infinity``, lone surrogates) goes
    to ``json.loads`` as before, so no request is answered differently; the
    manager refuses non-finite numbers itself.
    """

    async def json(self):
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = pydantic_core.from_json(body, allow_inf_nan=False)
            except ValueError:
                self._json = json.loads(body)
        return self._json


class FastJSONRoute(APIRoute):
    """An API route that hands its handler a :class:`FastJSONRequest` (FastAPI's custom route hook)."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def fast_json_handler(request: Request):
            return await handler(FastJSONRequest(request.scope, request.receive))

        return fast_json_handler


class EncodedReplies:
    """The encoded body of a large read, reused while the data it shows is unchanged.

    ``queue/get`` of a thousand items spent nearly all of its server time
    in ``json.dumps``. Its reply is a function of ``plan_queue_uid`` alone
    (the manager gives the queue a new uid with every change, the running
    item included), so the body is encoded once per uid, however many
    clients poll it. Used on the server's event loop only.
    """

    def __init__(self):
        self._bodies = {}  # command -> (uid, encoded body)

    def response(self, command, key, reply):
        uid = reply.get(key)
        if reply.get("success") is not True or not isinstance(uid, str):
            return JSONReply(reply)
        cached = self._bodies.get(command)
        if cached is None or cached[0] != uid:
            cached = self._bodies[command] = (uid, JSONReply(reply).body)
        return Response(cached[1], media_type="application/json")


class StatusReplies:
    """``status`` answered from the manager's latest published status, encoded once per change.

    Clients poll the status several times a second; going through the
    manager's inbox costs two thread hand-overs and waits behind whatever
    command the manager is running (a batch of a thousand items takes tens
    of milliseconds). The manager publishes its status before it answers
    any command (see ``Manager.latest_status``), so this reply is the very
    dict the ``status`` command would return, and never older than an
    answer the client has already received. Used on the event loop only.
    """

    def __init__(self, manager):
        self._manager = manager
        self._encoded = (None, b"")

    def response(self):
        """The reply, or None while the manager has not published a status yet."""
        status = self._manager.latest_status()
        if status is None or self._manager.stopped:
            return None
        source, body = self._encoded
        if source is not status:
            body = JSONReply({"success": True, "msg": "", **status}).body
            self._encoded = (status, body)
        return Response(body, media_type="application/json")


async def command_reply(manager, name, params=None):
    """Submit one manager command and await it without blocking the loop.

    Returns the reply dict and the HTTP status: 504 with a refusal when the
    manager did not answer in time, 503 at once when its thread has ended,
    so no client ever hangs on it.
    """
    if manager.stopped:
        # The manager's thread is gone: say so at once instead of a 504 after 30 s.
        return {"success": False, "msg": manager.stopped_reason()}, 503
    future = manager.submit(name, params)
    try:
        return await asyncio.wait_for(asyncio.wrap_future(future), COMMAND_TIMEOUT), 200
    except asyncio.TimeoutError:
        return {"success": False, "msg": f"the manager did not answer '{name}' in time"}, 504


async def run_command(manager, name, params=None, cache=None, cache_key=None):
    """Run one manager command and answer with its reply.

    With ``cache`` (an :class:`EncodedReplies`), the reply's body is reused
    while its ``cache_key`` field (a ``*_uid``) keeps its value.
    """
    reply, status_code = await command_reply(manager, name, params)
    if cache is not None and status_code == 200:
        return cache.response(name, cache_key, reply)
    return JSONReply(reply, status_code=status_code)


def create_app(manager, api_key=None, max_body_bytes=DEFAULT_MAX_BODY_BYTES, store=None):
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
    # One status cache for '/', '/api/status' and '/api/ping': encoded once per change.
    statuses = StatusReplies(manager)
    app.include_router(seed_router(manager, statuses))
    app.include_router(api_router(manager, statuses))
    app.include_router(push_router(manager))
    if store is not None:
        app.include_router(data_router(store))
    app.add_exception_handler(RequestValidationError, _on_invalid_request)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected_error)
    return ApiKeyAuth(BodySizeLimit(app, max_body_bytes), api_key)


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


async def _on_invalid_request(request: Request, exc: RequestValidationError):
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
        import typing

        for candidate in typing.get_args(model) or ():  # Optional[Model]
            fields = getattr(candidate, "model_fields", None)
            if fields:
                break
    return sorted(fields) if fields else []


async def _on_http_error(request: Request, exc: StarletteHTTPException):
    msg = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return JSONReply({"detail": exc.detail, "success": False, "msg": msg}, status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def _on_unexpected_error(request: Request, exc: Exception):
    logger.exception("unexpected error serving %s", request.url.path)
    msg = f"internal server error: {type(exc).__name__}"
    return JSONReply({"detail": msg, "success": False, "msg": msg}, status_code=500)
