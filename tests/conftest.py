"""Fixtures shared by every test: a real manager with a real worker process.

Nothing is mocked: the manager spawns its worker, which runs a real bluesky
RunEngine with ophyd's simulated devices, and stores the queue in a real
SQLite file under ``tmp_path``. Every fixture shuts its manager down, which
ends its worker, so no process outlives its test.
"""

import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from queue_gui.manager.manager import Manager  # noqa: E402

PROFILES = os.path.join(os.path.dirname(__file__), "profiles")
TEST_PROFILE = os.path.join(PROFILES, "test_profile.py")


class StatusWatch:
    """Follows the manager's pushed status events; waits without sleeping."""

    def __init__(self, manager):
        self._condition = threading.Condition()
        self.history = []
        manager.subscribe(self._on_event)
        self.status = manager.call("status")

    def _on_event(self, kind, payload):
        if kind == "status":
            with self._condition:
                self.status = payload
                self.history.append(payload)
                self._condition.notify_all()

    def wait(self, predicate, timeout=30, what="the expected status"):
        with self._condition:
            if not self._condition.wait_for(lambda: predicate(self.status), timeout):
                raise AssertionError(f"timed out waiting for {what}; last status: {self.status}")
            return self.status

    def wait_state(self, state, timeout=30, **fields):
        def matches(status):
            return status["manager_state"] == state and all(status[k] == v for k, v in fields.items())

        return self.wait(matches, timeout, what=f"manager_state={state} {fields}")


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
        return self.ok("queue_item_add", item={"name": name, "args": list(args), "kwargs": kwargs})["item"]

    def open_environment(self):
        self.ok("environment_open")
        return self.watch.wait_state("idle", worker_environment_exists=True)

    def run_queue(self, timeout=60):
        self.ok("queue_start")
        return self.watch.wait(
            lambda s: s["manager_state"] == "idle" and s["running_item_uid"] is None, timeout, "the queue to stop"
        )

    def queue(self):
        return self.ok("queue_get")["items"]

    def history(self):
        return self.ok("history_get")["items"]

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
