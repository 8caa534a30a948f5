"""Messages exchanged over the Pipe between the manager and the worker process.

A message is a plain dict ``{"type": <wire string>, ...fields}``: picklable,
easy to log, and equally easy to drive from a test holding both ends of one
``multiprocessing.Pipe()``. The manager sends commands; the worker sends
reports the moment something happens (no polling in either direction).
"""

import enum


class Command(str, enum.Enum):
    """Manager to worker."""

    OPEN_ENVIRONMENT = "open_environment"  # scan_id: the last one used, or None
    RUN_PLAN = "run_plan"  # item, md: metadata for the start documents
    PAUSE = "pause"  # option: "immediate" | "deferred"
    CONTINUE = "continue"  # option: "resume" | "abort" | "stop" | "halt"
    CLOSE_ENVIRONMENT = "close_environment"
    DESCRIBE = "describe"  # task_uid, background: describe the live profile again


class Report(str, enum.Enum):
    """Worker to manager."""

    PROFILE_LOADED = "profile_loaded"  # description, profile_mtime
    PROFILE_FAILED = "profile_failed"  # msg, traceback
    ENVIRONMENT_READY = "environment_ready"
    ENVIRONMENT_FAILED = "environment_failed"  # msg, traceback
    ENVIRONMENT_CLOSED = "environment_closed"
    RE_STATE = "re_state"  # state
    PLAN_STARTED = "plan_started"  # item_uid, time_start
    PLAN_PAUSED = "plan_paused"  # item_uid
    PLAN_FINISHED = "plan_finished"  # item_uid, result (see executor)
    PAUSE_FAILED = "pause_failed"  # item_uid, msg
    RUN_STARTED = "run_started"  # run_uid, scan_id
    RUN_STOPPED = "run_stopped"  # run_uid, exit_status
    DOCUMENTS = "documents"  # docs: JSON text of [[name, doc], ...] (see worker.outbox)
    CONSOLE = "console"  # text
    DESCRIBED = "described"  # task_uid, description: environment_update is done
    DESCRIBE_FAILED = "describe_failed"  # task_uid, msg, traceback


def message(kind, **fields):
    """Build a message; ``kind`` is a ``Command`` or ``Report``."""
    return {"type": kind.value, **fields}
