"""The manager running real plans in a real worker process."""

import os
import signal
import threading

import pytest

from tests.conftest import RunningManager
from queue_gui.wire import CommandName


def wait_for_open_run(engine):
    """Wait (on status events) until the running plan has opened its run."""
    while True:
        uid = engine.call(CommandName.STATUS)["run_list_uid"]
        runs = engine.ok(CommandName.RE_RUNS, option="open")["run_list"]
        if runs:
            return runs
        engine.watch.wait(lambda s: s["run_list_uid"] != uid, 10, "a run to open")


def test_queue_runs_to_completion_and_records_history(engine):
    first = engine.add("count", ["det1", "det2"])
    second = engine.add("scan", ["det1", "det2"], "motor", -1, 1, 5)
    engine.open_environment()
    status = engine.run_queue()

    assert status["items_in_queue"] == 0
    history = engine.history()
    assert [h["item_uid"] for h in history] == [first["item_uid"], second["item_uid"]]
    for record in history:
        result = record["result"]
        assert result["exit_status"] == "completed"
        assert len(result["run_uids"]) == 1
        assert result["scan_ids"] and result["time_stop"] >= result["time_start"]
        assert result["msg"] == "" and result["traceback"] == ""
    assert history[1]["result"]["scan_ids"][0] == history[0]["result"]["scan_ids"][0] + 1


def test_items_added_while_the_queue_runs_are_run_as_part_of_it(engine):
    engine.add("long_count", ["det1"], num=10, delay=0.05)
    engine.open_environment()
    engine.ok(CommandName.QUEUE_START)
    engine.watch.wait_state("executing_queue")
    added = engine.add("count", ["det2"])
    engine.watch.wait(lambda s: s["manager_state"] == "idle" and s["items_in_history"] == 2, 30, "both plans")
    history = engine.history()
    assert history[-1]["item_uid"] == added["item_uid"]
    assert history[-1]["result"]["exit_status"] == "completed"


def test_empty_queue_start_is_a_valid_no_op(engine):
    engine.open_environment()
    reply = engine.ok(CommandName.QUEUE_START)
    assert "empty" in reply["msg"]
    assert engine.call(CommandName.STATUS)["manager_state"] == "idle"


def test_queue_stop_instruction_stops_execution(engine):
    engine.add("count", ["det1"])
    engine.ok(CommandName.QUEUE_ITEM_ADD, item={"item_type": "instruction", "name": "queue_stop"})
    after = engine.add("count", ["det2"])
    engine.open_environment()
    engine.run_queue()
    assert [h["name"] for h in engine.history()] == ["count"]
    assert [item["item_uid"] for item in engine.queue()] == [after["item_uid"]]


def test_stop_pending_ends_queue_after_the_current_plan(engine):
    engine.add("long_count", ["det1"], num=10, delay=0.05)
    rest = engine.add("count", ["det1"])
    engine.open_environment()
    engine.ok(CommandName.QUEUE_START)
    engine.watch.wait_state("executing_queue")
    engine.ok(CommandName.QUEUE_STOP)
    assert engine.call(CommandName.STATUS)["queue_stop_pending"] is True
    status = engine.watch.wait(lambda s: s["manager_state"] == "idle" and s["items_in_history"] == 1, 30)
    assert status["queue_stop_pending"] is False
    assert [item["item_uid"] for item in engine.queue()] == [rest["item_uid"]]


@pytest.mark.parametrize("option", ["immediate", "deferred"])
def test_pause_then_resume_completes_the_plan(engine, option):
    item = engine.add("long_count", ["det1"], num=20, delay=0.05)
    engine.open_environment()
    engine.ok(CommandName.QUEUE_START)
    engine.watch.wait_state("executing_queue")
    reply = engine.ok(CommandName.RE_PAUSE, option=option)
    assert option in reply["msg"]
    paused = engine.watch.wait_state("paused", re_state="paused")
    assert paused["running_item_uid"] == item["item_uid"]
    assert paused["pause_pending"] is False
    engine.ok(CommandName.RE_RESUME)
    engine.watch.wait(lambda s: s["manager_state"] == "idle" and s["items_in_history"] == 1, 30)
    assert engine.history()[0]["result"]["exit_status"] == "completed"
    assert engine.queue() == []


@pytest.mark.parametrize("option, exit_status", [("re_abort", "aborted"), ("re_stop", "stopped"), ("re_halt", "halted")])
def test_abort_stop_halt_keep_the_plan_first_and_stop_the_queue(engine, option, exit_status):
    item = engine.add("long_count", ["det1"], num=40, delay=0.05)
    later = engine.add("count", ["det1"])
    engine.open_environment()
    engine.ok(CommandName.QUEUE_START)
    engine.watch.wait_state("executing_queue")
    wait_for_open_run(engine)
    engine.ok(CommandName.RE_PAUSE, option="immediate")
    engine.watch.wait_state("paused")
    engine.ok(option)
    engine.watch.wait(lambda s: s["manager_state"] == "idle" and s["items_in_history"] == 1, 30)

    assert [q["item_uid"] for q in engine.queue()] == [item["item_uid"], later["item_uid"]]
    record = engine.history()[0]
    assert record["item_uid"] == item["item_uid"]
    assert record["result"]["exit_status"] == exit_status
    assert len(record["result"]["run_uids"]) == 1
    status = engine.call(CommandName.STATUS)
    assert status["worker_environment_exists"] is True and status["re_state"] == "idle"


def test_failing_plan_is_recorded_with_its_traceback_and_kept(engine):
    item = engine.add("failing_plan", message="motor limit hit")
    engine.add("count", ["det1"])
    engine.open_environment()
    engine.run_queue()
    record = engine.history()[0]
    assert record["result"]["exit_status"] == "failed"
    assert "motor limit hit" in record["result"]["msg"]
    assert "RuntimeError: motor limit hit" in record["result"]["traceback"]
    assert "failing_plan" in record["result"]["traceback"]
    assert engine.queue()[0]["item_uid"] == item["item_uid"], "the failed plan stays first; the queue stops"
    assert len(engine.queue()) == 2


def test_ignore_failures_mode_runs_on(engine):
    engine.ok(CommandName.QUEUE_MODE_SET, mode={"ignore_failures": True})
    engine.add("failing_plan")
    engine.add("count", ["det1"])
    engine.open_environment()
    engine.run_queue()
    assert [h["result"]["exit_status"] for h in engine.history()] == ["failed", "completed"]
    assert engine.queue() == []


def test_plan_output_reaches_the_console(engine):
    engine.add("chatty_plan", text="alignment done at 12.5 keV")
    engine.open_environment()
    engine.run_queue()
    assert "alignment done at 12.5 keV" in engine.ok(CommandName.CONSOLE_OUTPUT)["text"]


def test_killed_worker_is_reported_and_the_item_is_not_lost(engine):
    item = engine.add("long_count", ["det1"], num=200, delay=0.05)
    engine.open_environment()
    engine.ok(CommandName.QUEUE_START)
    engine.watch.wait_state("executing_queue")
    os.kill(engine.manager.worker_pid, signal.SIGKILL)

    status = engine.watch.wait_state("idle", worker_environment_exists=False)
    assert status["worker_environment_state"] == "failed"
    assert status["re_state"] is None
    assert [q["item_uid"] for q in engine.queue()] == [item["item_uid"]]
    record = engine.history()[0]
    assert record["result"]["exit_status"] == "failed"
    assert "worker process died (signal 9" in record["result"]["msg"]

    engine.open_environment()
    engine.run_queue()
    assert engine.history()[-1]["result"]["exit_status"] == "completed"


def test_destroy_environment_kills_the_worker_and_keeps_the_item(engine):
    item = engine.add("long_count", ["det1"], num=200, delay=0.05)
    engine.open_environment()
    engine.ok(CommandName.QUEUE_START)
    engine.watch.wait_state("executing_queue")
    engine.ok(CommandName.ENVIRONMENT_DESTROY)
    status = engine.watch.wait_state("idle", worker_environment_exists=False)
    assert status["worker_environment_state"] == "closed"
    assert engine.queue()[0]["item_uid"] == item["item_uid"]
    assert engine.history()[0]["result"]["exit_status"] == "failed"
    engine.open_environment()


def test_close_and_reopen_environment(engine):
    engine.open_environment()
    engine.ok(CommandName.ENVIRONMENT_CLOSE)
    status = engine.watch.wait_state("idle", worker_environment_exists=False)
    assert status["worker_environment_state"] == "closed"
    engine.open_environment()
    engine.add("count", ["det1"])
    engine.run_queue()
    assert engine.history()[0]["result"]["exit_status"] == "completed"


def test_queue_and_history_survive_a_restart(data_dir):
    from tests.conftest import TEST_PROFILE

    first = RunningManager(data_dir, TEST_PROFILE)
    try:
        done = first.add("count", ["det1"])
        first.open_environment()
        first.run_queue()
        waiting = [first.add("count", ["det2"]), first.add("scan", ["det1"], "motor", 0, 1, 3)]
        first.ok(CommandName.QUEUE_ITEM_MOVE, uid=waiting[1]["item_uid"], pos_dest="front")
    finally:
        first.stop()

    second = RunningManager(data_dir, TEST_PROFILE)
    try:
        assert [q["item_uid"] for q in second.queue()] == [waiting[1]["item_uid"], waiting[0]["item_uid"]]
        assert [h["item_uid"] for h in second.history()] == [done["item_uid"]]
        status = second.call(CommandName.STATUS)
        assert status["items_in_queue"] == 2 and status["items_in_history"] == 1
    finally:
        second.stop()


def test_a_pause_requested_between_plans_pauses_the_next_plan(engine):
    """A pause asked for after one plan ended and before the next started pauses that next plan.

    The request is made from a status listener, on the manager's thread, as
    the end of a plan is published: it reaches the manager's inbox before the
    worker can report that the next plan started, so it lands between the
    two plans every time. The queue holds more plans than are paused, so
    a queue that runs on (or drains) after an accepted pause is a dropped
    pause, and fails the test. Each plan takes a few tenths of a second, so
    the pause reaches it while it runs: a plan that ends before its pause
    arrives hands the pause on to the one after (see manager/pause.py),
    which is right, but not what this test is about.
    """
    for _ in range(8):
        engine.add("count", ["det1"], num=4, delay=0.05)
    engine.open_environment()
    wanted, requests, finished = threading.Event(), [], [0]

    def between_plans(kind, status):
        if kind != "status":
            return
        ended = status["items_in_history"] > finished[0]
        finished[0] = status["items_in_history"]
        if ended and wanted.is_set() and status["manager_state"] == "executing_queue":
            wanted.clear()
            requests.append((status["items_in_history"], engine.manager.submit(CommandName.RE_PAUSE, {"option": "immediate"})))

    engine.manager.subscribe(between_plans)
    try:
        mark = engine.watch.mark()
        engine.ok(CommandName.QUEUE_START)
        for attempt in range(3):
            wanted.set()
            status = engine.watch.wait(lambda s: s["manager_state"] in ("paused", "idle"), 30, "the pause", after=mark)
            console = engine.ok(CommandName.CONSOLE_OUTPUT, nlines=40)["text"]
            assert status["manager_state"] == "paused", f"pause {attempt + 1} was dropped: the queue ran on to {status}\n{console}"
            finished_at_request, reply = requests[-1]
            assert reply.result(10)["success"], reply.result()
            assert status["items_in_history"] == finished_at_request, f"the next plan paused, not a later one\n{console}"
            assert status["pause_pending"] is False
            mark = engine.watch.mark()
            engine.ok(CommandName.RE_RESUME)
        status = engine.watch.wait(lambda s: s["manager_state"] == "idle", 60, "the queue to finish", after=mark)
    finally:
        engine.manager.unsubscribe(between_plans)
    assert len(requests) == 3
    assert status["items_in_queue"] == 0 and status["items_in_history"] == 8
    assert all(h["result"]["exit_status"] == "completed" for h in engine.history())


def test_a_pause_that_lands_as_a_plan_returns_goes_to_the_next_plan(engine):
    """A pause taken by bluesky as the plan returns ends that plan, and the next plan gets the pause.

    ``count_slow_unstage`` closes its run, then blocks the RunEngine's loop
    in its last message (an unstage). A "Pause now" asked for meanwhile is
    accepted (the RunEngine is still 'running') but taken only after the
    plan generator has returned: bluesky then goes 'pausing' -> 'idle' and
    ``RE(plan)`` raises ``RunEngineInterrupted`` all the same. Reported as
    'paused', the manager showed a paused plan the RunEngine no longer had,
    and a resume then stalled the queue ("cannot resume: the RunEngine is
    idle", executing_queue with nothing running).
    """
    first = engine.add("count_slow_unstage", ["det1"], unstage_time=1.0)
    engine.add("long_count", ["det1"], num=20, delay=0.05)
    engine.add("count", ["det1"])
    engine.open_environment()
    requests = []

    def pause_when_the_run_stops(kind, payload):
        if kind == "documents" and not requests and any(name == "stop" for name, _ in payload):
            requests.append(engine.manager.submit(CommandName.RE_PAUSE, {"option": "immediate"}))

    engine.manager.subscribe(pause_when_the_run_stops)
    try:
        mark = engine.watch.mark()
        engine.ok(CommandName.QUEUE_START)
        status = engine.watch.wait(lambda s: s["manager_state"] in ("paused", "idle"), 30, "the pause", after=mark)
    finally:
        engine.manager.unsubscribe(pause_when_the_run_stops)
    console = engine.ok(CommandName.CONSOLE_OUTPUT, nlines=40)["text"]
    assert requests and requests[0].result(10)["success"], requests and requests[0].result()
    assert status["manager_state"] == "paused", f"the pause was dropped: {status}\n{console}"
    assert status["re_state"] == "paused", f"the manager says paused, the RunEngine is {status['re_state']}\n{console}"
    history = engine.history()
    assert [h["item_uid"] for h in history] == [first["item_uid"]], f"the first plan ended, the next one paused\n{console}"
    assert history[0]["result"]["exit_status"] == "completed"
    mark = engine.watch.mark()
    engine.ok(CommandName.RE_RESUME)
    status = engine.watch.wait(lambda s: s["manager_state"] == "idle", 30, "the queue to finish", after=mark)
    assert status["items_in_queue"] == 0 and status["items_in_history"] == 3
    assert all(h["result"]["exit_status"] == "completed" for h in engine.history())


def test_a_pause_of_a_plan_without_checkpoint_aborts_it_and_stops_the_queue(engine):
    """bluesky aborts a plan it cannot pause (no checkpoint) and raises ``RunEngineInterrupted`` as for a pause.

    Reported as 'paused', the manager showed a paused plan the RunEngine no
    longer had, and a resume stalled the queue.
    """
    first = engine.add("wait_without_checkpoint", ["det1"], wait=3.0)
    engine.add("count", ["det1"])
    engine.open_environment()
    mark = engine.watch.mark()
    engine.ok(CommandName.QUEUE_START)
    wait_for_open_run(engine)
    engine.ok(CommandName.RE_PAUSE, option="immediate")
    status = engine.watch.wait(lambda s: s["manager_state"] in ("paused", "idle"), 30, "the plan to end", after=mark)
    console = engine.ok(CommandName.CONSOLE_OUTPUT, nlines=40)["text"]
    assert status["manager_state"] == "idle", f"the manager says {status['manager_state']}, the RunEngine is {status['re_state']}\n{console}"
    assert status["re_state"] == "idle" and status["running_item_uid"] is None
    history = engine.history()
    assert [h["item_uid"] for h in history] == [first["item_uid"]]
    assert history[0]["result"]["exit_status"] == "aborted", history[0]["result"]
    assert [i["item_uid"] for i in engine.queue()][0] == first["item_uid"], "a plan that did not complete goes back to the front"
    assert status["pause_pending"] is False


def test_open_right_after_close_uses_the_next_standby(engine):
    engine.open_environment()
    engine.ok(CommandName.ENVIRONMENT_CLOSE)
    engine.watch.wait_state("idle", worker_environment_exists=False)
    first_standby = engine.manager.worker_pid
    engine.open_environment()
    assert engine.manager.worker_pid == first_standby, "the standby started at close is used, not replaced"


def test_an_immediate_pause_after_a_run_closed_resumes_cleanly(engine):
    """bluesky replays the readings since the last checkpoint on resume, even when their run has closed.

    Paused just after a run's stop document, bluesky 1.15 would replay
    ``create``/``read``/``save`` of the closed run and fail the plan with
    ``IllegalMessageSequence`` ("Cannot bundle readings without an open
    run"): a "Pause now" at the end of a scan lost the queue.
    """
    stopped = threading.Event()
    engine.manager.subscribe(
        lambda kind, payload: stopped.set() if kind == "documents" and any(n == "stop" for n, _ in payload) else None
    )
    engine.add("count_then_wait", ["det1"], wait=3.0)
    engine.open_environment()
    engine.ok(CommandName.QUEUE_START)
    assert stopped.wait(30), "the run did not stop"
    engine.ok(CommandName.RE_PAUSE, option="immediate")
    engine.watch.wait_state("paused")
    engine.ok(CommandName.RE_RESUME)
    engine.watch.wait(lambda s: s["manager_state"] == "idle" and s["running_item_uid"] is None, 30, "the plan to end")
    result = engine.history()[-1]["result"]
    assert result["exit_status"] == "completed", result["msg"]


def _wait_for_a_run(engine):
    """The start document of the running plan, once the plan has taken a point."""
    starts, pointed = [], threading.Event()

    def on_event(kind, payload):
        if kind == "documents":
            starts.extend(doc for name, doc in payload if name == "start")
            if any(name in ("event", "event_page") for name, _ in payload):
                pointed.set()

    engine.manager.subscribe(on_event)
    assert pointed.wait(30), "the plan took no point"
    return starts[0]


@pytest.mark.parametrize("interruption", ["worker SIGKILL", "destroy", "shutdown"])
def test_an_interrupted_plan_keeps_its_start_time_and_runs(data_dir, interruption):
    """Hardening #5: the history of an interrupted plan keeps when it started and the runs it opened."""
    from tests.conftest import TEST_PROFILE

    engine = RunningManager(data_dir, TEST_PROFILE)
    try:
        engine.add("long_count", ["det1"], num=400, delay=0.05)
        engine.open_environment()
        engine.ok(CommandName.QUEUE_START)
        start = _wait_for_a_run(engine)
        if interruption == "worker SIGKILL":
            os.kill(engine.manager.worker_pid, signal.SIGKILL)
        elif interruption == "destroy":
            engine.ok(CommandName.ENVIRONMENT_DESTROY)
        else:
            engine.stop()
            engine = RunningManager(data_dir, TEST_PROFILE)
        engine.watch.wait(lambda s: s["items_in_history"] == 1 and s["running_item_uid"] is None, 30, "the record")
        result = engine.history()[0]["result"]
        assert result["run_uids"] == [start["uid"]] and result["scan_ids"] == [start["scan_id"]]
        assert start["time"] - 5 < result["time_start"] <= start["time"], "the plan's real start"
        assert result["time_stop"] > start["time"]
        assert result["exit_status"] == ("aborted" if interruption == "shutdown" else "failed")
    finally:
        engine.stop()


def test_pause_resume_and_abort_say_so_in_the_console_without_an_alarming_traceback(engine):
    """A new user saw only "Pausing...", then a full RequestAbort traceback after pressing Abort."""
    engine.add("long_count", ["det1"], num=200, delay=0.05)
    engine.open_environment()
    engine.ok(CommandName.QUEUE_START)
    engine.watch.wait_state("executing_queue")
    engine.ok(CommandName.RE_PAUSE, option="immediate")
    engine.watch.wait_state("paused")
    engine.ok(CommandName.RE_RESUME)
    engine.watch.wait_state("executing_queue")
    engine.ok(CommandName.RE_PAUSE, option="immediate")
    engine.watch.wait_state("paused")
    engine.ok(CommandName.RE_ABORT)
    engine.watch.wait(lambda s: s["manager_state"] == "idle", 30, "the abort")
    text = engine.ok(CommandName.CONSOLE_OUTPUT, nlines=1000)["text"]
    assert "the plan 'long_count' is paused" in text
    assert "resume requested" in text and "abort requested" in text
    assert "Run aborted (as asked: RequestAbort)" in text
    assert "Traceback" not in text


def test_pause_now_sent_right_behind_resume_pauses_the_plan(engine):
    """Resume and Pause now in one breath: the pause reached the worker before its main thread
    had taken the resume, was refused as "the RunEngine is paused", and the plan ran to its end."""
    engine.add("long_count", ["det1"], num=200, delay=0.05)
    engine.open_environment()
    engine.ok(CommandName.QUEUE_START)
    engine.watch.wait_state("executing_queue")
    engine.ok(CommandName.RE_PAUSE, option="immediate")
    engine.watch.wait_state("paused")
    for _ in range(5):
        resume = engine.manager.submit(CommandName.RE_RESUME)
        pause = engine.manager.submit(CommandName.RE_PAUSE, {"option": "immediate"})
        assert resume.result(10)["success"] and pause.result(10)["success"], (resume.result(), pause.result())
        engine.watch.wait(lambda s: s["manager_state"] == "paused", 20, "the pause behind the resume")
    engine.ok(CommandName.RE_ABORT)
    engine.watch.wait(lambda s: s["manager_state"] == "idle", 30, "the abort")
