"""The worker's life, owned in one place: start, reports, exit, and when a new one starts.

The manager has one worker at a time, a standby (the profile loaded and
described, no RunEngine) or an environment (a RunEngine). This mixin of
:class:`~queue_gui.manager.manager.Manager` starts it, hands its reports
to their handlers, and decides what its exit means: a crash (the running
item is recorded as interrupted, the environment ``failed``), an exit the
manager asked for (close, destroy, a profile that took too long), and
whether a fresh standby follows (after close and destroy, and after a crash
of a loaded environment; never in a loop for a profile that cannot load).
It also holds the profile's loading state (:class:`.profile_state.ProfileState`).
"""

import logging
import queue
import time

from ..inbox import answer
from ..wire import EnvironmentState, EventKind, ManagerState
from ..worker.protocol import Report
from .profile_state import ProfileState
from .uids import new_uid
from .worker_client import ExpectedExit, WorkerClient

logger = logging.getLogger(__name__)

#: Kinds of inbox entries: a client's command, a worker's report, a worker's exit.
COMMAND_ENTRY, REPORT_ENTRY, EXIT_ENTRY = "command", "report", "exit"


class WorkerLife(ProfileState):
    """Mixin: the one owner of the worker process and of the restart policy."""

    def _start_worker(self):
        """Start a standby worker: it loads and describes the profile at once."""
        self._profile_loaded = False
        self._profile_failed = False
        self._worker_exit_expected = None
        self._begin_loading()
        self._worker = WorkerClient(
            self.profile_path,
            on_report=lambda client, msg: self._inbox.put((REPORT_ENTRY, client, msg)),
            on_exit=lambda client, code: self._inbox.put((EXIT_ENTRY, client, code)),
            forward_documents=self._forward_documents,
        )
        self._worker.start()

    def _retire_worker(self):
        """Replace the current (standby) worker; the old one's exit is ignored."""
        old = self._worker
        self._start_worker()
        if old is not None:
            old.kill()

    def _handle_report(self, client, msg):
        if client is not self._worker:
            return  # a retired worker's last words
        handler = self._REPORT_HANDLERS.get(msg.get("type"))
        if handler is None:
            logger.warning("unknown report from the worker: %r", msg.get("type"))
            return
        try:
            handler(self, msg)
        except Exception as error:
            # One report that cannot be handled (a full disk under the
            # database, say) must not end the manager: say so and go on.
            logger.exception("handling the worker's %r report failed", msg.get("type"))
            self._add_console(f"queue-gui: internal error while handling the worker's {msg.get('type')!r} report: "
                              f"{type(error).__name__}: {error}\n")

    def _on_profile_loaded(self, msg):
        self._profile_loaded = True
        self._profile_deadline = None
        self._profile_mtime = msg.get("profile_mtime")
        self._profile_error_msg = None
        self._take_description(msg["description"])
        if self._state is ManagerState.INITIALIZING:
            self._set_state(ManagerState.IDLE)

    def _take_description(self, description):
        """The profile's plans and devices as described now; their change markers move only if they changed."""
        if self._description is None or description["plans"] != self._description["plans"]:
            self._uids["plans"] = new_uid()
        if self._description is None or description["devices"] != self._description["devices"]:
            self._uids["devices"] = new_uid()
        if description != self._description:
            self._description = description
            self._keep_description(description)

    def _on_profile_failed(self, msg):
        self._profile_loaded = False
        self._profile_failed = True
        self._profile_deadline = None
        self._profile_error_msg = msg["msg"]
        self._add_console(f"queue-gui: the startup profile failed to load: {msg['msg']}\n{msg['traceback']}")
        if self._state is ManagerState.INITIALIZING:
            self._set_state(ManagerState.IDLE)

    def _on_profile_given_up(self, reason):
        """The standby was stopped for taking too long: nothing waits on it any more."""
        if self._state is ManagerState.CREATING_ENVIRONMENT:
            self._env_state = EnvironmentState.FAILED
            self._add_console(f"queue-gui: the environment could not be opened: {reason}\n")
        if self._state in (ManagerState.INITIALIZING, ManagerState.CREATING_ENVIRONMENT):
            self._set_state(ManagerState.IDLE)

    def _on_console(self, msg):
        self._add_console(msg["text"])

    def _on_documents(self, msg):
        self._emit(EventKind.DOCUMENTS, msg["docs"])

    def _handle_exit(self, client, exitcode):
        if client is not self._worker:
            return
        expected = self._worker_exit_expected
        self._worker = None
        self._env_exists = False
        self._re_state = None
        self._forget_pause()
        self._plan_started_uid = None
        self._queue_stop_pending = False
        self._fail_running_tasks("the worker process ended before the task did")
        if expected is None:
            reason = f"worker process died ({_describe_exit(exitcode)})"
            logger.error(reason)
            self._add_console(f"queue-gui: {reason}\n")
            self._finish_interrupted_item(reason)
            self._env_state = EnvironmentState.FAILED
            if not self._profile_loaded and self._state is ManagerState.INITIALIZING:
                self._profile_error_msg = reason
        elif expected is ExpectedExit.PROFILE_TIMEOUT:
            if self._env_state is not EnvironmentState.FAILED:
                self._env_state = EnvironmentState.CLOSED
        else:
            if expected is ExpectedExit.DESTROY:
                self._add_console("queue-gui: the environment was destroyed (its worker process was killed)\n")
                self._finish_interrupted_item("the environment was destroyed while the plan was running")
            self._env_state = EnvironmentState.CLOSED
        self._set_state(ManagerState.IDLE)
        if self._shutting_down:
            return
        if expected in (ExpectedExit.CLOSE, ExpectedExit.DESTROY) or (expected is None and self._profile_loaded):
            # A standby that died or hung while loading the profile is not
            # restarted in a loop; opening the environment (or Reload
            # profile) tries again.
            self._start_worker()

    # ------------------------------------------------------------ shutdown
    def _hand_on_last_documents(self, worker, timeout=5):
        """Publish what the ending worker still sent: the documents of the aborted plan, its stop included.

        Its reports reach the inbox after the inbox is no longer served; the
        run store would otherwise never see the run's stop document and
        mark a cleanly aborted run as interrupted. Commands that arrive now
        are answered with a refusal, so no client waits for them.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                entry = self._inbox.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                return
            kind = entry[0]
            if kind == COMMAND_ENTRY:
                answer(entry[3], {"success": False, "msg": "queue-gui is shutting down"})
            elif kind == REPORT_ENTRY and entry[1] is worker and entry[2].get("type") == Report.DOCUMENTS:
                self._emit(EventKind.DOCUMENTS, entry[2]["docs"])
            elif kind == EXIT_ENTRY and entry[1] is worker:
                return


    _LIFE_REPORT_HANDLERS = {
        Report.PROFILE_LOADED: _on_profile_loaded,
        Report.PROFILE_FAILED: _on_profile_failed,
        Report.CONSOLE: _on_console,
        Report.DOCUMENTS: _on_documents,
    }


def _describe_exit(exitcode):
    if exitcode is None:
        return "exit code unknown"
    if exitcode < 0:
        import signal

        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = "unknown signal"
        return f"signal {-exitcode}, {name}"
    return f"exit code {exitcode}"
