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
