"""The Plots and Live table docks in the main window, driven through the real queue."""

from qtpy.QtCore import QSettings
from qtpy.QtWidgets import QDockWidget

from queue_gui.qt.main_window import MainWindow
from tests.qt.conftest import Gui
from queue_gui.wire import CommandName


def test_the_window_plots_and_tabulates_a_scan_and_remembers_its_docks(qtbot, tmp_path):
    gui = Gui(qtbot, tmp_path)
    try:
        window = gui.window
        assert {"plots", "live_table"} <= set(window.docks)
        assert window.docks["plots"].objectName() == "dock_plots"
        assert window.docks["live_table"].objectName() == "dock_live_table"
        assert window.plots.stack.currentWidget() is window.plots.empty
        gui.add("scan", ["det1"], "motor1", -1, 1, 11)
        gui.open_environment()
        gui.action("start_queue").trigger()
        gui.wait_status(lambda s: s["items_in_history"] == 1 and s["manager_state"] == "idle")
        qtbot.waitUntil(lambda: window.live_table.model.rowCount() == 11)
        view = window.plots.current_view()
        (curve,) = view.axes_views[0].items.values()
        qtbot.waitUntil(lambda: curve.yData is not None and len(curve.yData) == 11)

        # Closed, then re-opened from the runs browser: the saved run's file, drawn by the same builder.
        (uid,) = gui.service.manager.call(CommandName.HISTORY_GET)["items"][-1]["result"]["run_uids"]
        painted = curve.getData()[1].tolist()
        window.plots.tabs.tabCloseRequested.emit(0)
        assert window.plots.builder.figures_of(uid) == []
        qtbot.waitUntil(lambda: window.runs_browser.model.row_of(uid) >= 0, timeout=10000)
        window.runs_browser.select_runs([uid])
        qtbot.waitUntil(lambda: len(window.plots.builder.figures_of(uid)) == 1, timeout=10000)
        (line,) = window.plots.builder.artists_of(uid)
        assert line.update()["y"].tolist() == painted

        window.docks["live_table"].hide()
        window.close()
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
        again = MainWindow(gui.bridge, settings=settings)
        qtbot.addWidget(again)
        again.show()
        assert again.docks["live_table"].isHidden() and not again.docks["plots"].isHidden()
        assert all(isinstance(again.findChild(QDockWidget, f"dock_{n}"), QDockWidget) for n in ("plots", "live_table"))
        again.close()
    finally:
        gui.close()


def test_show_saved_run_raises_the_plots_with_the_saved_run(qtbot, tmp_path):
    from bluesky import plans as bp
    from ophyd.sim import det1, motor1

    from tests.data.documents import new_run_engine, recorder

    saved = [list(pair) for pair in recorder(new_run_engine())(bp.scan([det1], motor1, -1, 1, 5))]
    gui = Gui(qtbot, tmp_path)
    try:
        gui.window.docks["plots"].hide()
        (figure,) = gui.window.show_saved_run(saved)
        assert gui.window.docks["plots"].isVisible()
        assert gui.window.plots.current_view().figure is figure
        (line,) = figure.axes[0].artists
        assert len(line.update()["y"]) == 5 and gui.window.live_table.model.run is None, "the live table is for live runs"
    finally:
        gui.close()
