"""The Plots dock painting real RunEngine documents (offscreen Qt, no worker needed)."""

import numpy as np
import pytest
from bluesky import plans as bp
from ophyd.sim import det1, det2, det4, motor1, motor2
from qtpy.QtCore import QElapsedTimer, QEvent, QPointF, Qt, QTimer
from qtpy.QtGui import QMouseEvent
from qtpy.QtWidgets import QApplication

from queue_gui.data.peaks import peak_stats
from queue_gui.data.runs import LiveData
from queue_gui.qt.plots.painter import MIN_INTERVAL_MS
from queue_gui.qt.plots.plots_dock import EMPTY_TEXT, PlotsDock
from tests.data.documents import as_received, new_run_engine, recorder


@pytest.fixture(scope="module")
def record():
    return recorder(new_run_engine())


@pytest.fixture
def dock(qtbot):
    widget = PlotsDock(LiveData())
    widget.resize(700, 500)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def events_of(documents):
    return [doc for name, doc in documents if name == "event"]


def curves(view, axes_index=0):
    """pyqtgraph's data items of one plot of a figure view, by legend label."""
    axes_view = view.axes_views[axes_index]
    return {artist.label: axes_view.items[artist.uuid] for artist in axes_view.axes.artists}


def drawn(dock, points, axes_index=0):
    view = dock.current_view()
    if view is None:
        return False
    items = list(curves(view, axes_index).values())
    return bool(items) and items[-1].xData is not None and len(items[-1].xData) == points


def test_empty_state_then_a_tab_per_figure_with_the_painted_data(dock, record, qtbot):
    assert dock.stack.currentWidget() is dock.empty and dock.empty.text() == EMPTY_TEXT
    documents = record(bp.scan([det1, det2], motor1, -1, 1, 11))
    dock.live_data.consume(as_received(documents))
    qtbot.waitUntil(lambda: drawn(dock, 11))
    assert dock.stack.currentWidget() is dock.tabs
    assert dock.tabs.tabText(0) == dock.builder.figures[0].short_title
    events = events_of(documents)
    (curve,) = curves(dock.current_view()).values()
    x, y = curve.getData()
    assert x.tolist() == [e["data"]["motor1"] for e in events]
    assert y.tolist() == [e["data"]["det1"] for e in events]
    plot = dock.current_view().axes_views[0].plot
    assert plot.getAxis("bottom").labelText == "motor1" and plot.getAxis("left").labelText == "det1"


def test_legends_name_each_run_and_the_newest_figure_is_raised(dock, record, qtbot):
    for _ in range(2):
        dock.live_data.consume(as_received(record(bp.scan([det1], motor1, -1, 1, 5))))
    dock.live_data.consume(as_received(record(bp.count([det2], num=3))))
    qtbot.waitUntil(lambda: drawn(dock, 3))
    assert dock.tabs.currentIndex() == 1, "the count's figure is raised"
    dock.tabs.setCurrentIndex(0)
    legend = dock.current_view().axes_views[0].legend
    labels = [label.text for _, label in legend.items]
    assert labels == [run.label for run in list(dock.live_data.runs.values())[:2]]
    assert all(" · scan" in label for label in labels)


def test_many_events_in_a_burst_cost_one_redraw(dock, record, qtbot):
    documents = as_received(record(bp.scan([det1], motor1, -1, 1, 400)), pack=False)
    for pair in documents:  # 400 separate batches, no event loop in between
        dock.live_data.consume([pair])
    qtbot.waitUntil(lambda: drawn(dock, 400))
    assert dock.painter.redraws <= 2


def test_redraws_stay_under_ten_a_second_while_events_stream_in(dock, record, qtbot):
    documents = as_received(record(bp.scan([det1], motor1, -1, 1, 300)), pack=False)
    pending = list(documents)
    clock = QElapsedTimer()
    feeder = QTimer()
    feeder.setInterval(1)

    def feed():
        for _ in range(2):
            if pending:
                dock.live_data.consume([pending.pop(0)])
        if not pending:
            feeder.stop()

    feeder.timeout.connect(feed)
    clock.start()
    feeder.start()
    qtbot.waitUntil(lambda: drawn(dock, 300), timeout=20000)
    elapsed_s = clock.elapsed() / 1000
    assert dock.painter.redraws >= 2, "it draws while the scan runs, not only at the end"
    assert dock.painter.redraws <= elapsed_s / (MIN_INTERVAL_MS / 1000) + 1


def test_a_hidden_tab_is_drawn_when_shown(dock, record, qtbot):
    scan = as_received(record(bp.scan([det1], motor1, -1, 1, 6)), pack=False)
    dock.live_data.consume(scan[:4])
    dock.live_data.consume(as_received(record(bp.count([det2], num=2))))
    qtbot.waitUntil(lambda: drawn(dock, 2))
    dock.live_data.consume(scan[4:])  # the scan's tab is hidden behind the count's
    redraws = dock.painter.redraws
    qtbot.waitUntil(lambda: dock.painter.redraws > redraws)
    dock.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: drawn(dock, 6))


def test_log_scales_peak_stats_and_fit(dock, record, qtbot):
    documents = record(bp.scan([det1], motor1, -2, 2, 41))
    dock.live_data.consume(as_received(documents))
    qtbot.waitUntil(lambda: drawn(dock, 41))
    view = dock.current_view()
    axes_view = view.axes_views[0]
    view.actions["log_y"].setChecked(True)
    assert axes_view.plot.vb.state["logMode"] == [False, True]
    view.actions["log_y"].setChecked(False)

    view.actions["stats"].setChecked(True)
    events = events_of(documents)
    expected = peak_stats([e["data"]["motor1"] for e in events], [e["data"]["det1"] for e in events])
    assert axes_view.stats.cen == pytest.approx(expected.cen)
    assert axes_view._cen_mark.isVisible() and axes_view._cen_mark.value() == pytest.approx(expected.cen)
    assert view.analysis.isVisible() and "cen 0 " in view.analysis.text() and "fwhm 1.178" in view.analysis.text()

    view.actions["fit"].setChecked(True)
    assert axes_view.fit.sigma == pytest.approx(0.5, rel=1e-3)
    assert "Gaussian fit" in view.analysis.text() and "σ 0.5" in view.analysis.text()
    fit_x, fit_y = axes_view._fit_curve.getData()
    assert axes_view._fit_curve.isVisible() and fit_y.max() == pytest.approx(5, rel=1e-3)
    view.actions["stats"].setChecked(False)
    view.actions["fit"].setChecked(False)
    assert not view.analysis.isVisible() and not axes_view._cen_mark.isVisible()


def test_the_cursor_position_is_read_out_in_the_status_line(dock, record, qtbot):
    dock.live_data.consume(as_received(record(bp.scan([det1], motor1, -1, 1, 5))))
    qtbot.waitUntil(lambda: drawn(dock, 5))
    qtbot.waitExposed(dock)
    view = dock.current_view()
    plot = view.axes_views[0].plot
    # The view range settles when the plot is first painted: wait for it before aiming.
    qtbot.waitUntil(lambda: plot.vb.viewRange()[0][0] < -0.9 < 0.9 < plot.vb.viewRange()[0][1])
    widget_point = view.canvas.mapFromScene(plot.vb.mapViewToScene(QPointF(0.25, 2.5)))
    # A real mouse-move event through the view and its scene (QTest's offscreen cursor is unreliable).
    move = QMouseEvent(QEvent.MouseMove, QPointF(widget_point), Qt.NoButton, Qt.NoButton, Qt.NoModifier)
    QApplication.sendEvent(view.canvas.viewport(), move)
    qtbot.waitUntil(lambda: dock.cursor_label.text().startswith("motor1 = "))
    # What is under the mouse now, in data coordinates (the range may have settled meanwhile).
    under = plot.vb.mapSceneToView(view.canvas.mapToScene(widget_point))
    x_text, y_text = dock.cursor_label.text().split(",  ")
    assert x_text.startswith("motor1 = ") and float(x_text.split("= ")[1]) == pytest.approx(under.x(), abs=1e-4)
    assert y_text.startswith("det1 = ") and float(y_text.split("= ")[1]) == pytest.approx(under.y(), abs=1e-4)
    assert abs(under.x() - 0.25) < 0.1 and abs(under.y() - 2.5) < 0.5
    # Another figure's tab: the read-out of this one does not stay (a new user saw it under every tab).
    dock.live_data.consume(as_received(record(bp.count([det1], num=3))))
    qtbot.waitUntil(lambda: dock.tabs.count() == 2)
    dock.tabs.setCurrentIndex(1 - dock.tabs.currentIndex())
    assert dock.cursor_label.text() == ""


def test_a_grid_scan_is_painted_as_an_image(dock, record, qtbot):
    documents = record(bp.grid_scan([det4], motor1, -1, 1, 3, motor2, -1, 1, 4, snake_axes=True))
    dock.live_data.consume(as_received(documents))
    view = dock.current_view()
    (image,) = view.axes_views[0].items.values()
    qtbot.waitUntil(lambda: image.image is not None and not np.isnan(image.image).any())
    rows, columns = np.linspace(-1, 1, 3), np.linspace(-1, 1, 4)
    for event in events_of(documents):
        r = int(np.argmin(abs(rows - event["data"]["motor1"])))
        c = int(np.argmin(abs(columns - event["data"]["motor2"])))
        assert image.image[r, c] == event["data"]["det4"]
    rect = image.mapRectToView(image.boundingRect())
    assert (rect.left(), rect.right()) == pytest.approx((-4 / 3, 4 / 3))
    assert (rect.top(), rect.bottom()) == pytest.approx((-1.5, 1.5))
    assert not view.actions["stats"].isVisible(), "no peak stats on an image"


def test_closing_tabs_removes_figures_and_shows_the_empty_state(dock, record, qtbot):
    dock.live_data.consume(as_received(record(bp.scan([det1], motor1, -1, 1, 3))))
    qtbot.waitUntil(lambda: dock.tabs.count() == 1)
    dock.tabs.tabCloseRequested.emit(0)
    assert len(dock.builder.figures) == 0 and dock.stack.currentWidget() is dock.empty
    dock.live_data.consume(as_received(record(bp.scan([det1], motor1, -1, 1, 3))))
    qtbot.waitUntil(lambda: drawn(dock, 3))


def test_show_run_draws_a_saved_run_and_raises_it(dock, record, qtbot):
    saved = as_received(record(bp.scan([det1], motor1, -1, 1, 7)), pack=False)
    dock.live_data.consume(as_received(record(bp.count([det2], num=2))))
    figures = dock.show_run(saved)
    assert len(figures) == 1 and dock.current_view().figure is figures[0]
    qtbot.waitUntil(lambda: drawn(dock, 7))
    assert dock.show_run(saved) == figures, "shown again: raised, not drawn twice"
    assert len(figures[0].axes[0].artists) == 1
    assert dock.show_run([]) == [] and "no start document" in dock.problem_label.text()


def test_a_malformed_run_shows_a_message_and_the_next_run_plots(dock, record, qtbot):
    bad = as_received(record(bp.scan([det1], motor1, -1, 1, 3)))
    for name, doc in bad:
        if name == "event_page":
            doc["time"] = None
    dock.live_data.consume(bad)
    assert "not plotted further" in dock.problem_label.text()
    dock.live_data.consume(as_received(record(bp.scan([det1], motor1, -1, 1, 4))))
    qtbot.waitUntil(lambda: drawn(dock, 4))
