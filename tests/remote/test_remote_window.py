"""The window as a client of a headless queue-gui: two windows and a script share one queue.

Real service (manager, worker, HTTP server on 127.0.0.1), real windows
(offscreen), the ecosystem's own ``REManagerAPI`` as the script.
"""

import socket

import pytest
from qtpy.QtCore import QModelIndex, QSettings, Qt

from queue_gui.desktop import RemoteDesktop
from queue_gui.qt.queue_model import MIME_TYPE  # noqa: F401 (the drop below is the window's own)
from tests.conftest import TEST_PROFILE
from queue_gui.wire import CommandName

API_KEY = "a-shared-beamline-key"


def start_service(data_dir, port=0, api_key=API_KEY):
    from queue_gui.app import Service

    service = Service(str(data_dir), TEST_PROFILE, host="127.0.0.1", port=port, api_key=api_key)
    service.start(wait=True)
    return service


class Window:
    """One remote window, as ``queue-gui --connect URL`` builds it."""

    def __init__(self, qtbot, tmp_path, url, api_key=API_KEY, name="a", **options):
        self.qtbot = qtbot
        settings = QSettings(str(tmp_path / f"settings-{name}.ini"), QSettings.IniFormat)
        self.desktop = RemoteDesktop(url, api_key, settings=settings, **options)
        self.bridge, self.window = self.desktop.bridge, self.desktop.window
        self.window.confirm = lambda *args: True
        qtbot.addWidget(self.window)
        self.window.show()

    def connection(self):
        return (self.bridge.connection or {}).get("state")

    def wait_connected(self, timeout=30000):
        self.qtbot.waitUntil(lambda: self.connection() == "connected" and bool(self.bridge.status.get("manager_state")), timeout=timeout)

    def rows(self):
        model = self.window.queue_model
        return [model.item_at(row)["kwargs"].get("num") for row in range(model.rowCount())]

    def request(self, name, **params):
        replies = []
        self.bridge.request(name, params, on_reply=replies.append)
        self.qtbot.waitUntil(lambda: bool(replies), timeout=10000)
        return replies[0]

    def request_store(self, name, **params):
        replies = []
        self.bridge.request_store(name, params, on_reply=replies.append)
        self.qtbot.waitUntil(lambda: bool(replies), timeout=10000)
        return replies[0]

    def close(self):
        try:
            self.window.close()
        except RuntimeError:
            pass  # pytest-qt closed and deleted it already, at the end of the test
        self.desktop.close()


@pytest.fixture
def service(tmp_path):
    running = start_service(tmp_path / "data")
    yield running
    running.stop()


@pytest.fixture
def windows(qtbot, tmp_path, service):
    opened = [Window(qtbot, tmp_path, service.url, name=name) for name in ("a", "b")]
    for window in opened:
        window.wait_connected()
    yield opened
    for window in opened:
        window.close()


def count(num):
    return {"item_type": "plan", "name": "count", "args": [["det1"]], "kwargs": {"num": num}}


def test_two_windows_and_a_script_see_each_others_edits(qtbot, windows, service):
    from bluesky_queueserver_api import BPlan
    from bluesky_queueserver_api.http import REManagerAPI

    a, b = windows
    assert a.window.status_labels["server"].text().startswith("Connected: queue-gui at 127.0.0.1:")
    assert a.request(CommandName.QUEUE_ITEM_ADD_BATCH, items=[count(1), count(2), count(3), count(4)])["success"]
    qtbot.waitUntil(lambda: a.rows() == b.rows() == [1, 2, 3, 4], timeout=5000)

    # A drop of two rows in one window moves them in the other.
    model = a.window.queue_model
    data = model.mimeData([model.index(2), model.index(3)])
    assert model.dropMimeData(data, Qt.MoveAction, 0, 0, QModelIndex())
    qtbot.waitUntil(lambda: a.rows() == b.rows() == [3, 4, 1, 2], timeout=5000)

    RM = REManagerAPI(http_server_uri=service.url)
    RM.set_authorization_key(api_key=API_KEY)
    try:
        RM.item_add(BPlan("count", ["det1"], num=5))
        qtbot.waitUntil(lambda: a.rows() == [3, 4, 1, 2, 5] and b.rows() == a.rows(), timeout=5000)
        # Run the queue from one window: the other shows the plans leaving and the history growing.
        b.window.controls.actions["environment_open"].trigger()
        qtbot.waitUntil(lambda: a.bridge.status.get("worker_environment_exists"), timeout=30000)
        qtbot.waitUntil(lambda: b.window.controls.actions["start_queue"].isEnabled(), timeout=10000)
        b.window.controls.actions["start_queue"].trigger()
        qtbot.waitUntil(lambda: a.window.history_model.rowCount() == 5 and a.rows() == [], timeout=60000)
        assert [item["kwargs"]["num"] for item in RM.history_get()["items"]] == [3, 4, 1, 2, 5]
        # The server's documents reach the other window's live data (plots, table, progress).
        qtbot.waitUntil(lambda: a.window.progress.run.run_uid is not None and a.window.progress.run.points == 5, timeout=10000)
        assert a.window.plots.tabs.count() >= 1
        # The server's saved runs, listed and re-opened in the other window, and exported as the server stores them.
        browser = a.window.runs_browser
        qtbot.waitUntil(lambda: browser.model.rowCount() == 5, timeout=10000)
        newest = browser.model.run_at(0)
        a.window.runs._slot_open_run(newest)
        table = a.request_store("run_table", uid=newest["uid"], format="csv")
        assert table["success"] and table["csv"].splitlines()[0].startswith("seq_num"), table
        missing = a.request_store("run_get", uid="no-such-run")
        assert not missing["success"] and "no-such-run" in missing["msg"]
        RM.item_execute(BPlan("chatty_plan", text="said on the control machine"))
        qtbot.waitUntil(lambda: "said on the control machine" in a.window.console.text.toPlainText(), timeout=30000)
    finally:
        RM.close()


def test_reload_profile_from_a_remote_windows_environment_menu(qtbot, windows):
    a, _ = windows
    before = a.bridge.status["plans_allowed_uid"]
    reloaded = a.request("profile_reload")
    assert reloaded["success"], reloaded["msg"]
    qtbot.waitUntil(lambda: a.bridge.status.get("profile_state") == "loaded", timeout=30000)
    assert a.bridge.status["plans_allowed_uid"] == before, "the same profile describes the same plans"


def test_a_lock_taken_in_one_window_blocks_the_other_with_its_reason(qtbot, windows):
    """Environment > Lock… in one window; the other sees who, when and why, and is refused until Unlock."""
    a, b = windows
    assert a.request(CommandName.QUEUE_ITEM_ADD, item=count(1))["success"]
    menu = {action.text(): action for action in a.window.environment_menu.actions()}
    menu["&Lock…"].trigger()
    dialog = a.window.lock_dialog
    dialog.note.setText("aligning the mirror")
    dialog.lock()
    qtbot.waitUntil(lambda: a.bridge.lock_key is not None and not dialog.isVisible(), timeout=5000)
    label = b.window.lock_key.label
    qtbot.waitUntil(lambda: label.isVisible() and "queue" in label.text(), timeout=5000)
    qtbot.waitUntil(lambda: "aligning the mirror" in label.toolTip() and "Locked by" in label.toolTip(), timeout=5000)
    refused = b.request(CommandName.QUEUE_CLEAR)
    assert not refused["success"] and "lock" in refused["msg"], refused
    assert a.request(CommandName.QUEUE_ITEM_ADD, item=count(2))["success"], "the holder keeps working with its key"
    menu["&Unlock"].trigger()
    qtbot.waitUntil(lambda: not label.isVisible() and a.bridge.lock_key is None, timeout=5000)
    assert b.request(CommandName.QUEUE_ITEM_ADD, item=count(3))["success"]


def test_the_window_rides_out_a_server_restart_and_shows_the_persisted_queue(qtbot, tmp_path):
    first = start_service(tmp_path / "data")
    port = first.server.port
    window = Window(qtbot, tmp_path, first.url, backoff=(0.2, 1.0))
    try:
        window.wait_connected()
        assert window.request(CommandName.QUEUE_ITEM_ADD_BATCH, items=[count(7), count(8)])["success"]
        qtbot.waitUntil(lambda: window.rows() == [7, 8], timeout=5000)
        first.stop()
        qtbot.waitUntil(lambda: window.connection() == "unreachable", timeout=10000)
        assert window.window.status_labels["server"].text().startswith("Unreachable")
        assert window.window.status_labels["state"].text().startswith("Not connected")
        assert not any(action.isEnabled() for action in window.window.controls.actions.values()), "nothing can be run"
        # The window does not freeze: a command is answered at once with the reason.
        refused = window.request(CommandName.QUEUE_ITEM_ADD, item=count(9))
        assert not refused["success"] and "not connected" in refused["msg"]
        second = start_service(tmp_path / "data", port=port)
        try:
            window.wait_connected()
            qtbot.waitUntil(lambda: window.rows() == [7, 8], timeout=10000)
            assert window.request(CommandName.QUEUE_ITEM_ADD, item=count(9))["success"]
            qtbot.waitUntil(lambda: window.rows() == [7, 8, 9], timeout=5000)
        finally:
            second.stop()
    finally:
        window.close()


def test_a_wrong_key_is_said_and_the_right_one_typed_in_the_prompt_connects(qtbot, tmp_path, service):
    window = Window(qtbot, tmp_path, service.url, api_key="not-the-key")
    try:
        qtbot.waitUntil(lambda: window.connection() == "unauthorized", timeout=10000)
        assert window.window.status_labels["server"].text().startswith("API key refused")
        prompt = window.window.findChild(type(window.window.connection_status._prompt), "api_key_prompt")
        assert prompt is not None and prompt.isVisible() and "refused" in prompt.labelText()
        prompt.setTextValue(API_KEY)
        prompt.accept()
        window.wait_connected()
    finally:
        window.close()


def test_nothing_listening_is_said_at_once_and_the_window_stays_usable(qtbot, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    window = Window(qtbot, tmp_path, f"http://127.0.0.1:{port}", backoff=(0.2, 1.0))
    try:
        qtbot.waitUntil(lambda: window.connection() == "unreachable", timeout=10000)
        refused = window.request(CommandName.QUEUE_START)
        assert not refused["success"] and f"127.0.0.1:{port}" in refused["msg"]
        assert "start_queue" not in {n for n, a in window.window.controls.actions.items() if a.isEnabled()}
    finally:
        window.close()


def test_every_remote_path_is_a_route_of_the_server():
    from queue_gui.remote.paths import PATHS
    from queue_gui.server.api_routes import ROUTES

    served = {(method, "/api" + route.path) for route in ROUTES for method in route.methods}
    for command, (method, path) in PATHS.items():
        assert (method, path) in served, (command, method, path)


def test_a_server_that_never_answers_does_not_hold_the_windows_commands(qtbot, tmp_path):
    import time

    # TCP connects (the kernel accepts into the backlog), but no request is ever read or answered.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        window = Window(qtbot, tmp_path, f"http://127.0.0.1:{listener.getsockname()[1]}", timeout=5.0)
        try:
            qtbot.waitUntil(lambda: window.connection() == "connecting", timeout=5000)
            started = time.monotonic()
            refused = window.request(CommandName.QUEUE_ITEM_ADD, item=count(1))
            waited = time.monotonic() - started
            assert not refused["success"] and "not connected" in refused["msg"], refused
            assert waited < 1.0, f"answered after {waited:.1f} s: the command waited for the connection attempt"
        finally:
            window.close()
