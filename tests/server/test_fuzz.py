"""Fuzzing every HTTP route from the OpenAPI schema of a live headless service.

schemathesis reads ``/openapi.json`` from a real ``Service`` (manager, worker
process, uvicorn on 127.0.0.1) and generates requests for every operation:
bodies that fit the schema (``positive``) and bodies that do not
(``negative``: wrong types, unknown fields, missing structure). After every
request:

- the answer is not a 5xx: a body that fits is a 200 (success or a refusal
  with its ``msg``), a body that does not is a 4xx with ``detail``;
- the server still answers ``GET /api/status``;
- the queue is consistent: ``queue/get`` lists unique ``item_uid``s, and
  ``items_in_queue`` equals their number whenever the status and the queue
  reply describe the same ``plan_queue_uid``.

A hypothesis state machine then drives random sequences of *valid* edits
(real plans, queued uids) through every editing route and compares the
queue with a plain list after each step, which schema-driven generation
alone hardly reaches. Bodies a schema cannot express (not JSON, ``NaN``,
``1e999``) have their own tests.

The budget is 8 examples per operation and mode (about 55 operations; the
file runs in under 30 s on two cores). Nothing is skipped:
``environment/open`` and ``environment/destroy`` are fuzzed too (a destroy
only kills the worker, and a standby takes its place in the background).
``FUZZ_EXAMPLES`` sets the number of examples for a longer run.
"""

import os

import pytest

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")
requests = pytest.importorskip("requests")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

from tests.server.conftest import reset  # noqa: E402

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
TIMEOUT = 10


@pytest.fixture(scope="module")
def schema(shared_service):
    return schemathesis.openapi.from_url(shared_service.url + "/openapi.json")


@pytest.fixture(scope="module")
def session():
    with requests.Session() as session:
        session.trust_env = False
        yield session


def operations(schema):
    found = []
    for result in schema.get_all_operations():
        found.append(result.ok())
    return found


def check_server(session, base_url, after):
    """The server answers and its queue is consistent (``after`` names the request, for messages)."""
    for _ in range(5):
        status = session.get(base_url + "/api/status", json={}, timeout=TIMEOUT)
        assert status.status_code == 200, (after, status.status_code, status.text)
        queue = session.get(base_url + "/api/queue/get", json={}, timeout=TIMEOUT)
        assert queue.status_code == 200, (after, queue.status_code, queue.text)
        status, queue = status.json(), queue.json()
        uids = [item["item_uid"] for item in queue["items"]]
        assert len(set(uids)) == len(uids), (after, "duplicate item uids in the queue", uids)
        if status["plan_queue_uid"] == queue["plan_queue_uid"]:
            assert status["items_in_queue"] == len(uids), (after, status["items_in_queue"], len(uids))
            return
    pytest.fail(f"after {after}: the queue changed under every one of 5 status/queue reads")


def fuzz_operation(operation, mode, session, base_url):
    label = f"{operation.method.upper()} {operation.path} ({mode.value})"
    answered = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        response = case.call(base_url=base_url, session=session, timeout=TIMEOUT)
        code = response.status_code
        assert code < 500, (label, case.body, code, response.text)
        if mode is GenerationMode.POSITIVE:
            # A 404 is an answer to a request that fits when the route documents it (an unknown run).
            documented = {404} if "404" in operation.definition.raw.get("responses", {}) else set()
            assert code in {200, 413} | documented, (label, case.body, code, response.text)
        if code >= 400:
            assert "detail" in response.json(), (label, case.body, code, response.text)
        else:
            assert "success" in response.json(), (label, case.body, response.text)
        answered.append(code)
        check_server(session, base_url, label)

    try:
        run()
    except Unsatisfiable:
        # An operation without parameters (POST /pop_from_queue) has no
        # request that breaks its schema; its positive cases still ran.
        assert mode is GenerationMode.NEGATIVE, label
    return answered


def test_queue_edits_keep_the_queue_consistent(shared_service, session):
    """Random sequences of valid edits over HTTP match a plain list of uids, step by step.

    The schema-driven fuzzing above rarely names a real plan or a queued uid;
    this state machine does, through every editing route (by position, by
    uid, before/after another item, batches), and compares the queue with
    its model after each step.
    """
    url = shared_service.url

    def post(path, body):
        reply = session.post(url + path, json=body, timeout=TIMEOUT)
        assert reply.status_code == 200, (path, body, reply.status_code, reply.text)
        return reply.json()

    def ok(path, body):
        reply = post(path, body)
        assert reply["success"] is True, (path, body, reply)
        return reply

    def item(num):
        return {"name": "count", "args": [["det1"]], "kwargs": {"num": num}}

    def insertion_index(size, pos):
        if pos in (None, "back"):
            return size
        if pos == "front":
            return 0
        return min(max(size + pos + 1, 0), size) if pos < 0 else min(pos, size)

    positions = st.one_of(st.sampled_from(["front", "back"]), st.integers(-6, 6))

    class QueueEdits(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            reset(shared_service)
            self.model = []  # item uids in queue order
            self.nums = {}

        def _add(self, index, reply_items):
            uids = [entry["item_uid"] for entry in reply_items]
            self.model[index:index] = uids
            for entry in reply_items:
                self.nums[entry["item_uid"]] = entry["kwargs"]["num"]

        @rule(num=st.integers(1, 5), pos=st.one_of(st.none(), positions))
        def add(self, num, pos):
            body = {"item": item(num)} if pos is None else {"item": item(num), "pos": pos}
            reply = ok("/api/queue/item/add", body)
            self._add(insertion_index(len(self.model), pos), [reply["item"]])

        @rule(data=st.data(), nums=st.lists(st.integers(1, 5), min_size=1, max_size=4), after=st.booleans())
        def add_batch_next_to(self, data, nums, after):
            if not self.model:
                reply = ok("/api/queue/item/add/batch", {"items": [item(n) for n in nums]})
                self._add(0, reply["items"])
                return
            anchor = data.draw(st.sampled_from(self.model))
            key = "after_uid" if after else "before_uid"
            reply = ok("/api/queue/item/add/batch", {"items": [item(n) for n in nums], key: anchor})
            self._add(self.model.index(anchor) + (1 if after else 0), reply["items"])

        @rule(data=st.data())
        def remove_by_uid(self, data):
            if self.model:
                uid = data.draw(st.sampled_from(self.model))
                assert ok("/api/queue/item/remove", {"uid": uid})["item"]["item_uid"] == uid
                self.model.remove(uid)

        @rule(pos=positions)
        def remove_by_position(self, pos):
            size = len(self.model)
            index = {"front": 0, "back": size - 1}.get(pos, pos)
            if size and -size <= index < size:
                assert ok("/api/queue/item/remove", {"pos": pos})["item"]["item_uid"] == self.model.pop(index)
            else:
                assert post("/api/queue/item/remove", {"pos": pos})["success"] is False

        @rule()
        def pop_from_queue(self):
            reply = post("/pop_from_queue", None)
            assert reply["success"] is bool(self.model), reply
            if self.model:
                assert reply["item"]["item_uid"] == self.model.pop()

        @rule(data=st.data())
        def remove_batch(self, data):
            uids = data.draw(st.lists(st.sampled_from(self.model), unique=True)) if self.model else []
            ok("/api/queue/item/remove/batch", {"uids": uids + ["not-a-queued-uid"]})
            self.model = [uid for uid in self.model if uid not in uids]

        @rule(data=st.data(), pos_dest=positions)
        def move_to_position(self, data, pos_dest):
            if self.model:
                uid = data.draw(st.sampled_from(self.model))
                ok("/api/queue/item/move", {"uid": uid, "pos_dest": pos_dest})
                self.model.remove(uid)
                self.model.insert(insertion_index(len(self.model), pos_dest), uid)

        @rule(data=st.data(), after=st.booleans())
        def move_batch_next_to(self, data, after):
            if len(self.model) < 2:
                return
            anchor = data.draw(st.sampled_from(self.model))
            others = [uid for uid in self.model if uid != anchor]
            uids = data.draw(st.lists(st.sampled_from(others), min_size=1, unique=True))
            key = "after_uid" if after else "before_uid"
            ok("/api/queue/item/move/batch", {"uids": uids, key: anchor})
            rest = [uid for uid in self.model if uid not in uids]
            index = rest.index(anchor) + (1 if after else 0)
            self.model = rest[:index] + uids + rest[index:]

        @rule(data=st.data(), num=st.integers(6, 9))
        def update(self, data, num):
            if self.model:
                uid = data.draw(st.sampled_from(self.model))
                ok("/api/queue/item/update", {"item": dict(item(num), item_uid=uid)})
                self.nums[uid] = num

        @rule()
        def clear(self):
            ok("/api/queue/clear", {})
            self.model = []

        @invariant()
        def matches_the_model(self):
            queue = session.get(url + "/api/queue/get", timeout=TIMEOUT).json()
            assert [entry["item_uid"] for entry in queue["items"]] == self.model
            assert [entry["kwargs"]["num"] for entry in queue["items"]] == [self.nums[uid] for uid in self.model]
            status = session.get(url + "/api/status", timeout=TIMEOUT).json()
            assert status["items_in_queue"] == len(self.model)
            assert status["plan_queue_uid"] == queue["plan_queue_uid"]

    run_state_machine_as_test(
        QueueEdits,
        settings=settings(
            max_examples=EXAMPLES * 3,
            stateful_step_count=15,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )


def test_every_operation_survives_generated_requests(shared_service, schema, session):
    found = operations(schema)
    paths = {operation.path for operation in found}
    assert {"/api/status", "/api/queue/item/add", "/api/environment/destroy", "/add_to_queue"} <= paths
    counts = {}
    for operation in found:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            answered = fuzz_operation(operation, mode, session, shared_service.url)
            for code in answered:
                counts[code] = counts.get(code, 0) + 1
    # Both kinds of answers were exercised: accepted or refused (200) and malformed (422).
    assert counts.get(200) and counts.get(422), counts


def test_the_server_survives_non_json_and_odd_bodies(shared_service, session):
    """What a schema cannot express: bytes that are not JSON, JSON that is not an object, huge numbers."""
    url = shared_service.url
    odd_bodies = [b"not json", b"{", b"[]", b"null", b"1e999", b'"text"', b"\xff\xfe", b'{"item": 1e999}',
                  b'{"size": 1e999}', b'{"pos": NaN}']
    for path in ("/api/queue/item/add", "/api/status", "/add_to_queue", "/api/re/pause", "/api/history/clear"):
        for body in odd_bodies:
            reply = session.post(url + path, data=body, headers={"content-type": "application/json"}, timeout=TIMEOUT)
            assert reply.status_code < 500, (path, body, reply.status_code, reply.text)
            check_server(session, url, f"POST {path} {body!r}")


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
def test_non_finite_numbers_in_an_item_are_refused(shared_service, session, number):
    """Python's JSON parser reads NaN and Infinity, which no JSON reply may carry: refused, never stored."""
    url = shared_service.url
    item = b'{"name": "count", "args": [["det1"]], "kwargs": {"num": 1, "delay": %s}}' % number
    for path, body in (("/api/queue/item/add", b'{"item": %s}' % item), ("/add_to_queue", b'{"plan": %s}' % item),
                       ("/api/queue/item/add/batch", b'{"items": [%s]}' % item)):
        reply = session.post(url + path, data=body, headers={"content-type": "application/json"}, timeout=TIMEOUT)
        assert reply.status_code in (200, 422), (path, reply.status_code, reply.text)
        body = reply.json()
        messages = [body["msg"]] + [result["msg"] for result in body.get("results", [])]
        assert body["success"] is False and any("not a JSON value" in m for m in messages), reply.text
        check_server(session, url, f"POST {path} {body!r}")
