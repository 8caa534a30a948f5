"""The seed demo's endpoints over real HTTP on 127.0.0.1."""

import json
import os
import shutil
import subprocess
import sys

import pytest
from queue_gui.wire import CommandName

HTTPIE = shutil.which("http", path=os.path.dirname(sys.executable)) or shutil.which("http")


def httpie(service, *words):
    """Run an ``http`` command line exactly as the seed's README writes it."""
    port = service.url.rsplit(":", 1)[1]
    words = [w.replace(":8080", f":{port}") for w in words]
    done = subprocess.run([HTTPIE, "--ignore-stdin", "--body", *words], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.skipif(HTTPIE is None, reason="httpie is installed by the test extra")
def test_the_seed_walk_through_works_as_written(service):
    count = httpie(service, "POST", ":8080/add_to_queue", 'plan:={"name":"count", "args":[["det1", "det2"]]}')
    assert count["success"] is True and count["item"]["name"] == "count"
    scan = httpie(service, "POST", ":8080/add_to_queue", 'plan:={"name":"scan", "args":[["det1", "det2"], "motor", -1, 1, 10]}')
    assert scan["qsize"] == 2

    popped = httpie(service, "POST", ":8080/pop_from_queue")
    assert popped["success"] is True and popped["item"]["item_uid"] == scan["item"]["item_uid"]

    status = httpie(service, "GET", ":8080")
    assert status["items_in_queue"] == 1 and status["manager_state"] == "idle"
    assert status["worker_environment_exists"] is False

    view = httpie(service, "GET", ":8080/queue_view")
    assert [item["item_uid"] for item in view["queue"]] == [count["item"]["item_uid"]]
    assert view["queue"][0]["args"] == [["det1", "det2"]]

    assert httpie(service, "POST", ":8080/create_environment")["success"] is True
    service.watch.wait_state("idle", worker_environment_exists=True)
    httpie(service, "POST", ":8080/add_to_queue", 'plan:={"name":"long_count", "args":[["det1"]], "kwargs": {"num": 40}}')
    assert httpie(service, "POST", ":8080/process_queue")["success"] is True
    service.watch.wait(lambda s: s["items_in_history"] == 1 and s["manager_state"] == "executing_queue")

    assert httpie(service, "POST", ":8080/re_pause", "option=immediate")["success"] is True
    service.watch.wait_state("paused")
    assert httpie(service, "POST", ":8080/re_continue", "option=resume")["success"] is True
    service.watch.wait(lambda s: s["manager_state"] == "idle" and s["items_in_history"] == 2)

    assert httpie(service, "POST", ":8080/close_environment")["success"] is True
    service.watch.wait_state("idle", worker_environment_exists=False)
    history = service.manager.call(CommandName.HISTORY_GET)["items"]
    assert [h["result"]["exit_status"] for h in history] == ["completed", "completed"]


def test_pop_from_an_empty_queue_is_a_clear_refusal(http):
    reply = http.post("/pop_from_queue")
    assert reply.status_code == 200
    assert reply.json() == {"success": False, "msg": "the queue is empty"}


def test_commands_that_do_not_fit_the_state_are_refused(http):
    refusals = {
        "/process_queue": "cannot start the queue: the environment is not open",
        "/close_environment": "cannot close the environment: the environment is not open",
    }
    for path, msg in refusals.items():
        reply = http.post(path)
        assert reply.status_code == 200 and reply.json() == {"success": False, "msg": msg}
    reply = http.post("/re_pause", json={"option": "immediate"}).json()
    assert reply["success"] is False and "no plan is running" in reply["msg"]
    reply = http.post("/re_continue", json={"option": "resume"}).json()
    assert reply["success"] is False and "no plan is paused" in reply["msg"]


@pytest.mark.parametrize(
    "plan, expected",
    [
        ({"name": "cout", "args": [["det1"]]}, "unknown plan 'cout'; available: chatty_plan, count,"),
        ({"name": "count", "args": [["det1", "det9"]]}, "unknown device 'det9' in parameter 'detectors' of plan 'count'; available: det, det1,"),
        ({"name": "scan", "args": [["det1"], "motr", -1, 1, 10]}, "unknown device 'motr'"),
        ({"name": "count", "args": []}, "plan 'count': missing a required argument: 'detectors'"),
        ({"name": "count", "args": [["det1"]], "kwargs": {"nmu": 3}}, "plan 'count': got an unexpected keyword argument 'nmu'"),
        ({"name": "sleep", "args": [1, 2, 3]}, "plan 'sleep': too many positional arguments"),
    ],
)
def test_invalid_plans_are_refused_naming_the_problem(http, plan, expected):
    reply = http.post("/add_to_queue", json={"plan": plan})
    assert reply.status_code == 200
    body = reply.json()
    assert body["success"] is False
    assert body["msg"].startswith(expected), body["msg"]
    assert http.get("/queue_view").json()["queue"] == [], "nothing is added silently wrong"


@pytest.mark.parametrize(
    "content, status",
    [
        (b'{"plan": {"name": "count", "args": [["det1"]]', 422),  # malformed JSON
        (b'{"plan": "count"}', 422),  # a plan that is not an object
        (b'{"plan": {"args": [["det1"]]}}', 422),  # a plan without a name
        (b"{}", 422),  # no plan at all
        (b"[1, 2]", 422),  # not an object
        (b'{"plan": {"name": "count", "args": "det1"}}', 422),  # args not a list
    ],
)
def test_malformed_requests_get_4xx_with_a_message(http, content, status):
    reply = http.post("/add_to_queue", content=content, headers={"content-type": "application/json"})
    assert reply.status_code == status
    body = reply.json()
    assert body["success"] is False and body["msg"].startswith("invalid request")
    assert "detail" in body
    assert http.get("/").json()["manager_state"] == "idle", "the server keeps answering"


def test_oversized_body_is_refused_with_413(http):
    huge = json.dumps({"plan": {"name": "count", "args": [["det1"] * 2_000_000]}})
    reply = http.post("/add_to_queue", content=huge, headers={"content-type": "application/json"})
    assert reply.status_code == 413
    assert "too large" in reply.json()["msg"]
    assert http.get("/").status_code == 200


def test_routes_accept_no_body_and_empty_objects(http):
    for path in ("/pop_from_queue", "/create_environment"):
        for kwargs in ({}, {"content": b""}, {"json": {}}):
            reply = http.post(path, **kwargs)
            assert reply.status_code == 200, (path, kwargs, reply.text)
            assert "success" in reply.json()


def test_unknown_continue_option_is_refused(http):
    reply = http.post("/re_continue", json={"option": "rewind"}).json()
    assert reply["success"] is False and "use one of resume, abort, stop, halt" in reply["msg"]
    reply = http.post("/re_pause", json={"option": "later"}).json()
    assert reply["success"] is False and "'deferred' or 'immediate'" in reply["msg"]


def test_status_has_the_documented_fields(http):
    status = http.get("/").json()
    for key in (
        "msg", "items_in_queue", "items_in_history", "running_item_uid", "manager_state", "queue_stop_pending",
        "queue_autostart_enabled", "worker_environment_exists", "worker_environment_state", "re_state",
        "pause_pending", "plan_queue_uid", "plan_history_uid", "plans_allowed_uid", "devices_allowed_uid",
        "run_list_uid", "plans_existing_uid", "devices_existing_uid", "lock_info_uid", "task_results_uid",
        "plan_queue_mode", "lock",
    ):
        assert key in status, key
    assert status["re_state"] is None and status["worker_environment_state"] == "closed"


def test_queue_items_are_full_records(http):
    item = http.post("/add_to_queue", json={"plan": {"name": "count", "args": [["det1"]]}}).json()["item"]
    assert set(item) >= {"item_uid", "item_type", "name", "args", "kwargs", "meta", "user", "user_group"}
    assert item["kwargs"] == {} and item["item_type"] == "plan" and item["user_group"] == "primary"
    assert http.get("/queue_view").json()["queue"] == [item]
