"""Bodies no reply could carry are refused at the door, on every route, and reads never break.

Hardening #7 (lone surrogates), #8 (deep nesting) and the body-size point
of #9, each of which made later reads of the queue or the history answer
500 for everyone.
"""

import json
import sqlite3

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st
import pytest

from queue_gui.server.limits import MAX_DEPTH, lone_surrogate_path, nesting_depth
from tests.server.conftest import reset, start_service
from queue_gui.wire import CommandName

ROUTES = ("/api/status", "/api/queue/item/add", "/add_to_queue", "/re_pause", "/api/re/pause")


@pytest.fixture(autouse=True)
def clean(shared_service):
    reset(shared_service)


def post_raw(api, path, text):
    return api.post(path, content=text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text,
                    headers={"content-type": "application/json"})


def reads_still_work(api):
    for path in ("/api/queue/get", "/queue_view", "/api/history/get", "/"):
        assert api.get(path).status_code == 200, path


@pytest.mark.parametrize("where", ["kwargs.md value", "kwargs.md key", "user"])
def test_a_lone_surrogate_is_refused_with_422_naming_the_field(api, where):
    item = {"name": "count", "args": [["det1"]], "kwargs": {"md": {"note": "x"}}}
    if where == "kwargs.md value":
        item["kwargs"]["md"]["note"] = "\ud800"
    elif where == "kwargs.md key":
        item["kwargs"]["md"] = {"\udc00": 1}
    else:
        item["user"] = "\ud800bob"
    body = json.dumps({"item": item})  # ensure_ascii: the surrogate travels as \\ud800
    reply = post_raw(api, "/api/queue/item/add", body)
    assert reply.status_code == 422, reply.text
    msg = reply.json()["msg"]
    assert "lone surrogate" in msg
    expected = {"kwargs.md value": "item.kwargs.md.note", "kwargs.md key": "item.kwargs.md", "user": "item.user"}[where]
    assert expected in msg, msg
    assert api.get("/api/queue/get").json()["items"] == []
    reads_still_work(api)


def test_a_surrogate_pair_is_a_character_and_passes(api):
    body = json.dumps({"item": {"name": "count", "args": [["det1"]], "kwargs": {"md": {"note": "\U0001F600"}}}})
    assert "\\ud83d\\ude00" in body
    reply = post_raw(api, "/api/queue/item/add", body).json()
    assert reply["success"], reply["msg"]
    reads_still_work(api)


def test_an_escaped_backslash_before_u_is_text_not_a_surrogate(api):
    body = json.dumps({"item": {"name": "count", "args": [["det1"]], "kwargs": {"md": {"path": "C:\\ud800"}}}})
    assert post_raw(api, "/api/queue/item/add", body).json()["success"]


@pytest.mark.parametrize("path", ROUTES)
def test_arrays_nested_500_deep_are_422_on_every_route(api, path):
    reply = post_raw(api, path, "[" * 500 + "]" * 500)
    assert reply.status_code == 422, reply.text
    assert f"deeper than {MAX_DEPTH} levels" in reply.json()["msg"]
    reads_still_work(api)


def test_item_metadata_nested_480_deep_is_refused_and_the_queue_stays_readable(api):
    md = {}
    for _ in range(480):
        md = {"a": md}
    reply = post_raw(api, "/api/queue/item/add", json.dumps({"item": {"name": "count", "args": [["det1"]], "kwargs": {"md": md}}}))
    assert reply.status_code == 422
    reads_still_work(api)


def test_nesting_just_under_the_limit_is_accepted(api):
    md = "leaf"
    for _ in range(MAX_DEPTH - 5):  # {"item": {"kwargs": {"md": ... }}} adds four levels
        md = {"a": md}
    reply = post_raw(api, "/api/queue/item/add", json.dumps({"item": {"name": "count", "args": [["det1"]], "kwargs": {"md": md}}}))
    assert reply.status_code == 200 and reply.json()["success"], reply.text
    reads_still_work(api)


def test_a_chunked_body_over_the_limit_is_413_not_400(shared_service):
    def chunks():
        for _ in range(10):
            yield b" " * (1024 * 1024)

    with httpx.Client(base_url=shared_service.url, timeout=30) as client:
        reply = client.post("/api/queue/item/add", content=chunks(), headers={"content-type": "application/json"})
    assert reply.status_code == 413, reply.text
    assert "too large" in reply.json()["msg"]


def test_depth_and_surrogate_scanners_read_json_as_json():
    assert nesting_depth(b'{"a": "[[[[[[", "b": [1, {"c": []}]}') == 4
    assert nesting_depth(b'"just text"') == 0
    assert nesting_depth(b"[" * 70 + b"]" * 70) == MAX_DEPTH + 1, "counting stops past the limit"
    assert lone_surrogate_path(b'{"a": ["ok", "\\ud800"]}') == "a[1]"
    assert lone_surrogate_path(b'{"a": "\\\\ud800"}') is None
    assert lone_surrogate_path(b'{"a": "\\ud83d\\ude00"}') is None


def test_a_record_stored_before_the_door_existed_does_not_break_reads(tmp_path):
    """An item with a lone surrogate written by an older version is served (escaped), not a 500 for everyone."""
    first = start_service(tmp_path / "data")
    try:
        first.manager.call(CommandName.QUEUE_ITEM_ADD, {"item": {"name": "count", "args": [["det1"]]}})
    finally:
        first.stop()
    db = sqlite3.connect(str(tmp_path / "data" / "queue.sqlite"))
    (uid, text), = db.execute("SELECT item_uid, item FROM queue").fetchall()
    item = json.loads(text)
    item["kwargs"] = {"md": {"note": "\ud800"}}
    db.execute("UPDATE queue SET item = ? WHERE item_uid = ?", (json.dumps(item), uid))
    db.commit()
    db.close()
    second = start_service(tmp_path / "data")
    try:
        with httpx.Client(base_url=second.url, timeout=10) as client:
            for path in ("/api/queue/get", "/queue_view"):
                reply = client.get(path)
                assert reply.status_code == 200, (path, reply.text)
            assert "\\ud800" in client.get("/api/queue/get").text
    finally:
        second.stop()


def _depth_of(value):
    if isinstance(value, list):
        return 1 + max((_depth_of(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth_of(v) for v in value.values()), default=0)
    return 0


_TRICKY = "[]{}\"\\ab:,"
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet=_TRICKY, max_size=6),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(alphabet=_TRICKY, max_size=4), children, max_size=4),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(_JSON)
def test_nesting_depth_is_the_depth_of_the_parsed_value(value):
    """Brackets and quotes inside strings, escaped or not, never fool the scanner."""
    for text in (json.dumps(value), json.dumps(value, indent=1)):
        assert nesting_depth(text.encode()) == min(_depth_of(value), MAX_DEPTH + 1)


def test_history_clear_takes_no_boolean_for_size(api, shared_service):
    """Hardening #9: {"size": true} was read as size=1 and trimmed the history."""
    reply = api.post("/api/history/clear", json={"size": True})
    assert reply.status_code == 422, reply.text
    assert api.post("/api/history/clear", json={"size": 0}).json()["success"]


def test_remove_with_both_uid_and_pos_is_refused_like_get_and_move(api):
    """Hardening #9: remove silently ignored pos."""
    uid = api.post("/api/queue/item/add", json={"item": {"name": "count", "args": [["det1"]]}}).json()["item"]["item_uid"]
    api.post("/api/queue/item/add", json={"item": {"name": "count", "args": [["det2"]]}})
    for path in ("/api/queue/item/remove", "/api/queue/item/move"):
        body = {"uid": uid, "pos": "back"} | ({"pos_dest": "front"} if path == "/api/queue/item/move" else {})
        reply = api.post(path, json=body).json()
        assert reply["success"] is False and "not both" in reply["msg"], (path, reply)
    reply = api.request("GET", "/api/queue/item/get", json={"uid": uid, "pos": "back"}).json()
    assert reply["success"] is False and "not both" in reply["msg"]
    assert len(api.get("/api/queue/get").json()["items"]) == 2, "nothing was removed"


def test_the_seed_route_refuses_unknown_top_level_keys_and_names_the_known_ones(api):
    """Hardening #9: /add_to_queue ignored them while the /api routes refused theirs."""
    reply = api.post("/add_to_queue", json={"plan": {"name": "count", "args": [["det1"]]}, "priority": 1})
    assert reply.status_code == 422
    assert "priority" in reply.json()["msg"] and "known fields: plan" in reply.json()["msg"]
    reply = api.post("/api/queue/item/add", json={"item": {"name": "count", "args": [["det1"]]}, "priority": 1})
    assert reply.status_code == 422 and "priority" in reply.json()["msg"]
    assert api.get("/api/queue/get").json()["items"] == []


def test_a_refusal_does_not_echo_a_huge_name_back(api):
    """Hardening #9: a 6 MB device name came back in full."""
    huge = "d" * 6_000_000
    reply = api.post("/api/queue/item/add", json={"item": {"name": "count", "args": [[huge]]}})
    assert reply.status_code == 200 and len(reply.content) < 10_000
    assert "(6000000 characters)" in reply.json()["msg"]
    batch = api.post("/api/queue/item/add/batch", json={"items": [{"name": "count", "args": [[huge[:100_000]]]}]}).json()
    assert len(batch["results"][0]["msg"]) < 1000


def _store_deep_history_record(data_dir, depth):
    """Write a finished item whose metadata is nested ``depth`` deep straight into the database,
    as a version from before the depth limit (or a hand edit) could have left it."""
    first = start_service(data_dir)
    first.stop()
    nested = {}
    for _ in range(depth):
        nested = {"a": nested}
    record = {"item_type": "plan", "name": "count", "args": [["det1"]], "kwargs": {"md": nested},
              "item_uid": "deep-record", "result": {"exit_status": "completed", "msg": ""}}
    db = sqlite3.connect(str(data_dir / "queue.sqlite"))
    import sys
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(10_000)
    try:
        text = json.dumps(record)
    finally:
        sys.setrecursionlimit(limit)
    db.execute("INSERT INTO history (item) VALUES (?)", (text,))
    db.commit()
    db.close()


def test_a_stored_record_too_deep_to_encode_is_marked_and_the_others_are_served(tmp_path):
    """History reads answered 500 (and dropped the connection) for one record nested 600 deep."""
    _store_deep_history_record(tmp_path / "data", 600)
    service = start_service(tmp_path / "data")
    try:
        service.manager.call(CommandName.QUEUE_ITEM_ADD, {"item": {"name": "count", "args": [["det1"]]}})
        with httpx.Client(base_url=service.url, timeout=10) as client:
            reply = client.get("/api/history/get")
            assert reply.status_code == 200, reply.text
            (record,) = reply.json()["items"]
            assert record["item_uid"] == "deep-record" and record["name"] == "count"
            assert "could not be encoded" in record["unreadable"]
            assert client.get("/api/queue/get").json()["items"][0]["name"] == "count"
    finally:
        service.stop()


def test_a_stored_record_too_deep_to_decode_is_set_aside_not_fatal(tmp_path, caplog):
    """One record nested 990 deep stopped the manager at start: nothing was served at all."""
    _store_deep_history_record(tmp_path / "data", 990)
    service = start_service(tmp_path / "data")
    try:
        with httpx.Client(base_url=service.url, timeout=10) as client:
            assert client.get("/api/status").status_code == 200
            assert client.get("/api/history/get").json()["items"] == []
    finally:
        service.stop()
    assert any("unreadable" in r.getMessage() and "queue.sqlite" in r.getMessage() for r in caplog.records)
    db = sqlite3.connect(str(tmp_path / "data" / "queue.sqlite"))
    (source, text), = db.execute("SELECT source, item FROM unreadable").fetchall()
    assert source == "history" and '"deep-record"' in text, "the record is kept, not lost"
