"""Fixtures of the run store tests: a real manager and worker, a real store on real files.

ophyd.sim writes into the temporary directory at import: the tests give it
one of their own. tiled's client retries a request that finds no server for
up to 45 s by default; the tests that stop a tiled server make that short,
so that the store's own back-off is what they see (set before tiled is
imported, which the store does lazily).
"""

import os
import tempfile
import threading

_TMP = tempfile.mkdtemp(prefix="queue-gui-store-tests-")
os.environ["TMPDIR"] = _TMP
tempfile.tempdir = None
os.environ.setdefault("TILED_RETRY_ATTEMPTS", "2")
os.environ.setdefault("TILED_RETRY_TIMEOUT", "2")

import pytest  # noqa: E402

from queue_gui.store import RunStore  # noqa: E402
from tests.conftest import TEST_PROFILE, Documents, RunningManager  # noqa: E402


class StoreWatch:
    """Follows a store's events (``runs``, ``store_status``); waits on conditions, never sleeps."""

    def __init__(self, store):
        self._condition = threading.Condition()
        self.rows = {}  # uid -> latest row
        self.events = []
        self.status = store.latest_status()
        store.subscribe(self._on_event)

    def _on_event(self, kind, payload):
        with self._condition:
            self.events.append((kind, payload))
            if kind == "runs":
                self.rows[payload["run"]["uid"]] = payload["run"]
            elif kind == "store_status":
                self.status = payload
            self._condition.notify_all()

    def wait(self, predicate, timeout=60, what="the expected store event"):
        with self._condition:
            if not self._condition.wait_for(predicate, timeout):
                raise AssertionError(f"timed out waiting for {what}; rows {self.rows}; status {self.status}")

    def wait_run(self, predicate, timeout=60, what="a run"):
        """The first run whose latest row satisfies ``predicate``."""
        found = []

        def check():
            found[:] = [row for row in self.rows.values() if predicate(row)]
            return bool(found)

        self.wait(check, timeout, what)
        return found[0]

    def wait_closed(self, count, timeout=60):
        self.wait(lambda: sum(row["exit_status"] is not None for row in self.rows.values()) >= count, timeout,
                  f"{count} closed runs")
        return sorted(self.rows.values(), key=lambda row: row["time_start"])

    def wait_status(self, predicate, timeout=60, what="the expected store status"):
        self.wait(lambda: self.status is not None and predicate(self.status), timeout, what)
        return self.status


def events(pairs):
    """Documents with every event page unpacked into events (the router passes events as pages)."""
    import event_model

    out = []
    for name, doc in pairs:
        if name == "event_page":
            out.extend(["event", event] for event in event_model.unpack_event_page(doc))
        else:
            out.append([name, doc])
    return out


class StoredManager(RunningManager):
    """A manager with a run store subscribed, as the application composes them."""

    def __init__(self, data_dir, profile_path=TEST_PROFILE, **store_options):
        self.store = RunStore(data_dir, **store_options)
        self.store.start()
        self.store_watch = StoreWatch(self.store)
        super().__init__(data_dir, profile_path)
        self.documents = Documents(self.manager)
        self.manager.subscribe(self.store.on_manager_event)

    def store_ok(self, name, **params):
        reply = self.store.call(name, params)
        assert reply["success"], reply
        return reply

    def run(self, name, *args, **kwargs):
        """Add one plan, run the queue, return the history record."""
        self.add(name, *args, **kwargs)
        self.run_queue()
        return self.history()[-1]

    def stop(self):
        super().stop()
        assert self.store.stop(30), "the store did not stop"


@pytest.fixture
def stored(data_dir):
    running = StoredManager(data_dir)
    yield running
    running.stop()
