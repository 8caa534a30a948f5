"""Wire strings shared by the manager, the worker, the server and the GUI.

They are ``str`` enums so that ``ManagerState.IDLE == "idle"`` and
``json.dumps`` writes the plain value: every side speaks the same words and
none of them spells a state by hand.
"""

import enum


class ManagerState(str, enum.Enum):
    """What the manager is doing; served as ``manager_state``."""

    INITIALIZING = "initializing"
    IDLE = "idle"
    PAUSED = "paused"
    CREATING_ENVIRONMENT = "creating_environment"
    STARTING_QUEUE = "starting_queue"
    EXECUTING_QUEUE = "executing_queue"
    CLOSING_ENVIRONMENT = "closing_environment"
    DESTROYING_ENVIRONMENT = "destroying_environment"


class EnvironmentState(str, enum.Enum):
    """State of the worker environment; served as ``worker_environment_state``."""

    INITIALIZING = "initializing"
    IDLE = "idle"
    EXECUTING_PLAN = "executing_plan"
    CLOSING = "closing"
    CLOSED = "closed"
    FAILED = "failed"


class ExitStatus(str, enum.Enum):
    """How an attempt to run a queue item ended; stored in its history record."""

    COMPLETED = "completed"
    FAILED = "failed"
    STOPPED = "stopped"
    ABORTED = "aborted"
    HALTED = "halted"
    UNKNOWN = "unknown"


class ItemType(str, enum.Enum):
    PLAN = "plan"
    INSTRUCTION = "instruction"


QUEUE_STOP_INSTRUCTION = "queue_stop"


class PauseOption(str, enum.Enum):
    DEFERRED = "deferred"
    IMMEDIATE = "immediate"


class ContinueOption(str, enum.Enum):
    RESUME = "resume"
    ABORT = "abort"
    STOP = "stop"
    HALT = "halt"


#: Exit status recorded for each way of ending a paused plan.
EXIT_STATUS_OF_CONTINUE = {
    ContinueOption.ABORT: ExitStatus.ABORTED,
    ContinueOption.STOP: ExitStatus.STOPPED,
    ContinueOption.HALT: ExitStatus.HALTED,
}


class RunExitStatus(str, enum.Enum):
    """How a saved run ended, as its index records it (``exit_status`` of ``/api/runs``).

    The first three are the stop document's own words; ``interrupted`` is
    queue-gui's for a run that never got a stop document (its worker died,
    the environment was destroyed, the application was killed).
    """

    SUCCESS = "success"
    ABORT = "abort"
    FAIL = "fail"
    INTERRUPTED = "interrupted"


class TiledState(str, enum.Enum):
    """What the shared tiled store is doing; served as ``tiled_state``."""

    OFF = "off"  # no --tiled-uri
    CONNECTING = "connecting"
    SENDING = "sending"
    UP_TO_DATE = "up_to_date"
    UNREACHABLE = "unreachable"  # the server does not answer: runs wait, retried with back-off
    ERROR = "error"  # the server answers but refuses (a wrong key), or the client is missing


class TiledRunState(str, enum.Enum):
    """Where one run stands with the shared tiled store (``tiled_state`` of a run)."""

    WAITING = "waiting"
    SENT = "sent"
    FAILED = "failed"  # the server refused this run; kept locally, retried on request


class WireName(str, enum.Enum):
    """A name sent between the parts: formats as its plain value (``f"{name}"`` is ``'queue_get'``)."""

    __str__ = str.__str__
    # As enum.StrEnum (3.11) does; typeshed's str.__format__ takes its argument positionally only.
    __format__ = str.__format__  # type: ignore[assignment]


class CommandName(WireName):
    """Every command the manager answers: the ``@command`` registry, the routes and the window use these."""

    CONSOLE_OUTPUT = "console_output"
    CONSOLE_OUTPUT_UID = "console_output_uid"
    CONSOLE_OUTPUT_UPDATE = "console_output_update"
    DEVICES_ALLOWED = "devices_allowed"
    DEVICES_EXISTING = "devices_existing"
    ENVIRONMENT_CLOSE = "environment_close"
    ENVIRONMENT_DESTROY = "environment_destroy"
    ENVIRONMENT_OPEN = "environment_open"
    ENVIRONMENT_UPDATE = "environment_update"
    HISTORY_CLEAR = "history_clear"
    HISTORY_GET = "history_get"
    KERNEL_INTERRUPT = "kernel_interrupt"
    LOCK = "lock"
    LOCK_INFO = "lock_info"
    METADATA_GET = "metadata_get"
    METADATA_SET = "metadata_set"
    PLANS_ALLOWED = "plans_allowed"
    PLANS_EXISTING = "plans_existing"
    PROFILE_RELOAD = "profile_reload"
    QUEUE_AUTOSTART = "queue_autostart"
    QUEUE_CLEAR = "queue_clear"
    QUEUE_GET = "queue_get"
    QUEUE_ITEM_ADD = "queue_item_add"
    QUEUE_ITEM_ADD_BATCH = "queue_item_add_batch"
    QUEUE_ITEM_EXECUTE = "queue_item_execute"
    QUEUE_ITEM_GET = "queue_item_get"
    QUEUE_ITEM_MOVE = "queue_item_move"
    QUEUE_ITEM_MOVE_BATCH = "queue_item_move_batch"
    QUEUE_ITEM_REMOVE = "queue_item_remove"
    QUEUE_ITEM_REMOVE_BATCH = "queue_item_remove_batch"
    QUEUE_ITEM_UPDATE = "queue_item_update"
    QUEUE_MODE_SET = "queue_mode_set"
    QUEUE_START = "queue_start"
    QUEUE_STOP = "queue_stop"
    QUEUE_STOP_CANCEL = "queue_stop_cancel"
    RE_ABORT = "re_abort"
    RE_HALT = "re_halt"
    RE_PAUSE = "re_pause"
    RE_RESUME = "re_resume"
    RE_RUNS = "re_runs"
    RE_STOP = "re_stop"
    STATUS = "status"
    TASK_RESULT = "task_result"
    TASK_STATUS = "task_status"
    UNLOCK = "unlock"


class StoreCommand(WireName):
    """Every command the run store answers."""

    RUN_DOCUMENTS = "run_documents"
    RUN_GET = "run_get"
    RUN_TABLE = "run_table"
    RUNS_LIST = "runs_list"
    STORE_STATUS = "store_status"
    TILED_CONFIGURE = "tiled_configure"
    TILED_RETRY = "tiled_retry"


class EventKind(WireName):
    """What the manager publishes to its listeners (see ``Manager.subscribe``)."""

    STATUS = "status"
    CONSOLE = "console"
    DOCUMENTS = "documents"
    QUEUE = "queue"
    HISTORY = "history"
    DESCRIPTION = "description"
    METADATA = "metadata"
    #: A remote manager's connection: ``{"state", "url", "server", "msg"}`` (see queue_gui.remote).
    CONNECTION = "connection"


class StoreEventKind(WireName):
    """What the run store publishes to its listeners."""

    RUNS = "runs"
    STORE_STATUS = "store_status"


class ConnectionState(str, enum.Enum):
    """How a window stands with a remote server (the ``connection`` event's ``state``)."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    UNREACHABLE = "unreachable"
    UNAUTHORIZED = "unauthorized"
    CLOSED = "closed"


class ServerKind(str, enum.Enum):
    """Which kind of server a remote window reached (the ``connection`` event's ``server``)."""

    QUEUE_GUI = "queue-gui"
    HTTPSERVER = "bluesky-httpserver"
