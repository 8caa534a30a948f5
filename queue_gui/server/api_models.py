"""Typed request and reply bodies of the ``/api`` routes (they make ``/docs``).

Requests name exactly the parameters the bluesky clients send; anything
else is a malformed request (422 with ``detail``). Every field is optional,
so no body, an empty body and ``{}`` are all accepted: a missing value the
command needs is a refusal from the manager (200, ``success: false``) that
names it, as bluesky-queueserver answers. Replies are documented with the
fields clients read; a refusal carries ``success`` and ``msg`` only.
"""

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, with_config
from typing_extensions import TypedDict

Position = Union[StrictInt, Literal["front", "back"]]
def _no_boolean(value):
    if isinstance(value, bool):
        raise ValueError("a count must be a number, not true or false")
    return value


#: A count: an integer of at least 0 (``5`` or ``5.0``), never a boolean (``true`` is not 1 here).
Count = Annotated[int, Field(ge=0), BeforeValidator(_no_boolean)]

_POS = "position in the queue: 'front', 'back' or an index (negative counts from the back)"


class ApiRequest(BaseModel):
    """Base of every request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    user: Optional[str] = Field(None, description="user name recorded with items; default: the server's user")
    user_group: Optional[str] = Field(None, description="user group; default 'primary'")


class ReadRequest(ApiRequest):
    reload: Optional[bool] = Field(None, description="accepted for compatibility; replies are always current")


class LockedRequest(ApiRequest):
    lock_key: Optional[str] = Field(None, description="the key of a lock held on the environment or the queue")


@with_config(ConfigDict(extra="allow"))
class Item(TypedDict, total=False):
    """A queue item; the manager checks the plan, its arguments and device names.

    A TypedDict, not a model: items arrive by the thousand in a batch, and
    validating into plain dicts (which the manager takes as they are) costs
    a third of building models and dumping them again. Unknown keys are kept
    so that the manager can refuse them by name.
    """

    item_type: Annotated[Optional[Literal["plan", "instruction"]], Field(description="default 'plan'")]
    name: Annotated[Optional[str], Field(description="a plan of the profile, or the instruction 'queue_stop'")]
    args: Annotated[Optional[list[Any]], Field(description="positional arguments; device names as strings")]
    kwargs: Annotated[Optional[dict[str, Any]], Field(description="keyword arguments")]
    meta: Annotated[Optional[Union[dict[str, Any], list[dict[str, Any]]]], Field(description="run metadata")]
    item_uid: Annotated[Optional[str], Field(description="set by the server; names the item to update")]
    user: Optional[str]
    user_group: Optional[str]


class ItemAdd(LockedRequest):
    item: Optional[Item] = None
    pos: Optional[Position] = Field(None, description=_POS)
    before_uid: Optional[str] = None
    after_uid: Optional[str] = None


class ItemAddBatch(LockedRequest):
    items: Optional[list[Item]] = Field(None, description="added all together, or none of them")
    pos: Optional[Position] = Field(None, description=_POS)
    before_uid: Optional[str] = None
    after_uid: Optional[str] = None


class ItemUpdate(LockedRequest):
    item: Optional[Item] = Field(None, description="the new item, with the 'item_uid' of a queued item")
    replace: Optional[bool] = Field(None, description="give the item a new uid (it becomes a new item)")


class ItemExecute(LockedRequest):
    item: Optional[Item] = Field(None, description="run now, without touching the queue")


class ItemGet(ReadRequest):
    uid: Optional[str] = None
    pos: Optional[Position] = Field(None, description=_POS)


class ItemRemove(LockedRequest):
    uid: Optional[str] = None
    pos: Optional[Position] = Field(None, description=_POS + "; default 'back'")


class ItemRemoveBatch(LockedRequest):
    uids: Optional[list[str]] = None
    ignore_missing: Optional[bool] = Field(None, description="default true: uids not in the queue are skipped")


class ItemMove(LockedRequest):
    uid: Optional[str] = None
    pos: Optional[Position] = Field(None, description="the item to move, by position")
    pos_dest: Optional[Position] = Field(None, description="destination position")
    before_uid: Optional[str] = None
    after_uid: Optional[str] = None


class ItemMoveBatch(LockedRequest):
    uids: Optional[list[str]] = None
    pos_dest: Optional[Position] = None
    before_uid: Optional[str] = None
    after_uid: Optional[str] = None
    reorder: Optional[bool] = Field(None, description="keep the items in queue order instead of list order")


class HistoryClear(LockedRequest):
    size: Optional[Count] = Field(None, description="keep only the newest 'size' items")
    item_uid: Optional[str] = Field(None, description="remove the history up to this item, included")


@with_config(ConfigDict(extra="forbid"))
class QueueMode(TypedDict, total=False):
    loop: Annotated[Optional[bool], Field(description="completed items go back to the end of the queue")]
    ignore_failures: Annotated[Optional[bool], Field(description="a failed plan does not stop the queue")]


class QueueModeSet(LockedRequest):
    mode: Optional[Union[Literal["default"], QueueMode]] = None


class QueueAutostart(LockedRequest):
    enable: Optional[bool] = Field(None, description="start the queue whenever the environment is idle")


class EnvironmentUpdate(LockedRequest):
    run_in_background: Optional[bool] = Field(
        None, description="allow the update while a plan runs (default false: only when idle)"
    )


class KernelInterrupt(LockedRequest):
    interrupt_task: Optional[bool] = Field(None, description="accepted for compatibility")
    interrupt_plan: Optional[bool] = Field(None, description="accepted for compatibility")


class RePause(LockedRequest):
    option: Optional[Literal["deferred", "immediate"]] = Field(None, description="default 'deferred'")


class ReRuns(ReadRequest):
    option: Optional[Literal["active", "open", "closed"]] = Field(None, description="default 'active'")


class Lock(LockedRequest):
    environment: Optional[bool] = None
    queue: Optional[bool] = None
    note: Optional[str] = None


class MetadataSet(LockedRequest):
    metadata: Optional[dict[str, Any]] = Field(
        None, description="replaces the run metadata written into every following start document"
    )


class ConsoleOutput(ReadRequest):
    nlines: Optional[Count] = Field(None, description="default 200")


class ConsoleOutputUpdate(ReadRequest):
    last_msg_uid: Optional[str] = Field(None, description="uid from the previous reply; 'ALL' for everything")


# ------------------------------------------------------------------ replies
class Reply(BaseModel):
    model_config = ConfigDict(extra="allow")

    success: bool
    msg: str


class Status(Reply):
    items_in_queue: Optional[int] = None
    items_in_history: Optional[int] = None
    running_item_uid: Optional[str] = None
    manager_state: Optional[str] = None
    queue_stop_pending: Optional[bool] = None
    queue_autostart_enabled: Optional[bool] = None
    worker_environment_exists: Optional[bool] = None
    worker_environment_state: Optional[str] = None
    re_state: Optional[str] = None
    pause_pending: Optional[bool] = None
    plan_queue_uid: Optional[str] = None
    plan_history_uid: Optional[str] = None
    plan_queue_mode: Optional[dict[str, bool]] = None
    lock: Optional[dict[str, bool]] = None


class QueueGet(Reply):
    items: Optional[list[dict[str, Any]]] = None
    running_item: Optional[dict[str, Any]] = Field(None, description="{} when nothing runs")
    plan_queue_uid: Optional[str] = None


class HistoryGet(Reply):
    items: Optional[list[dict[str, Any]]] = Field(None, description="oldest first, each with its 'result'")
    plan_history_uid: Optional[str] = None


class ItemReply(Reply):
    item: Optional[dict[str, Any]] = None
    qsize: Optional[int] = None


class ItemsReply(Reply):
    items: Optional[list[dict[str, Any]]] = None
    results: Optional[list[dict[str, Any]]] = None
    qsize: Optional[int] = None


class TaskReply(Reply):
    task_uid: Optional[str] = Field(None, description="ask /api/task/result with it for the outcome")


class TaskRequest(ReadRequest):
    task_uid: Optional[Union[str, list[str]]] = Field(None, description="the task_uid environment_update answered with (a list for task/status)")


class TaskResult(Reply):
    task_uid: Optional[Any] = None
    status: Optional[str] = Field(None, description="running, completed or not_found")
    result: Optional[dict[str, Any]] = Field(None, description="success, msg, traceback, time_start, time_stop, ... once completed")


class ConsoleUpdate(Reply):
    console_output_msgs: Optional[list[dict[str, Any]]] = Field(None, description="each {'time', 'msg'}")
    last_msg_uid: Optional[str] = None


class LockInfo(Reply):
    lock_info: Optional[dict[str, Any]] = None
    lock_info_uid: Optional[str] = None
