"""The runs browser on the real run store: lists after a restart, re-opens, exports, links to the history."""

import csv
import io

import pytest
from qtpy.QtCore import Qt

from queue_gui.qt.history_model import ItemRole as HistoryItemRole
from queue_gui.qt.runs_model import RunRole
from tests.qt.conftest import Gui


def run_scan(gui, *args):
    gui.add("scan", ["det1"], "motor1", *args)
    gui.action("start_queue").trigger()
    gui.wait_status(lambda s: s["manager_state"] == "idle" and s["running_item_uid"] is None and s["items_in_queue"] == 0,
                    timeout=60000)


def browser_rows(gui):
    model = gui.window.runs_browser.model
    return [model.index(row, 0).data(RunRole) for row in range(model.rowCount())]


def test_runs_are_listed_newest_first_and_survive_a_restart(qtbot, tmp_path):
    first = Gui(qtbot, tmp_path)
    try:
        first.open_environment()
        for num in (5, 7):
            run_scan(first, -1, 1, num)
        qtbot.waitUntil(lambda: len(browser_rows(first)) == 2 and all(r["exit_status"] for r in browser_rows(first)),
                        timeout=10000)
        assert [r["num_events"] for r in browser_rows(first)] == [7, 5], "newest first"
    finally:
        first.close()
    second = Gui(qtbot, tmp_path)
    try:
        qtbot.waitUntil(lambda: len(browser_rows(second)) == 2, timeout=10000)
        rows = browser_rows(second)
        assert [r["exit_status"] for r in rows] == ["success", "success"]
        view = second.window.runs_browser.view
        model = view.model()
        texts = {model.headerData(c, Qt.Horizontal): model.index(0, c).data() for c in range(model.columnCount())}
        assert texts["Plan"] == "scan" and texts["Status"] == "completed" and texts["Events"] == "7"
        # Plots were empty after a restart (a new user's complaint): the newest saved run is shown.
        qtbot.waitUntil(lambda: bool(second.window.plots.figure_views()), timeout=10000)
    finally:
        second.close()


def test_the_text_filter_is_applied_by_the_store(gui):
    gui.open_environment()
    run_scan(gui, -1, 1, 3)
    gui.add("count", ["det1"])
    gui.action("start_queue").trigger()
    browser = gui.window.runs_browser
    gui.qtbot.waitUntil(lambda: len(browser_rows(gui)) == 2, timeout=20000)
    scan_row = next(row for row, run in enumerate(browser_rows(gui)) if run["plan_name"] == "scan")
    browser.view.selectRow(scan_row)
    browser.filter_edit.setText("count")
    gui.qtbot.waitUntil(lambda: [r["plan_name"] for r in browser_rows(gui)] == ["count"])
    assert browser.count_label.text() == "1 run"
    browser.filter_edit.setText("")
    gui.qtbot.waitUntil(lambda: len(browser_rows(gui)) == 2)
    # The new user's complaint: the run selected before the filter was not selected again after it.
    gui.qtbot.waitUntil(lambda: (browser.selected_run() or {}).get("plan_name") == "scan")


def test_csv_export_equals_the_stored_table(gui, tmp_path):
    gui.open_environment()
    run_scan(gui, -1, 1, 6)
    gui.qtbot.waitUntil(lambda: bool(browser_rows(gui)) and browser_rows(gui)[0]["exit_status"] == "success", timeout=10000)
    uid = browser_rows(gui)[0]["uid"]
    path = tmp_path / "scan.csv"
    gui.window.runs.export_run(uid, str(path))
    gui.qtbot.waitUntil(lambda: path.exists() and path.stat().st_size > 0, timeout=10000)
    table = gui.service.store.call("run_table", {"uid": uid})
    rows = list(csv.reader(io.StringIO(path.read_text())))
    assert rows[0] == table["columns"]
    assert len(rows) - 1 == 6
    for column, name in enumerate(table["columns"]):
        assert [float(row[column]) for row in rows[1:]] == pytest.approx(table["data"][name])


def test_a_history_item_leads_to_its_run_and_back(gui):
    gui.open_environment()
    run_scan(gui, -1, 1, 3)
    window = gui.window
    gui.qtbot.waitUntil(lambda: window.history_model.rowCount() == 1 and bool(browser_rows(gui)), timeout=10000)
    record = window.history_model.index(0, 0).data(HistoryItemRole)
    window.history_panel.view.setCurrentIndex(window.history_model.index(0, 0))
    assert window.history_panel.runs_button.isEnabled()
    window.history_panel.runs_button.click()
    gui.qtbot.waitUntil(lambda: window.runs_browser.selected_run() is not None)
    selected = window.runs_browser.selected_run()
    assert selected["uid"] == record["result"]["run_uids"][0]
    window.history_panel.view.clearSelection()
    window.runs_browser.item_button.click()
    gui.qtbot.waitUntil(lambda: bool(window.history_panel.selected_items()))
    assert window.history_panel.selected_items()[0]["item_uid"] == selected["item_uid"]


def test_runs_waiting_for_an_unreachable_tiled_server_are_counted_in_the_status_bar(qtbot, tmp_path):
    import socket

    with socket.socket() as probe:  # a port where nothing answers
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gui = Gui(qtbot, tmp_path, tiled_uri=f"http://127.0.0.1:{port}", tiled_api_key="k")
    try:
        gui.open_environment()
        run_scan(gui, -1, 1, 3)
        label = gui.window.status_labels["store"]
        qtbot.waitUntil(lambda: label.isVisible() and "1 run waiting" in label.text(), timeout=30000)
        assert "unreachable" in label.text().lower()
        assert f"127.0.0.1:{port}" in label.toolTip()
    finally:
        gui.close()


def test_the_tiled_store_is_set_from_the_window_and_remembered(qtbot, tmp_path):
    """File > Shared tiled store…: applied at once, refused with the reason, used again at the next start."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gui = Gui(qtbot, tmp_path)
    try:
        dialog = gui.window.runs.open_tiled_settings()
        dialog.uri_edit.setText("ftp://nowhere")
        dialog._slot_ok()
        qtbot.waitUntil(lambda: "http:// or https://" in dialog.message.text())
        assert dialog.isVisible(), "the entries stay for fixing"
        dialog.uri_edit.setText(f"http://127.0.0.1:{port}")
        dialog.key_edit.setText("k")
        dialog._slot_ok()
        qtbot.waitUntil(lambda: not dialog.isVisible())
        label = gui.window.status_labels["store"]
        qtbot.waitUntil(lambda: label.isVisible() and "Tiled" in label.text(), timeout=20000)
    finally:
        gui.close()
    again = Gui(qtbot, tmp_path)
    try:
        qtbot.waitUntil(lambda: (again.bridge.store_status or {}).get("tiled_uri") == f"http://127.0.0.1:{port}",
                        timeout=10000)
    finally:
        again.close()
