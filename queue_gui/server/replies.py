"""How the server answers: JSON replies, cached bodies, and one manager command awaited.

Every route module builds its answers from these, so that a reply looks the
same whichever router sent it, and the app factory (``app.py``) stays free
of them: the routers import this module, never the factory.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import orjson
import pydantic_core

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from ..inbox import Reply
from ..wire import CommandName, EventKind

if TYPE_CHECKING:
    from ..manager.manager import Manager

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

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except TypeError:
            pass
        try:
            return _standard_json(content)
        except _UNENCODABLE:
            # A record stored before the door refused it (nested too deep to
            # encode): the others are served, it is marked, never a 500.
            return _standard_json(_salvaged(content))


#: What encoding a value can raise: nesting too deep, a value JSON has no text for.
_UNENCODABLE = (RecursionError, ValueError, TypeError)

#: Fields of an unencodable record that are kept beside the marker, so it can still be found and removed.
_RECORD_KEYS = ("item_uid", "item_type", "name", "user", "user_group")


def _standard_json(content):
    # ASCII escapes: a lone surrogate stored before the door refused
    # them is sent as "\\ud800" and the read still answers.
    return json.dumps(_finite(content), ensure_ascii=True, allow_nan=False).encode("ascii")


def _salvaged(content):
    """``content`` with every top-level value, or element of a top-level list, that cannot be encoded marked instead."""
    if not isinstance(content, dict):
        return _encodable_or_marker(content)
    salvaged = {}
    for key, value in content.items():
        if isinstance(value, list):
            salvaged[key] = [_encodable_or_marker(element) for element in value]
        else:
            salvaged[key] = _encodable_or_marker(value)
    return salvaged


def _encodable_or_marker(value):
    try:
        _standard_json(value)
        return value
    except _UNENCODABLE as error:
        kept = {}
        if isinstance(value, dict):
            kept = {key: value[key] for key in _RECORD_KEYS if isinstance(value.get(key), str)}
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)[:200]
        kept["unreadable"] = f"this record could not be encoded ({type(error).__name__}: {reason}); it is kept as stored"
        return kept


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

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = pydantic_core.from_json(body, allow_inf_nan=False)
            except ValueError:
                self._json = json.loads(body)
        return self._json


class FastJSONRoute(APIRoute):
    """An API route that hands its handler a :class:`FastJSONRequest` (FastAPI's custom route hook)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def fast_json_handler(request: Request) -> Response:
            return await handler(FastJSONRequest(request.scope, request.receive))

        return fast_json_handler


class PublishedReplies:
    """Reads answered from what the manager last published, each body encoded once per change.

    Clients poll the status several times a second, and ``queue/get`` of a
    thousand items spent nearly all of its server time in encoding. Going
    through the manager's inbox costs two thread hand-overs and waits
    behind whatever command the manager is running (a batch of a thousand
    items takes tens of milliseconds). The manager publishes its queue,
    history and status before it answers any command (see
    :mod:`queue_gui.manager.events`), so these replies are what the
    commands would return, and never older than an answer the client has
    already received. Used on the server's event loop only.
    """

    def __init__(self, manager: Manager) -> None:
        self._manager = manager
        self._bodies: dict[str, tuple[Any, bytes | memoryview]] = {}  # read -> (the published payload, its encoded reply)

    def status(self) -> Response | None:
        """The ``status`` reply, or None while the manager has published none (ask it then)."""
        return self._response("status", self._manager.latest_status(), lambda status: {"success": True, "msg": "", **status})

    def queue(self) -> Response | None:
        """The ``queue_get`` reply, or None."""
        return self._response("queue", self._manager.latest_event(EventKind.QUEUE), _queue_reply)

    def queue_view(self) -> Response | None:
        """The seed route ``/queue_view``'s reply, or None."""
        return self._response(
            "queue_view", self._manager.latest_event(EventKind.QUEUE),
            lambda event: {"success": True, "msg": "", "queue": event["items"]},
        )

    def history(self) -> Response | None:
        """The ``history_get`` reply, or None."""
        return self._response(
            "history", self._manager.latest_event(EventKind.HISTORY),
            lambda event: {"success": True, "msg": "", "items": event["items"], "plan_history_uid": event["plan_history_uid"]},
        )

    def for_command(self, name: str) -> Response | None:
        """The published reply standing in for command ``name``, or None when it has none."""
        read = _PUBLISHED_READS.get(name)
        return read(self) if read is not None else None

    def _response(self, read: str, source: Any, build: Callable[[Any], Reply]) -> Response | None:
        if source is None or self._manager.stopped:
            return None
        cached = self._bodies.get(read)
        if cached is None or cached[0] is not source:
            cached = self._bodies[read] = (source, JSONReply(build(source)).body)
        return Response(cached[1], media_type="application/json")


def _queue_reply(event):
    return {
        "success": True, "msg": "", "items": event["items"], "running_item": event["running_item"],
        "plan_queue_uid": event["plan_queue_uid"],
    }


_PUBLISHED_READS: dict[str, Callable[[PublishedReplies], Response | None]] = {
    CommandName.STATUS: PublishedReplies.status,
    CommandName.QUEUE_GET: PublishedReplies.queue,
    CommandName.HISTORY_GET: PublishedReplies.history,
}


async def command_reply(manager: Manager, name: str, params: dict[str, Any] | None = None) -> tuple[Reply, int]:
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


async def run_command(manager: Manager, name: str, params: dict[str, Any] | None = None) -> Response:
    """Run one manager command and answer with its reply."""
    reply, status_code = await command_reply(manager, name, params)
    return JSONReply(reply, status_code=status_code)
