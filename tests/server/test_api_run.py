"""The /api routes with the environment open: execution, autostart, console output, history."""

import pytest

from tests.server.conftest import reset

COUNT = {"name": "count", "args": [["det1"]], "kwargs": {"num": 1}}


@pytest.fixture(autouse=True)
def clean(open_service):
    reset(open_service)


def ok(api, method, path, body=None):
    reply = api.request(method, "/api" + path, json=body)
    assert reply.status_code == 200 and reply.json()["success"] is True, (path, reply.text)
    return reply.json()


def wait_history(service, size):
    return service.watch.wait(
        lambda s: s["items_in_history"] == size and s["manager_state"] == "idle", what=f"{size} items in history"
    )


def uids(api):
    return {k: v for k, v in ok(api, "GET", "/status").items() if k.endswith("_uid") and k != "running_item_uid"}


def test_item_execute_runs_once_outside_the_queue(open_service, api):
    queued = ok(api, "POST", "/queue/item/add", {"item": COUNT})["item"]
    reply = ok(api, "POST", "/queue/item/execute", {"item": {"name": "count", "args": [["det2"]]}})
    assert reply["qsize"] == 1 and reply["item"]["item_uid"] != queued["item_uid"]
    wait_history(open_service, 1)
    record = ok(api, "GET", "/history/get")["items"][0]
    assert record["item_uid"] == reply["item"]["item_uid"] and record["result"]["exit_status"] == "completed"
    assert ok(api, "GET", "/queue/get")["items"] == [queued], "the queue neither ran nor changed"


def test_item_execute_of_a_failing_plan_does_not_enter_the_queue(open_service, api):
    ok(api, "POST", "/queue/item/execute", {"item": {"name": "failing_plan"}})
    wait_history(open_service, 1)
    assert ok(api, "GET", "/history/get")["items"][0]["result"]["exit_status"] == "failed"
    assert ok(api, "GET", "/queue/get")["items"] == []


def test_autostart_runs_what_is_added_and_a_failure_turns_it_off(open_service, api):
    ok(api, "POST", "/queue/autostart", {"enable": True})
    assert ok(api, "GET", "/status")["queue_autostart_enabled"] is True
    ok(api, "POST", "/queue/item/add", {"item": COUNT})
    wait_history(open_service, 1)
    ok(api, "POST", "/queue/item/add/batch", {"items": [COUNT, COUNT]})
    wait_history(open_service, 3)
    assert ok(api, "GET", "/status")["items_in_queue"] == 0

    failing = ok(api, "POST", "/queue/item/add", {"item": {"name": "failing_plan"}})["item"]
    status = wait_history(open_service, 4)
    assert status["queue_autostart_enabled"] is False, "a failed plan is not retried in a loop"
    assert [i["item_uid"] for i in ok(api, "GET", "/queue/get")["items"]] == [failing["item_uid"]]


def test_autostart_starts_a_waiting_queue_when_enabled(open_service, api):
    ok(api, "POST", "/queue/item/add", {"item": COUNT})
    ok(api, "POST", "/queue/autostart", {"enable": True})
    wait_history(open_service, 1)
    ok(api, "POST", "/queue/autostart", {"enable": False})
    ok(api, "POST", "/queue/item/add", {"item": COUNT})
    assert ok(api, "GET", "/status")["items_in_queue"] == 1


def test_console_output_update_is_incremental(open_service, api):
    start = ok(api, "GET", "/console_output_update", {"last_msg_uid": "ALL"})
    ok(api, "POST", "/queue/item/execute", {"item": {"name": "chatty_plan", "kwargs": {"text": "first words"}}})
    wait_history(open_service, 1)
    first = ok(api, "GET", "/console_output_update", {"last_msg_uid": start["last_msg_uid"]})
    assert first["last_msg_uid"] != start["last_msg_uid"]
    assert any("first words" in m["msg"] for m in first["console_output_msgs"])
    assert all(set(m) == {"time", "msg"} for m in first["console_output_msgs"])

    nothing = ok(api, "GET", "/console_output_update", {"last_msg_uid": first["last_msg_uid"]})
    assert nothing["console_output_msgs"] == [] and nothing["last_msg_uid"] == first["last_msg_uid"]
    assert ok(api, "GET", "/console_output/uid")["console_output_uid"] == first["last_msg_uid"]

    ok(api, "POST", "/queue/item/execute", {"item": {"name": "chatty_plan", "kwargs": {"text": "second words"}}})
    wait_history(open_service, 2)
    second = ok(api, "GET", "/console_output_update", {"last_msg_uid": first["last_msg_uid"]})
    texts = "".join(m["msg"] for m in second["console_output_msgs"])
    assert "second words" in texts and "first words" not in texts

    everything = ok(api, "GET", "/console_output_update", {"last_msg_uid": "never-seen"})
    texts = "".join(m["msg"] for m in everything["console_output_msgs"])
    assert "first words" in texts and "second words" in texts
    assert "second words" in ok(api, "GET", "/console_output", {"nlines": 5})["text"]


def test_running_changes_queue_history_and_run_list_uids_only(open_service, api):
    ok(api, "POST", "/queue/item/add", {"item": COUNT})
    before = uids(api)
    ok(api, "POST", "/queue/start")
    wait_history(open_service, 1)
    after = uids(api)
    assert {k for k in before if before[k] != after[k]} == {"plan_queue_uid", "plan_history_uid", "run_list_uid"}
    runs = ok(api, "GET", "/re/runs/closed")
    assert len(runs["run_list"]) == 1 and runs["run_list_uid"] == after["run_list_uid"]
    assert ok(api, "POST", "/re/runs", {"option": "open"})["run_list"] == []


def test_history_clear_trims_by_size_or_uid(open_service, api):
    ok(api, "POST", "/queue/item/add/batch", {"items": [dict(COUNT, kwargs={"num": n}) for n in (1, 2, 3, 4)]})
    ok(api, "POST", "/queue/start")
    wait_history(open_service, 4)
    history = ok(api, "GET", "/history/get")["items"]
    ok(api, "POST", "/history/clear", {"item_uid": history[0]["item_uid"]})
    assert [h["kwargs"]["num"] for h in ok(api, "GET", "/history/get")["items"]] == [2, 3, 4]
    ok(api, "POST", "/history/clear", {"size": 1})
    assert [h["kwargs"]["num"] for h in ok(api, "GET", "/history/get")["items"]] == [4]
    before = uids(api)
    ok(api, "POST", "/history/clear", {"size": 5})
    ok(api, "POST", "/history/clear", {"item_uid": "not-in-history"})
    assert uids(api) == before


def test_loop_mode_requeues_completed_items(open_service, api):
    ok(api, "POST", "/queue/mode/set", {"mode": {"loop": True}})
    ok(api, "POST", "/queue/item/add", {"item": dict(COUNT, kwargs={"num": 1})})
    ok(api, "POST", "/queue/item/add", {"item": {"item_type": "instruction", "name": "queue_stop"}})
    ok(api, "POST", "/queue/start")
    wait_history(open_service, 1)
    assert [i["name"] for i in ok(api, "GET", "/queue/get")["items"]] == ["count"]
