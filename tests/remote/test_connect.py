"""Reaching a remote queue from the command line and from File > Connect to server…"""

import os
import subprocess
import sys

from qtpy.QtCore import QSettings

from queue_gui.qt.connect_dialog import ConnectDialog, connect_command, recent_servers
from tests.test_cli import ended_cleanly, launch
from queue_gui.wire import CommandName

KEY = "a-desk-key"


def test_queue_gui_connect_opens_a_window_on_a_headless_queue_gui(tmp_path):
    """Two processes, as on two machines: ``--headless`` serving, ``--connect`` showing its queue."""
    server, url = launch(str(tmp_path / "data"), "--api-key", KEY)
    with ended_cleanly(server):
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QSERVER_HTTP_SERVER_API_KEY": KEY,
               "XDG_CONFIG_HOME": str(tmp_path / "config")}
        window = subprocess.Popen([sys.executable, "-m", "queue_gui", "--connect", url], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=env)
        with ended_cleanly(window):
            assert window.stdout.readline().strip() == f"queue-gui: connected to {url}"


def test_connect_refuses_what_cannot_work(tmp_path):
    for arguments, said in ((["--connect", "control-pc:60610"], "URL"), (["--connect", "http://x", "--headless"], "headless")):
        done = subprocess.run([sys.executable, "-m", "queue_gui", *arguments], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
        assert done.returncode == 2 and said in done.stderr, done.stderr


def test_the_connect_dialog_remembers_servers_and_refuses_a_bad_address(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    for url in ("http://beamline-a:60610", "http://beamline-b:60610"):
        dialog = ConnectDialog(settings)
        qtbot.addWidget(dialog)
        dialog.url.setEditText(url)
        dialog.key.setText(KEY)
        dialog.accept()
        assert dialog.result() == ConnectDialog.Accepted and dialog.chosen == (url, KEY)
    assert recent_servers(settings) == ["http://beamline-b:60610", "http://beamline-a:60610"]
    again = ConnectDialog(settings)
    qtbot.addWidget(again)
    assert [again.url.itemText(i) for i in range(again.url.count())] == recent_servers(settings)
    again.url.setEditText("beamline-a")
    again.accept()
    assert again.result() != ConnectDialog.Accepted and "http://" in again.error.text()
    program, arguments = connect_command("http://beamline-a:60610")
    assert program == sys.executable and arguments[-2:] == ["--connect", "http://beamline-a:60610"]
    assert KEY not in arguments, "the key never goes on the command line"


def test_a_server_killed_mid_plan_comes_back_with_the_plan_in_front(qtbot, tmp_path):
    """The control machine's queue-gui is SIGKILLed while a plan runs; restarted, the window shows it back."""
    import signal
    import socket

    from tests.conftest import TEST_PROFILE
    from tests.remote.test_remote_window import Window

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "queue_gui", "--headless", "--port", str(port), "--data-dir", str(tmp_path / "data"),
               "--profile", TEST_PROFILE, "--api-key", KEY]

    def serve():
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        assert process.stdout.readline().startswith("queue-gui: serving"), process.stderr.read()
        return process

    server = serve()
    window = Window(qtbot, tmp_path, f"http://127.0.0.1:{port}", api_key=KEY, backoff=(0.2, 1.0))
    try:
        window.wait_connected()
        assert window.request(CommandName.QUEUE_ITEM_ADD, item={"name": "long_count", "args": [["det1"]], "kwargs": {"num": 400, "delay": 0.05}})["success"]
        assert window.request(CommandName.ENVIRONMENT_OPEN)["success"]
        qtbot.waitUntil(lambda: bool(window.bridge.status.get("worker_environment_exists")), timeout=30000)
        assert window.request(CommandName.QUEUE_START)["success"]
        qtbot.waitUntil(lambda: window.bridge.status.get("running_item_uid") is not None
                        and window.window.queue_model.running_item() is not None, timeout=30000)
        os.killpg(server.pid, signal.SIGKILL)  # the whole application and its worker, as a power cut would
        server.wait(30)
        qtbot.waitUntil(lambda: window.connection() == "unreachable", timeout=10000)
        server = serve()
        window.wait_connected()
        qtbot.waitUntil(lambda: window.rows() == [400] and window.window.queue_model.running_item() is None
                        and window.window.history_model.rowCount() == 1, timeout=15000)
        assert window.window.history_model.item_at(0)["result"]["exit_status"] == "unknown"
    finally:
        window.close()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(60)
