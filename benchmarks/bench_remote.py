"""Remote windows (``queue-gui --connect URL``): how soon an edit shows in another window, and whether the GUI freezes.

Method
------
Every window is ``queue_gui.desktop.RemoteDesktop`` (``RemoteManager`` on a
``QThread``, ``ManagerBridge``, ``MainWindow`` shown, offscreen), as
``queue-gui --connect URL --api-key KEY`` builds it. Two windows in one
process share one GUI thread (and the GIL), as in ``tests/remote``: each
window's slots wait for the other's.

1. **Push (queue-gui server).** One headless ``queue_gui.app.Service``
   (127.0.0.1, port 0, an API key, the built-in simulated profile) in this
   process; windows A and B connect to it. ``N_EDITS`` times, after a random
   wait (so that an edit does not keep the same phase to anything
   periodic): window A's ``bridge.request(CommandName.QUEUE_ITEM_ADD, ...)`` is
   stamped at the call; a slot on window B's ``queue_model.rowsInserted``,
   ``layoutChanged`` and ``modelReset`` stamps the first moment B's model
   has one row more (``QueueModel.set_queue`` inserts rows; a reorder is a
   layout change). Latency = the difference; B's ``RemoteManager``'s own
   ``queue`` event is stamped too (on its thread): the part before it is
   the server push and B's fetch of ``/api/queue/get``, the part after it
   the hop to the GUI thread and the model. The same with a script: a
   thread's ``httpx.Client`` (keep-alive) sends ``POST /api/queue/item/add``,
   stamped before the call.
2. **Polled (bluesky-httpserver).** The real stack of ``tests/remote``
   (``QueueServerStack``: Redis, RE Manager, bluesky-httpserver); window B
   polls ``/api/status`` every ``poll_period`` (1.0 s, the default, and
   0.2 s); the edit comes from window A (which polls every 1.0 s; its own
   edit makes it poll at once, not B) or from a script, after a random wait
   of up to one poll period. Expected: about half the period plus the fetch.
3. **Stalls while the server is unreachable.** A ``QTimer``
   (``Qt.PreciseTimer``, 1 ms) on the GUI thread stamps ``perf_counter()``
   for ``STALL_SECONDS``; stall = longest gap - 1 ms. Meanwhile a 100 ms
   timer sends ``queue_item_add`` from the window, and each reply's delay
   (call -> ``on_reply`` on the GUI thread) is kept. Servers: (a) a free
   port with nothing listening (connection refused; the client retries with
   its default back-off, 0.5 s doubling to 10 s); (b) a headless queue-gui in
   another process (``queue-gui --headless``), connected to, then ended
   with SIGTERM at the start of the measurement; (c) a socket that listens
   but never accepts or reads (TCP connects, no reply ever: only the
   client's 5 s request timeout ends a request).

Run: ``python benchmarks/bench_remote.py`` (``--repeats N``, ``--no-stack``
to leave out bluesky-httpserver, ``--json FILE``). Needs ``redis-server``,
bluesky-queueserver and bluesky-httpserver for part 2.
"""

import argparse
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import _common as bench
import bench_gui_common as gui
from queue_gui.wire import CommandName

API_KEY = "bench-remote-key"
N_EDITS = 30
TARGET_PUSH = 0.100
TARGET_STALL = 0.050
STALL_SECONDS = 10.0
TICK_MS = 1
COMMAND_EVERY_MS = 100
TIMEOUT = 60.0


def count(num):
    return {"item_type": "plan", "name": "count", "args": [["det1"]], "kwargs": {"num": num}}


class Window:
    """One ``RemoteDesktop`` (a temporary settings file), shown."""

    def __init__(self, url, api_key, **options):
        from qtpy.QtCore import QSettings

        from queue_gui.desktop import RemoteDesktop

        self._tmp = tempfile.mkdtemp(prefix="queue-gui-bench-remote-")
        settings = QSettings(os.path.join(self._tmp, "settings.ini"), QSettings.IniFormat)
        self.desktop = RemoteDesktop(url, api_key, settings=settings, **options)
        self.bridge, self.window, self.manager = self.desktop.bridge, self.desktop.window, self.desktop.manager
        self.window.confirm = lambda *args: True
        self.window.show()
        gui.process_events()

    def state(self):
        return (self.bridge.connection or {}).get("state")

    def wait_connected(self):
        gui.wait_until(lambda: self.state() == "connected" and bool(self.bridge.status.get("manager_state")),
                       TIMEOUT, "the window to connect")

    def rows(self):
        return self.window.queue_model.rowCount()

    def request(self, name, params=None):
        replies = []
        self.bridge.request(name, params, on_reply=replies.append)
        gui.wait_until(lambda: bool(replies), TIMEOUT, f"the reply to {name}")
        return replies[0]

    def close(self):
        try:
            self.window.close()
            gui.process_events()
        finally:
            self.desktop.close()
            shutil.rmtree(self._tmp, ignore_errors=True)


class RowWatch:
    """Stamps the first moment window B's queue model shows ``expected`` rows (GUI thread), and B's client event."""

    def __init__(self, window):
        from queue_gui.wire import EventKind

        self._model = window.window.queue_model
        self.expected = None
        self.shown = None  # perf_counter when the model first had `expected` rows
        self.fetched = None  # perf_counter when B's RemoteManager published that queue (its thread)
        self.signals = {}
        for name in ("rowsInserted", "layoutChanged", "modelReset"):
            getattr(self._model, name).connect(lambda *args, name=name: self._changed(name))
        self._queue_kind = EventKind.QUEUE
        # Before the bridge: listeners are called in order, and the stamp must not wait for the GUI thread.
        window.manager.unsubscribe(window.bridge._on_manager_event)
        window.manager.subscribe(self._event)
        window.manager.subscribe(window.bridge._on_manager_event)

    def arm(self, expected):
        self.expected, self.shown, self.fetched = expected, None, None

    def _changed(self, name):
        if self.shown is None and self.expected is not None and self._model.rowCount() == self.expected:
            self.shown = time.perf_counter()
            self.signals[name] = self.signals.get(name, 0) + 1

    def _event(self, kind, payload):
        if kind == self._queue_kind and self.fetched is None and self.expected is not None \
                and len(payload.get("items", ())) == self.expected:
            self.fetched = time.perf_counter()


def pause(seconds):
    """Run the event loop for ``seconds`` (no sleep on the GUI thread)."""
    end = time.perf_counter() + seconds
    gui.wait_until(lambda: time.perf_counter() >= end, seconds + 5, "a pause", interval_ms=1)


def measure_edits(a, b, url, api_key, source, jitter, n=N_EDITS):
    """``n`` edits from window ``a`` (source "window") or a script; returns [(total, to_fetched)] seconds."""
    import httpx

    watch = b.watch
    results = []
    client = None
    if source == "script":
        client = httpx.Client(base_url=url, timeout=30.0, trust_env=False, headers={"Authorization": f"ApiKey {api_key}"})
        client.get("/api/status").raise_for_status()  # connected once, as a keep-alive script is
    try:
        for i in range(n):
            pause(random.uniform(0, jitter))
            before = b.rows()
            watch.arm(before + 1)
            sent, replies = [], []
            if source == "window":
                sent.append(time.perf_counter())
                a.bridge.request(CommandName.QUEUE_ITEM_ADD, {"item": count(i)}, on_reply=replies.append)
            else:
                def post():
                    sent.append(time.perf_counter())
                    reply = client.post("/api/queue/item/add", json={"item": count(i)})
                    replies.append(reply.json())

                threading.Thread(target=post, name="bench-script", daemon=True).start()
            gui.wait_until(lambda: watch.shown is not None and bool(replies), TIMEOUT, "the row in window B", interval_ms=1)
            if not replies[0].get("success"):
                raise RuntimeError(f"queue_item_add was refused: {replies[0].get('msg')}")
            fetched = watch.fetched - sent[0] if watch.fetched else float("nan")
            results.append((watch.shown - sent[0], fetched))
    finally:
        if client is not None:
            client.close()
    return results


def clear_queue(a, b):
    reply = a.request(CommandName.QUEUE_CLEAR)
    if not reply.get("success"):
        raise RuntimeError(f"queue_clear was refused: {reply.get('msg')}")
    gui.wait_until(lambda: a.rows() == 0 and b.rows() == 0, TIMEOUT, "empty queues")


def latency_rows(label, results, target=None):
    totals = [r[0] for r in results]
    fetched = [r[1] for r in results if r[1] == r[1]]
    med, p90 = statistics.median(totals), bench.percentile(totals, 0.9)
    passed = None if target is None else med <= target
    return bench.row(label, f"median {bench.fmt_ms(med, 1)}, p90 {bench.fmt_ms(p90, 1)}",
                     f"<= {target * 1000:.0f} ms" if target else "-",
                     f"B's client had it (median): {bench.fmt_ms(statistics.median(fetched), 1)}; "
                     f"max {bench.fmt_ms(max(totals), 1)}; n={len(totals)}", passed, med)


# ------------------------------------------------------------------ part 1: push
def part_push(repeats):
    from queue_gui.app import Service

    tmp = tempfile.mkdtemp(prefix="queue-gui-bench-remote-service-")
    service = Service(os.path.join(tmp, "data"), None, host="127.0.0.1", port=0, api_key=API_KEY)
    service.start(wait=True)
    results = {"window": [], "script": []}
    try:
        a, b = Window(service.url, API_KEY), Window(service.url, API_KEY)
        try:
            a.wait_connected()
            b.wait_connected()
            gui.wait_until(lambda: "count" in b.window.plan_editor.plan_names(), TIMEOUT, "the plans")
            b.watch = RowWatch(b)
            for repeat in range(repeats):
                for source in ("window", "script"):
                    bench.say(f"bench_remote: push, edit from the {source}, repeat {repeat + 1} of {repeats} ...")
                    results[source] += measure_edits(a, b, service.url, API_KEY, source, jitter=0.05)
                    clear_queue(a, b)
            signals = dict(b.watch.signals)
        finally:
            a.close()
            b.close()
    finally:
        service.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    rows = [
        latency_rows(f"queue-gui (push): edit in window A -> row in window B, {N_EDITS} x {repeats}",
                     results["window"], TARGET_PUSH),
        latency_rows(f"queue-gui (push): script POST /api/queue/item/add -> row in window B, {N_EDITS} x {repeats}",
                     results["script"], TARGET_PUSH),
    ]
    return rows, signals


# ------------------------------------------------------------------ part 2: bluesky-httpserver
def part_httpserver(repeats):
    from tests.remote.queueserver_stack import QueueServerStack

    tmp = tempfile.mkdtemp(prefix="queue-gui-bench-remote-stack-")
    stack = QueueServerStack(tmp)
    bench.say("bench_remote: starting Redis, RE Manager and bluesky-httpserver ...")
    stack.start()
    rows = []
    try:
        for period in (1.0, 0.2):
            a = Window(stack.http_uri, stack.api_key, poll_period=1.0)
            b = Window(stack.http_uri, stack.api_key, poll_period=period)
            results = {"window": [], "script": []}
            try:
                a.wait_connected()
                b.wait_connected()
                b.watch = RowWatch(b)
                for repeat in range(repeats):
                    for source in ("window", "script"):
                        bench.say(f"bench_remote: bluesky-httpserver, B polls every {period:g} s, edit from the "
                                  f"{source}, repeat {repeat + 1} of {repeats} ...")
                        results[source] += measure_edits(a, b, stack.http_uri, stack.api_key, source, jitter=period)
                        clear_queue(a, b)
            finally:
                a.close()
                b.close()
            expected = period / 2
            for source, what in (("window", "edit in window A"), ("script", "script POST /api/queue/item/add")):
                rows.append(latency_rows(f"bluesky-httpserver (B polls every {period:g} s): {what} -> row in window B, "
                                         f"{N_EDITS} x {repeats}", results[source]))
                rows[-1]["target"] = f"~{expected * 1000:.0f} ms + fetch"
    finally:
        stack.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


# ------------------------------------------------------------------ part 3: stalls
def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class HeadlessServer:
    """``queue-gui --headless`` in another process (its own session), on a free port."""

    def __init__(self):
        self._tmp = tempfile.mkdtemp(prefix="queue-gui-bench-remote-headless-")
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "queue_gui", "--headless", "--port", str(self.port), "--api-key", API_KEY,
             "--data-dir", os.path.join(self._tmp, "data")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
            env={**os.environ, "PYTHONPATH": bench._CHECKOUT + os.pathsep + os.environ.get("PYTHONPATH", "")})
        for line in self.process.stdout:  # "queue-gui: serving http://127.0.0.1:PORT"
            if "serving" in line:
                self.url = line.split("serving", 1)[1].strip()
                break
        else:
            raise RuntimeError(f"queue-gui --headless exited with {self.process.wait()}")
        threading.Thread(target=self.process.stdout.read, daemon=True).start()  # drain

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self._tmp, ignore_errors=True)


def measure_stall(window, on_start=None, seconds=STALL_SECONDS):
    """Tick every 1 ms and send a command every 100 ms for ``seconds``; returns gaps, reply delays, states seen."""
    from qtpy.QtCore import Qt, QTimer

    ticks, delays, pending, states = [], [], [0], []
    timer = QTimer()
    timer.setTimerType(Qt.PreciseTimer)
    timer.setInterval(TICK_MS)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))

    def send():
        sent = time.perf_counter()
        pending[0] += 1

        def replied(reply):
            pending[0] -= 1
            delays.append(time.perf_counter() - sent)

        window.bridge.request(CommandName.QUEUE_ITEM_ADD, {"item": count(1)}, on_reply=replied)

    sender = QTimer()
    sender.setTimerType(Qt.PreciseTimer)
    sender.setInterval(COMMAND_EVERY_MS)
    sender.timeout.connect(send)
    window.bridge.connection_changed.connect(lambda connection: states.append(connection.get("state")))
    timer.start()
    sender.start()
    if on_start is not None:
        threading.Thread(target=on_start, name="bench-stop-server", daemon=True).start()
    end = time.perf_counter() + seconds
    try:
        gui.wait_until(lambda: time.perf_counter() >= end, seconds + 30, "the measurement", interval_ms=50)
    finally:
        timer.stop()
        sender.stop()
    gaps = [y - x for x, y in zip(ticks, ticks[1:])]
    return gaps, delays, pending[0], states


def stall_scenarios():
    """(label, make) pairs: make() returns (url, on_start, cleanup, connect_first)."""

    def refused():
        return f"http://127.0.0.1:{free_port()}", None, lambda: None, False

    def stopped():
        server = HeadlessServer()
        return server.url, server.stop, server.stop, True

    def black_hole():
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        return f"http://127.0.0.1:{listener.getsockname()[1]}", None, listener.close, False

    return [("nothing listening (connection refused)", refused),
            ("queue-gui server ended (SIGTERM) at the start", stopped),
            ("listens, never accepts or answers", black_hole)]


def part_stalls(repeats):
    rows = []
    for label, make in stall_scenarios():
        runs = []
        for repeat in range(repeats):
            bench.say(f"bench_remote: stall, {label}, repeat {repeat + 1} of {repeats} ...")
            url, on_start, cleanup, connect_first = make()
            try:
                window = Window(url, API_KEY)
                try:
                    if connect_first:
                        window.wait_connected()
                    gaps, delays, unanswered, states = measure_stall(window, on_start)
                finally:
                    window.close()
            finally:
                cleanup()
            runs.append((max(gaps) - TICK_MS / 1000, bench.percentile(gaps, 0.99), delays, unanswered, states))
        stalls = [run[0] for run in runs]
        chosen = sorted(runs, key=lambda run: run[0])[(len(runs) - 1) // 2]
        stall, p99, delays, unanswered, states = chosen
        attempts = states.count("connecting")
        rows.append(bench.row(
            f"GUI stall over {STALL_SECONDS:g} s, {label} (max gap - {TICK_MS} ms, median of {repeats})",
            bench.fmt_ms(stall, 1), "<= 50 ms",
            f"runs {', '.join(bench.fmt_ms(s, 1) for s in stalls)}; p99 gap {bench.fmt_ms(p99, 2)}",
            stall <= TARGET_STALL, stall))
        rows.append(bench.row(
            f"  reply to a command sent every {COMMAND_EVERY_MS} ms, same run",
            f"median {bench.fmt_ms(statistics.median(delays), 1)}, max {bench.fmt_ms(max(delays), 1)}",
            "at once", f"{len(delays)} answered, {unanswered} unanswered at the end; "
                       f"connection attempts in the run: {attempts}", None, statistics.median(delays)))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the results to this file (for run_all.py)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each measurement (default 3)")
    parser.add_argument("--no-stack", action="store_true", help="leave out bluesky-httpserver (part 2)")
    parser.add_argument("--only", choices=("push", "httpserver", "stall"), nargs="+",
                        help="only these parts (default: all)")
    args = parser.parse_args()
    parts = args.only or ["push", "httpserver", "stall"]
    if args.no_stack and "httpserver" in parts:
        parts.remove("httpserver")
    app = gui.application()  # noqa: F841 (kept alive: a QApplication without a reference is deleted)
    load_before = bench.machine_info()["load_average"]
    rows, notes = [], []
    if "push" in parts:
        push_rows, signals = part_push(args.repeats)
        rows += push_rows
        notes.append("window B's model showed the new row by: "
                     + ", ".join(f"{name} {n}" for name, n in sorted(signals.items())) + ".")
    if "stall" in parts:
        rows += part_stalls(args.repeats)
    if "httpserver" in parts:
        rows += part_httpserver(args.repeats)
    notes.append("both windows of a measurement run in this one process and share its GUI thread (and the GIL) "
                 "with each other and, for queue-gui, with the Service; a window on another machine would not.")
    info = bench.machine_info()
    notes.append(f"{info['date']}, {info['cpu_count']} x {info['cpu_model']}, load average before "
                 f"{load_before}, after {info['load_average']}.")
    bench.report("Remote windows: edit-to-other-window latency and GUI stalls", rows, notes, args.json)


if __name__ == "__main__":
    main()
