"""Saved runs and documents over real HTTP and WebSockets: /api/runs, its tables, /api/documents/ws."""

import csv
import io
import json
import threading

import httpx
import pytest

from tests.conftest import Documents
from tests.server.conftest import API_KEY, reset

websockets = pytest.importorskip("websockets")
from websockets.exceptions import ConnectionClosed  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

FIELDS = {"uid", "scan_id", "plan_name", "item_uid", "time_start", "time_stop", "exit_status", "num_events", "sample"}


class Closed:
    """Waits, without sleeping, for the store to close (or add) a number of new runs."""

    def __init__(self, store, change="closed"):
        self._condition = threading.Condition()
        self.rows = []
        self._store = store
        self._change = change
        store.subscribe(self._on_event)

    def _on_event(self, kind, payload):
        if kind == "runs" and payload["change"] == self._change:
            with self._condition:
                self.rows.append(payload["run"])
                self._condition.notify_all()

    def wait(self, count, timeout=60):
        with self._condition:
            assert self._condition.wait_for(lambda: len(self.rows) >= count, timeout), self.rows
        self._store.unsubscribe(self._on_event)
        return self.rows


@pytest.fixture(autouse=True)
def clean(open_service):
    reset(open_service)


def run_plans(service, api, *items):
    closed = Closed(service.store)
    for item in items:
        assert api.post("/api/queue/item/add", json={"item": item}).json()["success"]
    assert api.post("/api/queue/start", json={}).json()["success"]
    return closed.wait(len(items))


def test_runs_are_listed_newest_first_with_their_fields_and_pages(open_service, api):
    rows = run_plans(
        open_service, api,
        {"name": "count", "args": [["det1"]], "kwargs": {"num": 2}},
        {"name": "scan", "args": [["det1"], "motor1", -1, 1, 5], "meta": {"sample": "Si"}},
        {"name": "count", "args": [["det2"]]},
    )
    newest = [row["uid"] for row in reversed(rows)]
    reply = api.get("/api/runs").json()
    assert reply["success"] is True and [r["uid"] for r in reply["runs"][:3]] == newest
    first = reply["runs"][1]
    assert FIELDS <= set(first)
    assert (first["plan_name"], first["num_events"], first["exit_status"], first["sample"]) == ("scan", 5, "success", "Si")
    assert first["time_stop"] >= first["time_start"] and isinstance(first["scan_id"], int)
    assert first["item_uid"] == api.get("/api/history/get").json()["items"][1]["item_uid"]

    page = api.get("/api/runs", params={"limit": 1, "offset": 1}).json()
    assert [r["uid"] for r in page["runs"]] == newest[1:2] and page["total"] >= 3
    body_page = api.request("GET", "/api/runs", json={"limit": 2}).json()
    assert [r["uid"] for r in body_page["runs"]] == newest[:2], "a JSON body with GET, as the bluesky clients send"
    assert [r["uid"] for r in api.get("/api/runs", params={"text": "scan"}).json()["runs"]][0] == newest[1]
    bad = api.get("/api/runs", params={"limit": -1})
    assert bad.status_code == 422 and bad.json()["success"] is False and "detail" in bad.json()


def test_the_table_route_serves_the_stored_table_as_json_and_csv(open_service, api):
    (row,) = run_plans(open_service, api, {"name": "scan", "args": [["det1"], "motor1", -1, 1, 11]})
    stored = open_service.store.call("run_table", {"uid": row["uid"]})
    reply = api.get(f"/api/runs/{row['uid']}/table")
    assert reply.status_code == 200
    table = reply.json()
    assert table["columns"] == stored["columns"] and table["data"] == stored["data"]
    assert table["columns"][:2] == ["seq_num", "time"] and len(table["data"]["det1"]) == 11

    as_csv = api.get(f"/api/runs/{row['uid']}/table", params={"format": "csv"})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    header, *lines = list(csv.reader(io.StringIO(as_csv.text)))
    assert header == table["columns"] and len(lines) == 11
    for index, column in enumerate(header):
        assert [float(line[index]) for line in lines] == table["data"][column]

    documents = api.get(f"/api/runs/{row['uid']}/documents").json()["documents"]
    assert [name for name, _ in documents][0] == "start" and documents[-1][0] == "stop"
    assert api.get(f"/api/runs/{row['uid']}").json()["run"]["uid"] == row["uid"]


def test_an_unknown_run_is_404_with_detail_and_msg(open_service, api):
    for path in ("/api/runs/no-such-run/table", "/api/runs/no-such-run", "/api/runs/no-such-run/documents"):
        reply = api.get(path)
        assert reply.status_code == 404, path
        body = reply.json()
        assert body["success"] is False and "no-such-run" in body["msg"] and body["detail"] == body["msg"]
    (row,) = run_plans(open_service, api, {"name": "count", "args": [["det1"]]})
    missing_stream = api.get(f"/api/runs/{row['uid']}/table", params={"stream": "baseline"})
    assert missing_stream.status_code == 404 and "baseline" in missing_stream.json()["msg"]
    assert api.get(f"/api/runs/{row['uid']}/table", params={"format": "xml"}).status_code == 422


def test_the_documents_stream_delivers_a_scans_documents_in_order(open_service, api):
    published = Documents(open_service.manager)
    url = open_service.url.replace("http://", "ws://") + "/api/documents/ws"
    try:
        with connect(url) as ws:
            (row,) = run_plans(open_service, api, {"name": "scan", "args": [["det1"], "motor1", -1, 1, 30]})
            received = []
            while not received or received[-1]["name"] != "stop":
                received.append(json.loads(ws.recv(timeout=10)))
    finally:
        published.close()
    assert [(m["name"], m["doc"]) for m in received] == published.pairs
    names = [m["name"] for m in received]
    assert names[0] == "start" and names[1] == "descriptor" and "event_page" in names
    assert received[0]["doc"]["uid"] == row["uid"]
    rows = sum(len(m["doc"]["seq_num"]) if m["name"] == "event_page" else 1 for m in received if m["name"].startswith("event"))
    assert rows == 30


def test_re_runs_lists_the_open_run_while_the_plan_runs(open_service, api):
    watch = open_service.watch
    # The run list changes when the item starts (if an earlier plan left runs
    # in it) and again when the run opens.
    changes = 2 if api.get("/api/re/runs").json()["run_list"] else 1
    seen = len(watch.history)
    added = Closed(open_service.store, change="added")
    assert api.post("/api/queue/item/add", json={"item": {"name": "long_count", "args": [["det1"]], "kwargs": {"num": 40}}}).json()["success"]
    assert api.post("/api/queue/start", json={}).json()["success"]

    def run_opened(status):
        uids = [watch.status["run_list_uid"]] + [s["run_list_uid"] for s in watch.history[seen - 1:]]
        return len(dict.fromkeys(uids)) > changes

    watch.wait(run_opened, what="the run to open")
    open_runs = api.request("GET", "/api/re/runs", json={"option": "open"}).json()["run_list"]
    assert len(open_runs) == 1 and open_runs[0]["is_open"] is True and open_runs[0]["exit_status"] is None
    assert api.get("/api/re/runs/open").json()["run_list"] == open_runs
    assert added.wait(1)[0]["uid"] == open_runs[0]["uid"]
    listed = api.get("/api/runs", params={"limit": 1}).json()["runs"][0]
    assert listed["uid"] == open_runs[0]["uid"] and listed["exit_status"] is None, "the store lists it while open"
    watch.wait(lambda s: s["manager_state"] == "idle" and s["running_item_uid"] is None, what="the plan's end")
    assert api.get("/api/re/runs/closed").json()["run_list"][0]["exit_status"] == "success"


def test_the_data_routes_and_the_documents_stream_need_the_key(keyed_service):
    with httpx.Client(base_url=keyed_service.url, timeout=10) as client:
        for path in ("/api/runs", "/api/runs/x/table", "/api/store/status"):
            assert client.get(path).status_code == 401, path
            assert client.get(path, headers={"Authorization": "ApiKey wrong"}).status_code == 403, path
        keyed = client.get("/api/runs", headers={"Authorization": f"ApiKey {API_KEY}"})
        assert keyed.status_code == 200 and keyed.json()["success"] is True
    url = keyed_service.url.replace("http://", "ws://") + "/api/documents/ws"
    with pytest.raises((ConnectionClosed, websockets.exceptions.InvalidStatus)):
        with connect(url) as ws:
            ws.recv(timeout=5)
    with connect(url, additional_headers={"Authorization": f"ApiKey {API_KEY}"}) as ws:
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.2)  # connected and quiet: nothing runs


def test_store_status_reports_that_no_tiled_server_is_configured(open_service, api):
    reply = api.get("/api/store/status").json()
    assert reply["success"] is True
    assert {k: reply[k] for k in ("tiled_uri", "tiled_state", "runs_waiting")} == {
        "tiled_uri": None, "tiled_state": "off", "runs_waiting": 0,
    }
