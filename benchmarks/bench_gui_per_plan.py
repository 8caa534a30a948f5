"""Per-plan GUI cost as a function of queue length: GUI-thread CPU and wall time per plan.

Method
------
1. In this process, the bare RunEngine first: ``RunEngine({})`` and
   ``count([det1], num=1)`` run ``K`` times (after one warm-up run); the
   wall time per plan is the reference the standards ask for, measured in
   the same run as the rest.
2. Compose the desktop application as ``queue-gui`` does
   (``queue_gui.desktop.Desktop`` via ``bench_gui_common.Desktop``: the
   service with the built-in simulated profile, ``ManagerThread``,
   ``ManagerBridge``, ``MainWindow`` shown; ``QT_QPA_PLATFORM=offscreen``)
   and open the environment.
3. For each queue length ``N`` (10 and 10,000): clear queue and history,
   set the queue to *loop* mode (a finished item goes back to the end, so
   the queue stays ``N`` long while it runs, and 10 items can run 20
   plans), add ``N`` items ``count([det1], num=1)`` with
   ``queue_item_add_batch``, and wait until the window's queue model shows
   them. Then, ``REPEATS`` times (after one warm-up of 3 plans): sample
   ``time.thread_time()`` and ``time.perf_counter()`` on the GUI thread,
   ``queue_start``; a status listener (on the manager thread) submits
   ``queue_stop`` once ``K - 1`` plans have finished, so the queue stops
   after the ``K``-th; the GUI thread waits, running its event loop, until
   the bridge's status shows the manager idle with the plans in the
   history, then handles every pending event and samples again. Per plan =
   difference / plans actually run (``K``, or ``K + 1`` if the stop came
   late).

Only public surfaces are used (the composition, ``manager.submit``, the
bridge's ``status_changed`` signal and ``status``, the window's queue model
row count), so the benchmark keeps working whatever the bridge does inside.

Why ``time.thread_time()`` on the GUI thread: it is exactly the CPU the
GUI thread spent (bridge slots, models, views, plots, live table, the
event loop), which is what makes the window sluggish. Process CPU minus the
other threads would need every other thread's CPU (manager, HTTP server,
store, Pipe readers) read through ``/proc``, for the same figure with more
noise. Waiting is on the bridge's ``status_changed`` signal, not a polling
timer, so the benchmark adds no work of its own to the GUI thread.

The machine is shared (2 cores, other engineers' jobs): figures are
medians of the repeats, and still noisy.
"""

import statistics
import time

import _common as bench
import bench_gui_common as gui
from queue_gui.wire import CommandName

SIZES = (10, 10_000)
K = 20
REPEATS = 3
WARM_UP = 3
WAIT_TIMEOUT = 300.0


def bare_run_engine(plans=K):
    """Wall seconds per ``count([det1], num=1)`` on a bare RunEngine in this process."""
    from bluesky import RunEngine
    from bluesky.plans import count
    from ophyd.sim import det1

    RE = RunEngine({}, context_managers=[])
    RE(count([det1], num=1))  # warm-up
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for _ in range(plans):
            RE(count([det1], num=1))
        times.append((time.perf_counter() - start) / plans)
    return statistics.median(times)


def wait_for_status(desktop, predicate, what, timeout=WAIT_TIMEOUT):
    """Run the event loop until a status the bridge emits (or holds) satisfies ``predicate``."""
    from qtpy.QtCore import QEventLoop, QTimer

    if desktop.bridge.status and predicate(desktop.bridge.status):
        return desktop.bridge.status
    loop = QEventLoop()
    expired = []

    def on_status(status):
        if predicate(status):
            loop.quit()

    def on_timeout():
        expired.append(True)
        loop.quit()

    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(on_timeout)
    desktop.bridge.status_changed.connect(on_status)
    timer.start(int(timeout * 1000))
    try:
        loop.exec_()
    finally:
        timer.stop()
        desktop.bridge.status_changed.disconnect(on_status)
    if expired:
        raise TimeoutError(f"timed out after {timeout} s waiting for {what}; last status: {desktop.bridge.status}")
    return desktop.bridge.status


def run_plans(desktop, plans):
    """Run ``plans`` plans from the (looping) queue; returns (GUI CPU s, wall s, plans run)."""
    manager = desktop.manager
    history_before = desktop.bridge.status["items_in_history"]
    stop_at = history_before + plans - 1
    asked = []

    def stop_after_the_next(kind, status):  # on the manager thread: no wait, just submit
        if kind == "status" and not asked and status["items_in_history"] >= stop_at:
            asked.append(manager.submit(CommandName.QUEUE_STOP))

    manager.subscribe(stop_after_the_next)
    try:
        cpu, wall = time.thread_time(), time.perf_counter()
        desktop.manager.submit(CommandName.QUEUE_START)
        status = wait_for_status(
            desktop, lambda s: s["manager_state"] == "idle" and s["items_in_history"] >= history_before + plans
            and s["running_item_uid"] is None, f"{plans} plans to run")
        gui.process_events()  # the GUI's share of the last plan, too
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    finally:
        manager.unsubscribe(stop_after_the_next)
    return cpu, wall, status["items_in_history"] - history_before


def measure_size(desktop, n):
    desktop.call(CommandName.QUEUE_CLEAR)
    desktop.call(CommandName.HISTORY_CLEAR)
    desktop.call(CommandName.QUEUE_MODE_SET, {"mode": {"loop": True}})
    items = bench.count_items(n, detectors=("det1",), num=1)
    for start in range(0, n, 1000):
        desktop.call(CommandName.QUEUE_ITEM_ADD_BATCH, {"items": items[start:start + 1000]})
    gui.wait_until(lambda: desktop.window.queue_model.rowCount() == n, WAIT_TIMEOUT, f"{n} rows in the queue view")
    run_plans(desktop, WARM_UP)
    results = []
    for repeat in range(REPEATS):
        cpu, wall, ran = run_plans(desktop, K)
        bench.say(f"bench_gui_per_plan: N={n} repeat {repeat + 1}: {ran} plans, GUI CPU {cpu / ran * 1e3:.2f} ms/plan, "
                  f"wall {wall / ran * 1e3:.2f} ms/plan")
        results.append((cpu / ran, wall / ran))
    desktop.call(CommandName.QUEUE_MODE_SET, {"mode": "default"})
    return results


def main():
    args = bench.parse_args(__doc__.splitlines()[0])
    bench.say("bench_gui_per_plan: bare RunEngine ...")
    bare = bare_run_engine()
    desktop = gui.Desktop()
    try:
        desktop.wait_idle()
        desktop.open_environment()
        measured = {}
        for n in SIZES:
            bench.say(f"bench_gui_per_plan: queue of {n} ...")
            measured[n] = measure_size(desktop, n)
    finally:
        desktop.close()

    rows = []
    table = ["| N (queue length) | GUI-thread CPU ms per plan | wall ms per plan | bare RunEngine ms per plan |",
             "|---|---|---|---|"]
    for n in SIZES:
        cpu = statistics.median(c for c, _ in measured[n])
        wall = statistics.median(w for _, w in measured[n])
        table.append(f"| {n:,} | {cpu * 1e3:.2f} | {wall * 1e3:.2f} | {bare * 1e3:.2f} |")
        rows.append(bench.row(f"N = {n:,}: GUI-thread CPU per plan (median of {REPEATS} x {K} plans)",
                              bench.fmt_ms(cpu), "-", f"wall {bench.fmt_ms(wall)} per plan", None, cpu))
        rows.append(bench.row(f"N = {n:,}: wall time per plan", bench.fmt_ms(wall), "-",
                              f"bare RunEngine {bench.fmt_ms(bare)}", None, wall))
    print("\n".join(table) + "\n")
    notes = [
        "count([det1], num=1), queue in loop mode so it stays N long; GUI CPU is time.thread_time() on the GUI thread.",
        f"every figure is the median of {REPEATS} repeats on a shared 2-core machine: noisy.",
        "per-repeat figures: " + "; ".join(
            f"N={n:,}: " + ", ".join(f"{c * 1e3:.1f}/{w * 1e3:.1f}" for c, w in measured[n]) + " ms (CPU/wall)"
            for n in SIZES),
    ]
    bench.report("Per-plan GUI cost and queue length", rows, notes, args.json)


if __name__ == "__main__":
    main()
