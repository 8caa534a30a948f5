"""Saved runs over HTTP: ``/api/runs``, ``/api/runs/{uid}``, its table and its documents.

Each route runs one command of the run store and awaits its Future, as the
``/api`` routes do with the manager's. Parameters come as query parameters
or, as the bluesky clients send them, in a JSON body (even with GET); the
query wins where both give one. An unknown run is 404 with ``detail``,
``success: false`` and ``msg``; other refusals are 200 with ``success:
false``, as everywhere else.
"""

import asyncio
from typing import TYPE_CHECKING, Any, Literal, Optional

from fastapi import APIRouter, Body, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from .replies import COMMAND_TIMEOUT, FastJSONRoute, JSONReply
from ..inbox import Reply
from ..wire import StoreCommand

if TYPE_CHECKING:
    from ..store import RunStore


class RunsRequest(BaseModel):
    """Body of ``GET /api/runs`` (every field optional)."""

    model_config = ConfigDict(extra="forbid")
    limit: Optional[int] = Field(None, ge=0)
    offset: Optional[int] = Field(None, ge=0)
    text: Optional[str] = None
    since: Optional[float] = None
    until: Optional[float] = None


class TableRequest(BaseModel):
    """Body of ``GET /api/runs/{uid}/table`` (every field optional)."""

    model_config = ConfigDict(extra="forbid")
    stream: Optional[str] = None
    format: Optional[Literal["json", "csv"]] = None


async def store_reply(store: "RunStore", name: str, params: dict[str, Any]) -> tuple[Reply, int]:
    """The store's reply to one command; 404 for an unknown run, 504 when it does not answer."""
    try:
        reply = await asyncio.wait_for(asyncio.wrap_future(store.submit(name, params)), COMMAND_TIMEOUT)
    except asyncio.TimeoutError:
        return {"success": False, "msg": f"the run store did not answer '{name}' in time"}, 504
    if reply.get("reason") == "not_found":
        raise HTTPException(404, detail=reply["msg"])
    return reply, 200


def _merged(body, **query):
    params = body.model_dump(exclude_none=True) if body is not None else {}
    params.update({name: value for name, value in query.items() if value is not None})
    return params


class NotFound(BaseModel):
    """An unknown run (or stream, or a file gone): the error shape of every route."""

    detail: str
    success: bool = False
    msg: str


#: Declared in the OpenAPI schema of the routes that name a run.
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": NotFound, "description": "no saved run has this uid (or it lacks the stream)"}}


def data_router(store: "RunStore") -> APIRouter:
    """The saved-runs routes bound to ``store`` (a :class:`queue_gui.store.RunStore`)."""
    router = APIRouter(prefix="/api", tags=["runs"], route_class=FastJSONRoute)

    @router.get("/runs", summary="saved runs, newest first")
    async def runs_list(
        limit: Optional[int] = Query(None, ge=0, description="at most this many runs (default 100)"),
        offset: Optional[int] = Query(None, ge=0, description="skip this many of the newest"),
        text: Optional[str] = Query(None, description="in plan name, sample, uid, scan id or item uid"),
        since: Optional[float] = Query(None, description="started at or after (seconds since the epoch)"),
        until: Optional[float] = Query(None, description="started at or before (seconds since the epoch)"),
        body: Optional[RunsRequest] = Body(None),
    ) -> Response:
        params = _merged(body, limit=limit, offset=offset, text=text, since=since, until=until)
        reply, status = await store_reply(store, StoreCommand.RUNS_LIST, params)
        return JSONReply(reply, status_code=status)

    @router.get("/runs/{uid}", summary="one saved run's index row", responses=_NOT_FOUND)
    async def run_get(uid: str) -> Response:
        reply, status = await store_reply(store, StoreCommand.RUN_GET, {"uid": uid})
        return JSONReply(reply, status_code=status)

    @router.get("/runs/{uid}/documents", summary="every stored document of one run, in order", responses=_NOT_FOUND)
    async def run_documents(uid: str) -> Response:
        reply, status = await store_reply(store, StoreCommand.RUN_DOCUMENTS, {"uid": uid})
        return JSONReply(reply, status_code=status)

    @router.get("/runs/{uid}/table", summary="one stream of a run as columns, or CSV", responses=_NOT_FOUND)
    async def run_table(
        uid: str,
        stream: Optional[str] = Query(None, description="the stream (default 'primary')"),
        format: Optional[Literal["json", "csv"]] = Query(None, description="'json' (default) or 'csv'"),
        body: Optional[TableRequest] = Body(None),
    ) -> Response:
        params = _merged(body, stream=stream, format=format)
        params["uid"] = uid
        reply, status = await store_reply(store, StoreCommand.RUN_TABLE, params)
        if status == 200 and reply.get("success") and params.get("format") == "csv":
            filename = f"{reply['uid']}-{reply['stream']}.csv"
            return Response(
                reply["csv"], media_type="text/csv",
                headers={"Content-Disposition": f'attachment; filename="{filename}"'},
            )
        return JSONReply(reply, status_code=status)

    @router.get("/store/status", summary="the run store: shared tiled store state, runs waiting")
    async def store_status():
        reply, status = await store_reply(store, StoreCommand.STORE_STATUS, {})
        return JSONReply(reply, status_code=status)

    return router
