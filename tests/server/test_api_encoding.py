"""Replies are encoded with orjson, large reads once per change; odd numbers never break a reply."""

import json

import pytest

from tests.server.conftest import reset

COUNT = {"name": "count", "args": [["det1"]], "kwargs": {"num": 1}}


@pytest.fixture(autouse=True)
def clean(shared_service):
    reset(shared_service)


def strict_json(text):
    """Parse as JSON proper: NaN and Infinity are refused."""
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_queue_get_is_encoded_once_per_change_and_always_current(api):
    first = api.request("GET", "/api/queue/get", json={})
    again = api.request("GET", "/api/queue/get", json={})
    assert first.content == again.content and strict_json(first.text)["items"] == []

    item = api.post("/api/queue/item/add", json={"item": COUNT}).json()["item"]
    added = api.request("GET", "/api/queue/get", json={}).json()
    assert [i["item_uid"] for i in added["items"]] == [item["item_uid"]]
    assert added["plan_queue_uid"] != strict_json(first.text)["plan_queue_uid"]

    updated = api.post("/api/queue/item/update", json={"item": dict(item, kwargs={"num": 7})}).json()
    assert updated["success"], updated
    reply = api.request("GET", "/api/queue/get", json={}).json()
    assert reply["items"][0]["kwargs"] == {"num": 7}
    assert reply["plan_queue_uid"] == api.get("/api/status").json()["plan_queue_uid"]


def test_history_get_follows_its_uid(api):
    before = api.request("GET", "/api/history/get", json={}).json()
    assert before["success"] and before["plan_history_uid"] == api.get("/api/status").json()["plan_history_uid"]


def test_integers_beyond_64_bits_round_trip(api):
    huge = 10**30
    reply = api.post("/api/queue/item/add", json={"item": dict(COUNT, kwargs={"num": huge})}).json()
    assert reply["success"] and reply["item"]["kwargs"]["num"] == huge
    assert api.request("GET", "/api/queue/get", json={}).json()["items"][0]["kwargs"]["num"] == huge


def test_request_bodies_parse_exactly_as_pythons_json_module(api):
    """The server's fast JSON parser must store what json.loads reads: same numbers, same text."""
    kwargs_text = (
        '{"num": 3, "delay": [0.1, 1e-320, 5e-324, 1.7976931348623157e308, 2.5e-5, -0.0, 123456789012345678.9,'
        ' 9223372036854775807, -9223372036854775809, 1000000000000000000000000000000],'
        ' "md": {"sample": "caf\\u00e9 \\ud83d\\ude00 \\"quoted\\" \\\\ tab\\t", "empty": "", "none": null}}'
    )
    body = '{"item": {"name": "count", "args": [["det1"]], "kwargs": ' + kwargs_text + "}}"
    reply = api.post("/api/queue/item/add", content=body.encode(), headers={"content-type": "application/json"})
    assert reply.json()["success"], reply.text
    stored = api.request("GET", "/api/queue/get", json={}).json()["items"][0]["kwargs"]
    expected = json.loads(kwargs_text)
    assert stored == expected
    assert [type(value) for value in stored["delay"]] == [type(value) for value in expected["delay"]]
    assert str(stored["delay"][5]) == "-0.0"


@pytest.mark.parametrize("body", [b'{"item": NaN}', b'{"items": [{"name": "count", "kwargs": {"delay": Infinity}}]}'])
def test_non_finite_numbers_echoed_in_a_refusal_are_sent_as_null(api, body):
    path = "/api/queue/item/add" if b'"item"' in body else "/api/queue/item/add/batch"
    reply = api.post(path, content=body, headers={"content-type": "application/json"})
    assert reply.status_code in (200, 422), reply.text
    parsed = strict_json(reply.text)
    assert parsed["success"] is False and "NaN" not in reply.text and "Infinity" not in reply.text


def test_status_is_never_older_than_a_reply_already_received(api):
    """Status is served from the manager's published status; each edit must show in the very next status."""
    uids = []
    for expected in range(1, 31):
        reply = api.post("/api/queue/item/add", json={"item": COUNT}).json()
        uids.append(reply["item"]["item_uid"])
        status = api.get("/api/status").json()
        assert status["success"] is True and status["items_in_queue"] == expected
        seed_status = api.get("/").json()
        assert seed_status["plan_queue_uid"] == status["plan_queue_uid"]
    queue = api.request("GET", "/api/queue/get", json={}).json()
    assert [item["item_uid"] for item in queue["items"]] == uids
    assert queue["plan_queue_uid"] == api.get("/api/status").json()["plan_queue_uid"]
    api.post("/api/queue/item/remove", json={"uid": uids[0]})
    assert api.request("GET", "/api/status", json={"reload": True}).json()["items_in_queue"] == 29


def test_status_refuses_unknown_body_fields_as_before(api):
    reply = api.request("GET", "/api/status", json={"relaod": True})
    assert reply.status_code == 422 and "relaod" in reply.json()["msg"]
