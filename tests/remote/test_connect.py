"""Reaching a remote queue from the command line and from File > Connect to server…"""

import os
import subprocess
import sys

from qtpy.QtCore import QSettings

from queue_gui.qt.connect_dialog import ConnectDialog, connect_command, recent_servers
from tests.test_cli import ended_cleanly, launch

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
