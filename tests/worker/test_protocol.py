"""The worker driven over one ``multiprocessing.Pipe()`` by the test, as the manager drives it.

As bluesky-queueserver's ``test_comms.py`` does: the test holds the manager's
end of a real Pipe, the worker's main loop (``worker_main``) runs in a
spawned process with the real RunEngine and the test profile, the test sends
``Command`` messages and reads the ``Report`` messages. No manager is
involved, so a change of the wire shows up here first. ``worker_main``
installs signal handlers and owns ``sys.stdout``, so it runs in a process of
its own, not in a thread of the test's.

The last test checks the other side of the wire: every ``Report`` member has
a manager handler (written over the enum, so members added later are
checked too).
"""

import json
import multiprocessing
import uuid

import pytest

from queue_gui.manager.manager import Manager
from queue_gui.worker.main import worker_main
from queue_gui.worker.protocol import Command, Report, message
from tests.conftest import TEST_PROFILE

TIMEOUT = 60


class Worker:
    """A worker process on the far end of a Pipe whose near end the test holds."""

    def __init__(self):
        context = multiprocessing.get_context("spawn")
        self.conn, worker_end = context.Pipe()
        self.process = context.Process(target=worker_main, args=(worker_end, TEST_PROFILE), daemon=True)
        self.process.start()
        worker_end.close()  # the worker's end lives in the worker only: closing ours lets EOF reach it
        self.received = []

    def send(self, kind, **fields):
        self.conn.send(message(kind, **fields))

    def until(self, kind, timeout=TIMEOUT):
        """Every report up to and including the first ``kind``; the report itself is the last."""
        got = []
        while True:
            assert self.conn.poll(timeout), f"no {kind.value!r} report; got {[m['type'] for m in got]}"
            msg = self.conn.recv()
            got.append(msg)
            self.received.append(msg)
            if msg["type"] == kind.value:
                return got

    def close(self):
        self.conn.close()
        self.process.join(TIMEOUT)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(10)


@pytest.fixture
def worker():
    running = Worker()
    yield running
    running.close()


def plan_item(name, *args, **kwargs):
    return {"item_uid": str(uuid.uuid4()), "item_type": "plan", "name": name, "args": list(args), "kwargs": kwargs}


def documents(reports):
    return [pair for msg in reports if msg["type"] == Report.DOCUMENTS.value for pair in json.loads(msg["docs"])]


def test_standby_describes_the_profile_then_runs_a_plan_and_closes(worker):
    (loaded,) = worker.until(Report.PROFILE_LOADED)
    assert {"count", "scan", "long_count", "failing_plan"} <= set(loaded["description"]["plans"])
    assert {"det1", "motor"} <= set(loaded["description"]["devices"])
    assert loaded["profile_path"] == TEST_PROFILE

    worker.send(Command.OPEN_ENVIRONMENT, scan_id=None)
    ready = worker.until(Report.ENVIRONMENT_READY)
    assert Report.ENVIRONMENT_FAILED.value not in [m["type"] for m in ready]

    item = plan_item("count", ["det1"], num=3)
    worker.send(Command.RUN_PLAN, item=item, md={"sample": "LaB6"})
    reports = worker.until(Report.PLAN_FINISHED)
    kinds = [m["type"] for m in reports]
    assert kinds.index(Report.PLAN_STARTED.value) < kinds.index(Report.RUN_STARTED.value) \
        < kinds.index(Report.RUN_STOPPED.value) < kinds.index(Report.PLAN_FINISHED.value)
    started = next(m for m in reports if m["type"] == Report.PLAN_STARTED.value)
    run = next(m for m in reports if m["type"] == Report.RUN_STARTED.value)
    finished = reports[-1]
    assert started["item_uid"] == finished["item_uid"] == item["item_uid"]
    assert finished["result"]["exit_status"] == "completed", finished["result"]
    assert finished["result"]["run_uids"] == [run["run_uid"]]
    # Documents may trail the plan's end (the outbox batches them): read up to the stop.
    while not any(name == "stop" for name, _ in documents(worker.received)):
        worker.until(Report.DOCUMENTS)
    docs = documents(worker.received)
    (start,) = [doc for name, doc in docs if name == "start"]
    assert start["uid"] == run["run_uid"] and start["sample"] == "LaB6"
    rows = sum(len(doc["seq_num"]) if name == "event_page" else 1 for name, doc in docs if name.startswith("event"))
    assert rows == 3

    worker.send(Command.CLOSE_ENVIRONMENT)
    worker.until(Report.ENVIRONMENT_CLOSED)
    worker.process.join(TIMEOUT)
    assert worker.process.exitcode == 0


def test_pause_is_acted_on_during_a_plan_and_abort_ends_it(worker):
    worker.until(Report.PROFILE_LOADED)
    worker.send(Command.OPEN_ENVIRONMENT, scan_id=None)
    worker.until(Report.ENVIRONMENT_READY)
    item = plan_item("long_count", ["det1"], num=400, delay=0.05)
    worker.send(Command.RUN_PLAN, item=item)
    worker.until(Report.RUN_STARTED)
    worker.send(Command.PAUSE, option="immediate", item_uid=item["item_uid"])
    paused = worker.until(Report.PLAN_PAUSED)[-1]
    assert paused["item_uid"] == item["item_uid"]
    worker.send(Command.CONTINUE, option="abort")
    finished = worker.until(Report.PLAN_FINISHED)[-1]
    assert finished["item_uid"] == item["item_uid"] and finished["result"]["exit_status"] == "aborted"


def test_a_closed_pipe_ends_the_worker(worker):
    """The manager gone (its end closed) ends the worker; nothing is left running."""
    worker.until(Report.PROFILE_LOADED)
    worker.conn.close()
    worker.process.join(TIMEOUT)
    assert worker.process.exitcode is not None, "the worker outlived its manager"


def test_every_report_has_a_manager_handler():
    handlers = Manager._REPORT_HANDLERS
    missing = [report.value for report in Report if report not in handlers]
    assert not missing, f"reports the manager would log as unknown and drop: {missing}"
    assert all(isinstance(key, Report) for key in handlers), "handlers are keyed by Report members"
    assert all(callable(handler) for handler in handlers.values())
