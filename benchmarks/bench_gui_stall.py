"""GUI responsiveness: event-loop stalls while 100 plans run and the HTTP API is busy.

Method
------
1. Compose the desktop application as ``queue-gui`` does (``Service`` with
   the default simulated profile, ``ManagerThread``, ``ManagerBridge``,
   ``MainWindow`` shown; ``QT_QPA_PLATFORM=offscreen``), open the
   environment and add 100 ``count([det1, det2])`` items.
2. Start a ``QTimer`` (``Qt.PreciseTimer``, 5 ms) on the GUI thread that
   records ``time.perf_counter()`` at each timeout; a separate thread starts
   hammering the HTTP API with a keep-alive ``httpx.Client``, cycling
   ``GET /``, ``GET /queue_view``, ``POST /add_to_queue`` (a count) and
   ``POST /pop_from_queue`` as fast as it can; then the queue is started
   (``manager.submit(CommandName.QUEUE_START)``).
3. The run ends when the pushed status shows 100 items in history. Gaps
   between consecutive timeouts: stall = longest gap - 5 ms (target
   <= 50 ms); the 99th percentile gap is reported too, and for the longest
   gaps the GUI thread's own CPU time within them (``time.thread_time``):
   near the gap means the GUI thread was busy, far below means it waited
   (for the GIL or for a core).
4. With the queue idle (the hammer stopped), 50 times: a helper thread
   stamps ``perf_counter()`` and sends ``POST /add_to_queue``; the GUI
   thread stamps the ``QueueModel.rowsInserted`` signal. Latency = the
   difference (target <= 100 ms; pushed, not polled). The item is then
   popped and the model seen empty before the next one.

Other options, for diagnosis: ``--no-hammer`` (the queue run alone),
``--hammer-process`` (the same load from another process, as real clients
are), ``--switch-interval MS`` (``sys.setswitchinterval``), ``--gc-freeze``
(what-if: ``gc.freeze()`` after start-up), ``--object-signals`` (what-if:
the bridge's signals typed ``object``), ``--profile FILE`` (cProfile of
the GUI thread), ``--trace-ms N`` (a watchdog prints the GUI thread's
Python stack when a tick is N ms late; it takes the GIL too).
"""

import argparse
import statistics
import sys
import threading
import time
import traceback

import _common as bench
import bench_gui_common as gui
from queue_gui.wire import CommandName

N_PLANS = 100
TICK_MS = 5
TARGET_STALL = 0.050
N_LATENCY = 50
TARGET_LATENCY = 0.100
PLAN = {"name": "count", "args": [["det1", "det2"]]}


class Hammer(threading.Thread):
    """Cycles GET /, GET /queue_view, POST /add_to_queue, POST /pop_from_queue until stopped."""

    def __init__(self, url):
        super().__init__(name="bench-http-hammer", daemon=True)
        self.url = url
        self.stop_event = threading.Event()
        self.latencies = {"GET /": [], "GET /queue_view": [], "POST /add_to_queue": [], "POST /pop_from_queue": []}
        self.refused = 0
        self.error = None

    def run(self):
        import httpx

        steps = [
            ("GET /", lambda c: c.get("/")),
            ("GET /queue_view", lambda c: c.get("/queue_view")),
            ("POST /add_to_queue", lambda c: c.post("/add_to_queue", json={"plan": PLAN})),
            ("POST /pop_from_queue", lambda c: c.post("/pop_from_queue")),
        ]
        try:
            with httpx.Client(base_url=self.url, timeout=30.0, trust_env=False) as client:
                i = 0
                while not self.stop_event.is_set():
                    name, send = steps[i % 4]
                    start = time.perf_counter()
                    reply = send(client)
                    self.latencies[name].append(time.perf_counter() - start)
                    reply.raise_for_status()
                    if reply.json().get("success") is False:
                        self.refused += 1  # a pop racing the queue's own take: harmless
                    i += 1
        except Exception as error:  # reported by the main thread
            self.error = error

    def stop(self):
        self.stop_event.set()
        self.join(30)

    def total(self):
        return sum(len(v) for v in self.latencies.values())


def _hammer_process(url, started, stop, results):
    """Child-process body of ``--hammer-process``: one :class:`Hammer` until ``stop`` is set."""
    hammer = Hammer(url)
    hammer.start()
    started.set()
    stop.wait()
    hammer.stop()
    results.put((hammer.latencies, hammer.refused, repr(hammer.error) if hammer.error else None))


class HammerProcess:
    """The same load from another process (as real clients are): no GIL shared with the GUI."""

    def __init__(self, url):
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self._started, self._stop, self._results = context.Event(), context.Event(), context.Queue()
        self._process = context.Process(target=_hammer_process, args=(url, self._started, self._stop, self._results),
                                        name="bench-http-hammer", daemon=True)
        self.latencies, self.refused, self.error = {}, 0, None

    def start(self):
        self._process.start()
        if not self._started.wait(60):
            raise RuntimeError("the hammer process did not start")

    def stop(self):
        self._stop.set()
        try:
            self.latencies, self.refused, self.error = self._results.get(timeout=30)
        finally:
            self._process.join(10)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()

    def total(self):
        return sum(len(v) for v in self.latencies.values())


class GcMonitor:
    """Durations of the cyclic garbage collector's runs in this process (any thread).

    A full (generation 2) collection walks every tracked object of the
    process and holds the GIL meanwhile, so it stalls the GUI thread
    whichever thread triggered it.
    """

    def __init__(self):
        self.runs = []  # (generation, seconds, thread name)
        self._start = {}

    def _callback(self, phase, info):
        if phase == "start":
            self._start[threading.get_ident()] = time.perf_counter()
        else:
            started = self._start.pop(threading.get_ident(), None)
            if started is not None:
                self.runs.append((info["generation"], time.perf_counter() - started, threading.current_thread().name))

    def __enter__(self):
        import gc

        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc):
        import gc

        gc.callbacks.remove(self._callback)

    def longest(self, generation):
        runs = [run for run in self.runs if run[0] == generation]
        return max(runs, key=lambda run: run[1]) if runs else None


class StallWatchdog(threading.Thread):
    """Prints the GUI thread's Python stack while a tick is overdue by ``limit`` s (diagnosis)."""

    def __init__(self, ticks, gui_thread_id, limit):
        super().__init__(name="bench-stall-watchdog", daemon=True)
        self.ticks, self.gui_thread_id, self.limit = ticks, gui_thread_id, limit
        self.stop_event = threading.Event()

    def run(self):
        reported = None
        while not self.stop_event.wait(0.002):
            if not self.ticks:
                continue
            last = self.ticks[-1]
            late = time.perf_counter() - last
            if late > self.limit and reported != last:
                reported = last
                frame = sys._current_frames().get(self.gui_thread_id)
                stack = "".join(traceback.format_stack(frame)[-12:]) if frame else "(no frame)\n"
                bench.say(f"--- GUI thread {late * 1000:.0f} ms after the last tick:\n{stack}")


def thread_cpu(extra_names=None):
    """CPU seconds (user + system) of each thread of this process, by Python thread name.

    ``extra_names`` maps native thread ids to names for threads Python did
    not start (the manager's ``QThread``).
    """
    import psutil

    names = {t.native_id: t.name for t in threading.enumerate()}
    names.update(extra_names or {})
    return {names.get(t.id, f"native-{t.id}"): t.user_time + t.system_time for t in psutil.Process().threads()}


def measure_stalls(desktop, hammer_on, trace_ms, hammer_process=False, profile_path=None):
    """Run 100 plans with the tick timer (and hammer); returns (gaps, hammer, seconds)."""
    from qtpy.QtCore import Qt, QTimer

    desktop.call(CommandName.QUEUE_ITEM_ADD_BATCH, {"items": gui.count_items(N_PLANS)})
    gui.wait_until(lambda: desktop.window.queue_model.rowCount() == N_PLANS, what="100 rows")
    history_before = desktop.status()["items_in_history"]
    # Manager listeners run on the manager thread: learn its native id.
    manager_ids = {}

    def learn_manager_thread(kind, payload):
        manager_ids.setdefault(threading.get_native_id(), "manager (QThread)")

    desktop.manager.subscribe(learn_manager_thread)
    desktop.call(CommandName.STATUS)  # any event will do

    ticks = []
    timer = QTimer()
    timer.setTimerType(Qt.PreciseTimer)
    timer.setInterval(TICK_MS)
    cpu_ticks = []

    def tick():
        ticks.append(time.perf_counter())
        cpu_ticks.append(time.thread_time())

    timer.timeout.connect(tick)
    hammer = (HammerProcess if hammer_process else Hammer)(desktop.url) if hammer_on else None
    if hammer_process:
        hammer.start()  # a process takes ~1 s to start: before the timer
    watchdog = StallWatchdog(ticks, threading.get_ident(), trace_ms / 1000) if trace_ms else None
    gc_monitor = GcMonitor().__enter__()
    timer.start()
    try:
        if watchdog:
            watchdog.start()
        if hammer and not hammer_process:
            hammer.start()
        profiler = None
        if profile_path:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()  # this (the GUI) thread only
        threads_before = thread_cpu(manager_ids)
        start = time.perf_counter()
        cpu_start = time.thread_time()
        desktop.call(CommandName.QUEUE_START)
        desktop.wait_status(lambda s: s["items_in_history"] >= history_before + N_PLANS,
                            what=f"{N_PLANS} plans in history", timeout=300,
                            interval_ms=50)  # a coarse check: it competes with the GUI
        elapsed = time.perf_counter() - start
        gui_cpu = time.thread_time() - cpu_start
        threads_after = thread_cpu(manager_ids)
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile_path)
    finally:
        timer.stop()
        gc_monitor.__exit__()
        desktop.manager.unsubscribe(learn_manager_thread)
        if hammer:
            hammer.stop()
        if watchdog:
            watchdog.stop_event.set()
            watchdog.join(5)
    if hammer and hammer.error:
        raise RuntimeError(f"the HTTP hammer failed: {hammer.error!r}")
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    # The GUI thread's own CPU time within each gap: close to the gap when the
    # GUI thread was busy (its own work), far below it when it waited (for
    # the GIL, or for a core).
    gap_cpu = [b - a for a, b in zip(cpu_ticks, cpu_ticks[1:])]
    # The hammer's last add may have been taken by the queue: let it finish,
    # then empty the queue so the latency part starts from an idle, empty queue.
    desktop.wait_status(lambda s: s["manager_state"] == "idle", what="the queue to end")
    desktop.call(CommandName.QUEUE_CLEAR)
    gui.wait_until(lambda: desktop.window.queue_model.rowCount() == 0, what="an empty queue view")
    threads = {name: cpu - threads_before.get(name, 0.0) for name, cpu in threads_after.items()}
    return (gaps, gap_cpu, gc_monitor, threads), hammer, elapsed, gui_cpu


def measure_latency(desktop):
    """HTTP add -> rowsInserted of the window's QueueModel, N_LATENCY times; returns seconds."""
    import httpx

    model = desktop.window.queue_model
    inserted = []
    model.rowsInserted.connect(lambda *args: inserted.append(time.perf_counter()))
    latencies, replies = [], []
    with httpx.Client(base_url=desktop.url, timeout=30.0, trust_env=False) as client:
        client.get("/")  # connect once, as a keep-alive client would
        for _ in range(N_LATENCY):
            inserted.clear()
            sent = []

            def send():
                sent.append(time.perf_counter())
                reply = client.post("/add_to_queue", json={"plan": PLAN})
                replies.append(time.perf_counter() - sent[0])
                bench.check(reply, "add_to_queue")

            sender = threading.Thread(target=send)
            sender.start()
            gui.wait_until(lambda: bool(inserted), what="rowsInserted", timeout=10, interval_ms=10)
            sender.join(10)
            latencies.append(inserted[0] - sent[0])
            popper = threading.Thread(target=lambda: bench.check(client.post("/pop_from_queue"), "pop_from_queue"))
            popper.start()
            gui.wait_until(lambda: model.rowCount() == 0 and not popper.is_alive(), what="the pop", timeout=10)
            popper.join()
    return latencies, replies


def run_once(args):
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval / 1000)
    desktop = gui.Desktop(bridge_class=gui.object_signal_bridge() if args.object_signals else None)
    try:
        desktop.wait_idle()
        desktop.open_environment()
        if args.gc_freeze:
            import gc

            gc.freeze()  # what-if: objects alive after start-up are never scanned again
        stalls = measure_stalls(desktop, not args.no_hammer, args.trace_ms, args.hammer_process, args.profile)
        latencies, replies = measure_latency(desktop)
    finally:
        desktop.close()
    return stalls + (latencies, replies)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--no-hammer", action="store_true", help="no HTTP load during the queue run")
    parser.add_argument("--hammer-process", action="store_true",
                        help="hammer from another process instead of a thread of the GUI process")
    parser.add_argument("--switch-interval", type=float, default=0,
                        help="sys.setswitchinterval in ms for this process (default: Python's 5 ms)")
    parser.add_argument("--gc-freeze", action="store_true",
                        help="what-if: gc.freeze() once the window is up and the environment open")
    parser.add_argument("--object-signals", action="store_true",
                        help="what-if: the bridge's signals typed object (see bench_gui_common.object_signal_bridge)")
    parser.add_argument("--profile", help="cProfile the GUI thread during the queue run into this file")
    parser.add_argument("--trace-ms", type=float, default=0, help="print the GUI stack when a tick is this late")
    args = parser.parse_args()

    bench.say("bench_gui_stall: composing the window, opening the environment ...")
    (gaps, gap_cpu, gc_monitor, threads), hammer, elapsed, gui_cpu, latencies, replies = run_once(args)
    stall = max(gaps) - TICK_MS / 1000
    p99 = bench.percentile(gaps, 0.99)
    worst = sorted(range(len(gaps)), key=gaps.__getitem__, reverse=True)[:5]
    lat_median, lat_max = statistics.median(latencies), max(latencies)
    load = "and HTTP hammer" if hammer else "(no HTTP load)"
    if hammer and args.hammer_process:
        load = "and HTTP hammer in another process"
    variants = [name for name, on in ((f"switch interval {args.switch_interval} ms", args.switch_interval),
                                      ("gc.freeze() after start-up", args.gc_freeze),
                                      ("object-typed bridge signals", args.object_signals)) if on]
    if variants:
        load += f" [{', '.join(variants)}]"
    rows = [
        bench.row(f"longest GUI stall while {N_PLANS} plans run {load} (max gap - {TICK_MS} ms)",
                  bench.fmt_ms(stall, 1), "<= 50 ms", "-", stall <= TARGET_STALL, stall),
        bench.row(f"p99 gap of the {TICK_MS} ms timer ({len(gaps)} gaps)", bench.fmt_ms(p99, 1), "-",
                  f"median {bench.fmt_ms(statistics.median(gaps), 2)}", None, p99),
        bench.row(f"HTTP add -> row in QueueModel (rowsInserted), queue idle, max of {N_LATENCY}",
                  bench.fmt_ms(lat_max, 1), "<= 100 ms", f"median {bench.fmt_ms(lat_median, 1)}, "
                  f"p90 {bench.fmt_ms(bench.percentile(latencies, 0.9), 1)}",
                  lat_max <= TARGET_LATENCY, lat_max),
        bench.row("  of which the HTTP reply (POST /add_to_queue round trip, median)",
                  bench.fmt_ms(statistics.median(replies), 1), "-", "-", None, statistics.median(replies)),
    ]
    notes = [
        f"queue run: {elapsed:.2f} s for {N_PLANS} plans; five longest gaps (GUI thread CPU time within): "
        + ", ".join(f"{bench.fmt_ms(gaps[i], 1)} ({gap_cpu[i] * 1000:.1f})" for i in worst) + ".",
        f"gaps over 20 ms: {sum(g > 0.020 for g in gaps)}, over 10 ms: {sum(g > 0.010 for g in gaps)}; "
        f"CPU time of the GUI thread during the run: {gui_cpu:.2f} s of {elapsed:.2f} s.",
    ]
    busy = sorted(((cpu, name) for name, cpu in threads.items() if cpu >= 0.01), reverse=True)
    notes.append("CPU seconds by thread of the GUI process during the run (2 cores, the worker process on the "
                 "side): " + ", ".join(f"{name} {cpu:.2f}" for cpu, name in busy) + ".")
    full = [run for run in gc_monitor.runs if run[0] == 2]
    longest_full = gc_monitor.longest(2)
    notes.append(
        f"garbage collector during the run: {len(gc_monitor.runs)} collections, {len(full)} full (generation 2)"
        + (f", the longest full one {bench.fmt_ms(longest_full[1], 1)} (on {longest_full[2]})" if longest_full else "")
        + "; the longest of generation 0/1: "
        + ", ".join(bench.fmt_ms(run[1], 1) for run in filter(None, (gc_monitor.longest(0), gc_monitor.longest(1))))
        + ".")
    if hammer:
        per = {name: statistics.median(v) for name, v in hammer.latencies.items() if v}
        notes.append(
            f"HTTP hammer ({'another process' if args.hammer_process else 'a thread of the GUI process'}): "
            f"{hammer.total()} requests in {elapsed:.2f} s "
            f"({hammer.total() / elapsed:.0f}/s), refusals {hammer.refused}; median latency "
            + ", ".join(f"{k} {bench.fmt_ms(v, 1)}" for k, v in per.items()) + ".")
        if per.get("GET /", 0) > 0.030:
            notes.append("GET / took over 30 ms: the server answers small requests late (before TCP_NODELAY was "
                         "set in queue_gui/server/serve.py, Nagle + delayed ACK cost ~40 ms each), so the API "
                         "was not really busy.")
    info = bench.machine_info()
    notes.append(f"{info['date']}, {info['cpu_count']} x {info['cpu_model']}, load average {info['load_average']}.")
    bench.report("GUI event-loop stalls and push latency", rows, notes, args.json)


if __name__ == "__main__":
    main()
