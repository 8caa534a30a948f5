"""The ``/api`` routes of bluesky-httpserver, each mapped to one manager command.

``bluesky_queueserver_api.http.REManagerAPI`` and ``queue-monitor`` drive
queue-gui through these unchanged: the same paths and HTTP methods, the same
body fields (a JSON body even with GET), the same reply fields. Refusals are
HTTP 200 with ``{"success": false, "msg": ...}``; malformed bodies are 422
with ``detail`` (see :mod:`queue_gui.server.errors`).

The routes are one table: adding a route is adding a row. Where
bluesky-httpserver fills ``user`` and ``user_group`` from its login, the
manager fills them (the server's user name and ``primary``) when a client
sends none.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from fastapi import APIRouter, Body
from fastapi.responses import Response

from . import api_models as m
from .replies import FastJSONRoute, run_command
from ..wire import CommandName

if TYPE_CHECKING:
    from ..manager.manager import Manager
    from .replies import PublishedReplies

#: Body fields the server accepts for compatibility and does not pass on.
_IGNORED = {"reload"}


@dataclass(frozen=True)
class Route:
    """One row of the table: ``methods path`` runs ``command`` with the body's fields."""

    methods: tuple
    path: str
    command: str
    request: type
    reply: type
    summary: str
    fixed: dict = field(default_factory=dict)


def _r(methods, path, command, request, reply, summary, **fixed):
    methods = (methods,) if isinstance(methods, str) else methods
    return Route(methods, path, command, request, reply, summary, fixed)


ROUTES = (
    # status
    _r(("GET", "POST"), "/status", CommandName.STATUS, m.ReadRequest, m.Status, "status of the manager"),
    _r("GET", "/ping", CommandName.STATUS, m.ReadRequest, m.Status, "status of the manager (bluesky's 'ping')"),
    # queue
    _r("GET", "/queue/get", CommandName.QUEUE_GET, m.ReadRequest, m.QueueGet, "the queue and the running item"),
    _r("POST", "/queue/item/add", CommandName.QUEUE_ITEM_ADD, m.ItemAdd, m.ItemReply, "add an item to the queue"),
    _r("POST", "/queue/item/add/batch", CommandName.QUEUE_ITEM_ADD_BATCH, m.ItemAddBatch, m.ItemsReply, "add items, all or none"),
    _r("POST", "/queue/item/remove", CommandName.QUEUE_ITEM_REMOVE, m.ItemRemove, m.ItemReply, "remove an item"),
    _r(
        "POST", "/queue/item/remove/batch", CommandName.QUEUE_ITEM_REMOVE_BATCH, m.ItemRemoveBatch, m.ItemsReply,
        "remove items by uid",
    ),
    _r("POST", "/queue/item/move", CommandName.QUEUE_ITEM_MOVE, m.ItemMove, m.ItemReply, "move an item"),
    _r("POST", "/queue/item/move/batch", CommandName.QUEUE_ITEM_MOVE_BATCH, m.ItemMoveBatch, m.ItemsReply, "move items together"),
    _r("POST", "/queue/item/update", CommandName.QUEUE_ITEM_UPDATE, m.ItemUpdate, m.ItemReply, "change a queued item"),
    _r("GET", "/queue/item/get", CommandName.QUEUE_ITEM_GET, m.ItemGet, m.ItemReply, "one queued item by uid or position"),
    _r("POST", "/queue/item/execute", CommandName.QUEUE_ITEM_EXECUTE, m.ItemExecute, m.ItemReply, "run an item now, not queued"),
    _r("POST", "/queue/start", CommandName.QUEUE_START, m.LockedRequest, m.Reply, "start executing the queue"),
    _r("POST", "/queue/stop", CommandName.QUEUE_STOP, m.LockedRequest, m.Reply, "stop the queue after the current plan"),
    _r("POST", "/queue/stop/cancel", CommandName.QUEUE_STOP_CANCEL, m.LockedRequest, m.Reply, "cancel a pending queue stop"),
    _r("POST", "/queue/clear", CommandName.QUEUE_CLEAR, m.LockedRequest, m.Reply, "remove every queued item"),
    _r("POST", "/queue/autostart", CommandName.QUEUE_AUTOSTART, m.QueueAutostart, m.Reply, "turn queue autostart on or off"),
    _r("POST", "/queue/mode/set", CommandName.QUEUE_MODE_SET, m.QueueModeSet, m.Reply, "loop mode, ignore failures"),
    # history
    _r("GET", "/history/get", CommandName.HISTORY_GET, m.ReadRequest, m.HistoryGet, "finished items, oldest first"),
    _r("POST", "/history/clear", CommandName.HISTORY_CLEAR, m.HistoryClear, m.Reply, "clear or trim the history"),
    # environment
    _r("POST", "/environment/open", CommandName.ENVIRONMENT_OPEN, m.LockedRequest, m.Reply, "open the RunEngine environment"),
    _r("POST", "/environment/close", CommandName.ENVIRONMENT_CLOSE, m.LockedRequest, m.Reply, "close the environment"),
    _r("POST", "/environment/destroy", CommandName.ENVIRONMENT_DESTROY, m.LockedRequest, m.Reply, "kill the environment"),
    # queue-gui's own: Environment > Reload profile of a remote window.
    _r("POST", "/profile/reload", CommandName.PROFILE_RELOAD, m.LockedRequest, m.Reply, "read the startup profile again"),
    _r(
        "POST", "/environment/update", CommandName.ENVIRONMENT_UPDATE, m.EnvironmentUpdate, m.TaskReply,
        "describe the open environment's plans and devices again",
    ),
    _r(("GET", "POST"), "/task/result", CommandName.TASK_RESULT, m.TaskRequest, m.TaskResult, "the result of a background task"),
    _r(("GET", "POST"), "/task/status", CommandName.TASK_STATUS, m.TaskRequest, m.Reply, "running, completed or not_found"),
    _r(
        "POST", "/kernel/interrupt", CommandName.KERNEL_INTERRUPT, m.KernelInterrupt, m.Reply,
        "refused: queue-gui runs no IPython kernel (use re/pause)",
    ),
    # run engine
    _r("POST", "/re/pause", CommandName.RE_PAUSE, m.RePause, m.Reply, "pause the running plan"),
    _r("POST", "/re/resume", CommandName.RE_RESUME, m.LockedRequest, m.Reply, "resume the paused plan"),
    _r("POST", "/re/stop", CommandName.RE_STOP, m.LockedRequest, m.Reply, "stop the paused plan (it stays in the queue)"),
    _r("POST", "/re/abort", CommandName.RE_ABORT, m.LockedRequest, m.Reply, "abort the paused plan"),
    _r("POST", "/re/halt", CommandName.RE_HALT, m.LockedRequest, m.Reply, "halt the paused plan"),
    _r(("GET", "POST"), "/re/runs", CommandName.RE_RUNS, m.ReRuns, m.Reply, "runs of the running plan"),
    _r("GET", "/re/runs/active", CommandName.RE_RUNS, m.ReadRequest, m.Reply, "runs of the running plan", option="active"),
    _r("GET", "/re/runs/open", CommandName.RE_RUNS, m.ReadRequest, m.Reply, "open runs of the running plan", option="open"),
    _r("GET", "/re/runs/closed", CommandName.RE_RUNS, m.ReadRequest, m.Reply, "closed runs of the running plan", option="closed"),
    # profile
    _r("GET", "/plans/allowed", CommandName.PLANS_ALLOWED, m.ReadRequest, m.Reply, "plans, with their parameters"),
    _r("GET", "/devices/allowed", CommandName.DEVICES_ALLOWED, m.ReadRequest, m.Reply, "devices, with their classes"),
    _r("GET", "/plans/existing", CommandName.PLANS_EXISTING, m.ReadRequest, m.Reply, "every plan of the profile"),
    _r("GET", "/devices/existing", CommandName.DEVICES_EXISTING, m.ReadRequest, m.Reply, "every device of the profile"),
    # run metadata (queue-gui's own)
    _r("GET", "/metadata/get", CommandName.METADATA_GET, m.ReadRequest, m.Reply, "run metadata and the last scan id"),
    _r("POST", "/metadata/set", CommandName.METADATA_SET, m.MetadataSet, m.Reply, "replace the run metadata"),
    # console output
    _r("GET", "/console_output", CommandName.CONSOLE_OUTPUT, m.ConsoleOutput, m.Reply, "the last lines of console output"),
    _r("GET", "/console_output/uid", CommandName.CONSOLE_OUTPUT_UID, m.ReadRequest, m.Reply, "changes with every new output"),
    _r(
        "GET", "/console_output_update", CommandName.CONSOLE_OUTPUT_UPDATE, m.ConsoleOutputUpdate, m.ConsoleUpdate,
        "console output after 'last_msg_uid'",
    ),
    # locks
    _r("POST", "/lock", CommandName.LOCK, m.Lock, m.LockInfo, "lock the environment and/or the queue with a key"),
    _r("POST", "/unlock", CommandName.UNLOCK, m.LockedRequest, m.LockInfo, "unlock with the key"),
    _r("GET", "/lock/info", CommandName.LOCK_INFO, m.LockedRequest, m.LockInfo, "the lock (and whether a key opens it)"),
)


def api_router(manager: "Manager", published: "PublishedReplies") -> APIRouter:
    """The ``/api`` routes bound to ``manager``; ``published`` (a ``PublishedReplies``) answers the reads it can."""
    router = APIRouter(prefix="/api", tags=["api"], route_class=FastJSONRoute)
    for route in ROUTES:
        endpoint = _endpoint(manager, route, published)
        for method in route.methods:  # one operation per method keeps OpenAPI ids unique
            router.add_api_route(
                route.path,
                endpoint,
                methods=[method],
                name=f"{route.command}{'_' + route.fixed['option'] if route.fixed else ''}",
                summary=route.summary,
                response_model=route.reply,
            )
    return router


def _endpoint(manager, route, published):
    command, fixed = route.command, route.fixed

    # The body model is chosen per route at run time, which no static checker can follow.
    async def endpoint(body: Optional[route.request] = Body(None)) -> Response:  # type: ignore[name-defined]
        reply = published.for_command(command)
        if reply is not None:
            return reply
        # The fields as validated, not model_dump(): nested items are plain
        # dicts already (TypedDicts), and dumping a batch again cost 3 ms.
        params = {name: getattr(body, name) for name in body.model_fields_set - _IGNORED} if body is not None else {}
        return await run_command(manager, command, {**params, **fixed})

    endpoint.__doc__ = f"Runs the manager command ``{command}``."
    return endpoint
