"""The /api routes over real HTTP, environment closed: shapes, refusals, 422s, locks, uids."""

import pytest

from queue_gui.server.api_routes import ROUTES
from tests.server.conftest import reset
from queue_gui.wire import CommandName

KEY = "the-lock-key"
COUNT = {"name": "count", "args": [["det1"]], "kwargs": {"num": 1}}


@pytest.fixture(autouse=True)
def clean(shared_service):
    reset(shared_service)
    yield
    shared_service.manager.call(CommandName.UNLOCK, {"lock_key": KEY})


def call(api, method, path, body=None, **kwargs):
    reply = api.request(method, "/api" + path, json=body, **kwargs)
    assert reply.status_code == 200, (path, reply.status_code, reply.text)
    return reply.json()


def ok(api, method, path, body=None):
    reply = call(api, method, path, body)
    assert reply["success"] is True, (path, reply)
    return reply


def refused(api, method, path, body=None):
    reply = call(api, method, path, body)
    assert reply["success"] is False, (path, reply)
    assert reply["msg"], "a refusal names its cause"
    return reply


def add(api, **item):
    return ok(api, "POST", "/queue/item/add", {"item": dict(COUNT, **item)})["item"]


def uids(api):
    return {k: v for k, v in ok(api, "GET", "/status").items() if k.endswith("_uid") and k != "running_item_uid"}


def changed(before, after):
    return {name for name in before if before[name] != after[name]}


# ------------------------------------------------------------------ shapes
@pytest.mark.parametrize("route", [r for r in ROUTES if r.path != "/environment/open"], ids=lambda r: r.path)
def test_every_route_takes_no_body_an_empty_body_or_an_empty_object(api, route):
    for method in route.methods:
        for kwargs in ({}, {"content": b""}, {"json": {}}):
            reply = api.request(method, "/api" + route.path, **kwargs)
            assert reply.status_code == 200, (method, kwargs, reply.text)
            assert set(reply.json()) >= {"success", "msg"}


def test_get_routes_read_a_json_body(api):
    first = add(api)
    add(api)
    assert call(api, "GET", "/queue/item/get", {"pos": "front"})["item"] == first
    assert call(api, "GET", "/queue/item/get", {"uid": first["item_uid"]})["item"] == first
    assert call(api, "GET", "/console_output", {"nlines": 0})["text"] == ""


def test_status_is_served_on_get_post_ping_and_the_seed_root(api):
    reply = call(api, "GET", "/status", {})
    for key in ("manager_state", "plan_queue_uid", "lock", "queue_autostart_enabled", "lock_info_uid"):
        assert key in reply
    assert call(api, "POST", "/status")["manager_state"] == reply["manager_state"]
    assert call(api, "GET", "/ping")["plan_queue_uid"] == reply["plan_queue_uid"]
    assert api.get("/").json()["plan_queue_uid"] == reply["plan_queue_uid"]


def test_openapi_documents_every_route_with_typed_bodies(api):
    schema = api.get("/openapi.json").json()
    for route in ROUTES:
        for method in route.methods:
            operation = schema["paths"]["/api" + route.path][method.lower()]
            assert "requestBody" in operation, route.path
    item_add = schema["components"]["schemas"]["ItemAdd"]["properties"]
    assert {"item", "pos", "before_uid", "after_uid", "lock_key"} <= set(item_add)
    assert api.get("/docs").status_code == 200


# ------------------------------------------------------------------ refusals and 422
def test_refusals_are_200_with_success_false_and_a_reason(api):
    assert "not open" in refused(api, "POST", "/queue/start")["msg"]
    assert "not open" in refused(api, "POST", "/queue/item/execute", {"item": COUNT})["msg"]
    assert "not open" in refused(api, "POST", "/environment/close")["msg"]
    assert "no plan is running" in refused(api, "POST", "/re/pause", {"option": "immediate"})["msg"]
    assert "no plan is paused" in refused(api, "POST", "/re/resume")["msg"]
    assert "empty" in refused(api, "POST", "/queue/item/remove", {"pos": "back"})["msg"]
    assert "det42" in refused(api, "POST", "/queue/item/add", {"item": dict(COUNT, args=[["det42"]])})["msg"]
    assert "teleport" in refused(api, "POST", "/queue/item/add", {"item": {"name": "teleport"}})["msg"]
    assert "no item given" in refused(api, "POST", "/queue/item/add", {})["msg"]
    assert "ghost" in refused(api, "POST", "/queue/item/move", {"uid": "ghost", "pos_dest": "front"})["msg"]
    assert "'enable'" in refused(api, "POST", "/queue/autostart", {})["msg"]
    assert ok(api, "GET", "/status")["items_in_queue"] == 0


@pytest.mark.parametrize(
    "path, body",
    [
        ("/queue/item/add", {"item": "count"}),
        ("/queue/item/add", {"item": COUNT, "pos": 1.5}),
        ("/queue/item/add", {"item": COUNT, "colour": "blue"}),
        ("/queue/item/add", {"item": dict(COUNT, args="det1")}),
        ("/queue/item/add/batch", {"items": COUNT}),
        ("/queue/item/remove/batch", {"uids": "abc"}),
        ("/re/pause", {"option": "later"}),
        ("/queue/mode/set", {"mode": {"loop": "sometimes"}}),
        ("/history/clear", {"size": -1}),
        ("/lock", {"lock_key": KEY, "queue": True, "forever": True}),
    ],
)
def test_malformed_bodies_are_422_with_detail(api, path, body):
    reply = api.post("/api" + path, json=body)
    assert reply.status_code == 422, reply.text
    answer = reply.json()
    assert answer["detail"] and answer["success"] is False and answer["msg"].startswith("invalid request")
    assert ok(api, "GET", "/status")["items_in_queue"] == 0


def test_a_body_that_is_not_json_is_422(api):
    reply = api.post("/api/queue/item/add", content=b"{not json", headers={"content-type": "application/json"})
    assert reply.status_code == 422 and "detail" in reply.json()


# ------------------------------------------------------------------ batches
def test_add_batch_is_all_or_nothing(api):
    add(api)
    before = uids(api)
    good, bad = dict(COUNT), dict(COUNT, args=[["nobody"]])
    reply = refused(api, "POST", "/queue/item/add/batch", {"items": [good, bad, good]})
    assert [r["success"] for r in reply["results"]] == [True, False, True]
    assert "nobody" in reply["results"][1]["msg"] and reply["qsize"] == 1
    assert ok(api, "GET", "/status")["items_in_queue"] == 1 and uids(api) == before

    reply = ok(api, "POST", "/queue/item/add/batch", {"items": [good, good], "pos": "front"})
    assert reply["qsize"] == 3 and [r["success"] for r in reply["results"]] == [True, True]
    queue = call(api, "GET", "/queue/get")["items"]
    assert [i["item_uid"] for i in queue[:2]] == [i["item_uid"] for i in reply["items"]]


def test_move_and_remove_batches_are_all_or_nothing(api):
    a, b, c = add(api), add(api), add(api)
    before = uids(api)
    refused(api, "POST", "/queue/item/move/batch", {"uids": [c["item_uid"], "ghost"], "pos_dest": "front"})
    refused(api, "POST", "/queue/item/remove/batch", {"uids": [a["item_uid"], "ghost"], "ignore_missing": False})
    refused(api, "POST", "/queue/item/remove/batch", {"uids": [a["item_uid"], a["item_uid"]]})
    assert uids(api) == before
    queue = call(api, "GET", "/queue/get")["items"]
    assert [i["item_uid"] for i in queue] == [a["item_uid"], b["item_uid"], c["item_uid"]]

    moved = ok(api, "POST", "/queue/item/move/batch", {"uids": [c["item_uid"], b["item_uid"]], "pos_dest": "front"})
    assert [i["item_uid"] for i in moved["items"]] == [c["item_uid"], b["item_uid"]]
    removed = ok(api, "POST", "/queue/item/remove/batch", {"uids": [a["item_uid"], "ghost"]})
    assert [i["item_uid"] for i in removed["items"]] == [a["item_uid"]] and removed["qsize"] == 2


# ------------------------------------------------------------------ locks
def test_a_queue_lock_refuses_queue_edits_without_the_key(api):
    before = uids(api)
    lock = ok(api, "POST", "/lock", {"lock_key": KEY, "queue": True, "note": "beam time of group A", "user": "ada"})
    assert lock["lock_info"]["queue"] is True and lock["lock_info"]["user"] == "ada"
    assert changed(before, uids(api)) == {"lock_info_uid"}
    status = ok(api, "GET", "/status")
    assert status["lock"] == {"environment": False, "queue": True}
    assert status["lock_info_uid"] == lock["lock_info_uid"]

    reply = refused(api, "POST", "/queue/item/add", {"item": COUNT})
    assert reply["msg"].startswith("the queue is locked") and "ada" in reply["msg"] and "group A" in reply["msg"]
    assert "the queue is locked" in refused(api, "POST", "/queue/item/add", {"item": COUNT, "lock_key": "guess"})["msg"]
    assert "the queue is locked" in refused(api, "POST", "/queue/clear")["msg"]
    assert "the queue is locked" in refused(api, "POST", "/history/clear")["msg"]
    assert "the queue is locked" in refused(api, "POST", "/queue/mode/set", {"mode": {"loop": True}})["msg"]
    item = ok(api, "POST", "/queue/item/add", {"item": COUNT, "lock_key": KEY})["item"]
    ok(api, "POST", "/queue/item/remove", {"uid": item["item_uid"], "lock_key": KEY})
    # The environment is not locked: its commands answer for their own reasons.
    assert "locked" not in refused(api, "POST", "/queue/start")["msg"]
    # Reading is never locked.
    ok(api, "GET", "/queue/get")

    assert refused(api, "GET", "/lock/info", {"lock_key": "guess"})["lock_info"]["queue"] is True
    assert ok(api, "GET", "/lock/info", {"lock_key": KEY})["lock_info"]["note"] == "beam time of group A"
    assert "different key" in refused(api, "POST", "/lock", {"lock_key": "guess", "environment": True})["msg"]
    refused(api, "POST", "/unlock", {"lock_key": "guess"})
    unlocked = ok(api, "POST", "/unlock", {"lock_key": KEY})
    assert unlocked["lock_info"]["queue"] is False and unlocked["lock_info_uid"] != lock["lock_info_uid"]
    assert ok(api, "GET", "/status")["lock"] == {"environment": False, "queue": False}
    add(api)


def test_an_environment_lock_refuses_run_control_without_the_key(api):
    ok(api, "POST", "/lock", {"lock_key": KEY, "environment": True})
    for path in ("/environment/open", "/queue/start", "/queue/stop", "/re/pause", "/re/resume", "/queue/autostart"):
        assert refused(api, "POST", path)["msg"].startswith("the environment is locked"), path
    assert "the environment is locked" in refused(api, "POST", "/queue/item/execute", {"item": COUNT})["msg"]
    add(api)  # the queue is not locked
    assert "not open" in refused(api, "POST", "/queue/start", {"lock_key": KEY})["msg"]
    ok(api, "POST", "/unlock", {"lock_key": KEY})


def test_lock_needs_a_key_and_a_scope(api):
    assert "lock_key" in refused(api, "POST", "/lock", {"queue": True})["msg"]
    assert "nothing to lock" in refused(api, "POST", "/lock", {"lock_key": KEY})["msg"]
    assert ok(api, "POST", "/unlock", {"lock_key": KEY})["lock_info"]["queue"] is False


# ------------------------------------------------------------------ uids
def test_each_uid_changes_exactly_when_its_data_changes(api):
    start = uids(api)
    for method, path, body in (
        ("GET", "/queue/get", None),
        ("GET", "/history/get", None),
        ("GET", "/plans/allowed", None),
        ("GET", "/devices/existing", None),
        ("GET", "/lock/info", None),
        ("GET", "/re/runs/active", None),
        ("POST", "/queue/clear", None),
        ("POST", "/history/clear", None),
        ("POST", "/queue/stop/cancel", None),
        ("POST", "/queue/item/add", {"item": {"name": "teleport"}}),
    ):
        call(api, method, path, body)
        assert uids(api) == start, path

    a = add(api)
    after_add = uids(api)
    assert changed(start, after_add) == {"plan_queue_uid"}
    b = add(api)
    ok(api, "POST", "/queue/item/move", {"uid": b["item_uid"], "pos_dest": "back"})
    ok(api, "POST", "/queue/item/update", {"item": a})
    unchanged = uids(api)
    ok(api, "POST", "/queue/item/move", {"uid": b["item_uid"], "pos_dest": "front"})
    assert changed(unchanged, uids(api)) == {"plan_queue_uid"}
    before = uids(api)
    ok(api, "POST", "/queue/item/update", {"item": dict(a, kwargs={"num": 5})})
    assert changed(before, uids(api)) == {"plan_queue_uid"}
    before = uids(api)
    ok(api, "POST", "/queue/mode/set", {"mode": {"loop": True}})
    ok(api, "POST", "/queue/autostart", {"enable": True})
    assert uids(api) == before, "settings are status fields, not data behind a uid"
    assert ok(api, "GET", "/status")["plan_queue_mode"] == {"loop": True, "ignore_failures": False}
    assert ok(api, "GET", "/status")["queue_autostart_enabled"] is True
