"""The RunEngine and the execution of one queue item at a time.

Everything here runs on the worker's main thread, because the RunEngine
installs signal handlers and ``RE(plan)`` must be called where they may be
installed. The one exception is :meth:`Executor.request_pause`, which the
pipe-reader thread calls while ``RE(plan)`` is blocking the main thread:
``RunEngine.request_pause`` schedules itself on the RunEngine's own loop and
is safe from another thread.
"""

import logging
import threading
import time
import traceback

from ..wire import EXIT_STATUS_OF_CONTINUE, ContinueOption, ExitStatus
from .protocol import Report, message
from .resolve import build_plan

logger = logging.getLogger(__name__)


class Executor:
    """Owns the RunEngine of an open environment and runs plans on it.

    Parameters
    ----------
    outbox : queue_gui.worker.outbox.Outbox
        Sends reports and documents to the manager, in order, never blocking.
    profile : queue_gui.worker.profile.Profile or None
        The loaded startup profile; None when it failed to load.
    profile_error : tuple of (str, str) or None
        Message and traceback of the profile failure, reported when an
        environment is requested anyway.
    forward_documents : bool
        Send every document to the manager (for live plots and files).
    """

    def __init__(self, outbox, profile, profile_error=None, forward_documents=True):
        self._send = outbox.send
        self._send_document = outbox.document
        self._profile = profile
        self._profile_error = profile_error
        self._forward_documents = forward_documents
        self.RE = None
        self._item = None
        self._attempt = None
        self._awaiting_start = None
        self._resuming = False
        self._pause_when_running = None  # (option, item_uid) asked for while a resume was starting
        # Hands a pause asked for during a resume to the state hook: the
        # state is read, and the pause kept or taken, under it.
        self._pause_handoff = threading.Lock()

    # ------------------------------------------------------------ environment
    def open_environment(self, scan_id=None):
        """Create the RunEngine; ``scan_id`` is the last one used, so numbering goes on.

        It is set before the profile's ``configure_run_engine`` runs, so a
        profile that keeps its own ``RE.md`` (a ``PersistentDict``) wins.
        """
        if self.RE is not None:
            self._send(message(Report.ENVIRONMENT_READY))
            return
        if self._profile is None:
            msg, tb = self._profile_error or ("no profile is loaded", "")
            self._send(message(Report.ENVIRONMENT_FAILED, msg=f"the startup profile failed: {msg}", traceback=tb))
            return
        try:
            self.RE = self._create_run_engine(scan_id)
        except Exception as error:
            self.RE = None
            self._send(message(Report.ENVIRONMENT_FAILED, msg=_describe(error), traceback=traceback.format_exc()))
            return
        self._send(message(Report.ENVIRONMENT_READY))

    def describe(self, task_uid=None):
        """Describe the profile's plans and devices as they are now, for ``environment_update``.

        Devices can gain components once connected (ophyd-async devices
        built from PVI do), so the description taken at startup may be
        incomplete. The end is reported either way (``described`` or
        ``describe_failed``): the client is waiting on the task.
        """
        from .describe import describe_profile

        if self._profile is None:
            msg, _ = self._profile_error or ("no profile is loaded", "")
            self._send(message(Report.DESCRIBE_FAILED, task_uid=task_uid, msg=f"no profile to describe: {msg}", traceback=""))
            return
        try:
            description = describe_profile(self._profile)
        except Exception as error:
            self._send(message(Report.DESCRIBE_FAILED, task_uid=task_uid, msg=_describe(error), traceback=traceback.format_exc()))
            return
        self._send(message(Report.DESCRIBED, description=description, task_uid=task_uid))

    def _create_run_engine(self, scan_id=None):
        from bluesky import RunEngine

        # No context managers: the worker ignores SIGINT (the manager owns
        # shutdown), and RE's own SIGINT handler would fight that.
        RE = RunEngine({}, context_managers=[])
        if isinstance(scan_id, int) and not isinstance(scan_id, bool):
            RE.md["scan_id"] = scan_id
        RE.state_hook = self._on_state
        RE.subscribe(self._on_document)
        _forget_readings_of_closed_runs(RE)
        hook = self._profile.run_engine_hook
        if hook is not None:
            hook(RE)
        return RE

    def close_environment(self):
        # At shutdown a running plan was paused just before: abort it so its
        # cleanup runs (motors stopped, run closed) before the process ends.
        self.abandon()
        self.RE = None
        self._send(message(Report.ENVIRONMENT_CLOSED))

    def _on_state(self, new, old):
        # ProxyString does not unpickle on the other side of a Pipe: send str.
        self._send(message(Report.RE_STATE, state=str(new)))
        if new == "running":
            with self._pause_handoff:
                pending, self._pause_when_running = self._pause_when_running, None
            if pending is not None:
                # Not from here: this is the RunEngine's loop, and request_pause
                # waits on that loop.
                threading.Thread(target=self.request_pause, args=pending, daemon=True).start()
        if new == "running" and self._awaiting_start is not None:
            # Reported only now, when the RunEngine really runs, so that a
            # pause requested right after 'plan_started' finds it running.
            item_uid, self._awaiting_start = self._awaiting_start, None
            self._send(message(Report.PLAN_STARTED, item_uid=item_uid, time_start=self._attempt["time_start"]))

    # ------------------------------------------------------------ documents
    def _on_document(self, name, doc):
        attempt = self._attempt
        if name == "start" and attempt is not None:
            attempt["run_uids"].append(doc["uid"])
            if doc.get("scan_id") is not None:
                attempt["scan_ids"].append(doc["scan_id"])
            self._send(message(Report.RUN_STARTED, run_uid=doc["uid"], scan_id=doc.get("scan_id")))
        elif name == "stop":
            self._send(message(Report.RUN_STOPPED, run_uid=doc["run_start"], exit_status=doc.get("exit_status")))
        if self._forward_documents:
            # Queued, never sent from here: the RunEngine's thread must not
            # wait on the Pipe (see queue_gui.worker.outbox).
            self._send_document(name, doc)

    # ------------------------------------------------------------ plans
    def run_plan(self, item, md=None):
        """Start executing ``item``; returns when it finished or paused.

        ``md`` (the scientist's run metadata, the item's ``meta`` merged in
        by the manager) goes into the start document of every run of the
        plan, with the item's uid, so that a run always leads back to its
        queue item.
        """
        if self.RE is None:
            self._finish(item, ExitStatus.FAILED, "the environment is not open", "", attempt=_new_attempt())
            return
        self._item, self._attempt = item, _new_attempt()
        try:
            plan = build_plan(self._profile, None, item["name"], item.get("args", []), item.get("kwargs", {}))
        except Exception as error:
            self._finish(item, ExitStatus.FAILED, _describe(error), traceback.format_exc())
            return
        md = run_metadata(md, item["item_uid"])
        self._awaiting_start = item["item_uid"]
        self._drive(lambda: self.RE(plan, **md), ExitStatus.COMPLETED)

    def continue_plan(self, option):
        """Resume, abort, stop or halt the paused plan."""
        option = ContinueOption(option)
        if self.RE is None or self._item is None or self.RE.state != "paused":
            state = self.RE.state if self.RE is not None else "closed"
            self._send(message(Report.CONSOLE, text=f"queue-gui: cannot {option.value}: the RunEngine is {state}\n"))
            self._end_resume()
            return
        if option is ContinueOption.RESUME:
            self._resuming = True
            try:
                self._drive(self.RE.resume, ExitStatus.COMPLETED)
            finally:
                self._end_resume()
        else:
            # The stop document of a stopped run says "success"; the scientist
            # asked for a stop, so that is what the history records.
            action = getattr(self.RE, option.value)
            self._drive(action, EXIT_STATUS_OF_CONTINUE[option])

    def expect_resume(self):
        """A resume is on its way to the main thread (called by the pipe reader as it reads it).

        From now until the RunEngine runs again, a pause is kept for that
        moment (see :meth:`request_pause`) instead of being refused because
        the RunEngine is still paused.
        """
        with self._pause_handoff:
            self._resuming = True

    def _end_resume(self):
        """The resume is over: a pause still kept for it never found the RunEngine running."""
        with self._pause_handoff:
            self._resuming = False
            pending, self._pause_when_running = self._pause_when_running, None
        if pending is not None:
            option, item_uid = pending
            self._send(message(Report.PAUSE_FAILED, item_uid=item_uid, msg="cannot pause: the plan did not run again"))

    def abandon(self):
        """The manager is gone: end a paused plan with cleanup rather than leave it."""
        if self.RE is not None and self.RE.state == "paused":
            try:
                self.RE.abort("queue-gui manager went away")
            except Exception:
                logger.exception("abort after losing the manager failed")

    def request_pause(self, option, item_uid=None):
        """Called from the pipe-reader thread while the main thread is in ``RE(...)``.

        A refusal names the item the pause was meant for, so the manager can
        tell a pause that arrived after its plan ended from one that failed.
        """
        RE = self.RE
        with self._pause_handoff:
            if RE is not None and RE.state == "paused" and self._resuming:
                # "Pause now" just after "Resume": the RunEngine has not started
                # running again yet. The pause is made the moment it does.
                self._pause_when_running = (option, item_uid)
                return
        if RE is None or RE.state not in ("running",):
            state = RE.state if RE is not None else "closed"
            self._send(message(Report.PAUSE_FAILED, item_uid=item_uid, msg=f"cannot pause: the RunEngine is {state}"))
            return
        try:
            RE.request_pause(defer=(option == "deferred"))
        except Exception as error:
            self._send(message(Report.PAUSE_FAILED, item_uid=item_uid, msg=f"cannot pause: {_describe(error)}"))

    def _drive(self, call, exit_status_if_returned):
        from bluesky.utils import RunEngineInterrupted

        try:
            call()
        except RunEngineInterrupted:
            if self.RE.state == "paused":
                self._send(message(Report.PLAN_PAUSED, item_uid=self._item["item_uid"]))
                return
            # bluesky raises after a pause request even when nothing is
            # paused: the pause was taken only as the plan returned (after
            # its last message, before the RunEngine went idle), or the plan
            # had no checkpoint and bluesky aborted it. The plan has ended
            # and the pause is refused: after a plan that returned, the next
            # plan gets it (see queue_gui.manager.pause).
            self._send(message(Report.PAUSE_FAILED, item_uid=self._item["item_uid"],
                               msg=f"cannot pause: the plan ended instead (the RunEngine is {self.RE.state})"))
            ended = getattr(self.RE, "_exit_status", "success")  # bluesky's own: success, abort or fail
            if ended != "success":
                status = ExitStatus.ABORTED if ended == "abort" else ExitStatus.FAILED
                self._finish(self._item, status, f"bluesky ended the plan as '{ended}' when asked to pause", "")
                return
        except BaseException as error:  # a plan may raise anything, even SystemExit
            self._finish(self._item, ExitStatus.FAILED, _describe(error), traceback.format_exc())
            return
        self._finish(self._item, exit_status_if_returned, "", "")

    def _finish(self, item, exit_status, msg, tb, attempt=None):
        attempt = attempt or self._attempt
        result = {
            "exit_status": ExitStatus(exit_status).value,
            "run_uids": attempt["run_uids"],
            "scan_ids": attempt["scan_ids"],
            "time_start": attempt["time_start"],
            "time_stop": time.time(),
            "msg": msg,
            "traceback": tb,
        }
        self._item, self._attempt, self._awaiting_start = None, None, None
        self._send(message(Report.PLAN_FINISHED, item_uid=item["item_uid"], result=result))


def _forget_readings_of_closed_runs(RE):
    """After a run closes, a resume must not replay its readings.

    On resume bluesky replays every message since the last checkpoint. A
    plan that closes a run and goes on without a new checkpoint (a scan
    followed by a move, a settle time, a second run) and is paused there
    with "Pause now" would replay ``create``/``read``/``save`` of the closed
    run, and bluesky 1.15 then fails the whole plan with
    ``IllegalMessageSequence``. Forgetting the replay list once the stop
    document is written makes the resume carry on from where it paused.
    """
    close_run = RE._command_registry["close_run"]

    async def close_run_and_forget(msg):
        result = await close_run(msg)
        RE._reset_checkpoint_state()
        return result

    RE.register_command("close_run", close_run_and_forget)


#: Keys of a start document that the RunEngine writes itself.
RESERVED_KEYS = frozenset({"uid", "time"})


def run_metadata(md, item_uid):
    """The metadata ``RE(plan, **md)`` gets: strings as keys, the RunEngine's own keys left to it."""
    clean = {key: value for key, value in (md or {}).items() if isinstance(key, str) and key not in RESERVED_KEYS}
    clean["item_uid"] = item_uid
    return clean


def _new_attempt():
    return {"run_uids": [], "scan_ids": [], "time_start": time.time()}


def _describe(error):
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
