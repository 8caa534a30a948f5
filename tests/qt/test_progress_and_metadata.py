"""Progress of the running plan, the queue's expected end, the paused row, and the run metadata panel."""

import time

import pytest

from queue_gui.qt.history_model import ItemRole as HistoryItemRole
from queue_gui.qt.queue_model import ProgressRole
from queue_gui.wire import CommandName


def running_row(gui):
    model = gui.window.queue_model
    return model.index(0)


def test_progress_moves_up_to_n_of_n_on_the_running_row_and_in_the_status_bar(gui):
    seen = []
    gui.window.progress.changed.connect(lambda: seen.append(gui.window.progress.summary()))
    gui.add("long_count", ["det1"], num=10, delay=0.2)
    gui.open_environment()
    gui.action("start_queue").trigger()
    label, bar = gui.window.status_labels["progress"], gui.window.progress_bar
    gui.qtbot.waitUntil(lambda: bar.format() in ("3 / 10", "4 / 10"), timeout=20000)
    fraction, text = gui.window.queue_model.data(running_row(gui), ProgressRole)
    assert 0.2 <= fraction <= 0.5 and text.endswith("/ 10")
    assert "elapsed" in label.text() and "left" in label.text()
    assert bar.isVisible()
    view = gui.window.queue_view
    view.resize(220, view.height())  # narrower than the running row's text
    assert view.visualRect(running_row(gui)).right() < view.viewport().width(), "the row's bar is in sight"
    gui.wait_status(lambda s: s["manager_state"] == "idle" and s["items_in_history"] == 1, timeout=30000)
    gui.qtbot.waitUntil(lambda: label.text() == "")
    assert gui.window.progress.run.points == 10 and gui.window.progress.run.total == 10
    points = [s["points"] for s in seen if s["points"] is not None]
    assert points == sorted(points) and len(set(points)) >= 3, points
    assert not gui.window.progress_bar.isVisible()


def test_queue_end_is_estimated_from_history_and_counts_plans_without_one(gui):
    gui.add("long_count", ["det1"], num=3, delay=0.1)
    gui.open_environment()
    gui.action("start_queue").trigger()
    gui.wait_status(lambda s: s["manager_state"] == "idle" and s["items_in_history"] == 1, timeout=30000)
    label = gui.window.status_labels["queue_end"]
    gui.add("long_count", ["det1"], num=3, delay=0.1)  # the same call: its duration is known
    gui.add("mv", "motor", 1)  # nothing says how long a move takes
    gui.qtbot.waitUntil(lambda: "(+1 unknown)" in label.text())
    # Nothing runs: how much the queue holds, not a time of day that reads as if it were under way.
    assert label.text().startswith("Queue: ~0:0") and label.text().endswith("of plans (+1 unknown)")
    took = gui.window.history_model.data(gui.window.history_model.index(0), HistoryItemRole)["result"]
    summary = gui.window.progress.summary()
    assert summary["unknown"] == 1
    assert summary["queue_end"] - time.time() == pytest.approx(took["time_stop"] - took["time_start"], abs=1.0)
    gui.action("start_queue").trigger()
    gui.qtbot.waitUntil(lambda: label.text().startswith("Queue ends ~"), timeout=10000)
    gui.wait_status(lambda s: s["manager_state"] == "idle" and s["items_in_history"] == 3, timeout=30000)
    gui.qtbot.waitUntil(lambda: label.text() == "", timeout=5000)


def test_a_paused_plan_reads_paused_not_running(gui):
    gui.add("long_count", ["det1"], num=100, delay=0.05)
    gui.open_environment()
    gui.action("start_queue").trigger()
    gui.wait_status(lambda s: s["manager_state"] == "executing_queue")
    model = gui.window.queue_model
    gui.qtbot.waitUntil(lambda: str(model.data(running_row(gui))).startswith("Running: "))
    gui.action("pause_immediate").trigger()
    gui.wait_status(lambda s: s["manager_state"] == "paused")
    gui.qtbot.waitUntil(lambda: str(model.data(running_row(gui))).startswith("Paused: "))
    assert "Paused" in model.data(running_row(gui), 3)  # Qt.ToolTipRole
    gui.action("abort").trigger()
    gui.wait_status(lambda s: s["manager_state"] == "idle")
    gui.qtbot.waitUntil(lambda: not str(model.data(running_row(gui))).startswith(("Paused", "Running")))


def test_metadata_applied_in_the_panel_goes_into_the_next_run(gui):
    panel = gui.window.metadata_panel
    documents = []
    gui.bridge.documents_received.connect(documents.extend)
    panel.fields["sample"].setText("Si 111")
    panel.fields["sample"].textEdited.emit("Si 111")
    panel.add_row()
    panel.table.item(0, 0).setText("temperature_K")
    panel.table.item(0, 1).setText("295.5")
    assert panel.apply_button.isEnabled()
    panel.apply_button.click()
    gui.qtbot.waitUntil(lambda: "Applied" in panel.message.text())
    assert not panel.apply_button.isEnabled()
    assert gui.service.manager.call(CommandName.METADATA_GET)["metadata"] == {"sample": "Si 111", "temperature_K": 295.5}

    gui.add("count", ["det1"])
    gui.open_environment()
    gui.action("start_queue").trigger()
    gui.qtbot.waitUntil(lambda: any(name == "stop" for name, _ in documents), timeout=20000)
    (start,) = [doc for name, doc in documents if name == "start"]
    assert start["sample"] == "Si 111" and start["temperature_K"] == 295.5


def test_metadata_refused_keeps_the_edit_and_says_why(gui):
    panel = gui.window.metadata_panel
    panel.add_row()
    panel.table.item(0, 0).setText("uid")
    panel.table.item(0, 1).setText("mine")
    panel.apply_button.click()
    gui.qtbot.waitUntil(lambda: "Refused" in panel.message.text())
    assert "'uid'" in panel.message.text()
    assert panel.apply_button.isEnabled(), "the edit is still there to fix"
    assert gui.service.manager.call(CommandName.METADATA_GET)["metadata"] == {}


def test_metadata_changed_by_a_script_shows_up_in_the_panel(gui):
    panel = gui.window.metadata_panel
    reply = gui.http.post("/api/metadata/set", json={"metadata": {"operator": "A. Smith"}}).json()
    assert reply["success"], reply
    gui.qtbot.waitUntil(lambda: panel.fields["operator"].text() == "A. Smith")
