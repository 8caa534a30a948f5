"""The worker's outbox over a real Pipe, in this process: order, batching, never blocking."""

import math
import multiprocessing
import threading

import pytest

from queue_gui.worker.outbox import Outbox, pack_events
from queue_gui.worker.protocol import Report, message


def event(descriptor, seq_num, value):
    return {
        "descriptor": descriptor,
        "seq_num": seq_num,
        "uid": f"{descriptor}-{seq_num}",
        "time": 1000.0 + seq_num,
        "data": {"det1": value},
        "timestamps": {"det1": 1000.0 + seq_num},
        "filled": {},
    }


@pytest.fixture
def pipe():
    manager_end, worker_end = multiprocessing.Pipe()
    yield manager_end, worker_end
    manager_end.close()
    worker_end.close()


def received(conn, count, timeout=10):
    messages = []
    for _ in range(count):
        assert conn.poll(timeout), f"only {len(messages)} of {count} messages arrived"
        messages.append(conn.recv())
    return messages


def decoded(msg):
    import json

    assert msg["type"] == Report.DOCUMENTS.value
    return json.loads(msg["docs"])


def test_documents_within_the_window_leave_as_one_message_with_events_paged(pipe):
    manager_end, worker_end = pipe
    outbox = Outbox(worker_end, batch_window=0.5)
    outbox.document("start", {"uid": "run"})
    outbox.document("descriptor", {"uid": "d1", "run_start": "run"})
    for seq_num in range(1, 51):
        outbox.document("event", event("d1", seq_num, seq_num * 0.5))
    outbox.close()
    (msg,) = received(manager_end, 1)
    assert not manager_end.poll(0.1), "one message for the whole batch"
    documents = decoded(msg)
    assert [name for name, _ in documents] == ["start", "descriptor", "event_page"]
    page = documents[2][1]
    assert page["seq_num"] == list(range(1, 51))
    assert page["data"]["det1"] == [n * 0.5 for n in range(1, 51)]


def test_a_report_ends_the_batch_and_arrives_after_the_documents_before_it(pipe):
    manager_end, worker_end = pipe
    # A window far longer than the test: only the report can end the batch.
    outbox = Outbox(worker_end, batch_window=60)
    outbox.document("stop", {"uid": "stop", "run_start": "run"})
    outbox.send(message(Report.PLAN_FINISHED, item_uid="item"))
    first, second = received(manager_end, 2)
    assert [name for name, _ in decoded(first)] == ["stop"]
    assert second["type"] == Report.PLAN_FINISHED.value
    outbox.close()


def test_events_of_two_descriptors_keep_their_order(pipe):
    packed = pack_events(
        [
            ("event", event("primary", 1, 1.0)),
            ("event", event("primary", 2, 2.0)),
            ("event", event("baseline", 1, 9.0)),
            ("event", event("primary", 3, 3.0)),
        ]
    )
    assert [(name, doc["descriptor"]) for name, doc in packed] == [
        ("event_page", "primary"),
        ("event", "baseline"),
        ("event", "primary"),
    ]


def test_numpy_values_and_nan_cross_the_pipe(pipe):
    import numpy

    manager_end, worker_end = pipe
    outbox = Outbox(worker_end, batch_window=60)
    outbox.document("event", {**event("d1", 1, 0.0), "data": {"img": numpy.ones((2, 3))}})
    outbox.document("event", event("d2", 1, numpy.float64("nan")))
    outbox.close()
    (_, image), (_, reading) = decoded(received(manager_end, 1)[0])
    assert image["data"]["img"] == [[1.0] * 3] * 2
    assert math.isnan(reading["data"]["det1"]), "NaN stays NaN, not null"


def test_queueing_never_waits_for_the_reader(pipe):
    """Nobody reads the Pipe (a busy manager): the RunEngine's callback still returns every time."""
    manager_end, worker_end = pipe
    outbox = Outbox(worker_end, batch_window=0)
    done = threading.Event()

    def emit():
        for seq_num in range(5000):
            outbox.document("event", event("d1", seq_num, [0.0] * 100))
        done.set()

    threading.Thread(target=emit, daemon=True).start()
    assert done.wait(30), "document() blocked while the Pipe was full"
    # Now the manager reads: everything arrives, in order.
    rows = []
    while len(rows) < 5000:
        assert manager_end.poll(30)
        for name, doc in decoded(manager_end.recv()):
            rows.extend(doc["seq_num"] if name == "event_page" else [doc["seq_num"]])
    assert rows == list(range(5000))
    outbox.close()
