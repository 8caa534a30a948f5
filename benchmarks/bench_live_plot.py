"""Live plots: GUI-thread cost per event of the plot model + painter + live table, and event-loop stalls.

Method
------
1. Documents: ``scan([det1], motor1, -1, 1, N)`` (N = 1000 and 10,000) on a
   real RunEngine in this process, recorded once, then cut into the batches
   the worker's outbox sends for a fast scan: ``PAGE`` events per batch,
   consecutive events packed into one ``event_page`` (``pack_events``),
   encoded to JSON and decoded again (``encode_documents``), as the bridge
   delivers them. The start and descriptor come with the first batch.
2. The window's data docks as ``MainWindow._build_data_docks`` builds them:
   one ``LiveData`` feeding a ``PlotsDock`` (``PlotBuilder`` + pyqtgraph
   ``Painter``) and a ``LiveTable``, both shown (800 x 500 and 800 x 300,
   offscreen unless ``QT_QPA_PLATFORM`` says otherwise).
3. **Paced run** (what a scan looks like to the window): a ``QTimer`` hands
   one batch to ``LiveData.consume`` every ``PAGE`` ms (1000 points/s, the
   outbox's 20 ms window at 1 ms per point) while a 1 ms ``Qt.PreciseTimer``
   stamps ``perf_counter``; the run ends when the painter has drawn the last
   point. Reported: GUI-thread CPU time per event (``time.thread_time`` of
   the run, minus the same paced run with no docks, so the timers' own cost
   is left out; it includes Qt's paint events), the longest gap between
   1 ms ticks less 1 ms (the stall; target <= 50 ms, goal 16 ms), redraws
   per second, the longest redraw (handing data to pyqtgraph).
4. **Flat out**: every batch handed over as soon as the previous returns
   (a ``QTimer`` of 0 ms in between, so redraws and paints still happen):
   wall time per event until the last point is drawn.
5. **Model alone** (``LiveData`` + ``PlotBuilder``, no Qt): time per event
   of ``consume`` with pages of ``PAGE`` events and with single events.

Every figure is the median of ``--repeats`` runs (fresh docks each time).
"""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as bench  # noqa: E402

SIZES = (1000, 10_000)
PAGE = 20
TICK_MS = 1
TARGET_STALL = 0.050
GOAL_STALL = 0.016


def record_scan(points):
    """The documents of a real ``scan([det1], motor1, -1, 1, points)``."""
    from bluesky import RunEngine
    from bluesky.plans import scan
    from ophyd.sim import det1, motor1

    engine = RunEngine(context_managers=[])
    documents = []
    engine.subscribe(lambda name, doc: documents.append((name, doc)))
    engine(scan([det1], motor1, -1, 1, points))
    return documents


def batches(documents, page):
    """The documents as the bridge delivers them: ``page`` events per batch, packed, through JSON."""
    from queue_gui.worker.outbox import encode_documents, pack_events

    out, current, events = [], [], 0
    for name, doc in documents:
        current.append((name, doc))
        if name == "event":
            events += 1
            if events == page:
                out.append(json.loads(encode_documents(pack_events(current))))
                current, events = [], 0
    if current:
        out.append(json.loads(encode_documents(pack_events(current))))
    return out


def build_docks():
    from queue_gui.data.runs import LiveData
    from queue_gui.qt.live_table import LiveTable
    from queue_gui.qt.plots.plots_dock import PlotsDock

    live_data = LiveData()
    plots = PlotsDock(live_data)
    table = LiveTable(live_data)
    plots.resize(800, 500)
    table.resize(800, 300)
    plots.show()
    table.show()
    return live_data, plots, table


def all_drawn(plots, points):
    view = plots.current_view()
    if view is None or plots.painter._timer.isActive() or plots.painter._dirty:
        return False
    items = list(view.axes_views[0].items.values())
    return bool(items) and items[-1].xData is not None and len(items[-1].xData) == points


def paced_run(feed, with_docks, points, interval_ms):
    """Feed one batch every ``interval_ms``; returns GUI-thread CPU, longest gap, docks."""
    import gc

    from qtpy.QtCore import QEventLoop, Qt, QTimer

    import bench_gui_common as gui

    docks = build_docks() if with_docks else None
    live_data = docks[0] if docks else None
    gui.process_events()
    gc.collect()
    ticks = []
    consume_times = []
    PAINTS.clear()
    ticker = QTimer()
    ticker.setTimerType(Qt.PreciseTimer)
    ticker.setInterval(TICK_MS)
    ticker.timeout.connect(lambda: ticks.append(time.perf_counter()))
    pending = list(feed)
    feeder = QTimer()
    feeder.setTimerType(Qt.PreciseTimer)
    feeder.setInterval(interval_ms)
    loop = QEventLoop()

    def next_batch():
        if pending:
            batch = pending.pop(0)
            if live_data is not None:
                started = time.perf_counter()
                live_data.consume(batch)
                consume_times.append(time.perf_counter() - started)
        if not pending:
            feeder.stop()
            finish.start()

    def check_done():
        if docks is None or all_drawn(docks[1], points):
            finish.stop()
            loop.quit()

    finish = QTimer()
    finish.setInterval(2)
    finish.timeout.connect(check_done)
    feeder.timeout.connect(next_batch)
    cpu = time.thread_time()
    ticker.start()
    feeder.start()
    loop.exec_()
    ticker.stop()
    cpu = time.thread_time() - cpu
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    return {"cpu": cpu, "gap": max(gaps) if gaps else 0.0, "ticks": ticks, "docks": docks,
            "consume": consume_times, "paints": list(PAINTS)}


#: CPU seconds of each pyqtgraph ``GraphicsView.paintEvent`` (instrumentation, see :func:`instrument_paint`).
PAINTS = []


def instrument_paint():
    """Time pyqtgraph's paint events: Qt paints after ``setData``, in the event loop."""
    import pyqtgraph as pg

    original = pg.GraphicsView.paintEvent

    def timed(view, event):
        started = time.thread_time()
        original(view, event)
        PAINTS.append(time.thread_time() - started)

    pg.GraphicsView.paintEvent = timed


def flat_out_run(feed, points):
    from qtpy.QtCore import QEventLoop, QTimer

    import bench_gui_common as gui

    live_data, plots, table = build_docks()
    gui.process_events()
    pending = list(feed)
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(0)

    def step():
        if pending:
            live_data.consume(pending.pop(0))
        elif all_drawn(plots, points):
            timer.stop()
            loop.quit()

    timer.timeout.connect(step)
    started = time.perf_counter()
    timer.start()
    loop.exec_()
    elapsed = time.perf_counter() - started
    close(plots, table)
    return elapsed


def model_alone(feed):
    from queue_gui.data.builder import PlotBuilder
    from queue_gui.data.runs import LiveData

    live_data = LiveData()
    PlotBuilder(live_data)
    started = time.perf_counter()
    for batch in feed:
        live_data.consume(batch)
    return time.perf_counter() - started


def close(*widgets):
    import bench_gui_common as gui

    for widget in widgets:
        widget.close()
        widget.deleteLater()
    gui.process_events()


def cold_start(points):
    """The first plot in a fresh process: pyqtgraph's first figure costs more (fonts, items)."""
    documents = batches(record_scan(points), PAGE)
    run = paced_run(documents, True, points, PAGE)
    close(run["docks"][1], run["docks"][2])
    return max(0.0, run["gap"] - TICK_MS / 1000), run["consume"][0]


def measure(points, repeats):
    bench.say(f"bench_live_plot: recording a {points}-point scan ...")
    documents = record_scan(points)
    paged = batches(documents, PAGE)
    single = batches(documents, 1)
    keys = ("cpu", "consume", "first_batch", "paint", "stall", "redraws_per_s", "longest_redraw", "flat",
            "model_page", "model_single", "rows")
    results = {k: [] for k in keys}
    for repeat in range(repeats):
        bench.say(f"bench_live_plot: {points} points, run {repeat + 1}/{repeats} ...")
        idle = paced_run(paged, False, points, PAGE)
        run = paced_run(paged, True, points, PAGE)
        live_data, plots, table = run["docks"]
        duration = run["ticks"][-1] - run["ticks"][0]
        idle_duration = max(idle["ticks"][-1] - idle["ticks"][0], 1e-9)
        results["cpu"].append(max(0.0, run["cpu"] - idle["cpu"] * duration / idle_duration) / points)
        results["consume"].append(sum(run["consume"][1:]) / (points - PAGE))
        results["first_batch"].append(run["consume"][0])
        results["paint"].append(statistics.median(run["paints"]) if run["paints"] else 0.0)
        results["stall"].append(max(0.0, run["gap"] - TICK_MS / 1000))
        results["redraws_per_s"].append(plots.painter.redraws / duration)
        results["longest_redraw"].append(plots.painter.longest_redraw)
        results["rows"].append(table.model.rowCount())
        close(plots, table)
        results["flat"].append(flat_out_run(paged, points) / points)
        results["model_page"].append(model_alone(paged) / points)
        results["model_single"].append(model_alone(single) / points)
    return {k: statistics.median(v) for k, v in results.items()}


def us(seconds):
    return f"{seconds * 1e6:.1f} µs"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the results to this file (for run_all.py)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    args = parser.parse_args()
    import bench_gui_common as gui

    app = gui.application()  # noqa: F841 (kept alive: Qt needs its QApplication)
    instrument_paint()
    bench.say("bench_live_plot: the first plot of a fresh process ...")
    cold_stall, cold_first = cold_start(SIZES[0])
    rows = [
        bench.row("first plot of the process: longest stall / first batch (figure created)",
                  f"{bench.fmt_ms(cold_stall)} / {bench.fmt_ms(cold_first)}", "<= 50 ms", "-",
                  cold_stall <= TARGET_STALL, cold_stall),
    ]
    for points in args.sizes:
        r = measure(points, args.repeats)
        rows += [
            bench.row(f"{points} points: documents handled per event on the GUI thread (model, painter's "
                      "dirty mark, table)", us(r["consume"]), "O(1) per event",
                      "AutoLines + QtFigures: 148 ms at 50 points, 508 ms at 200", None, r["consume"]),
            bench.row(f"{points} points, paced 1000/s: all GUI-thread CPU per event (with redraws and Qt's paints)",
                      us(r["cpu"]), "-", f"paint of the plot: {bench.fmt_ms(r['paint'])} (median)", None, r["cpu"]),
            bench.row(f"{points} points, paced: longest event-loop stall", bench.fmt_ms(r["stall"]),
                      "<= 50 ms (goal 16 ms)", f"first batch (figure created): {bench.fmt_ms(r['first_batch'])}",
                      r["stall"] <= TARGET_STALL, r["stall"]),
            bench.row(f"{points} points, paced: redraws per second / longest redraw (setData)",
                      f"{r['redraws_per_s']:.1f} / {bench.fmt_ms(r['longest_redraw'])}", "<= 20 / s", "-",
                      r["redraws_per_s"] <= 20.5, r["redraws_per_s"]),
            bench.row(f"{points} points, flat out: wall time per event until the last point is drawn",
                      us(r["flat"]), "-", "-", None, r["flat"]),
            bench.row(f"{points} points, model alone (no Qt): per event, pages of {PAGE} / single events",
                      f"{us(r['model_page'])} / {us(r['model_single'])}", "-", "-", None, r["model_page"]),
        ]
        if r["rows"] != points:
            bench.say(f"bench_live_plot: the table shows {r['rows']} rows of {points} (bounded at 10,000)")
    info = bench.machine_info()
    notes = [
        "row 1 is the first plot in a fresh process (pyqtgraph's first figure); the rows after it come later in "
        "the same process, as every plot after the first does in the application.",
        f"median of {args.repeats} runs; documents from a real RunEngine, packed {PAGE} events per batch as the outbox sends "
        "a 1 ms/point scan, through JSON.",
        "GUI-thread CPU is time.thread_time over the paced run minus an idle paced run without docks (the 1 ms tick "
        "and the feeder timer cost the same in both).",
        f"{info['date']}, {info['cpu_count']} x {info['cpu_model']}, Python {info['python']}, "
        f"QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM')}.",
    ]
    bench.report("Live plots: GUI-thread cost and stalls", rows, notes, args.json)


if __name__ == "__main__":
    main()
