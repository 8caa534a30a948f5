"""The real bluesky-queueserver-api client drives a headless queue-gui, unchanged.

``REManagerAPI(http_server_uri=...)`` with its default settings: it polls
the status, caches the queue and history by their uids, and raises
``RequestFailedError`` on refusals, exactly as it does against
bluesky-httpserver.
"""

import pytest

from tests.server.conftest import API_KEY, reset

bluesky_queueserver_api = pytest.importorskip("bluesky_queueserver_api")
from bluesky_queueserver_api import BPlan  # noqa: E402
from bluesky_queueserver_api.http import REManagerAPI  # noqa: E402

WAIT = 30


@pytest.fixture
def client(shared_service):
    reset(shared_service)
    RM = REManagerAPI(http_server_uri=shared_service.url)
    yield RM
    RM.close()


def names_and_nums(RM):
    return [(item["name"], item["kwargs"].get("num")) for item in RM.queue_get()["items"]]


def test_a_full_session(shared_service, client):
    RM, watch = client, shared_service.watch

    status = RM.status()
    assert status["manager_state"] == "idle" and status["worker_environment_exists"] is False

    RM.environment_open()
    RM.wait_for_idle(timeout=WAIT)
    assert RM.status()["worker_environment_exists"] is True

    # Building the queue.
    first = RM.item_add(BPlan("count", ["det1", "det2"], num=2))
    assert first["success"] is True and first["qsize"] == 1
    assert first["item"]["name"] == "count" and first["item"]["args"] == [["det1", "det2"]]
    batch = RM.item_add_batch([BPlan("scan", ["det1"], "motor", -1, 1, 3), BPlan("count", ["det1"], num=1)])
    assert batch["qsize"] == 3 and [r["success"] for r in batch["results"]] == [True, True]
    assert names_and_nums(RM) == [("count", 2), ("scan", None), ("count", 1)]

    moved = RM.item_move(pos="back", pos_dest="front")
    assert moved["item"]["kwargs"] == {"num": 1}
    assert names_and_nums(RM) == [("count", 1), ("count", 2), ("scan", None)]

    removed = RM.item_remove(uid=batch["items"][0]["item_uid"])
    assert removed["item"]["name"] == "scan" and removed["qsize"] == 2

    front = RM.item_get(pos="front")["item"]
    updated = RM.item_update(dict(front, kwargs={"num": 3}))["item"]
    assert updated["item_uid"] == front["item_uid"]
    assert names_and_nums(RM) == [("count", 3), ("count", 2)]

    with pytest.raises(RM.RequestFailedError, match="det42"):
        RM.item_add(BPlan("count", ["det42"]))

    # Running it.
    RM.queue_start()
    RM.wait_for_idle(timeout=WAIT)
    assert RM.queue_get()["items"] == [] and RM.queue_get()["running_item"] == {}
    history = RM.history_get()["items"]
    assert [(h["kwargs"]["num"], h["result"]["exit_status"]) for h in history] == [(3, "completed"), (2, "completed")]

    # Pause and resume a long plan; stop the queue after it.
    long_plan = RM.item_add(BPlan("long_count", ["det1"], num=40, delay=0.05))["item"]
    after = RM.item_add(BPlan("count", ["det1"], num=1))["item"]
    RM.queue_start()
    watch.wait_state("executing_queue", running_item_uid=long_plan["item_uid"], timeout=WAIT)
    RM.re_pause(option="immediate")
    RM.wait_for_idle_or_paused(timeout=WAIT)
    assert RM.status()["manager_state"] == "paused" and RM.status()["re_state"] == "paused"
    assert len(RM.re_runs(option="open")["run_list"]) == 1
    # Updating the environment during a plan is for those who ask for it; Ctrl-C has no kernel to reach.
    with pytest.raises(RM.RequestFailedError, match="run_in_background=True"):
        RM.environment_update()
    task_uid = RM.environment_update(run_in_background=True)["task_uid"]
    RM.wait_for_completed_task(task_uid, timeout=WAIT)  # polls task_results_uid, then task/status
    assert RM.task_result(task_uid)["result"]["success"] is True
    with pytest.raises(RM.RequestFailedError, match="no IPython kernel"):
        RM.kernel_interrupt(interrupt_plan=True)
    RM.re_resume()
    RM.queue_stop()
    assert RM.status(reload=True)["queue_stop_pending"] is True
    RM.wait_for_idle(timeout=WAIT)
    assert RM.history_get()["items"][-1]["item_uid"] == long_plan["item_uid"]
    assert RM.history_get()["items"][-1]["result"]["exit_status"] == "completed"
    assert [item["item_uid"] for item in RM.queue_get()["items"]] == [after["item_uid"]], "the queue stopped"

    # Immediate execution leaves the queue alone.
    executed = RM.item_execute(BPlan("count", ["det2"], num=1))["item"]
    RM.wait_for_idle(timeout=WAIT)
    last = RM.history_get()["items"][-1]
    assert last["item_uid"] == executed["item_uid"] and last["result"]["exit_status"] == "completed"
    assert [item["item_uid"] for item in RM.queue_get()["items"]] == [after["item_uid"]]

    assert "count" in RM.plans_allowed()["plans_allowed"] and "det1" in RM.devices_allowed()["devices_allowed"]
    assert "long_count" in RM.plans_existing()["plans_existing"]
    assert "motor" in RM.devices_existing()["devices_existing"]

    RM.environment_close()
    RM.wait_for_idle(timeout=WAIT)
    assert RM.status()["worker_environment_exists"] is False


def test_refusals_raise_request_failed(client):
    with pytest.raises(client.RequestFailedError, match="not open"):
        client.queue_start()
    with pytest.raises(client.RequestFailedError, match="no plan is running"):
        client.re_pause(option="deferred")


def test_locks_through_the_client(client):
    client.lock_key = "a key held by the client"
    client.lock_queue(note="aligning the sample")
    try:
        assert client.status(reload=True)["lock"] == {"environment": False, "queue": True}
        assert client.lock_info()["lock_info"]["note"] == "aligning the sample"
        other = REManagerAPI(http_server_uri=client._http_server_uri)
        try:
            with pytest.raises(other.RequestFailedError, match="the queue is locked"):
                other.item_add(BPlan("count", ["det1"]))
        finally:
            other.close()
        client.enable_locked_api = True
        assert client.item_add(BPlan("count", ["det1"]))["qsize"] == 1
        client.queue_clear()
    finally:
        client.unlock()
    assert client.status(reload=True)["lock"] == {"environment": False, "queue": False}


def test_the_client_with_an_api_key(keyed_service):
    RM = REManagerAPI(http_server_uri=keyed_service.url)
    RM.set_authorization_key(api_key=API_KEY)
    try:
        assert RM.status()["manager_state"] == "idle"
        assert RM.item_add(BPlan("count", ["det1"], num=1))["qsize"] == 1
        assert len(RM.queue_get()["items"]) == 1
    finally:
        RM.close()


@pytest.mark.parametrize("key, status", [(None, 401), ("not-the-key", 403)])
def test_a_missing_or_wrong_key_makes_the_client_raise(keyed_service, key, status):
    RM = REManagerAPI(http_server_uri=keyed_service.url)
    if key:
        RM.set_authorization_key(api_key=key)
    try:
        with pytest.raises(RM.HTTPClientError, match=str(status)):
            RM.status()
        with pytest.raises(RM.HTTPClientError, match=str(status)):
            RM.item_add(BPlan("count", ["det1"]))
    finally:
        RM.close()
