"""Fixtures shared by every test: a real manager with a real worker process.

Nothing is mocked: the manager spawns its worker, which runs a real bluesky
RunEngine with ophyd's simulated devices, and stores the queue in a real
SQLite file under ``tmp_path``. Every fixture shuts its manager down, which
ends its worker, so no process outlives its test.

Waiting on the manager uses :class:`queue_gui.testing.StatusWatch`, the
harness the benchmarks use too: take ``watch.mark()`` before an action and
wait ``after=mark`` when the awaited status could already hold before it.
"""

import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from queue_gui.manager.manager import Manager  # noqa: E402
from queue_gui.testing import StatusWatch, plan  # noqa: E402,F401  (one harness with the benchmarks)
from queue_gui.wire import CommandName

PROFILES = os.path.join(os.path.dirname(__file__), "profiles")
TEST_PROFILE = os.path.join(PROFILES, "test_profile.py")


class Documents:
    """Every ``documents`` batch a manager publishes, as any listener in the process gets it."""

    def __init__(self, manager):
        self._manager = manager
        self._lock = threading.Lock()
        self.batches = []
        manager.subscribe(self._on_event)

    def _on_event(self, kind, payload):
        if kind == "documents":
            with self._lock:
                self.batches.append(payload)

    def close(self):
        self._manager.unsubscribe(self._on_event)

    @property
    def pairs(self):
        """``(name, doc)`` in the order published."""
        with self._lock:
            return [(name, doc) for batch in self.batches for name, doc in batch]

    all = pairs

    def named(self, name):
        return [doc for n, doc in self.pairs if n == name]

    def of_run(self, uid):
        """One run's documents as published (the events of its descriptors included)."""
        pairs = self.pairs
        descriptors = {d["uid"] for n, d in pairs if n == "descriptor" and d["run_start"] == uid}
        return [
            [n, d] for n, d in pairs
            if (n == "start" and d["uid"] == uid)
            or (n in ("descriptor", "stop") and d.get("run_start") == uid)
            or (n in ("event", "event_page") and d["descriptor"] in descriptors)
        ]

    def rows(self, descriptor_uid):
        """The ``data`` of every event of one descriptor, from events and pages alike."""
        values = []
        for name, doc in self.pairs:
            if name == "event" and doc["descriptor"] == descriptor_uid:
                values.append(doc["data"])
            elif name == "event_page" and doc["descriptor"] == descriptor_uid:
                keys = list(doc["data"])
                values.extend(dict(zip(keys, row)) for row in zip(*(doc["data"][k] for k in keys)))
        return values

    def readings(self, run_uid, *fields):
        """Each field's values in the primary stream of a run, in order."""
        pairs = self.pairs
        descriptors = {d["uid"] for n, d in pairs if n == "descriptor" and d["run_start"] == run_uid and d["name"] == "primary"}
        values = {field: [] for field in fields}
        for descriptor in descriptors:
            for row in self.rows(descriptor):
                for field in fields:
                    values[field].append(row[field])
        return values


class RunningManager:
    """A manager on its own thread plus helpers the tests share."""

    def __init__(self, data_dir, profile_path=None):
        self.data_dir = data_dir
        self.manager = Manager(data_dir, profile_path)
        self.thread = threading.Thread(target=self.manager.run, daemon=True)
        self.thread.start()
        assert self.manager.wait_ready(60), "the manager did not get ready"
        self.watch = StatusWatch(self.manager)

    def call(self, name, **params):
        return self.manager.call(name, params)

    def ok(self, name, **params):
        reply = self.call(name, **params)
        assert reply["success"], reply["msg"]
        return reply

    def add(self, name, *args, **kwargs):
        return self.ok(CommandName.QUEUE_ITEM_ADD, item=plan(name, *args, **kwargs))["item"]

    def open_environment(self):
        mark = self.watch.mark()
        self.ok(CommandName.ENVIRONMENT_OPEN)
        return self.watch.wait_state("idle", worker_environment_exists=True, after=mark)

    def run_queue(self, timeout=60):
        """Start the queue and wait until it has stopped again (an idle status pushed after the start)."""
        mark = self.watch.mark()
        self.ok(CommandName.QUEUE_START)
        return self.watch.wait(
            lambda s: s["manager_state"] == "idle" and s["running_item_uid"] is None, timeout, "the queue to stop",
            after=mark,
        )

    def queue(self):
        return self.ok(CommandName.QUEUE_GET)["items"]

    def history(self):
        return self.ok(CommandName.HISTORY_GET)["items"]

    def stop(self):
        assert self.manager.shutdown(60), "the manager did not shut down"
        self.thread.join(10)


@pytest.fixture
def data_dir(tmp_path):
    return str(tmp_path / "data")


@pytest.fixture
def engine(data_dir):
    """A manager with the test profile (the simulated devices plus test plans)."""
    running = RunningManager(data_dir, TEST_PROFILE)
    yield running
    running.stop()


@pytest.fixture
def service(data_dir):
    """The headless composition: manager + HTTP server on 127.0.0.1, any free port."""
    from queue_gui.app import Service

    running = Service(data_dir, TEST_PROFILE, host="127.0.0.1", port=0)
    running.start(wait=True)  # a ready service: these tests are not about the start-up
    running.watch = StatusWatch(running.manager)
    yield running
    running.stop()


@pytest.fixture
def http(service):
    import httpx

    with httpx.Client(base_url=service.url, timeout=10) as client:
        yield client
