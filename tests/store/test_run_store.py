"""The local run store with a real worker and RunEngine: files, index, cut runs, restarts."""

import json
import os
import shutil
import signal
import subprocess
import sys

import httpx
import psutil
import pytest

from queue_gui.store import RunStore
from queue_gui.store.reading import read_documents, stream_table
from queue_gui.testing import StatusWatch
from tests.conftest import TEST_PROFILE, Documents
from tests.store.conftest import StoreWatch, StoredManager, events
from queue_gui.wire import CommandName


def test_a_saved_run_read_back_after_a_restart_holds_the_documents_published(data_dir):
    from queue_gui.app import Service

    service = Service(data_dir, TEST_PROFILE, port=0)
    service.start()
    try:
        published = Documents(service.manager)
        watch, store_watch = StatusWatch(service.manager), StoreWatch(service.store)
        service.manager.call(CommandName.METADATA_SET, {"metadata": {"sample": "Si 111"}})
        for item in ({"name": "scan", "args": [["det1"], "motor1", -1, 1, 11]}, {"name": "count", "args": [["det2"]], "kwargs": {"num": 3}}):
            assert service.manager.call(CommandName.QUEUE_ITEM_ADD, {"item": item})["success"]
        assert service.manager.call(CommandName.ENVIRONMENT_OPEN)["success"]
        watch.wait_state("idle", worker_environment_exists=True)
        assert service.manager.call(CommandName.QUEUE_START)["success"]
        store_watch.wait_closed(2)
    finally:
        service.stop()
    starts = [doc for name, doc in published.pairs if name == "start"]
    assert len(starts) == 2

    again = Service(data_dir, TEST_PROFILE, port=0)
    again.start()
    try:
        listed = again.store.call("runs_list")
        assert [row["uid"] for row in listed["runs"]] == [starts[1]["uid"], starts[0]["uid"]], "newest first"
        scan_row = listed["runs"][1]
        assert scan_row["plan_name"] == "scan" and scan_row["num_events"] == 11 and scan_row["exit_status"] == "success"
        assert scan_row["scan_id"] == starts[0]["scan_id"] and scan_row["item_uid"] == starts[0]["item_uid"]
        assert scan_row["sample"] == "Si 111" and scan_row["time_stop"] >= scan_row["time_start"]
        assert scan_row["file"] == os.path.join(data_dir, "runs", f"{starts[0]['uid']}.jsonl")
        for start in starts:
            stored = again.store.call("run_documents", {"uid": start["uid"]})["documents"]
            assert events(stored) == events(published.of_run(start["uid"]))
            assert stored == read_documents(os.path.join(data_dir, "runs", f"{start['uid']}.jsonl"))
            # Plain json reads it too: one [name, doc] per line.
            with open(os.path.join(data_dir, "runs", f"{start['uid']}.jsonl")) as file:
                assert [json.loads(line)[0] for line in file][0] == "start"
    finally:
        again.stop()


def test_a_run_cut_by_a_worker_sigkill_is_readable_to_its_last_event_and_interrupted(stored):
    stored.add("long_count", ["det1"], num=400, delay=0.02)
    stored.open_environment()
    stored.ok(CommandName.QUEUE_START)
    row = stored.store_watch.wait_run(lambda r: r["num_events"] >= 5, what="a few events saved")
    os.kill(stored.manager.worker_pid, signal.SIGKILL)
    stored.watch.wait(lambda s: not s["worker_environment_exists"], what="the worker's death noticed")
    cut = stored.store_watch.wait_run(lambda r: r["uid"] == row["uid"] and r["exit_status"] is not None)
    assert cut["exit_status"] == "interrupted" and "before the run's stop document" in cut["reason"]
    assert 5 <= cut["num_events"] < 400
    assert cut["time_stop"] is not None and cut["time_stop"] >= cut["time_start"]

    documents = stored.store_ok("run_documents", uid=row["uid"])["documents"]
    assert "stop" not in [name for name, _ in documents], "no stop document is made up"
    assert events(documents) == events(stored.documents.of_run(row["uid"])), "every document received is in the file"
    table = stored.store_ok("run_table", uid=row["uid"])
    assert len(table["data"]["seq_num"]) == cut["num_events"]
    assert table["data"]["seq_num"] == list(range(1, cut["num_events"] + 1))
    assert stored.history()[-1]["result"]["exit_status"] == "failed"


def test_a_run_left_open_by_a_killed_application_is_interrupted_at_the_next_start(data_dir):
    command = [sys.executable, "-m", "queue_gui", "--headless", "--port", "0", "--data-dir", data_dir,
               "--profile", TEST_PROFILE]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("queue-gui: serving http://"), process.stderr.read() if not line else line
        url = line.split()[-1]
        item = {"name": "long_count", "args": [["det1"]], "kwargs": {"num": 400, "delay": 0.02}}
        assert httpx.post(url + "/add_to_queue", json={"plan": item}).json()["success"]
        # Across processes, the push streams are the events to wait on.
        from websockets.sync.client import connect

        ws_url = url.replace("http://", "ws://") + "/api"
        with connect(ws_url + "/status/ws") as status_ws, connect(ws_url + "/documents/ws") as documents_ws:
            httpx.post(url + "/create_environment")
            while not json.loads(status_ws.recv(timeout=60))["msg"]["status"]["worker_environment_exists"]:
                pass  # each recv waits for the next status change
            httpx.post(url + "/process_queue")
            seen = 0
            while seen < 10:
                message = json.loads(documents_ws.recv(timeout=30))
                if message["name"] == "event_page":
                    seen += len(message["doc"]["seq_num"])
                elif message["name"] == "event":
                    seen += 1
        runs = httpx.get(url + "/api/runs").json()["runs"]
        assert runs[0]["exit_status"] is None, "the run is open while it runs"
    finally:
        children = psutil.Process(process.pid).children()
        process.kill()  # the application dies: its store never closes the run
        process.wait(30)
        _, alive = psutil.wait_procs(children, timeout=30)
        for child in alive:
            child.kill()
    assert not alive, "the worker outlived the application"  # not in finally: a failure above is the one reported

    store = RunStore(data_dir)
    store.start()
    try:
        (row,) = store.call("runs_list")["runs"]
        assert row["exit_status"] == "interrupted" and "stopped while the run was open" in row["reason"]
        documents = store.call("run_documents", {"uid": row["uid"]})["documents"]
        names = [name for name, _ in documents]
        assert names[0] == "start" and "stop" not in names
        table = stream_table(documents)
        assert len(table["data"]["seq_num"]) >= row["num_events"] > 0
        assert table["data"]["seq_num"] == list(range(1, len(table["data"]["seq_num"]) + 1))
    finally:
        store.stop()


def test_a_failing_store_consumer_does_not_abort_the_scan_and_later_runs_are_saved(stored):
    def broken(kind, payload):
        raise RuntimeError("a store listener with a bug")

    stored.store.subscribe(broken)
    # The runs directory replaced by a plain file: the next run's file cannot be created.
    shutil.rmtree(stored.store.runs_directory)
    with open(stored.store.runs_directory, "w") as file:
        file.write("not a directory")
    stored.open_environment()
    record = stored.run("scan", ["det1"], "motor1", -1, 1, 5)
    assert record["result"]["exit_status"] == "completed"
    (failed,) = stored.store_watch.wait_closed(1)
    assert failed["exit_status"] == "success" and "writing the run's file failed" in failed["error"]

    os.remove(stored.store.runs_directory)
    os.makedirs(stored.store.runs_directory)
    assert stored.run("count", ["det1"])["result"]["exit_status"] == "completed"
    rows = stored.store_watch.wait_closed(2)
    assert rows[1]["error"] is None and rows[1]["num_events"] == 1
    assert stored.store_ok("run_table", uid=rows[1]["uid"])["data"]["seq_num"] == [1]


def test_runs_list_filters_pages_and_refuses_bad_parameters(stored):
    stored.ok(CommandName.METADATA_SET, metadata={"sample": "LaB6"})
    stored.add("count", ["det1"])
    stored.ok(CommandName.QUEUE_ITEM_ADD, item={"name": "scan", "args": [["det1"], "motor1", 0, 1, 3], "meta": {"sample": "Ge"}})
    stored.add("count", ["det2"], num=2)
    stored.open_environment()
    stored.run_queue()
    first, second, third = stored.store_watch.wait_closed(3)

    newest_first = [third["uid"], second["uid"], first["uid"]]
    assert [r["uid"] for r in stored.store_ok("runs_list")["runs"]] == newest_first
    page = stored.store_ok("runs_list", limit=1, offset=1)
    assert [r["uid"] for r in page["runs"]] == [second["uid"]] and page["total"] == 3
    assert [r["uid"] for r in stored.store_ok("runs_list", text="ge")["runs"]] == [second["uid"]], "case-insensitive"
    assert [r["uid"] for r in stored.store_ok("runs_list", text="scan")["runs"]] == [second["uid"]]
    assert [r["uid"] for r in stored.store_ok("runs_list", text=first["uid"][:8])["runs"]] == [first["uid"]]
    assert [r["uid"] for r in stored.store_ok("runs_list", text=str(third["scan_id"]))["runs"]][0] == third["uid"]
    since = stored.store_ok("runs_list", since=second["time_start"])["runs"]
    assert [r["uid"] for r in since] == [third["uid"], second["uid"]]
    until = stored.store_ok("runs_list", until=second["time_start"])["runs"]
    assert [r["uid"] for r in until] == [second["uid"], first["uid"]]
    assert stored.store_ok("run_get", uid=second["uid"])["run"]["sample"] == "Ge"
    assert third["stream_counts"] == {"primary": 2} and third["num_events"] == 2

    for name, params, reason in (
        ("runs_list", {"limit": -1}, "invalid"),
        ("runs_list", {"limit": True}, "invalid"),
        ("runs_list", {"since": "yesterday"}, "invalid"),
        ("runs_list", {"colour": "red"}, "invalid"),
        ("run_get", {"uid": "no-such-run"}, "not_found"),
        ("run_table", {"uid": first["uid"], "stream": "baseline"}, "not_found"),
        ("run_table", {"uid": first["uid"], "format": "xml"}, "invalid"),
        ("no_such_command", {}, "invalid"),
    ):
        reply = stored.store.call(name, params)
        assert reply["success"] is False and reply["reason"] == reason and reply["msg"], (name, params, reply)


def test_the_table_and_its_csv_hold_the_values_the_runengine_emitted(stored):
    stored.open_environment()
    stored.run("scan", ["det1"], "motor1", -1, 1, 11)
    (row,) = stored.store_watch.wait_closed(1)
    table = stored.store_ok("run_table", uid=row["uid"])
    assert table["columns"] == ["seq_num", "time", "det1", "motor1", "motor1_setpoint"]
    emitted = [event["data"] for name, event in events(stored.documents.of_run(row["uid"])) if name == "event"]
    assert table["data"]["det1"] == [data["det1"] for data in emitted]
    assert table["data"]["motor1"][0] == -1 and table["data"]["motor1"][-1] == 1
    csv_text = stored.store_ok("run_table", uid=row["uid"], format="csv")["csv"]
    lines = csv_text.splitlines()
    assert lines[0].split(",") == table["columns"] and len(lines) == 12
    parsed = [[float(value) for value in line.split(",")] for line in lines[1:]]
    assert [r[2] for r in parsed] == table["data"]["det1"] and [r[0] for r in parsed] == list(range(1, 12))


def test_commands_after_stop_are_refused_with_their_reason(data_dir):
    store = RunStore(data_dir)
    store.start()
    assert store.call("runs_list")["runs"] == []
    assert store.stop()
    reply = store.call("runs_list")
    assert reply == {"success": False, "msg": "the run store is stopped", "reason": "stopped"}


def test_a_truncated_last_line_is_left_out_and_a_broken_one_elsewhere_is_an_error(tmp_path):
    path = tmp_path / "run.jsonl"
    path.write_text('["start", {"uid": "a"}]\n["descriptor", {"uid": "d", "run_start": "a"}]\n["event_pa')
    assert [name for name, _ in read_documents(str(path))] == ["start", "descriptor"]
    path.write_text('["start", {"uid": "a"}]\nnot json\n["stop", {}]\n')
    with pytest.raises(ValueError, match="line 2"):
        read_documents(str(path))


def test_numpy_values_and_external_data_references_are_stored_as_they_came(data_dir):
    """A RunEngine in this process feeds the store directly: numpy in documents, resource and datum."""
    import numpy as np
    from bluesky import RunEngine
    from bluesky.plans import count
    from ophyd.sim import det1, img

    store = RunStore(data_dir)
    watch = StoreWatch(store)
    store.start()
    try:
        RE = RunEngine({}, context_managers=[])
        RE.subscribe(lambda name, doc: store.on_manager_event("documents", [[name, doc]]))
        (uid,) = RE(count([det1, img], num=2), temperature=np.float64(3.5), shape=np.array([2, 1]))
        row = watch.wait_run(lambda r: r["uid"] == uid and r["exit_status"] == "success")
        documents = store.call("run_documents", {"uid": uid})["documents"]
        names = [name for name, _ in documents]
        assert "resource" in names and names.count("datum") + names.count("datum_page") >= 1
        assert documents[0][1]["temperature"] == 3.5 and documents[0][1]["shape"] == [2, 1]
        table = store.call("run_table", {"uid": uid})
        assert row["num_events"] == 2 and len(table["data"]["img"]) == 2
        assert all(isinstance(datum_id, str) for datum_id in table["data"]["img"]), "references, not filled images"
    finally:
        store.stop()


def test_a_plan_aborted_by_shutdown_is_saved_with_its_stop_document(data_dir):
    """The aborted run's last documents arrive after the manager stopped serving its inbox; they are still saved."""
    running = StoredManager(data_dir)
    try:
        running.add("long_count", ["det1"], num=400, delay=0.02)
        running.open_environment()
        running.ok(CommandName.QUEUE_START)
        running.store_watch.wait_run(lambda row: row["num_events"] >= 5, what="a few points saved")
    finally:
        running.stop()
    store = RunStore(data_dir)
    store.start()
    try:
        (row,) = store.call("runs_list")["runs"]
        assert row["exit_status"] == "abort", row
        names = [name for name, _ in store.call("run_documents", {"uid": row["uid"]})["documents"]]
        assert names[-1] == "stop"
    finally:
        store.stop()
