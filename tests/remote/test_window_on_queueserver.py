"""The window as a client of the real bluesky-queueserver behind bluesky-httpserver.

The RE Manager, Redis and bluesky-httpserver are started by the tests
(``tests/remote/conftest.py``); the window is queue-gui's own, built as
``queue-gui --connect URL --api-key KEY`` builds it, polling the status
(this server pushes no queue or history notices) and reading the console
through ``console_output_update``.
"""

import pytest
from qtpy.QtCore import QModelIndex, Qt

from tests.remote.test_remote_window import Window
from queue_gui.wire import CommandName


@pytest.fixture
def window(qtbot, tmp_path, queueserver_stack):
    opened = Window(qtbot, tmp_path, queueserver_stack.http_uri, api_key=queueserver_stack.api_key, poll_period=0.2)
    opened.wait_connected()
    yield opened
    # Left as found, through the client itself (the window may be gone with a failed test).
    manager = opened.desktop.manager
    for name in ("queue_clear", "history_clear"):
        manager.call(name)
    if (manager.latest_status() or {}).get("worker_environment_exists"):
        assert manager.call(CommandName.ENVIRONMENT_CLOSE)["success"]
        qtbot.waitUntil(lambda: not (manager.latest_status() or {}).get("worker_environment_exists"), timeout=60000)
    opened.close()


def count(num, delay=0.0):
    return {"item_type": "plan", "name": "count", "args": [["det1"]], "kwargs": {"num": num, "delay": delay}}


def test_the_window_lists_edits_reorders_runs_pauses_and_aborts_on_bluesky_queueserver(qtbot, window):
    w = window
    assert w.window.status_labels["server"].text().startswith("Connected: bluesky-httpserver at 127.0.0.1:")
    qtbot.waitUntil(lambda: "count" in w.window.plan_editor.plan_names(), timeout=10000)
    assert w.request(CommandName.QUEUE_ITEM_ADD_BATCH, items=[count(1), count(2), count(3)])["success"]
    qtbot.waitUntil(lambda: w.rows() == [1, 2, 3], timeout=10000)

    # A drop of the last two rows to the top, as the mouse would.
    model = w.window.queue_model
    assert model.dropMimeData(model.mimeData([model.index(1), model.index(2)]), Qt.MoveAction, 0, 0, QModelIndex())
    qtbot.waitUntil(lambda: w.rows() == [2, 3, 1], timeout=10000)

    actions = w.window.controls.actions
    actions["environment_open"].trigger()
    qtbot.waitUntil(lambda: bool(w.bridge.status.get("worker_environment_exists")), timeout=60000)
    qtbot.waitUntil(lambda: actions["start_queue"].isEnabled(), timeout=10000)
    actions["start_queue"].trigger()
    qtbot.waitUntil(lambda: w.window.history_model.rowCount() == 3 and w.rows() == [], timeout=60000)
    qtbot.waitUntil(lambda: "det1" in w.window.console.text.toPlainText(), timeout=10000)  # the LiveTable's lines

    # A long plan: pause it from the toolbar, resume, pause again, abort.
    assert w.request(CommandName.QUEUE_ITEM_ADD, item=count(50, delay=0.2))["success"]
    qtbot.waitUntil(lambda: actions["start_queue"].isEnabled(), timeout=10000)
    actions["start_queue"].trigger()
    qtbot.waitUntil(lambda: w.bridge.status.get("manager_state") == "executing_queue" and actions["pause_immediate"].isEnabled(),
                    timeout=30000)
    actions["pause_immediate"].trigger()
    qtbot.waitUntil(lambda: w.bridge.status.get("manager_state") == "paused", timeout=30000)
    qtbot.waitUntil(lambda: w.window.queue_model.data(model.index(0)).startswith("Paused:"), timeout=10000)
    actions["resume"].trigger()
    qtbot.waitUntil(lambda: w.bridge.status.get("manager_state") == "executing_queue", timeout=30000)
    qtbot.waitUntil(lambda: actions["pause_immediate"].isEnabled(), timeout=10000)
    actions["pause_immediate"].trigger()
    qtbot.waitUntil(lambda: w.bridge.status.get("manager_state") == "paused", timeout=30000)
    actions["abort"].trigger()
    qtbot.waitUntil(lambda: w.bridge.status.get("manager_state") == "idle" and w.window.history_model.rowCount() == 4,
                    timeout=30000)
    newest = w.window.history_model.item_at(0)
    assert newest["result"]["exit_status"] == "aborted" and w.rows() == [50], "an aborted plan goes back to the queue"


def test_what_bluesky_queueserver_lacks_is_said_not_a_traceback(qtbot, window):
    refused = window.request(CommandName.METADATA_GET)
    assert not refused["success"] and "metadata" in refused["msg"].lower()
    assert window.bridge.connection["state"] == "connected", "a missing route does not drop the connection"
