"""Per-event cost of the local run store (suitcase-jsonl file + run index), 1000-point scan.

Method
------
1. Record once the documents of ``scan([det1], motor1, -1, 1, 1000)`` on a
   bare RunEngine in this process and make them what the manager publishes:
   plain JSON types (a JSON round trip), events packed into event pages of
   ``PAGE`` events, one ``documents`` batch per page (the worker's 20 ms
   batch window packs about that many events of a fast scan). A second
   shape sends every event alone (one batch per event, the worst case).
2. Hand the batches, one by one, to the consumer through the very call the
   manager makes on its thread (``on_manager_event("documents", batch)``):
   (a) a ``RunStore`` (its thread writes the file, flushing after each
   document, and updates the index once per batch); (b) a consumer that
   writes nothing, with the same hand-over (a ``queue.SimpleQueue`` read by
   a thread of its own).
3. Time from the first batch to the consumer having handled the stop
   document (the store's ``runs`` event ``closed``; the null consumer's
   event). cost per event = (store - null) / 1000.
4. Rounds alternate null, store, null, store, ...; the median round is
   reported, each against the null rounds just before and after it.
   The same with ``flush=False`` shows what the flush after each document
   costs. The time the manager's thread spends in the listener call is
   reported too: that is all a scan can ever wait for.

A 1000-point scan through the real queue (manager + worker) with the store
subscribed and without is timed too (``--end-to-end``): the plan's time in
the worker (history ``time_stop - time_start``) and from ``queue_start`` to
the run closed in the index.
"""

import json
import queue
import shutil
import statistics
import tempfile
import threading
import time

import _common as bench

N_POINTS = 1000
PAGE = 20
ROUNDS = 7
WAIT = 120


def recorded_documents():
    """The scan's documents as the manager gets them: plain JSON types, events alone."""
    import event_model
    from bluesky import RunEngine
    from bluesky.plans import scan
    from ophyd.sim import det1, motor1

    RE = RunEngine({}, context_managers=[])
    documents = []
    RE.subscribe(lambda name, doc: documents.append([name, doc]))
    RE(scan([det1], motor1, -1, 1, N_POINTS))
    return json.loads(json.dumps(documents, cls=event_model.NumpyEncoder))


def batches_of(documents, page):
    """One batch per page of ``page`` events (``page=1``: events alone, as ``event``)."""
    import event_model

    batches, events = [], []

    def flush_events():
        if not events:
            return
        if page == 1:
            batches.extend([["event", event]] for event in events)
        else:
            batches.append([["event_page", event_model.pack_event_page(*events)]])
        events.clear()

    for name, doc in documents:
        if name == "event":
            events.append(doc)
            if len(events) == page:
                flush_events()
        else:
            flush_events()
            batches.append([[name, doc]])
    flush_events()
    return batches


class NullConsumer:
    """The same hand-over as the store (a queue and a thread), writing nothing."""

    def __init__(self):
        self._queue = queue.SimpleQueue()
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def on_manager_event(self, kind, payload):
        if kind == "documents":
            self._queue.put(payload)

    def _run(self):
        while True:
            batch = self._queue.get()
            if batch is None:
                return
            for name, _doc in batch:
                if name == "stop":
                    self.done.set()

    def close(self):
        self._queue.put(None)
        self._thread.join(10)


def time_null(batches):
    consumer = NullConsumer()
    start = time.perf_counter()
    calls = _feed(consumer, batches)
    if not consumer.done.wait(WAIT):
        raise TimeoutError("the null consumer did not finish")
    elapsed = time.perf_counter() - start
    consumer.close()
    return elapsed, calls


def time_store(batches, flush=True):
    from queue_gui.store import RunStore

    data_dir = tempfile.mkdtemp(prefix="queue-gui-bench-store-")
    store = RunStore(data_dir, flush=flush)
    closed = threading.Event()
    store.subscribe(lambda kind, payload: kind == "runs" and payload["change"] == "closed" and closed.set())
    store.start()
    try:
        start = time.perf_counter()
        calls = _feed(store, batches)
        if not closed.wait(WAIT):
            raise TimeoutError("the store did not close the run")
        elapsed = time.perf_counter() - start
        row = store.call("runs_list")["runs"][0]
        if row["num_events"] != N_POINTS:
            raise RuntimeError(f"the store saved {row['num_events']} events, not {N_POINTS}")
    finally:
        store.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    return elapsed, calls


def _feed(consumer, batches):
    """Hand every batch over as the manager does; returns the seconds spent in the calls."""
    spent = 0.0
    for batch in batches:
        t = time.perf_counter()
        consumer.on_manager_event("documents", batch)
        spent += time.perf_counter() - t
    return spent


def per_event_costs(batches, flush=True, rounds=ROUNDS):
    """Median (store - null) / N over alternating rounds, with the raw figures."""
    nulls, stores, calls = [time_null(batches)[0]], [], []
    for _ in range(rounds):
        elapsed, spent = time_store(batches, flush)
        stores.append(elapsed)
        calls.append(spent)
        nulls.append(time_null(batches)[0])
    costs = [(s - min(nulls[i], nulls[i + 1])) / N_POINTS for i, s in enumerate(stores)]
    return statistics.median(costs), costs, stores, nulls, statistics.median(calls)


def end_to_end(rounds=3):
    """A 1000-point scan through the queue, with the store subscribed and without."""
    from queue_gui.manager.manager import Manager
    from queue_gui.store import RunStore

    data_dir = tempfile.mkdtemp(prefix="queue-gui-bench-e2e-")
    manager = Manager(data_dir)
    thread = threading.Thread(target=manager.run, daemon=True)
    thread.start()
    store = RunStore(data_dir)
    store.start()
    closed = threading.Event()
    store.subscribe(lambda kind, payload: kind == "runs" and payload["change"] == "closed" and closed.set())
    watcher = bench.StatusWatch(manager)
    results = {"with store": [], "without": []}
    try:
        manager.wait_ready(bench.WAIT_TIMEOUT)
        _ok(manager, "environment_open")
        watcher.wait(lambda s: s["worker_environment_exists"] and s["manager_state"] == "idle", what="environment")
        _run_scan(manager, watcher)  # warm-up
        for _ in range(rounds):
            for label in ("without", "with store"):
                if label == "with store":
                    manager.subscribe(store.on_manager_event)
                closed.clear()
                start = time.perf_counter()
                record = _run_scan(manager, watcher)
                if label == "with store":
                    if not closed.wait(WAIT):
                        raise TimeoutError("the store did not close the run")
                    manager.unsubscribe(store.on_manager_event)
                wall = time.perf_counter() - start
                worker = record["result"]["time_stop"] - record["result"]["time_start"]
                results[label].append((worker, wall))
    finally:
        manager.shutdown()
        thread.join(30)
        store.stop()
    return results


def _ok(manager, name, params=None):
    reply = manager.call(name, params)
    if not reply["success"]:
        raise RuntimeError(f"{name}: {reply['msg']}")
    return reply


def _run_scan(manager, watcher):
    _ok(manager, "queue_item_add", {"item": {"name": "scan", "args": [["det1"], "motor1", -1, 1, N_POINTS]}})
    mark = watcher.mark()
    _ok(manager, "queue_start")
    watcher.wait(lambda s: s["manager_state"] == "idle" and s["running_item_uid"] is None and s["items_in_queue"] == 0,
                 after=mark, what="the scan's end")
    return _ok(manager, "history_get")["items"][-1]


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description="Per-event cost of the run store.")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--end-to-end", action="store_true", help="also time a 1000-point scan through the queue")
    args = parser.parse_args(argv)
    info = bench.machine_info()
    documents = recorded_documents()
    paged, single = batches_of(documents, PAGE), batches_of(documents, 1)
    rows, notes = [], []
    for label, batches, flush in (
        (f"pages of {PAGE} events, flush per document", paged, True),
        (f"pages of {PAGE} events, no flush", paged, False),
        ("every event alone, flush per document", single, True),
    ):
        median, costs, stores, nulls, calls = per_event_costs(batches, flush)
        rows.append(bench.row(
            f"store cost per event ({label}; {len(batches)} batches)", bench.fmt_ms(median, 3), "<= 0.5 ms",
            f"null consumer: {statistics.median(nulls) / N_POINTS * 1000:.4f} ms per event", median <= 0.0005, median,
        ))
        notes.append(f"{label}: rounds (ms/event) {', '.join(f'{c * 1000:.3f}' for c in costs)}; "
                     f"store runs (s) {', '.join(f'{s:.3f}' for s in stores)}; "
                     f"null runs (s) {', '.join(f'{n:.3f}' for n in nulls)}; "
                     f"manager thread in the listener calls: {calls * 1000:.2f} ms for the whole scan")
    if args.end_to_end:
        results = end_to_end()
        for label, values in results.items():
            worker = statistics.median(v[0] for v in values)
            wall = statistics.median(v[1] for v in values)
            rows.append(bench.row(f"1000-point scan through the queue, {label}", f"{worker:.3f} s in the worker",
                                  "-", f"queue_start -> closed: {wall:.3f} s", None, worker))
    bench.report("Run store (benchmarks/bench_run_store.py)", rows,
                 notes=[f"machine: {info['cpu_count']} x {info['cpu_model']}, load {info['load_average']}", *notes],
                 json_path=args.json)


if __name__ == "__main__":
    main()
