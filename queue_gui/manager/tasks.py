"""Background tasks of the environment (``environment_update``) and their results.

bluesky-queueserver answers ``environment_update`` with a ``task_uid`` at
once and runs the task in the worker; a client then reads the outcome with
``task_result`` (``REManagerAPI.wait_for_completed_task`` polls it, and
``task_results_uid`` in the status changes when a task ends). The worker
reports the end itself, ``described`` or ``describe_failed``, so a failure
is an answer to the client, not a line on the worker's stderr.
"""

import time

from ..wire import CommandName
from ..worker.protocol import Report
from .dispatch import Refused, command
from .uids import new_uid

#: Finished tasks whose results are kept; older ones are forgotten first.
MAX_TASK_RESULTS = 100


class TaskResults:
    """Mixin of :class:`~queue_gui.manager.manager.Manager`: tasks started, their ends, their results."""

    def _init_tasks(self):
        self._tasks = {}  # task_uid -> the task's result record, in the order started

    def _task_started(self, task_uid, name, run_in_background):
        self._tasks[task_uid] = {
            "task_uid": task_uid, "name": name, "status": "running", "run_in_background": run_in_background,
            "time_start": time.time(), "time_stop": None, "success": None, "msg": "", "traceback": "",
            "return_value": None,
        }
        finished = [uid for uid, task in self._tasks.items() if task["status"] != "running"]
        # The oldest finished ones go; a task still running is never forgotten.
        for uid in finished[: max(len(self._tasks) - MAX_TASK_RESULTS, 0)]:
            del self._tasks[uid]
        self._uids["task_results"] = new_uid()

    def _task_ended(self, task_uid, success, msg="", traceback="", return_value=None):
        task = self._tasks.get(task_uid)
        if task is None:
            return
        task.update(status="completed", success=success, msg=msg, traceback=traceback, return_value=return_value,
                    time_stop=time.time())
        self._uids["task_results"] = new_uid()

    def _fail_running_tasks(self, reason):
        """The worker is gone: no running task will report its end any more."""
        for uid, task in self._tasks.items():
            if task["status"] == "running":
                self._task_ended(uid, False, msg=reason)

    # ------------------------------------------------------------ worker reports
    def _on_described(self, msg):
        description = msg["description"]
        self._take_description(description)
        self._add_console(f"queue-gui: environment updated: {len(description['plans'])} plans, "
                          f"{len(description['devices'])} devices described again\n")
        self._task_ended(msg.get("task_uid"), True, msg="the environment's plans and devices were described again")

    def _on_describe_failed(self, msg):
        self._add_console(f"queue-gui: updating the environment failed: {msg['msg']}\n{msg.get('traceback', '')}")
        self._task_ended(msg.get("task_uid"), False, msg=msg["msg"], traceback=msg.get("traceback", ""))

    _TASK_REPORT_HANDLERS = {
        Report.DESCRIBED: _on_described,
        Report.DESCRIBE_FAILED: _on_describe_failed,
    }

    # ------------------------------------------------------------ commands
    @command(CommandName.TASK_RESULT, params=("task_uid",))
    def _cmd_task_result(self, task_uid=None, **common):
        task = self._task(task_uid)
        if task is None:
            return {"task_uid": task_uid, "status": "not_found", "result": {}}
        result = {key: task[key] for key in (
            "task_uid", "success", "msg", "traceback", "return_value", "time_start", "time_stop", "run_in_background")}
        return {"task_uid": task_uid, "status": task["status"], "result": result if task["status"] == "completed" else {}}

    @command(CommandName.TASK_STATUS, params=("task_uid",))
    def _cmd_task_status(self, task_uid=None, **common):
        if isinstance(task_uid, list):
            return {"task_uid": task_uid, "status": {uid: self._status_of_task(uid) for uid in task_uid}}
        return {"task_uid": task_uid, "status": self._status_of_task(task_uid)}

    def _status_of_task(self, task_uid):
        task = self._task(task_uid)
        return task["status"] if task is not None else "not_found"

    def _task(self, task_uid):
        if not isinstance(task_uid, str):
            raise Refused("'task_uid' must be the text environment_update answered with")
        return self._tasks.get(task_uid)
