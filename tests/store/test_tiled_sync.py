"""The shared tiled store against a real ``tiled serve`` on 127.0.0.1 with an API key.

The server is started by the tests (once per module) and may be stopped and
started again on the same port and storage, as a lab's server goes down and
comes back.
"""

import os
import signal
import socket
import subprocess
import sys
import threading

import pytest

from queue_gui.store import RunStore
from queue_gui.store.tiled_sync import TiledSync
from tests.store.conftest import StoreWatch, StoredManager
from queue_gui.wire import CommandName

pytest.importorskip("tiled.server")
pytest.importorskip("bluesky_tiled_plugins")

TILED_KEY = "tiledtestkey0123456789"  # tiled accepts alphanumeric keys only
#: tiled serve prints this once it accepts connections.
READY_LINE = "Uvicorn running on"


class TiledServer:
    """``tiled serve catalog`` in a subprocess, on one port and one storage for its whole life."""

    def __init__(self, directory):
        self.directory = directory
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.uri = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.output = []
        self._first = True

    def start(self, timeout=90):
        tiled = os.path.join(os.path.dirname(sys.executable), "tiled")
        command = [
            tiled, "serve", "catalog", os.path.join(self.directory, "catalog.db"),
            "-w", os.path.join(self.directory, "data"),
            "-w", f"sqlite:///{os.path.join(self.directory, 'tables.db')}",
            "--api-key", TILED_KEY, "--host", "127.0.0.1", "--port", str(self.port),
        ]
        if self._first:
            command.insert(4, "--init")
            self._first = False
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        ready = threading.Event()
        # The server logs every request: its output is read to the end, or it would block on a full pipe.
        threading.Thread(target=self._read, args=(self.process, ready), daemon=True).start()
        if not ready.wait(timeout) or not self._serving:
            self.stop()
            raise AssertionError("tiled serve did not start:\n" + "".join(self.output[-30:]))

    def _read(self, process, ready):
        self._serving = False
        for line in process.stdout:
            self.output.append(line)
            if READY_LINE in line:
                self._serving = True
                ready.set()
        self._serving = False
        ready.set()  # the process ended: start() fails

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def client(self):
        from tiled.client import from_uri

        return from_uri(self.uri, api_key=TILED_KEY)


@pytest.fixture(scope="module")
def tiled_server(tmp_path_factory):
    server = TiledServer(str(tmp_path_factory.mktemp("tiled")))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def running_server(tiled_server):
    """The module's server, started again if a test stopped it."""
    if tiled_server.process is None:
        tiled_server.start()
    return tiled_server


def make_stored(data_dir, server, **options):
    options.setdefault("tiled_api_key", TILED_KEY)
    return StoredManager(data_dir, tiled_uri=server.uri, tiled_backoff=(0.2, 1.0), **options)


def assert_same_on_tiled(client, stored, row):
    """The run on the tiled server holds the start, the stop and the primary table stored here."""
    documents = stored.store_ok("run_documents", uid=row["uid"])["documents"]
    start = documents[0][1]
    stops = [doc for name, doc in documents if name == "stop"]
    node = client[row["uid"]]
    assert node.metadata["start"] == start
    assert node.metadata.get("stop") == (stops[0] if stops else None)
    table = stored.store_ok("run_table", uid=row["uid"])
    primary = node["primary"]
    for column in table["columns"]:
        assert primary[column].read().tolist() == table["data"][column], column


def test_runs_arrive_on_the_tiled_server_and_read_back_equal(data_dir, running_server):
    stored = make_stored(data_dir, running_server)
    try:
        stored.store_watch.wait_status(lambda s: s["tiled_state"] == "up_to_date", what="a first connection")
        stored.open_environment()
        stored.add("scan", ["det1"], "motor1", -1, 1, 11)
        stored.add("count", ["det1", "det2"], num=3)
        stored.run_queue()
        rows = stored.store_watch.wait_closed(2)
        sent = [stored.store_watch.wait_run(lambda r, uid=row["uid"]: r["uid"] == uid and r["tiled_state"] == "sent")
                for row in rows]
        status = stored.store_watch.wait_status(lambda s: s["runs_waiting"] == 0 and s["tiled_state"] == "up_to_date")
        assert status["tiled_uri"] == running_server.uri and status["tiled_error"] is None
        client = running_server.client()
        for row in sent:
            assert row["tiled_time"] is not None
            assert_same_on_tiled(client, stored, row)
    finally:
        stored.stop()


def test_a_server_stopped_mid_queue_slows_no_plan_and_the_waiting_runs_arrive_when_it_is_back(data_dir, running_server):
    stored = make_stored(data_dir, running_server)
    try:
        stored.open_environment()
        stored.add("count", ["det1"])
        stored.add("long_count", ["det1"], num=60, delay=0.05)
        stored.add("scan", ["det1"], "motor1", -1, 1, 5)
        stored.ok(CommandName.QUEUE_START)
        stored.store_watch.wait_run(lambda r: r["plan_name"] == "count" and r["tiled_state"] == "sent")
        running_server.stop()
        stored.watch.wait(lambda s: s["manager_state"] == "idle" and s["items_in_queue"] == 0
                          and s["running_item_uid"] is None, what="the queue's end")
        assert [item["result"]["exit_status"] for item in stored.history()] == ["completed"] * 3
        rows = stored.store_watch.wait_closed(3)
        assert [row["exit_status"] for row in rows] == ["success"] * 3
        status = stored.store_watch.wait_status(
            lambda s: s["tiled_state"] == "unreachable" and s["runs_waiting"] >= 1, what="runs waiting")
        not_sent = [row for row in stored.store_watch.rows.values() if row["tiled_state"] != "sent"]
        assert status["runs_waiting"] == len(not_sent) >= 1 and status["tiled_error"]
    finally:
        stored.stop()

    # The application restarts while the server is still down: the runs still wait.
    store = RunStore(data_dir, tiled_uri=running_server.uri, tiled_api_key=TILED_KEY, tiled_backoff=(0.2, 1.0))
    watch = StoreWatch(store)
    store.start()
    try:
        watch.wait_status(lambda s: s["tiled_state"] == "unreachable" and s["runs_waiting"] == len(not_sent))
        running_server.start()
        watch.wait_status(lambda s: s["runs_waiting"] == 0 and s["tiled_state"] == "up_to_date",
                          what="the waiting runs sent")
        client = running_server.client()
        for row in store.call("runs_list")["runs"]:
            assert row["tiled_state"] == "sent"
            local = store.call("run_table", {"uid": row["uid"]})
            remote = client[row["uid"]]
            assert remote.metadata["stop"]["exit_status"] == "success"
            assert remote["primary"]["det1"].read().tolist() == local["data"]["det1"]
    finally:
        store.stop()


def test_an_interrupted_run_is_sent_with_every_saved_row_and_no_stop(data_dir, running_server):
    stored = make_stored(data_dir, running_server)
    try:
        stored.add("long_count", ["det1"], num=400, delay=0.02)
        stored.open_environment()
        stored.ok(CommandName.QUEUE_START)
        row = stored.store_watch.wait_run(lambda r: r["num_events"] >= 7, what="a few events saved")
        os.kill(stored.manager.worker_pid, signal.SIGKILL)
        sent = stored.store_watch.wait_run(lambda r: r["uid"] == row["uid"] and r["tiled_state"] == "sent")
        assert sent["exit_status"] == "interrupted"
        assert_same_on_tiled(running_server.client(), stored, sent)
    finally:
        stored.stop()


def test_a_half_sent_run_is_sent_again_and_a_complete_one_is_left_as_it_is(data_dir, running_server):
    stored = StoredManager(data_dir)
    try:
        stored.open_environment()
        stored.run("scan", ["det1"], "motor1", -1, 1, 9)
        (row,) = stored.store_watch.wait_closed(1)
        documents = stored.store_ok("run_documents", uid=row["uid"])["documents"]
    finally:
        stored.stop()
    from bluesky_tiled_plugins import TiledWriter

    client = running_server.client()
    half = TiledWriter(client, batch_size=1)
    for name, doc in documents[:4]:  # start, descriptor and a first page of events: the server went away
        half(name, doc)
    assert "stop" not in client[row["uid"]].metadata

    reports = []
    done = threading.Condition()

    def report(kind, payload):
        with done:
            reports.append((kind, payload))
            done.notify_all()

    sync = TiledSync(running_server.uri, TILED_KEY, report=report)
    job = {"uid": row["uid"], "path": row["file"], "complete": True, "stream_counts": row["stream_counts"]}
    sync.send(job)
    sync.start()
    try:
        with done:
            assert done.wait_for(lambda: ("sent", {"uid": row["uid"]}) in reports, 60), reports
        node = running_server.client()[row["uid"]]
        assert node.metadata["stop"] == documents[-1][1]
        assert node["primary"]["seq_num"].read().tolist() == list(range(1, 10))
        revision = node.metadata_revisions[:] if hasattr(node, "metadata_revisions") else None
        sync.send(job)  # sent before and complete: left as it is
        with done:
            assert done.wait_for(lambda: reports.count(("sent", {"uid": row["uid"]})) == 2, 60), reports
        again = running_server.client()[row["uid"]]
        assert again.metadata["stop"] == documents[-1][1]
        if revision is not None:
            assert again.metadata_revisions[:] == revision
    finally:
        sync.stop()
    assert not [r for r in reports if r[0] == "failed"], reports


def test_a_wrong_key_is_an_error_state_and_the_runs_wait(data_dir, running_server):
    stored = make_stored(data_dir, running_server, tiled_api_key="not-the-key")
    try:
        status = stored.store_watch.wait_status(lambda s: s["tiled_state"] == "error", what="the key refused")
        assert "401" in status["tiled_error"] or "403" in status["tiled_error"] or "key" in status["tiled_error"].lower()
        stored.open_environment()
        assert stored.run("count", ["det1"])["result"]["exit_status"] == "completed"
        stored.store_watch.wait_status(lambda s: s["runs_waiting"] == 1 and s["tiled_state"] == "error")
    finally:
        stored.stop()


def test_the_tiled_server_is_set_and_unset_while_queue_gui_runs(data_dir, running_server):
    """The window's settings point a running queue-gui at a lab's server, or at none."""
    stored = StoredManager(data_dir)  # no --tiled-uri
    try:
        assert stored.store_ok("store_status")["tiled_state"] == "off"
        refused = stored.store.call("tiled_configure", {"uri": "ftp://tiled.lab"})
        assert refused["success"] is False and "http:// or https://" in refused["msg"]
        reply = stored.store_ok("tiled_configure", uri=running_server.uri, api_key=TILED_KEY)
        assert reply["tiled_uri"] == running_server.uri
        stored.store_watch.wait_status(lambda s: s["tiled_state"] == "up_to_date", what="the new server")
        stored.open_environment()
        stored.add("count", ["det1"], num=2)
        stored.run_queue()
        (row,) = stored.store_watch.wait_closed(1)
        sent = stored.store_watch.wait_run(lambda r: r["uid"] == row["uid"] and r["tiled_state"] == "sent")
        assert_same_on_tiled(running_server.client(), stored, sent)
        off = stored.store_ok("tiled_configure", uri="")
        assert off["tiled_uri"] is None and off["tiled_state"] == "off"
    finally:
        stored.stop()
