"""A 10,000-item queue in the GUI: load, scroll to the end, drag and drop 100 items.

Method
------
The desktop application is composed as ``queue-gui`` does (``Service`` with
the default simulated profile, ``ManagerThread``, ``ManagerBridge``,
``MainWindow`` shown, ``QT_QPA_PLATFORM=offscreen``); 10,000 items (a mix of
``count`` and ``scan`` with different parameters) are added with one
``manager.submit(CommandName.QUEUE_ITEM_ADD_BATCH, ...)``. Each figure is the median
of 5 repetitions; target <= 100 ms each.

(a) **Load**: ``QueueModel.set_queue`` of the 10,000 items (the manager's
    records) into a new, empty ``QueueModel`` shown in a new ``QListView``
    (``configure_queue_view``, 800 x 600), timed together with the
    ``processEvents`` that lets the view lay out and paint.
(b) **Scroll**: in the window's queue view, ``scrollToBottom()`` +
    ``processEvents`` (scrolled back to the top, untimed, between runs).
(c) **Drag and drop**: 100 scattered rows selected in the window's view;
    timed from ``model.mimeData(selected)`` + ``model.dropMimeData(...,
    row=10)`` (which sends one ``queue_item_move_batch`` to the real
    manager) until the window's model shows the moved uids at rows
    10..109 after handling ``bridge.queue_changed``, i.e. the pushed status,
    the bridge's ``queue_get`` reload and ``set_queue`` all done (stamped at
    the end of ``set_queue``, see :class:`DropProbe`). The repaint that
    follows (``processEvents``) is reported separately, and so is where the
    time goes: the manager's move (its status event), its ``queue_get``
    reply, the signals delivering the items to the GUI thread (until
    ``set_queue`` is called) and ``set_queue`` itself.

``--object-signals`` measures the same with the bridge's signals typed
``object`` (a what-if, see ``bench_gui_common.object_signal_bridge``);
``--profile FILE`` writes a cProfile of the GUI thread during (c).

For information: the time from the batch add to the window showing 10,000
rows (the app's own load path, through the bridge).
"""

import statistics
import time

import _common as bench
import bench_gui_common as gui
from queue_gui.wire import CommandName

N_ITEMS = 10_000
N_MOVED = 100
DROP_ROW = 10
REPEATS = 5
TARGET = 0.100


def queue_items(n):
    """A mix of everyday items, all different."""
    items = []
    for i in range(n):
        if i % 3:
            items.append({"item_type": "plan", "name": "count", "args": [["det1", "det2"]],
                          "kwargs": {"num": 1 + i % 7, "delay": round(0.01 * (i % 5), 2)}})
        else:
            items.append({"item_type": "plan", "name": "scan", "args": [["det1", "det2"], "motor", -1 - i % 4, 1 + i % 4, 5 + i % 11]})
    return items


def add_items(desktop):
    """Add N_ITEMS with one batch; returns (manager reply seconds, seconds until the window shows them)."""
    model = desktop.window.queue_model
    start = time.perf_counter()
    future = desktop.manager.submit(CommandName.QUEUE_ITEM_ADD_BATCH, {"items": queue_items(N_ITEMS)})
    gui.wait_until(future.done, what="the batch add")
    replied = time.perf_counter() - start
    if not future.result().get("success"):
        raise RuntimeError(f"batch add refused: {future.result().get('msg')}")
    gui.wait_until(lambda: model.rowCount() == N_ITEMS, what=f"{N_ITEMS} rows in the window")
    return replied, time.perf_counter() - start


def measure_load(items):
    """(a) set_queue into a fresh model in a fresh shown view, with processEvents."""
    from qtpy.QtWidgets import QListView

    from queue_gui.qt.queue_model import QueueModel, configure_queue_view

    times = []
    for _ in range(REPEATS):
        view = QListView()
        model = QueueModel(request_move=lambda *a, **k: None, parent=view)
        view.setModel(model)
        configure_queue_view(view)
        view.resize(800, 600)
        view.show()
        gui.process_events()
        start = time.perf_counter()
        model.set_queue(items, {})
        gui.process_events()
        times.append(time.perf_counter() - start)
        assert model.rowCount() == N_ITEMS
        view.close()
        view.deleteLater()
        gui.process_events()
    return times


def measure_scroll(view):
    """(b) scrollToBottom + processEvents in the window's view."""
    times = []
    bar = view.verticalScrollBar()
    for _ in range(REPEATS):
        view.scrollToTop()
        gui.process_events()
        start = time.perf_counter()
        view.scrollToBottom()
        gui.process_events()
        times.append(time.perf_counter() - start)
        assert bar.value() == bar.maximum() > 0, "not at the end"
    return times


class DropProbe:
    """Stamps of one drop's way through manager, bridge and model (benchmark instrumentation).

    ``manager.submit`` is wrapped on the instance to stamp when the
    ``queue_get`` reply is ready (on the manager thread); a manager listener
    stamps status events; ``QueueModel.set_queue`` is wrapped on the class
    (before the window exists, so the window's connection uses the wrapper)
    to stamp its start and end and to check the order there. A slot on
    ``bridge.queue_changed`` would not do: PyQt converts a ``list`` signal
    argument for every connected slot, so a second slot would add its own
    conversion of 10,000 dicts to the figure.
    """

    def __init__(self):
        from queue_gui.qt.queue_model import QueueModel

        self.stamps = {}
        self.expected = None
        self.desktop = None
        self._model_class = QueueModel
        original = self._original_set_queue = QueueModel.set_queue
        probe = self

        def set_queue(model, items, running_item=None):
            probe._stamp("set_queue called")
            original(model, items, running_item)
            if probe.expected is not None and model is probe.desktop.window.queue_model:
                shown = [model.uid_at(r) for r in range(DROP_ROW, DROP_ROW + N_MOVED)]
                if shown == probe.expected:
                    probe._stamp("shown")

        QueueModel.set_queue = set_queue

    def attach(self, desktop):
        self.desktop = desktop
        manager = desktop.manager
        original = manager.submit

        def submit(name, params=None):
            future = original(name, params)
            if name == "queue_get" and self.expected is not None:
                future.add_done_callback(lambda _: self._stamp("queue_get replied"))
            return future

        manager.submit = submit
        self._listener = lambda kind, payload: kind == "status" and self._stamp("status pushed")
        manager.subscribe(self._listener)
        model = desktop.window.queue_model
        model.layoutAboutToBeChanged.connect(lambda *args: self._stamp("layoutAboutToBeChanged"))
        model.layoutChanged.connect(lambda *args: self._stamp("layoutChanged"))

    def _stamp(self, name):
        if self.expected is not None:
            self.stamps.setdefault(name, time.perf_counter())

    def arm(self, expected):
        self.stamps, self.expected = {}, expected

    def close(self):
        self._model_class.set_queue = self._original_set_queue
        if self.desktop is not None:
            self.desktop.manager.unsubscribe(self._listener)
            del self.desktop.manager.submit


def measure_drop(desktop, probe, profile_path=None):
    """(c) 100 scattered rows dropped at row 10, until the model shows the new order."""
    from qtpy.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt

    model, view = desktop.window.queue_model, desktop.window.queue_view
    results = []
    profiler = None
    if profile_path:
        import cProfile

        profiler = cProfile.Profile()  # the GUI thread only
        profiler.enable()
    try:
        for rep in range(REPEATS):
            rows = [200 + rep * 7 + 97 * k for k in range(N_MOVED)]
            selection = QItemSelection()
            for r in rows:
                selection.select(model.index(r), model.index(r))
            view.selectionModel().select(selection, QItemSelectionModel.ClearAndSelect)
            gui.process_events()
            indexes = view.selectionModel().selectedIndexes()
            assert len(indexes) == N_MOVED
            expected = [model.uid_at(r) for r in rows]
            probe.arm(expected)
            start = time.perf_counter()
            data = model.mimeData(indexes)
            accepted = model.dropMimeData(data, Qt.MoveAction, DROP_ROW, 0, QModelIndex())
            dropped = time.perf_counter()
            if not accepted:
                raise RuntimeError("the drop was refused")
            gui.wait_until(lambda: "shown" in probe.stamps, what="the new order in the model", timeout=60)
            gui.process_events()
            painted = time.perf_counter()
            stamps = dict(probe.stamps, dropped=dropped, painted=painted)
            results.append({name: stamp - start for name, stamp in stamps.items()})
            probe.arm(None)
            assert [model.uid_at(r) for r in range(DROP_ROW, DROP_ROW + N_MOVED)] == expected
            assert model.rowCount() == N_ITEMS
    finally:
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile_path)
    return results


def main():
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--object-signals", action="store_true",
                        help="what-if: the bridge's signals typed object (see bench_gui_common.object_signal_bridge)")
    parser.add_argument("--profile", help="cProfile the GUI thread during the drops (c) into this file")
    args = parser.parse_args()
    bench.say("bench_gui_large_queue: composing the window ...")
    probe = DropProbe()
    desktop = None
    try:
        desktop = gui.Desktop(bridge_class=gui.object_signal_bridge() if args.object_signals else None)
        probe.attach(desktop)
        desktop.wait_idle()
        bench.say(f"bench_gui_large_queue: adding {N_ITEMS} items ...")
        replied, shown = add_items(desktop)
        items = desktop.window.queue_model.queue_items()
        bench.say("bench_gui_large_queue: (a) load ...")
        load = measure_load(items)
        bench.say("bench_gui_large_queue: (b) scroll ...")
        scroll = measure_scroll(desktop.window.queue_view)
        bench.say("bench_gui_large_queue: (c) drag and drop ...")
        drops = measure_drop(desktop, probe, args.profile)
    finally:
        probe.close()
        if desktop is not None:
            desktop.close()

    def med(values):
        return statistics.median(values)

    def runs(values):
        return ", ".join(f"{v * 1000:.1f}" for v in values) + " ms"

    shown_c = [d["shown"] for d in drops]
    painted_c = [d["painted"] for d in drops]
    step_names = ["dropped", "status pushed", "queue_get replied", "set_queue called", "layoutAboutToBeChanged", "layoutChanged", "shown",
                  "painted"]
    steps = {name: med([d[name] for d in drops if name in d]) for name in step_names if any(name in d for d in drops)}
    rows = [
        bench.row(f"(a) load: set_queue of {N_ITEMS} items into a shown QListView + processEvents (median of {REPEATS})",
                  bench.fmt_ms(med(load), 1), "<= 100 ms", f"runs: {runs(load)}", med(load) <= TARGET, med(load)),
        bench.row(f"(b) scroll to the end: scrollToBottom + processEvents (median of {REPEATS})",
                  bench.fmt_ms(med(scroll), 1), "<= 100 ms", f"runs: {runs(scroll)}", med(scroll) <= TARGET, med(scroll)),
        bench.row(f"(c) drop {N_MOVED} scattered items at row {DROP_ROW} -> model shows the manager's new order "
                  f"(median of {REPEATS})", bench.fmt_ms(med(shown_c), 1), "<= 100 ms", f"runs: {runs(shown_c)}",
                  med(shown_c) <= TARGET, med(shown_c)),
        bench.row("  (c) including the repaint (processEvents after it)", bench.fmt_ms(med(painted_c), 1), "-",
                  f"runs: {runs(painted_c)}", None, med(painted_c)),
        bench.row(f"app load path: batch add of {N_ITEMS} -> window shows them (once)", bench.fmt_ms(shown, 1), "-",
                  f"manager reply after {bench.fmt_ms(replied, 1)}", None, shown),
    ]
    notes = [
        "(c) where the time goes (median time since the drop started, ms): "
        + ", ".join(f"{name} {value * 1000:.1f}" for name, value in steps.items()) + ".",
    ]
    info = bench.machine_info()
    notes.append(f"{info['date']}, {info['cpu_count']} x {info['cpu_model']}, load average {info['load_average']}.")
    title = "GUI with a 10,000-item queue" + (" [what-if: object-typed bridge signals]" if args.object_signals else "")
    bench.report(title, rows, notes, args.json)


if __name__ == "__main__":
    main()
