"""Hostile bodies on every route of a live service: lone surrogates, deep nesting, huge strings, wrong types.

The schema-driven fuzzing (``test_fuzz.py``) sends what the OpenAPI schema
can describe; what broke reads for everyone was what it cannot: a lone
surrogate echoed into the queue, JSON nested hundreds deep, strings of
megabytes. Here hypothesis builds such bodies, each route gets them, and
after every request the reads every client makes still answer 200.

``HOSTILE_EXAMPLES`` raises the budget (``benchmarks/bench_reliability.py``
sends ten thousand); CI sends a few hundred.
"""

import json
import os

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.conftest import reset

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "150"))
READS = ("/api/status", "/api/queue/get", "/api/history/get", "/queue_view", "/")


def routes(app_url):
    """Every (method, path) the OpenAPI schema lists, path parameters filled with a plausible uid."""
    spec = httpx.get(app_url + "/openapi.json").json()
    found = []
    for path, operations in spec["paths"].items():
        for method in operations:
            found.append((method.upper(), path.replace("{uid}", "6c1f2a1e-0000-4000-8000-000000000000")))
    return found


LONE_SURROGATES = st.sampled_from(["\ud800", "\udfff", "x\udbffy", "\udc00" * 3])
HUGE = st.integers(min_value=100_000, max_value=2_000_000).map(lambda n: "q" * n)
PLAIN = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))


def nested(depth, leaf):
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


HOSTILE_VALUE = st.one_of(
    LONE_SURROGATES,
    HUGE,
    st.integers(min_value=60, max_value=900).map(lambda depth: nested(depth, 1)),
    PLAIN,
    st.lists(PLAIN, max_size=4),
)
FIELDS = st.sampled_from(["item", "items", "plan", "uid", "pos", "option", "size", "metadata", "lock_key", "user",
                          "kwargs", "name", "args", "mode", "enable", "nlines", "last_msg_uid", "uids"])


@st.composite
def hostile_bodies(draw):
    """A body: hostile values at top level, or inside an item where the queue would keep them."""
    value = draw(HOSTILE_VALUE)
    shape = draw(st.sampled_from(["field", "item kwargs", "item meta key", "item user", "plan", "raw"]))
    if shape == "field":
        return {draw(FIELDS): value}
    if shape == "item kwargs":
        return {"item": {"name": "count", "args": [["det1"]], "kwargs": {"md": {"note": value}}}}
    if shape == "item meta key":
        key = draw(LONE_SURROGATES) if draw(st.booleans()) else "k"
        return {"item": {"name": "count", "args": [["det1"]], "meta": {key: value}}}
    if shape == "item user":
        return {"item": {"name": "count", "args": [["det1"]], "user": value}}
    if shape == "plan":
        return {"plan": {"name": "count", "args": [value]}}
    return value


def send(client, method, path, body):
    text = json.dumps(body)  # escapes lone surrogates as \ud800, as a client's encoder does
    return client.request(method, path, content=text.encode(), headers={"content-type": "application/json"})


@pytest.fixture(scope="module")
def hostile_client(shared_service):
    reset(shared_service)
    with httpx.Client(base_url=shared_service.url, timeout=30) as client:
        yield client


def test_hostile_bodies_on_every_route_never_get_5xx_nor_break_reads(shared_service, hostile_client):
    all_routes = routes(shared_service.url)
    assert len(all_routes) > 50
    sent = []

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(route=st.sampled_from(all_routes), body=hostile_bodies())
    def attack(route, body):
        method, path = route
        if path.endswith("/ws"):
            return
        reply = send(hostile_client, method, path, body)
        sent.append(reply.status_code)
        assert reply.status_code < 500, (method, path, reply.status_code, reply.text[:500])
        for read in READS:
            answer = hostile_client.get(read)
            assert answer.status_code == 200, (method, path, "broke", read, answer.text[:300])

    attack()
    assert len(sent) >= min(EXAMPLES, 50)
    # Whatever was accepted is readable and encodable by every client.
    items = hostile_client.get("/api/queue/get").json()["items"]
    json.dumps(items).encode("utf-8")
