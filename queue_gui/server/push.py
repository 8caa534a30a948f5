"""Push updates over WebSockets, on bluesky-httpserver's paths and message shapes.

``/api/status/ws``
    ``{"time": t, "msg": {"status": {...}}}`` at once on connect, then every
    time the status changes (the same object as ``GET /api/status``).
``/api/console_output/ws``
    ``{"time": t, "msg": "text"}`` for every piece of console output.
``/api/info/ws``
    The status messages, plus ``{"time": t, "msg": {"plan_queue": {...}}}``
    when the queue (or the running item) changed and
    ``{"time": t, "msg": {"plan_history": {...}}}`` when the history changed,
    sent from the manager's queue and history events (so just before the
    status that carries the change). Both carry the new ``*_uid`` and the
    sizes; a client that wants the items fetches ``queue/get`` or
    ``history/get`` once per notification (answered from the same event).
``/api/documents/ws``
    ``{"name": name, "doc": doc}`` for every bluesky document of the running
    plans, in the order the RunEngine emitted them, from the moment the
    client connects. Events come as the worker batched them: mostly
    ``event_page`` (several events of one descriptor), sometimes a single
    ``event``; they are sent as they are, not unpacked.

bluesky-httpserver relays what the manager publishes on a timer; here the
manager's own event is the trigger, so a change reaches the client within a
millisecond or so. The bridge: the manager calls :meth:`PushHub._on_event` on
its thread, which only schedules :meth:`PushHub._publish` on the server's
event loop (``call_soon_threadsafe``); that puts the JSON text into one
bounded ``asyncio.Queue`` per connection, dropping the oldest message for a
client too slow to keep up.
"""

import asyncio
import json
import logging
import time
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, WebSocket
from ..wire import CommandName, EventKind

if TYPE_CHECKING:
    from ..manager.manager import Manager

logger = logging.getLogger(__name__)

#: Messages buffered per connection before the oldest are dropped.
QUEUE_SIZE = 1000

STATUS, CONSOLE, INFO, DOCUMENTS = "status", "console", "info", "documents"


class PushHub:
    """Fan-out of manager events to WebSocket connections.

    Parameters
    ----------
    manager : queue_gui.manager.manager.Manager
    queue_size : int
        Bound of each connection's queue.

    Notes
    -----
    The hub binds itself to the event loop of its first connection and
    subscribes to the manager then; until a client connects it costs nothing.
    All methods but :meth:`_on_event` run on that loop.
    """

    def __init__(self, manager: "Manager", queue_size: int = QUEUE_SIZE) -> None:
        self._manager = manager
        self._queue_size = queue_size
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started: asyncio.Future[None] | None = None
        self._status: dict[str, Any] | None = None
        self._queues: dict[str, set[asyncio.Queue[str]]] = {STATUS: set(), CONSOLE: set(), INFO: set(), DOCUMENTS: set()}

    # ------------------------------------------------------------ manager thread
    def _on_event(self, kind, payload):
        assert self._loop is not None, "subscribed only once the loop is known"
        try:
            self._loop.call_soon_threadsafe(self._publish, kind, payload, time.time())
        except RuntimeError:  # the loop was closed: the server has stopped
            self._manager.unsubscribe(self._on_event)

    # ------------------------------------------------------------ event loop
    async def _start(self):
        """Subscribe to the manager and learn the current status (once)."""
        if self._started is None:
            self._loop = asyncio.get_running_loop()
            self._started = self._loop.create_future()
            self._manager.subscribe(self._on_event)
            # Changes pushed while this runs arrive before the reply (both
            # cross over in order through call_soon_threadsafe), so a status
            # already pushed is at least as new as the reply.
            try:
                reply = await asyncio.wrap_future(self._manager.submit(CommandName.STATUS))
                if self._status is None:
                    self._status = {k: v for k, v in reply.items() if k != "success"}
            finally:
                self._started.set_result(None)
        await self._started

    async def connect(self, channel: str) -> "asyncio.Queue[str]":
        """A new connection's queue, with the current status first on status and info."""
        await self._start()
        queue: asyncio.Queue[str] = asyncio.Queue(self._queue_size)
        if channel in (STATUS, INFO):
            queue.put_nowait(_text(time.time(), {"status": self._status}))
        self._queues[channel].add(queue)
        return queue

    def disconnect(self, channel: str, queue: "asyncio.Queue[str]") -> None:
        self._queues[channel].discard(queue)

    def _publish(self, kind, payload, timestamp):
        if kind == EventKind.DOCUMENTS:
            if self._queues[DOCUMENTS]:  # encoded only when someone listens
                for name, doc in payload:
                    self._put(DOCUMENTS, json.dumps({"name": name, "doc": doc}))
            return
        if kind == EventKind.CONSOLE:
            self._put(CONSOLE, json.dumps({"time": payload["time"], "msg": payload["msg"]}))
            return
        if kind == EventKind.QUEUE:
            if self._queues[INFO]:
                running = event_running_uid(payload)
                info = {"plan_queue_uid": payload["plan_queue_uid"], "items_in_queue": len(payload["items"]), "running_item_uid": running}
                self._put(INFO, _text(timestamp, {"plan_queue": info}))
            return
        if kind == EventKind.HISTORY:
            if self._queues[INFO]:
                info = {"plan_history_uid": payload["plan_history_uid"], "items_in_history": len(payload["items"])}
                self._put(INFO, _text(timestamp, {"plan_history": info}))
            return
        if kind != EventKind.STATUS:
            return
        self._status = payload
        if not (self._queues[STATUS] or self._queues[INFO]):
            return
        text = _text(timestamp, {"status": payload})
        self._put(STATUS, text)
        self._put(INFO, text)

    def _put(self, channel, text):
        for queue in self._queues[channel]:
            if queue.full():
                queue.get_nowait()  # a slow client loses the oldest message, not the newest
            queue.put_nowait(text)


def event_running_uid(event):
    """The uid of the running item of a ``queue`` event, or None."""
    running = event.get("running_item") or {}
    return running.get("item_uid")


def _text(timestamp, msg):
    return json.dumps({"time": timestamp, "msg": msg})


def push_router(manager: "Manager") -> APIRouter:
    """WebSocket routes streaming ``manager``'s status, console output and changes."""
    hub = PushHub(manager)
    router = APIRouter(prefix="/api")

    @router.websocket("/status/ws")
    async def status_ws(websocket: WebSocket) -> None:
        await _serve(websocket, hub, STATUS)

    @router.websocket("/console_output/ws")
    async def console_output_ws(websocket: WebSocket) -> None:
        await _serve(websocket, hub, CONSOLE)

    @router.websocket("/info/ws")
    async def info_ws(websocket: WebSocket) -> None:
        await _serve(websocket, hub, INFO)

    @router.websocket("/documents/ws")
    async def documents_ws(websocket: WebSocket) -> None:
        await _serve(websocket, hub, DOCUMENTS)

    return router


async def _serve(websocket, hub, channel):
    """Send the channel's messages until the client goes away (or the server stops)."""
    await websocket.accept()
    queue = await hub.connect(channel)
    sender = asyncio.ensure_future(_send_all(websocket, queue))
    receiver = asyncio.ensure_future(_until_disconnect(websocket))
    try:
        await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        hub.disconnect(channel, queue)
        for task in (sender, receiver):
            task.cancel()
        # Collects the cancellations, or the error of a socket that closed under a send.
        await asyncio.gather(sender, receiver, return_exceptions=True)


async def _send_all(websocket, queue):
    while True:
        await websocket.send_text(await queue.get())


async def _until_disconnect(websocket):
    """Read (and ignore) what the client sends; return when it disconnects."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
