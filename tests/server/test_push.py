"""Push updates over real WebSockets on 127.0.0.1 (the ``websockets`` client)."""

import asyncio
import json
import threading
import time

import pytest

from queue_gui.server.push import PushHub
from tests.server.conftest import API_KEY, reset

websockets = pytest.importorskip("websockets")
from websockets.sync.client import connect  # noqa: E402

COUNT = {"name": "count", "args": [["det1"]], "kwargs": {"num": 1}}
TIMEOUT = 10


def ws_url(service, channel):
    return service.url.replace("http://", "ws://") + f"/api/{channel}/ws"


def receive(ws, predicate, timeout=TIMEOUT):
    """The first message matching ``predicate`` (messages before it are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(ws.recv(timeout=max(deadline - time.monotonic(), 0.01)))
        if predicate(message):
            return message


def is_status(**fields):
    def matches(message):
        status = message["msg"].get("status") if isinstance(message["msg"], dict) else None
        return status is not None and all(status[k] == v for k, v in fields.items())

    return matches


@pytest.fixture(autouse=True)
def clean(shared_service):
    reset(shared_service)


def test_status_arrives_on_connect_and_after_a_queue_change(shared_service, api):
    with connect(ws_url(shared_service, "status")) as ws:
        first = json.loads(ws.recv(timeout=2))
        assert isinstance(first["time"], float)
        assert first["msg"]["status"]["items_in_queue"] == 0
        assert first["msg"]["status"]["plan_queue_uid"] == api.get("/api/status").json()["plan_queue_uid"]

        item = api.post("/api/queue/item/add", json={"item": COUNT}).json()["item"]
        pushed = receive(ws, is_status(items_in_queue=1), timeout=2)["msg"]["status"]
        assert pushed == {k: v for k, v in api.get("/api/status").json().items() if k != "success"}
        api.post("/api/queue/item/remove", json={"uid": item["item_uid"]})
        receive(ws, is_status(items_in_queue=0), timeout=2)


def test_each_queue_change_is_pushed_in_order(shared_service, api):
    """Every add is pushed as its own status, in order, the one the manager emitted.

    How long that takes is a benchmark (``benchmarks/bench_api.py``, "push:
    POST queue/item/add to /api/status/ws message"), not a test: a timing
    threshold on a shared machine fails on load, not on a bug.
    """
    emitted = []

    def on_event(kind, payload):
        if kind == "status":
            emitted.append(payload["plan_queue_uid"])

    with connect(ws_url(shared_service, "status")) as ws:
        ws.recv(timeout=2)
        shared_service.manager.subscribe(on_event)
        try:
            received = []
            for size in range(1, 21):
                api.post("/api/queue/item/add", json={"item": COUNT})
                received.append(receive(ws, is_status(items_in_queue=size), timeout=2)["msg"]["status"])
        finally:
            shared_service.manager.unsubscribe(on_event)
    uids = [status["plan_queue_uid"] for status in received]
    assert len(set(uids)) == 20, "each change has its own queue uid"
    assert list(dict.fromkeys(uid for uid in emitted if uid in uids)) == uids, "pushed in the order emitted"


def test_info_stream_names_queue_changes(shared_service, api):
    with connect(ws_url(shared_service, "info")) as ws:
        assert "status" in json.loads(ws.recv(timeout=2))["msg"]
        api.post("/api/queue/item/add", json={"item": COUNT})
        change = receive(ws, lambda m: "plan_queue" in m["msg"])["msg"]["plan_queue"]
        assert change["plan_queue_uid"] == api.get("/api/status").json()["plan_queue_uid"]
        assert change["items_in_queue"] == 1 and change["running_item_uid"] is None


def test_console_and_history_changes_are_pushed(open_service, api):
    with connect(ws_url(open_service, "console_output")) as console, connect(ws_url(open_service, "info")) as info:
        api.post("/api/queue/item/execute", json={"item": {"name": "chatty_plan", "kwargs": {"text": "pushed words"}}})
        line = receive(console, lambda m: "pushed words" in m["msg"])
        assert set(line) == {"time", "msg"}
        # The notifications come from the manager's queue and history events,
        # which it publishes before the status that carries the change (the
        # running item left, so the queue changed too).
        before = []
        while True:
            message = json.loads(info.recv(timeout=10))["msg"]
            if "status" in message and message["status"]["items_in_history"] == 1:
                status = message["status"]
                break
            before.append(message)
        notices = [m for m in before if "status" not in m]
        assert [list(m) for m in notices[-2:]] == [["plan_queue"], ["plan_history"]]
        assert notices[-2]["plan_queue"] == {"plan_queue_uid": status["plan_queue_uid"], "items_in_queue": 0, "running_item_uid": None}
        assert notices[-1]["plan_history"] == {"plan_history_uid": status["plan_history_uid"], "items_in_history": 1}


def test_a_slow_client_loses_the_oldest_messages():
    class Manager:
        def subscribe(self, listener):
            self.listener = listener

        def submit(self, name, params=None):
            import concurrent.futures

            future = concurrent.futures.Future()
            future.set_result({"success": True, "msg": "", "plan_queue_uid": "q", "plan_history_uid": "h"})
            return future

    async def scenario():
        manager = Manager()
        hub = PushHub(manager, queue_size=3)
        queue = await hub.connect("console")
        done = asyncio.Event()

        def produce():
            for n in range(5):
                manager.listener("console", {"time": 0.0, "msg": f"line {n}", "uid": str(n)})
            hub._loop.call_soon_threadsafe(done.set)

        threading.Thread(target=produce).start()
        await done.wait()
        return [json.loads(queue.get_nowait())["msg"] for _ in range(queue.qsize())]

    assert asyncio.run(scenario()) == ["line 2", "line 3", "line 4"]


def test_websockets_need_the_api_key_when_one_is_set(keyed_service):
    for headers in ({}, {"Authorization": "ApiKey wrong"}):
        with pytest.raises(websockets.exceptions.InvalidStatus):
            connect(ws_url(keyed_service, "status"), additional_headers=headers)
    with connect(ws_url(keyed_service, "status"), additional_headers={"Authorization": f"ApiKey {API_KEY}"}) as ws:
        assert "status" in json.loads(ws.recv(timeout=2))["msg"]
