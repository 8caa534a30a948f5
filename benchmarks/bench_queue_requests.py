"""Queue request latency: 1000 x POST /add_to_queue, then GET /queue_view of 1000 items.

Method
------
A real ``Service`` (environment closed: editing the queue never needs it)
and one keep-alive ``httpx.Client``. Ten ``GET /`` warm the connection up.

* ``POST /add_to_queue`` with ``count([det1, det2])``, 1000 times one after
  the other; each request is timed from the call to the fully read
  response (the reply is checked afterwards, outside the timing). Mean and
  p99 (nearest rank); target <= 1 ms each.
* ``GET /queue_view`` of those 1000 items, 20 times; median; target
  <= 10 ms. Decoding the JSON on the client is timed separately.
* The same through the in-process ``Manager.call`` (no HTTP): the queue is
  cleared, 1000 ``queue_item_add`` and 20 ``queue_get``. The difference is
  what HTTP (FastAPI, uvicorn, JSON, the socket) adds.
* ``GET /`` (the status), 100 times, for information.
* The same httpx client against a canned-answer server in this process
  (one fixed JSON reply, no framework): the client's own share, for
  information.

There is no bare RunEngine equivalent (the RunEngine has no queue): the
reference column shows the in-process figures.
"""

import json
import time

import _common as bench
from queue_gui.wire import CommandName

N_ITEMS = 1000
VIEWS = 20
STATUSES = 100
TARGET_ADD = 0.001
TARGET_VIEW = 0.010
PLAN = {"name": "count", "args": [["det1", "det2"]]}
ITEM = {"item_type": "plan", "name": "count", "args": [["det1", "det2"]], "kwargs": {}}


def measure_client_floor():
    """Median seconds of the add_to_queue POST and of a GET against :class:`_common.CannedServer`."""
    import httpx

    server = bench.CannedServer()
    try:
        with httpx.Client(base_url=server.url, timeout=30.0, trust_env=False) as client:
            for _ in range(20):
                client.get("/")
            posts = [_timed(lambda: client.post("/add_to_queue", json={"plan": PLAN}))[0] for _ in range(500)]
            gets = [_timed(lambda: client.get("/"))[0] for _ in range(500)]
    finally:
        server.close()
    return bench.median(posts), bench.median(gets)


def _timed(call):
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def measure_http(client):
    for _ in range(10):
        client.get("/")
    adds = []
    for _ in range(N_ITEMS):
        elapsed, reply = _timed(lambda: client.post("/add_to_queue", json={"plan": PLAN}))
        bench.check(reply, "add_to_queue")
        adds.append(elapsed)
    views, decodes = [], []
    for _ in range(VIEWS):
        elapsed, reply = _timed(lambda: client.get("/queue_view"))
        decoded, body = _timed(reply.json)
        if len(body["queue"]) != N_ITEMS:
            raise RuntimeError(f"queue_view returned {len(body['queue'])} items, not {N_ITEMS}")
        views.append(elapsed)
        decodes.append(decoded)
    statuses = [_timed(lambda: client.get("/"))[0] for _ in range(STATUSES)]
    size = len(reply.content)
    return adds, views, decodes, statuses, size


def measure_in_process(manager):
    reply = manager.call(CommandName.QUEUE_CLEAR)
    if not reply["success"]:
        raise RuntimeError(reply["msg"])
    adds = []
    for _ in range(N_ITEMS):
        elapsed, reply = _timed(lambda: manager.call(CommandName.QUEUE_ITEM_ADD, {"item": dict(ITEM)}))
        if not reply["success"]:
            raise RuntimeError(reply["msg"])
        adds.append(elapsed)
    views, encodes = [], []
    for _ in range(VIEWS):
        elapsed, reply = _timed(lambda: manager.call(CommandName.QUEUE_GET))
        if len(reply["items"]) != N_ITEMS:
            raise RuntimeError("queue_get did not return every item")
        views.append(elapsed)
        encodes.append(_timed(lambda: json.dumps({"success": True, "msg": "", "queue": reply["items"]}))[0])
    statuses = [_timed(lambda: manager.call(CommandName.STATUS))[0] for _ in range(STATUSES)]
    return adds, views, encodes, statuses


def main():
    args = bench.parse_args(__doc__.splitlines()[0])
    with bench.running_service() as service:
        service.start(wait=True)
        bench.say("bench_queue_requests: HTTP ...")
        with bench.http_client(service) as client:
            adds, views, decodes, statuses, size = measure_http(client)
        bench.say("bench_queue_requests: in-process manager.call ...")
        local_adds, local_views, encodes, local_statuses = measure_in_process(service.manager)
    bench.say("bench_queue_requests: the client's own floor ...")
    floor_post, floor_get = measure_client_floor()

    mean_add, p99_add = sum(adds) / len(adds), bench.percentile(adds, 0.99)
    local_mean, local_p99 = sum(local_adds) / len(local_adds), bench.percentile(local_adds, 0.99)
    view, local_view = bench.median(views), bench.median(local_views)
    rows = [
        bench.row(f"POST /add_to_queue: mean of {N_ITEMS}", bench.fmt_ms(mean_add, 3), "<= 1 ms",
                  f"manager.call: {bench.fmt_ms(local_mean, 3)}", mean_add <= TARGET_ADD, mean_add),
        bench.row(f"POST /add_to_queue: p99 of {N_ITEMS}", bench.fmt_ms(p99_add, 3), "<= 1 ms",
                  f"manager.call: {bench.fmt_ms(local_p99, 3)}", p99_add <= TARGET_ADD, p99_add),
        bench.row(f"GET /queue_view, {N_ITEMS} items: median of {VIEWS}", bench.fmt_ms(view, 2), "<= 10 ms",
                  f"manager.call('queue_get'): {bench.fmt_ms(local_view, 3)}", view <= TARGET_VIEW, view),
        bench.row("  json.dumps of that reply (in-process)", bench.fmt_ms(bench.median(encodes), 2), "-",
                  f"{size / 1024:.0f} KiB on the wire", None, bench.median(encodes)),
        bench.row("  client: decoding it (response.json())", bench.fmt_ms(bench.median(decodes), 2), "-", "-",
                  None, bench.median(decodes)),
        bench.row(f"GET / (status): median of {STATUSES}", bench.fmt_ms(bench.median(statuses), 3), "-",
                  f"manager.call('status'): {bench.fmt_ms(bench.median(local_statuses), 3)}", None,
                  bench.median(statuses)),
    ]
    rows.append(bench.row("httpx client floor: POST add_to_queue / GET to a canned-answer server (median)",
                          f"{bench.fmt_ms(floor_post, 3)} / {bench.fmt_ms(floor_get, 3)}", "-",
                          "the client's own share of every figure above", None, floor_post))
    notes = [
        f"HTTP adds {bench.fmt_ms(mean_add - local_mean, 3)} per add_to_queue (mean) and "
        f"{bench.fmt_ms(view - local_view, 2)} per queue_view (median) over the in-process calls.",
        "Measured with a raw keep-alive httpx.Client; the bluesky-queueserver-api client (status request "
        "and deep copy around queue_get) is not measured: the /api routes are not served yet.",
    ]
    bench.report("Queue requests", rows, notes, args.json)


if __name__ == "__main__":
    main()
