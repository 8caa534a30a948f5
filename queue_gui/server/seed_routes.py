"""The original bluesky-queueserver demo's endpoints, verbatim.

``http POST :60610/add_to_queue plan:='{"name":"count", "args":[["det1", "det2"]]}'``
and the rest of the seed's walk-through work as written. Each route maps to
one manager command; the answers carry ``success`` and ``msg``.
"""

from typing import TYPE_CHECKING, Any, Optional

from fastapi import APIRouter, Body
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from .replies import JSONReply, command_reply, run_command
from ..wire import CommandName

if TYPE_CHECKING:
    from ..manager.manager import Manager
    from .replies import PublishedReplies


class PlanIn(BaseModel):
    """A plan as the seed submits it; the manager checks name, devices and arguments."""

    model_config = ConfigDict(extra="allow")
    name: str = Field(description="name of a plan of the startup profile, e.g. 'count'")
    args: list[Any] = Field(default_factory=list, description="positional arguments; device names as strings")
    kwargs: dict[str, Any] = Field(default_factory=dict, description="keyword arguments")


class AddToQueueIn(BaseModel):
    """``{"plan": {...}}``; any other key is refused by name, as the ``/api`` routes refuse theirs."""

    model_config = ConfigDict(extra="forbid")
    plan: PlanIn


class OptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    option: Optional[str] = None


_CONTINUE_COMMANDS = {"resume": CommandName.RE_RESUME, "abort": CommandName.RE_ABORT, "stop": CommandName.RE_STOP, "halt": CommandName.RE_HALT}


def seed_router(manager: "Manager", published: "PublishedReplies") -> APIRouter:
    """Routes of the seed demo bound to ``manager``."""
    router = APIRouter(tags=["seed"])

    @router.get("/", summary="status of the manager (same object as /api/status)")
    async def status():
        return published.status() or await run_command(manager, CommandName.STATUS)

    @router.post("/add_to_queue", summary="append a plan to the queue")
    async def add_to_queue(body: AddToQueueIn) -> Response:
        plan = body.plan.model_dump()
        item = {"item_type": "plan", **plan}
        return await run_command(manager, CommandName.QUEUE_ITEM_ADD, {"item": item})

    @router.post("/pop_from_queue", summary="remove the last item of the queue and return it")
    async def pop_from_queue():
        return await run_command(manager, CommandName.QUEUE_ITEM_REMOVE, {"pos": "back"})

    @router.get("/queue_view", summary="the queue, in order")
    async def queue_view():
        cached = published.queue_view()
        if cached is not None:
            return cached
        reply, status_code = await command_reply(manager, CommandName.QUEUE_GET)
        return JSONReply({"success": reply["success"], "msg": reply["msg"], "queue": reply.get("items", [])}, status_code)

    @router.post("/create_environment", summary="open the RunEngine environment")
    async def create_environment():
        return await run_command(manager, CommandName.ENVIRONMENT_OPEN)

    @router.post("/process_queue", summary="run the queue until it is empty")
    async def process_queue():
        return await run_command(manager, CommandName.QUEUE_START)

    @router.post("/close_environment", summary="close the RunEngine environment")
    async def close_environment():
        return await run_command(manager, CommandName.ENVIRONMENT_CLOSE)

    @router.post("/re_pause", summary="pause the running plan ('immediate' or 'deferred')")
    async def re_pause(body: Optional[OptionIn] = Body(None)) -> Response:
        option = body.option if body and body.option is not None else "deferred"
        return await run_command(manager, CommandName.RE_PAUSE, {"option": option})

    @router.post("/re_continue", summary="resume, abort, stop or halt the paused plan")
    async def re_continue(body: Optional[OptionIn] = Body(None)) -> Response:
        option = body.option if body else None
        name = _CONTINUE_COMMANDS.get(option) if option is not None else None
        if name is None:
            choices = ", ".join(_CONTINUE_COMMANDS)
            return JSONReply({"success": False, "msg": f"unknown option {option!r}: use one of {choices}"})
        return await run_command(manager, name)

    return router
