"""Live plots and table of scans run through the real queue: worker, RunEngine, manager, bridge."""


import numpy as np
import pytest

from queue_gui.data.runs import LiveData, RunListener
from queue_gui.qt.bridge import ManagerBridge
from queue_gui.qt.live_table import LiveTable
from queue_gui.qt.plots.plots_dock import PlotsDock
from tests.conftest import Documents
from queue_gui.wire import CommandName


@pytest.fixture
def window(engine, qtbot):
    """The data docks on a bridge to a real manager, as the main window composes them."""
    documents = Documents(engine.manager)
    bridge = ManagerBridge(engine.manager)
    live_data = LiveData()
    plots = PlotsDock(live_data)
    table = LiveTable(live_data)
    for widget in (plots, table):
        widget.resize(700, 450)
        qtbot.addWidget(widget)
        widget.show()
    bridge.documents_received.connect(live_data.consume)
    engine.open_environment()
    yield engine, documents, live_data, plots, table
    bridge.close()


def run(engine, name, *args, **kwargs):
    engine.add(name, *args, **kwargs)
    engine.ok(CommandName.QUEUE_START)


def finished(engine, count):
    items = engine.history()
    return len(items) >= count and engine.watch.status["manager_state"] == "idle"


def test_a_scan_through_the_queue_is_plotted_and_tabulated_live(window, qtbot):
    engine, documents, live_data, plots, table = window
    run(engine, "scan", ["det1"], "motor1", -1, 1, 11)
    qtbot.waitUntil(lambda: finished(engine, 1), timeout=30000)
    (uid,) = engine.history()[-1]["result"]["run_uids"]
    qtbot.waitUntil(lambda: live_data.run(uid) is not None and live_data.run(uid).stop is not None, timeout=10000)
    emitted = documents.readings(uid, "det1", "motor1")
    assert len(emitted["det1"]) == 11

    (figure,) = plots.builder.figures_of(uid)
    (line,) = plots.builder.artists_of(uid, figure)
    assert line.update()["y"].tolist() == emitted["det1"]
    assert line.update()["x"].tolist() == emitted["motor1"]
    curve = plots.painter.view_of(figure).axes_views[0].items[line.uuid]
    qtbot.waitUntil(lambda: curve.yData is not None and len(curve.yData) == 11)
    assert curve.getData()[1].tolist() == emitted["det1"]
    assert curve.getData()[0].tolist() == emitted["motor1"]

    qtbot.waitUntil(lambda: table.model.rowCount() == 11)
    assert table.model.fields == ["seq_num", "time", "motor1", "det1"]
    assert [table.model.row_values(r)[3] for r in range(11)] == emitted["det1"]


def test_a_grid_scan_through_the_queue_gives_its_image(window, qtbot):
    engine, documents, live_data, plots, table = window
    run(engine, "grid_scan", ["det4"], "motor1", -1, 1, 3, "motor2", -1, 1, 4, snake_axes=True)
    qtbot.waitUntil(lambda: finished(engine, 1), timeout=30000)
    (uid,) = engine.history()[-1]["result"]["run_uids"]
    qtbot.waitUntil(lambda: live_data.run(uid) is not None and live_data.run(uid).stop is not None, timeout=10000)
    (image,) = plots.builder.artists_of(uid)
    array = image.update()["array"]
    assert array.shape == (3, 4)
    emitted = documents.readings(uid, "det4", "motor1", "motor2")
    rows, columns = np.linspace(-1, 1, 3), np.linspace(-1, 1, 4)
    for value, slow, fast in zip(emitted["det4"], emitted["motor1"], emitted["motor2"]):
        assert array[int(np.argmin(abs(rows - slow))), int(np.argmin(abs(columns - fast)))] == value
    # snaking: the second row was measured from right to left
    assert emitted["motor2"][4:8] == sorted(emitted["motor2"][4:8], reverse=True)
    item = plots.painter.view_of(plots.builder.figures_of(uid)[0]).axes_views[0].items[image.uuid]
    qtbot.waitUntil(lambda: item.image is not None and not np.isnan(item.image).any())


def test_a_consumer_that_raises_aborts_neither_the_scan_nor_later_plots(window, qtbot):
    engine, documents, live_data, plots, table = window

    class Broken(RunListener):
        def rows_added(self, run, stream, first):
            raise RuntimeError("a consumer bug")

    live_data.subscribe(Broken())
    run(engine, "scan", ["det1"], "motor1", -1, 1, 5)
    qtbot.waitUntil(lambda: finished(engine, 1), timeout=30000)
    run(engine, "scan", ["det1"], "motor1", -1, 1, 6)
    qtbot.waitUntil(lambda: finished(engine, 2), timeout=30000)
    assert [item["result"]["exit_status"] for item in engine.history()] == ["completed", "completed"]
    uid = engine.history()[-1]["result"]["run_uids"][0]
    qtbot.waitUntil(lambda: plots.builder.artists_of(uid) and len(plots.builder.artists_of(uid)[0].update()["y"]) == 6)
    assert "a consumer bug" in plots.problem_label.toolTip()
