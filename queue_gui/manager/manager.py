"""The manager: the single source of truth for queue, history and environment.

One object, one thread, one inbox. Client commands (from the HTTP server or
the Qt window) and worker reports are put in the same inbox and handled one
at a time, so no handler ever races another and no lock guards the state.
Clients get a ``concurrent.futures.Future`` per command and never wait on
the worker: the manager changes its state *before* it answers (a client
that polls right after ``environment_open`` sees ``creating_environment``),
and the worker's reports move it on as soon as they arrive.

The manager imports neither Qt nor bluesky.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import queue
import threading
import time
from typing import Any

from ..inbox import Reply, answer, refuse_queued
from ..listeners import Listener, Listeners
from ..wire import CommandName, EnvironmentState, EventKind, ManagerState
from ..worker.protocol import Command
from .console import ConsoleBuffer, ConsoleCommands
from .dispatch import Refused, command, dispatch
from .events import ChangePublisher
from .tasks import TaskResults
from .locks import LockCommands
from .metadata import MetadataCommands
from .pause import PendingPause
from .profile_state import DEFAULT_PROFILE_TIMEOUT
from .queue_commands import QueueCommands
from .queue_store import QueueStore
from .uids import new_uid
from .run_control import RunControl
from .worker_life import COMMAND_ENTRY as _COMMAND, EXIT_ENTRY as _EXIT, REPORT_ENTRY as _REPORT, WorkerLife

logger = logging.getLogger(__name__)

DATABASE_NAME = "queue.sqlite"
#: Seconds a worker gets at shutdown to abort a running plan and exit
#: before it is killed.
SHUTDOWN_GRACE = 10

_STOP = "stop"


class Manager(QueueCommands, RunControl, ConsoleCommands, LockCommands, MetadataCommands, WorkerLife, ChangePublisher, TaskResults):
    """Queue engine shared by the desktop window and the HTTP server.

    Parameters
    ----------
    data_dir : str
        Directory of the SQLite database (created when missing).
    profile_path : str or None
        Startup profile of the worker; None selects the built-in simulated one.
    forward_documents : bool
        Ask the worker to send bluesky documents (for live plots and files).
    profile_timeout : float
        Seconds a worker may take to load and describe the profile before
        it is stopped and the profile reported as hanging.

    Notes
    -----
    :meth:`run` is the manager's thread body; any thread may host it (a
    ``threading.Thread`` headless, a ``QThread`` under Qt). Every other public
    method is safe to call from any thread.
    """

    def __init__(
        self, data_dir: str | os.PathLike[str], profile_path: str | None = None, forward_documents: bool = True, profile_timeout: float = DEFAULT_PROFILE_TIMEOUT
    ) -> None:
        self.data_dir = data_dir
        self.profile_path = profile_path
        self._forward_documents = forward_documents
        self._inbox = queue.SimpleQueue()
        self._listeners = Listeners("manager")
        self._ready = threading.Event()
        self._finished = threading.Event()
        self._store = None
        self._state = ManagerState.INITIALIZING
        self._env_exists = False
        self._env_state = EnvironmentState.CLOSED
        self._re_state = None
        self._worker = None
        self._worker_exit_expected = None  # an ExpectedExit while the manager ends the worker itself
        self._profile_loaded = False
        self._profile_failed = False
        self._profile_mtime = None
        self._profile_error_msg = None
        self._description = None
        self._queue_stop_pending = False
        self._pause = PendingPause()
        self._plan_started_uid = None  # item uid the RunEngine reported running
        self._plan_queue_mode = {"loop": False, "ignore_failures": False}
        self._autostart = False
        self._immediate_uid = None  # item_uid of an item run by queue_item_execute
        self._runs = []
        self._console = ConsoleBuffer()
        self._lock = None
        self._uids = {
            name: new_uid() for name in ("plans", "devices", "run_list", "lock_info", "task_results", "metadata")
        }
        self._run_metadata = {}
        self._last_scan_id = None
        self._last_status = None
        self._shutting_down = False
        self._failure = None
        self._init_profile_state(profile_timeout)
        self._init_publisher()
        self._init_tasks()

    # ------------------------------------------------------------ any thread
    def submit(self, name: str, params: dict[str, Any] | None = None) -> concurrent.futures.Future[Reply]:
        """Queue a command; returns a Future resolving to the reply dict.

        Once the manager's thread has ended nobody reads the inbox: the
        Future is answered at once with the reason, never left waiting.
        """
        future = concurrent.futures.Future()
        if self._finished.is_set():
            future.set_result({"success": False, "msg": self.stopped_reason()})
            return future
        self._inbox.put((_COMMAND, name, params, future))
        if self._finished.is_set():
            self._refuse_waiting_commands()
        return future

    @property
    def failure(self) -> str | None:
        """Why the manager's thread ended with an error (text), or None."""
        return self._failure

    @property
    def stopped(self) -> bool:
        """True once the manager's thread has ended (shut down, or failed)."""
        return self._finished.is_set()

    def stopped_reason(self) -> str:
        if self._failure:
            return f"the queue-gui manager stopped after an error: {self._failure}"
        return "the queue-gui manager has been shut down"

    def wait_finished(self, timeout: float | None = None) -> bool:
        """Block until the manager's thread has ended; True when it has."""
        return self._finished.wait(timeout)

    def call(self, name: str, params: dict[str, Any] | None = None, timeout: float | None = 30) -> Reply:
        """Submit and wait for the reply (for scripts and tests, not for GUIs)."""
        return self.submit(name, params).result(timeout)

    def latest_status(self) -> dict[str, Any] | None:
        """The status as last published, or None before the first; for any thread.

        Every change of state happens on the manager thread, which publishes
        the status before it answers a command; so this is never older than
        a reply its caller has already received. The dict is replaced on
        each change, never modified: do not modify it either.
        """
        return self._last_status

    def subscribe(self, listener: Listener) -> None:
        """``listener(kind, payload)`` is called on the manager thread for each event.

        Kinds (:class:`~queue_gui.wire.EventKind`): ``queue``, ``history``,
        ``description`` and ``metadata`` (what changed, with the content:
        see :mod:`queue_gui.manager.events`), then ``status`` (the status
        dict, whenever any of it changed); ``console`` (one output line),
        ``documents`` (a list of ``[name, doc]`` pairs, in the order the
        RunEngine emitted them; events come packed into ``event_page``
        documents). Payloads are shared by all
        listeners: read them, never change them. A listener must return at
        once (emit a Qt signal, put into a queue).
        """
        self._listeners.add(listener)

    def unsubscribe(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    @property
    def worker_pid(self) -> int | None:
        """Process id of the current worker (standby or environment), or None."""
        worker = self._worker
        return worker.pid if worker is not None else None

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the database is open and the profile was described (or failed)."""
        return self._ready.wait(timeout)

    def shutdown(self, timeout: float | None = 30) -> bool:
        """Close the environment and the database; returns when the thread ended."""
        self._inbox.put((_STOP,))
        return self._finished.wait(timeout)

    # ------------------------------------------------------------ manager thread
    def run(self) -> None:
        """The manager thread: open the database, start a standby worker, serve the inbox."""
        try:
            self._store = QueueStore(os.path.join(self.data_dir, DATABASE_NAME))
            self._recover_interrupted_item()
            self._plan_queue_mode = self._store.get_meta("plan_queue_mode", self._plan_queue_mode)
            self._autostart = self._store.get_meta("queue_autostart", False)
            self._description = self._cached_description()
            self._load_metadata()
            self._publish_changes(everything=True)
            try:
                self._start_worker()
            except Exception as error:
                logger.exception("cannot start the worker process")
                self._worker = None
                self._profile_error_msg = f"cannot start the worker process: {error}"
                self._set_state(ManagerState.IDLE)
            self._serve_inbox()
        except BaseException as error:
            # Logged and kept: the server answers 503 with it, the command
            # line exits with it; the thread itself ends quietly.
            self._failure = f"{type(error).__name__}: {error}"
            logger.exception("the manager's thread failed")
        finally:
            try:
                self._close()
            finally:
                self._ready.set()
                self._finished.set()
                self._refuse_waiting_commands()

    def _refuse_waiting_commands(self):
        """Answer every command still in the inbox (the thread that would have is gone)."""
        refuse_queued(self._inbox, _COMMAND, {"success": False, "msg": self.stopped_reason()})

    def _serve_inbox(self):
        while True:
            # The inbox is waited on with a timeout only while a profile
            # loads: its deadline is the one thing that happens without a message.
            try:
                entry = self._inbox.get(timeout=self._seconds_to_deadline())
            except queue.Empty:
                entry = (None,)
            kind = entry[0]
            if kind == _STOP:
                return
            future = reply = None
            if kind == _COMMAND:
                _, name, params, future = entry
                if self._hold(name, params, future):
                    continue  # answered once the profile is described (or failed)
                reply = dispatch(self, name, params)
            elif kind == _REPORT:
                self._handle_report(entry[1], entry[2])
            elif kind == _EXIT:
                self._handle_exit(entry[1], entry[2])
            self._check_deadline()
            self._release_held()
            self._autostart_if_due()
            # Published before the reply: a client that polls right after its
            # answer never sees an older queue or status than the one pushed.
            self._publish_changes()
            self._publish_status()
            if future is not None:
                answer(future, reply)

    def _emit(self, kind, payload):
        self._listeners.emit(kind, payload)

    def _publish_status(self):
        status = self._status()
        if status != self._last_status:
            self._last_status = status
            self._emit(EventKind.STATUS, status)

    def _set_state(self, state):
        self._state = state
        if state is not ManagerState.INITIALIZING:
            self._ready.set()

    # ------------------------------------------------------------ status
    @command(CommandName.STATUS)
    def _cmd_status(self, **common):
        return self._status()

    def _status(self):
        running = self._store.running if self._store is not None else None
        return {
            "msg": "queue-gui manager",
            "items_in_queue": len(self._store) if self._store is not None else 0,
            "items_in_history": len(self._store.history()) if self._store is not None else 0,
            "running_item_uid": running["item_uid"] if running else None,
            "manager_state": self._state.value,
            "queue_stop_pending": self._queue_stop_pending,
            "queue_autostart_enabled": self._autostart,
            "worker_environment_exists": self._env_exists,
            "worker_environment_state": self._env_state.value,
            "worker_background_tasks": 0,
            "re_state": self._re_state,
            "ip_kernel_state": None,
            "ip_kernel_captured": None,
            "pause_pending": self._pause.pending,
            "run_list_uid": self._uids["run_list"],
            "plan_queue_uid": self._store.queue_uid if self._store is not None else None,
            "plan_history_uid": self._store.history_uid if self._store is not None else None,
            "devices_existing_uid": self._uids["devices"],
            "plans_existing_uid": self._uids["plans"],
            "devices_allowed_uid": self._uids["devices"],
            "plans_allowed_uid": self._uids["plans"],
            "plan_queue_mode": dict(self._plan_queue_mode),
            "task_results_uid": self._uids["task_results"],
            "lock_info_uid": self._uids["lock_info"],
            "lock": self._lock_flags(),
            "run_metadata_uid": self._uids["metadata"],
            "profile_error": self._profile_error_msg,
            "profile_state": self._profile_status(),
        }

    # ------------------------------------------------------------ profile data
    def _described(self, part, name):
        """``{name: description[part], name_uid: ...}`` for the four profile reads.

        Without user groups, everything the profile defines is allowed: the
        existing lists equal the allowed ones and share their change markers.
        """
        content = self._description[part] if self._description else {}
        return {name: content, f"{name}_uid": self._uids[part]}

    @command(CommandName.PLANS_ALLOWED)
    def _cmd_plans_allowed(self, **common):
        return self._described("plans", "plans_allowed")

    @command(CommandName.DEVICES_ALLOWED)
    def _cmd_devices_allowed(self, **common):
        return self._described("devices", "devices_allowed")

    @command(CommandName.PLANS_EXISTING)
    def _cmd_plans_existing(self, **common):
        return self._described("plans", "plans_existing")

    @command(CommandName.DEVICES_EXISTING)
    def _cmd_devices_existing(self, **common):
        return self._described("devices", "devices_existing")

    @command(CommandName.QUEUE_MODE_SET, params=("mode",), locked_by="queue")
    def _cmd_queue_mode_set(self, mode=None, **common):
        if mode == "default":
            mode = {"loop": False, "ignore_failures": False}
        if not isinstance(mode, dict) or set(mode) - {"loop", "ignore_failures"}:
            raise Refused("'mode' must be 'default' or an object with 'loop' and/or 'ignore_failures'")
        if any(not isinstance(value, bool) for value in mode.values()):
            raise Refused("the values of 'mode' must be true or false")
        self._plan_queue_mode = {**self._plan_queue_mode, **mode}
        self._store.set_meta("plan_queue_mode", self._plan_queue_mode)
        return {}

    # ------------------------------------------------------------ crash recovery
    def _recover_interrupted_item(self):
        """An item left 'running' by a crash goes back to the front, recorded as unknown."""
        if self._store.running is not None:
            self._finish_running(
                "unknown", "queue-gui stopped while the item was running; the outcome is unknown", back_to_front=True
            )

    def _finish_interrupted_item(self, reason):
        if self._store.running is not None:
            self._finish_running("failed", reason, back_to_front=self._requeue_running())
            self._disable_autostart()
        self._immediate_uid = None

    def _finish_running(self, exit_status, msg, back_to_front):
        """Record the running item as ended by something other than the worker's own report.

        The worker's report carries the attempt's facts; here they come from
        what the manager kept while it ran (persisted, so a restart after a
        crash has them too): the real start time and every run it opened.
        """
        now = time.time()
        facts = self._store.running_facts or {}
        time_start = facts.get("time_start")
        result = {
            "exit_status": exit_status,
            "run_uids": list(facts.get("run_uids") or []),
            "scan_ids": list(facts.get("scan_ids") or []),
            "time_start": time_start if isinstance(time_start, (int, float)) else now,
            "time_stop": now,
            "msg": msg,
            "traceback": "",
        }
        return self._store.finish_running(result, back_to_front=back_to_front)

    # ------------------------------------------------------------ shutdown
    def _close(self):
        """Shut down: a running plan is paused and aborted (its cleanup runs), then the worker ends."""
        self._shutting_down = True
        worker, self._worker = self._worker, None
        running = self._store.running if self._store is not None else None
        if worker is not None:
            if running is not None:
                worker.send(Command.PAUSE, option="immediate", item_uid=running["item_uid"])
            worker.send(Command.CLOSE_ENVIRONMENT)
            clean = worker.join(SHUTDOWN_GRACE)
            if not clean:
                worker.kill()
                worker.join(5)
            self._hand_on_last_documents(worker)
            if running is not None:
                status = "aborted" if clean else "unknown"
                msg = "queue-gui was shut down while the plan was running" + ("" if clean else "; the worker was killed")
                self._finish_running(status, msg, back_to_front=self._requeue_running())
        if self._store is not None:
            self._store.close()


Manager._REPORT_HANDLERS = {
    **WorkerLife._LIFE_REPORT_HANDLERS,
    **RunControl._RUN_REPORT_HANDLERS,
    **TaskResults._TASK_REPORT_HANDLERS,
}
