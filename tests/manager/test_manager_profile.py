"""Startup profiles that fail, and profiles that are fixed afterwards."""

import contextlib
import os
import textwrap
import threading

from tests.conftest import RunningManager
from queue_gui.wire import CommandName

GOOD_PROFILE = textwrap.dedent(
    """
    from ophyd.sim import det1, motor
    from bluesky.plans import count, scan

    def configure_run_engine(RE):
        RE.md["beamline"] = "test-bl"
    """
)


def write(path, text):
    path.write_text(text)
    # A new modification time even on file systems with coarse timestamps.
    stat = os.stat(path)
    os.utime(path, (stat.st_atime, stat.st_mtime + 10))


@contextlib.contextmanager
def manager_with_profile(tmp_path, text, name="beamline.py"):
    """A running manager whose startup profile is ``text``; yields (manager, profile path)."""
    profile = tmp_path / name
    write(profile, text)
    engine = RunningManager(str(tmp_path / "data"), str(profile))
    try:
        yield engine, profile
    finally:
        engine.stop()


def test_profile_that_raises_fails_opening_with_its_traceback(tmp_path):
    broken = "from ophyd.sim import det1\nraise RuntimeError('cannot reach the undulator')\n"
    with manager_with_profile(tmp_path, broken) as (engine, profile):
        status = engine.call(CommandName.STATUS)
        assert status["manager_state"] == "idle"
        assert "cannot reach the undulator" in status["profile_error"]
        reply = engine.call(CommandName.QUEUE_ITEM_ADD, item={"name": "count", "args": [["det1"]]})
        assert reply["success"] is False and "cannot reach the undulator" in reply["msg"]

        engine.ok(CommandName.ENVIRONMENT_OPEN)
        status = engine.watch.wait(lambda s: s["worker_environment_state"] == "failed", 30)
        assert status["manager_state"] == "idle" and status["worker_environment_exists"] is False
        console = engine.ok(CommandName.CONSOLE_OUTPUT)["text"]
        assert "RuntimeError: cannot reach the undulator" in console
        assert "Traceback" in console

        write(profile, GOOD_PROFILE)
        documents = []
        engine.manager.subscribe(lambda kind, payload: documents.extend(payload) if kind == "documents" else None)
        engine.open_environment()
        engine.add("count", ["det1"])
        engine.run_queue()
        assert engine.history()[0]["result"]["exit_status"] == "completed"
        assert engine.call(CommandName.STATUS)["profile_error"] is None
        names = [name for name, _ in documents]
        assert names[0] == "start" and names[-1] == "stop" and "event" in names
        assert documents[0][1]["beamline"] == "test-bl", "configure_run_engine ran on the new RunEngine"


def test_profile_defines_what_can_be_queued(tmp_path):
    with manager_with_profile(tmp_path, GOOD_PROFILE, "small.py") as (engine, profile):
        assert sorted(engine.ok(CommandName.PLANS_ALLOWED)["plans_allowed"]) == ["count", "scan"]
        assert sorted(engine.ok(CommandName.DEVICES_ALLOWED)["devices_allowed"]) == ["det1", "motor"]
        reply = engine.call(CommandName.QUEUE_ITEM_ADD, item={"name": "count", "args": [["det2"]]})
        assert reply["success"] is False and "available: det1, motor" in reply["msg"]


DISCOVERED_STAGE_PROFILE = textwrap.dedent(
    '''
    from bluesky.plans import count
    from ophyd.sim import SynAxis, det1

    class DiscoveredStage:
        """A stage whose axes are known only once connected (as ophyd-async devices built from PVI)."""

        name = "stage"
        component_names = ()

        def connect(self):
            self.x = SynAxis(name="stage_x")
            self.y = SynAxis(name="stage_y")
            self.component_names = ("x", "y")

        def read(self):
            return {}

        def describe(self):
            return {}

    stage = DiscoveredStage()

    def configure_run_engine(RE):
        stage.connect()
    '''
)


def test_environment_update_describes_components_found_on_connect(tmp_path):
    with manager_with_profile(tmp_path, DISCOVERED_STAGE_PROFILE) as (engine, profile):
        refused = engine.call(CommandName.ENVIRONMENT_UPDATE)
        assert refused["success"] is False and "not open" in refused["msg"]
        assert engine.ok(CommandName.DEVICES_ALLOWED)["devices_allowed"]["stage"]["components"] == {}

        engine.open_environment()
        before = engine.call(CommandName.STATUS)
        reply = engine.ok(CommandName.ENVIRONMENT_UPDATE)
        assert reply["task_uid"]
        status = engine.watch.wait(lambda s: s["devices_allowed_uid"] != before["devices_allowed_uid"], 30)
        assert status["plans_allowed_uid"] == before["plans_allowed_uid"]  # the plans did not change
        components = engine.ok(CommandName.DEVICES_ALLOWED)["devices_allowed"]["stage"]["components"]
        assert set(components) == {"x", "y"} and components["x"]["is_movable"]
        # Items are now checked against the axes the stage really has.
        engine.ok(CommandName.QUEUE_ITEM_ADD, item={"name": "count", "args": [["det1", "stage.x"]]})
        typo = engine.call(CommandName.QUEUE_ITEM_ADD, item={"name": "count", "args": [["stage.z"]]})
        assert typo["success"] is False and "stage.z" in typo["msg"] and "x, y" in typo["msg"]
        console = "".join(line["msg"] for line in engine.ok(CommandName.CONSOLE_OUTPUT_UPDATE, last_msg_uid="ALL")["console_output_msgs"])
        assert "environment updated" in console

        # Nothing changed since: a second update leaves every uid as it was.
        updated = threading.Event()
        listener = lambda kind, payload: kind == "console" and "environment updated" in str(payload) and updated.set()  # noqa: E731
        engine.manager.subscribe(listener)
        engine.ok(CommandName.ENVIRONMENT_UPDATE)
        assert updated.wait(30), "the second update was not reported"
        engine.manager.unsubscribe(listener)
        assert engine.call(CommandName.STATUS)["devices_allowed_uid"] == status["devices_allowed_uid"]


def test_kernel_interrupt_says_there_is_no_ipython_kernel(engine):
    reply = engine.call(CommandName.KERNEL_INTERRUPT, interrupt_plan=True)
    assert reply["success"] is False and "IPython" in reply["msg"] and "re/pause" in reply["msg"]


BROKEN_ON_CONNECT_PROFILE = textwrap.dedent(
    '''
    from bluesky.plans import count
    from ophyd.sim import det1

    class FlakyStage:
        """Describes itself before the RunEngine exists, and breaks once connected."""

        name = "stage"
        broken = False

        @property
        def component_names(self):
            if self.broken:
                raise RuntimeError("the stage's controller stopped answering")
            return ()

        def read(self):
            return {}

        def describe(self):
            return {}

    stage = FlakyStage()

    def configure_run_engine(RE):
        stage.broken = True
    '''
)


def _task_done(engine, task_uid, started_marker, timeout=30):
    """Wait for the task's end the way REManagerAPI does: task_results_uid moves, then task_result."""
    engine.watch.wait(lambda s: s["task_results_uid"] != started_marker, timeout, "the task's end")
    return engine.ok(CommandName.TASK_RESULT, task_uid=task_uid)


def test_environment_update_reports_its_own_end_through_task_result(tmp_path):
    """Its outcome used to be a console line or a print on the worker's stderr; clients waiting on task_uid never learnt it."""
    with manager_with_profile(tmp_path, DISCOVERED_STAGE_PROFILE) as (engine, profile):
        engine.open_environment()
        marker = engine.call(CommandName.STATUS)["task_results_uid"]
        task_uid = engine.ok(CommandName.ENVIRONMENT_UPDATE)["task_uid"]
        started = engine.call(CommandName.STATUS)["task_results_uid"]
        status = engine.ok(CommandName.TASK_STATUS, task_uid=task_uid)["status"]
        assert status in ("running", "completed")
        result = _task_done(engine, task_uid, started) if status == "running" else engine.ok(CommandName.TASK_RESULT, task_uid=task_uid)
        assert result["status"] == "completed" and result["result"]["success"] is True
        assert result["result"]["time_stop"] >= result["result"]["time_start"]
        assert engine.call(CommandName.STATUS)["task_results_uid"] != marker
        assert engine.ok(CommandName.TASK_STATUS, task_uid="no-such-task")["status"] == "not_found"


def test_a_failing_environment_update_is_a_failed_task_with_its_reason(tmp_path):
    with manager_with_profile(tmp_path, BROKEN_ON_CONNECT_PROFILE) as (engine, profile):
        engine.open_environment()
        task_uid = engine.ok(CommandName.ENVIRONMENT_UPDATE)["task_uid"]
        started = engine.call(CommandName.STATUS)["task_results_uid"]
        if engine.ok(CommandName.TASK_STATUS, task_uid=task_uid)["status"] == "running":
            _task_done(engine, task_uid, started)
        result = engine.ok(CommandName.TASK_RESULT, task_uid=task_uid)
        assert result["result"]["success"] is False
        assert "stopped answering" in result["result"]["msg"] and "Traceback" in result["result"]["traceback"]
        console = "".join(line["msg"] for line in engine.ok(CommandName.CONSOLE_OUTPUT_UPDATE, last_msg_uid="ALL")["console_output_msgs"])
        assert "updating the environment failed" in console and "stopped answering" in console
        assert engine.call(CommandName.STATUS)["profile_state"] == "loaded", "the profile itself still counts as loaded"
