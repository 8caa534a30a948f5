"""Environment and queue execution: the manager's state machine.

A mixin of :class:`queue_gui.manager.manager.Manager`. Commands check that
they fit the current state and refuse with the reason otherwise; worker
reports (handled in :data:`RunControl._RUN_REPORT_HANDLERS`) move the state on.

Semantics kept from the seed: items added while the queue runs are run as
part of it; a plan ended by stop, abort or halt (or that failed) goes back
to the front of the queue and queue execution stops.

Autostart (as in bluesky-queueserver): while enabled, the queue starts
whenever the environment is open, the manager idle and the queue not empty.
Whatever stops the queue on purpose or by failure (``queue_stop``, a
``queue_stop`` instruction, a plan that did not complete) disables it, so a
failing plan is never retried in a loop.

``queue_item_execute`` runs one item at once without touching the queue: it
is recorded in the history, never put back into the queue, and the queue
does not start after it.
"""

import copy
import logging
import os
import time

from ..wire import CommandName, ContinueOption, EnvironmentState, ExitStatus, ItemType, ManagerState, PauseOption, QUEUE_STOP_INSTRUCTION
from ..worker.protocol import Command, Report
from .dispatch import Refused, command
from .uids import new_uid
from .worker_client import ExpectedExit

logger = logging.getLogger(__name__)

_EXECUTING = (ManagerState.STARTING_QUEUE, ManagerState.EXECUTING_QUEUE)


class RunControl:
    """Environment and run-control commands of the manager (see module docstring)."""

    def _require_idle(self, action, or_loading=False):
        """Refuse unless idle (or, with ``or_loading``, still loading the profile at start-up)."""
        if self._state is ManagerState.IDLE or (or_loading and self._state is ManagerState.INITIALIZING):
            return
        raise Refused(f"cannot {action}: the manager is {self._state.value}")

    def _require_environment(self, action):
        if not self._env_exists:
            raise Refused(f"cannot {action}: the environment is not open")

    # ------------------------------------------------------------ environment
    @command(CommandName.ENVIRONMENT_OPEN, locked_by="environment")
    def _cmd_environment_open(self, **common):
        if self._env_exists:
            raise Refused("cannot open the environment: it is already open")
        # While the profile loads at start-up, the standby opens as soon as it is ready.
        self._require_idle("open the environment", or_loading=True)
        if self._worker is None or self._profile_failed or self._profile_changed():
            # Re-read the profile: it failed before, or the scientist edited it.
            # A standby still loading is kept: it opens as soon as it is ready.
            self._retire_worker()
        self._set_state(ManagerState.CREATING_ENVIRONMENT)
        self._env_state = EnvironmentState.INITIALIZING
        self._worker.send(Command.OPEN_ENVIRONMENT, scan_id=self._last_scan_id)
        return {"msg": "opening the environment"}

    @command(CommandName.PROFILE_RELOAD, locked_by="environment")
    def _cmd_profile_reload(self, **common):
        """Re-read the startup profile (a new standby worker describes it)."""
        if self._env_exists:
            raise Refused("cannot reload the profile: close the environment first")
        # A standby stuck loading a hung profile is replaced, too.
        self._require_idle("reload the profile", or_loading=True)
        self._retire_worker()
        return {"msg": "reloading the startup profile"}

    def _profile_changed(self):
        path = self._worker.profile_path
        if path is None or self._profile_mtime is None:
            return False
        try:
            return os.stat(path).st_mtime != self._profile_mtime
        except OSError:
            return True

    @command(CommandName.ENVIRONMENT_UPDATE, params=("run_in_background",), locked_by="environment")
    def _cmd_environment_update(self, run_in_background=False, **common):
        """Describe the open environment's plans and devices again.

        The worker described them before the RunEngine existed; devices that
        gain components when connected (by the profile's
        ``configure_run_engine``, say) show them only after this. During a
        plan the description is taken on the worker's reader thread, hence
        bluesky's ``run_in_background``, which the user must ask for.
        """
        self._require_environment("update the environment")
        busy = self._state is not ManagerState.IDLE
        if busy and not run_in_background:
            raise Refused(
                f"cannot update the environment: the manager is {self._state.value} "
                "(wait until it is idle, or pass run_in_background=True)"
            )
        task_uid = new_uid()
        if not self._worker.send(Command.DESCRIBE, task_uid=task_uid, background=busy):
            raise Refused("cannot update the environment: the worker cannot be reached")
        self._task_started(task_uid, CommandName.ENVIRONMENT_UPDATE.value, busy)
        return {"task_uid": task_uid, "msg": "describing the environment's plans and devices again (see task_result)"}

    @command(CommandName.KERNEL_INTERRUPT, params=("interrupt_task", "interrupt_plan"), locked_by="environment")
    def _cmd_kernel_interrupt(self, **params):
        """bluesky-queueserver's Ctrl-C for its IPython kernel mode, which queue-gui does not have.

        ``ip_kernel_state`` is always null in the status, so queue-monitor
        keeps its button disabled; a script that calls it learns why.
        """
        raise Refused(
            "the worker runs no IPython kernel (queue-gui has no IPython mode), so there is nothing to "
            "interrupt: pause a plan with re/pause ('deferred' or 'immediate')"
        )

    @command(CommandName.ENVIRONMENT_CLOSE, locked_by="environment")
    def _cmd_environment_close(self, **common):
        self._require_environment("close the environment")
        self._require_idle("close the environment")
        self._set_state(ManagerState.CLOSING_ENVIRONMENT)
        self._env_state = EnvironmentState.CLOSING
        self._worker_exit_expected = ExpectedExit.CLOSE
        self._worker.send(Command.CLOSE_ENVIRONMENT)
        return {"msg": "closing the environment"}

    @command(CommandName.ENVIRONMENT_DESTROY, locked_by="environment")
    def _cmd_environment_destroy(self, **common):
        if not self._env_exists and self._state is not ManagerState.CREATING_ENVIRONMENT and not self.profile_loading:
            raise Refused("cannot destroy the environment: it is not open")
        if self._state is ManagerState.DESTROYING_ENVIRONMENT:
            raise Refused("the environment is already being destroyed")
        self._set_state(ManagerState.DESTROYING_ENVIRONMENT)
        self._env_state = EnvironmentState.CLOSING
        self._worker_exit_expected = ExpectedExit.DESTROY
        self._worker.kill()
        return {"msg": "destroying the environment"}

    def _on_environment_ready(self, msg):
        self._env_exists = True
        self._env_state = EnvironmentState.IDLE
        self._re_state = "idle"
        self._set_state(ManagerState.IDLE)

    def _on_environment_failed(self, msg):
        self._env_exists = False
        self._env_state = EnvironmentState.FAILED
        self._re_state = None
        self._add_console(f"queue-gui: the environment could not be opened: {msg['msg']}\n{msg.get('traceback', '')}")
        self._set_state(ManagerState.IDLE)

    def _on_environment_closed(self, msg):
        self._env_exists = False
        self._env_state = EnvironmentState.CLOSED
        self._re_state = None
        if self._worker_exit_expected is ExpectedExit.CLOSE and not self._shutting_down:
            # Start the next standby now rather than after the old process
            # has finished exiting (Python's shutdown with bluesky loaded
            # takes a few hundred ms); the old worker's exit is then ignored.
            self._start_worker()
            self._set_state(ManagerState.IDLE)

    def _on_re_state(self, msg):
        if self._env_exists:
            self._re_state = msg["state"]

    # ------------------------------------------------------------ queue
    @command(CommandName.QUEUE_START, locked_by="environment")
    def _cmd_queue_start(self, **common):
        self._require_environment("start the queue")
        self._require_idle("start the queue")
        if len(self._store) == 0:
            return {"msg": "the queue is empty: nothing to run"}
        self._set_state(ManagerState.STARTING_QUEUE)
        self._run_next()
        return {"msg": "the queue is starting"}

    @command(CommandName.QUEUE_STOP, locked_by="environment")
    def _cmd_queue_stop(self, **common):
        if self._state not in _EXECUTING + (ManagerState.PAUSED,):
            raise Refused("cannot stop the queue: it is not running")
        self._queue_stop_pending = True
        return {"msg": "the queue stops after the current plan"}

    @command(CommandName.QUEUE_STOP_CANCEL, locked_by="environment")
    def _cmd_queue_stop_cancel(self, **common):
        self._queue_stop_pending = False
        return {}

    @command(CommandName.QUEUE_AUTOSTART, params=("enable",), locked_by="environment")
    def _cmd_queue_autostart(self, enable=None, **common):
        if not isinstance(enable, bool):
            raise Refused("'enable' must be true or false")
        if enable != self._autostart:
            self._autostart = enable
            self._store.set_meta("queue_autostart", enable)
        return {}

    def _autostart_if_due(self):
        """Start the queue when autostart is on and nothing else is going on."""
        if (
            self._autostart
            and not self._shutting_down
            and self._state is ManagerState.IDLE
            and self._env_exists
            and self._store.running is None
            and len(self._store)
        ):
            self._set_state(ManagerState.STARTING_QUEUE)
            self._run_next()

    def _disable_autostart(self):
        if self._autostart:
            self._autostart = False
            self._store.set_meta("queue_autostart", False)

    @command(CommandName.QUEUE_ITEM_EXECUTE, params=("item",), locked_by="environment")
    def _cmd_queue_item_execute(self, item=None, user=None, user_group=None, **common):
        """Run one plan now, outside the queue; refused unless the environment is open and idle."""
        if item is None:
            raise Refused("no item given: send {\"item\": {\"name\": ..., \"args\": [...], \"kwargs\": {...}}}")
        self._require_environment("execute an item")
        self._require_idle("execute an item")
        record = self._prepare_item(item, user, user_group)
        if record["item_type"] != ItemType.PLAN.value:
            raise Refused("only plans can be executed immediately")
        self._store.set_running(record, time_start=time.time())
        self._immediate_uid = record["item_uid"]
        self._set_state(ManagerState.STARTING_QUEUE)
        self._send_running_item(record)
        return {"item": record, "qsize": self._qsize()}

    def _run_next(self):
        """Send the front item to the worker, or end queue execution."""
        while len(self._store) and self._store.items()[0].get("item_type") == ItemType.INSTRUCTION.value:
            instruction = self._store.remove(pos="front")
            if instruction["name"] == QUEUE_STOP_INSTRUCTION:
                self._end_queue("the queue reached a queue_stop instruction", disable_autostart=True)
                return
        if self._queue_stop_pending or len(self._store) == 0:
            self._end_queue("", disable_autostart=self._queue_stop_pending)
            return
        self._send_running_item(self._store.start_front(time_start=time.time()))

    def _send_running_item(self, item):
        if self._runs:
            self._runs = []
            self._uids["run_list"] = new_uid()
        self._env_state = EnvironmentState.EXECUTING_PLAN
        if not self._worker.send(Command.RUN_PLAN, item=item, md=self._metadata_for(item)):
            self._finish_running(
                ExitStatus.FAILED.value, "the worker process cannot be reached", back_to_front=self._requeue_running()
            )
            self._end_queue("", disable_autostart=True)

    def _requeue_running(self):
        """Whether the running item returns to the queue when it does not complete."""
        running = self._store.running
        return running is not None and running["item_uid"] != self._immediate_uid

    def _end_queue(self, reason, disable_autostart=False):
        if reason:
            self._add_console(f"queue-gui: {reason}\n")
        if disable_autostart:
            self._disable_autostart()
        self._immediate_uid = None
        self._queue_stop_pending = False
        self._forget_pause()
        if self._env_exists:
            self._env_state = EnvironmentState.IDLE
        self._set_state(ManagerState.IDLE)

    def _on_plan_started(self, msg):
        self._plan_started_uid = msg["item_uid"]
        running = self._store.running
        if running is not None and running["item_uid"] == msg["item_uid"] and msg.get("time_start") is not None:
            self._store.update_running_facts(time_start=msg["time_start"])
        self._set_state(ManagerState.EXECUTING_QUEUE)
        self._send_pending_pause()

    def _on_plan_paused(self, msg):
        self._forget_pause()
        self._set_state(ManagerState.PAUSED)
        running = self._store.running
        name = f"'{running['name']}' " if running else ""
        self._add_console(f"queue-gui: the plan {name}is paused: resume, stop, abort or halt it\n")

    def _on_plan_finished(self, msg):
        running = self._store.running
        if running is None or running["item_uid"] != msg["item_uid"]:
            logger.warning("the worker finished an item that is not running: %s", msg["item_uid"])
            return
        result = msg["result"]
        status = ExitStatus(result["exit_status"])
        immediate = running["item_uid"] == self._immediate_uid
        ignore = status is ExitStatus.FAILED and self._plan_queue_mode.get("ignore_failures")
        back_to_front = status is not ExitStatus.COMPLETED and not ignore and not immediate
        self._store.finish_running(result, back_to_front=back_to_front)
        # A pause that did not reach this plan stays pending for the next one
        # (the scientist asked to pause the queue); _end_queue forgets it.
        self._plan_started_uid = None
        self._env_state = EnvironmentState.IDLE
        if immediate:
            completed = status is ExitStatus.COMPLETED
            self._end_queue("" if completed else f"the plan '{running['name']}' ended as {status.value}")
            return
        if status is ExitStatus.COMPLETED and self._plan_queue_mode.get("loop"):
            self._store.add(dict(copy.deepcopy(running), item_uid=new_uid()), pos="back")
        if status is ExitStatus.COMPLETED or ignore:
            self._run_next()
        else:
            self._end_queue(
                f"the queue stopped: the plan '{running['name']}' ended as {status.value}", disable_autostart=True
            )

    def _on_run_started(self, msg):
        self._runs.append({"uid": msg["run_uid"], "is_open": True, "exit_status": None})
        self._note_scan_id(msg.get("scan_id"))
        self._store.update_running_facts(run_uid=msg["run_uid"], scan_id=msg.get("scan_id"))
        self._uids["run_list"] = new_uid()

    def _on_run_stopped(self, msg):
        for run in self._runs:
            if run["uid"] == msg["run_uid"]:
                run.update(is_open=False, exit_status=msg.get("exit_status"))
        self._uids["run_list"] = new_uid()

    @command(CommandName.RE_RUNS, params=("option",))
    def _cmd_re_runs(self, option="active", **common):
        if option not in ("active", "open", "closed"):
            raise Refused("'option' must be 'active', 'open' or 'closed'")
        runs = self._runs
        if option == "open":
            runs = [r for r in runs if r["is_open"]]
        elif option == "closed":
            runs = [r for r in runs if not r["is_open"]]
        return {"run_list": [dict(r) for r in runs], "run_list_uid": self._uids["run_list"]}

    # ------------------------------------------------------------ pause / continue
    @command(CommandName.RE_PAUSE, params=("option",), locked_by="environment")
    def _cmd_re_pause(self, option=PauseOption.DEFERRED.value, **common):
        try:
            option = PauseOption(option)
        except ValueError:
            raise Refused(f"unknown pause option {option!r}: use 'deferred' or 'immediate'") from None
        if self._state is ManagerState.PAUSED:
            raise Refused("cannot pause: the plan is already paused")
        if self._state not in _EXECUTING or self._store.running is None:
            raise Refused("cannot pause: no plan is running")
        self._pause.ask(option.value)
        self._send_pending_pause()
        return {"msg": f"{option.value} pause requested"}

    def _send_pending_pause(self):
        """Send a pending pause to the plan the RunEngine really runs (see :mod:`.pause`)."""
        running = self._store.running
        option = self._pause.send_to(running["item_uid"] if running else None, self._plan_started_uid)
        if option is not None:
            self._worker.send(Command.PAUSE, option=option, item_uid=running["item_uid"])

    def _on_pause_failed(self, msg):
        self._add_console(f"queue-gui: {msg['msg']}\n")
        if self._pause.refused(msg.get("item_uid")):
            # Its plan ended before the pause reached it: the next plan gets it.
            self._send_pending_pause()

    def _forget_pause(self):
        self._pause.forget()

    def _continue(self, option):
        if self._state is not ManagerState.PAUSED:
            raise Refused(f"cannot {option.value}: no plan is paused (the manager is {self._state.value})")
        self._set_state(ManagerState.EXECUTING_QUEUE)
        self._worker.send(Command.CONTINUE, option=option.value)
        self._add_console(f"queue-gui: {option.value} requested for the paused plan\n")
        return {"msg": f"{option.value} requested"}

    @command(CommandName.RE_RESUME, locked_by="environment")
    def _cmd_re_resume(self, **common):
        return self._continue(ContinueOption.RESUME)

    @command(CommandName.RE_STOP, locked_by="environment")
    def _cmd_re_stop(self, **common):
        return self._continue(ContinueOption.STOP)

    @command(CommandName.RE_ABORT, locked_by="environment")
    def _cmd_re_abort(self, **common):
        return self._continue(ContinueOption.ABORT)

    @command(CommandName.RE_HALT, locked_by="environment")
    def _cmd_re_halt(self, **common):
        return self._continue(ContinueOption.HALT)

    _RUN_REPORT_HANDLERS = {
        Report.ENVIRONMENT_READY: _on_environment_ready,
        Report.ENVIRONMENT_FAILED: _on_environment_failed,
        Report.ENVIRONMENT_CLOSED: _on_environment_closed,
        Report.RE_STATE: _on_re_state,
        Report.PLAN_STARTED: _on_plan_started,
        Report.PLAN_PAUSED: _on_plan_paused,
        Report.PLAN_FINISHED: _on_plan_finished,
        Report.PAUSE_FAILED: _on_pause_failed,
        Report.RUN_STARTED: _on_run_started,
        Report.RUN_STOPPED: _on_run_stopped,
    }
