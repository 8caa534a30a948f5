"""Qt tests run offscreen (the platform is chosen before anything imports Qt), and the desktop composition they drive."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import httpx  # noqa: E402
import pytest  # noqa: E402
from qtpy.QtCore import QSettings  # noqa: E402

from queue_gui.desktop import Desktop  # noqa: E402
from tests.conftest import TEST_PROFILE  # noqa: E402




class Gui:
    """The desktop composition as ``queue-gui`` builds it (:class:`queue_gui.desktop.Desktop`), for one test."""

    def __init__(self, qtbot, tmp_path, profile=TEST_PROFILE, **options):
        self.qtbot = qtbot
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
        self.desktop = Desktop(str(tmp_path / "data"), profile, port=0, settings=settings, **options)
        self.service, self.bridge, self.window = self.desktop.service, self.desktop.bridge, self.desktop.window
        self.answers = []
        self.window.confirm = self._confirm
        qtbot.addWidget(self.window)
        self.window.show()
        self.wait_status(lambda s: s.get("manager_state") == "idle", "the manager to be ready")
        self.http = httpx.Client(base_url=self.service.url, timeout=10)

    def _confirm(self, title, text):
        self.answers.append(title)
        return self.answer

    answer = True

    def wait_status(self, predicate, what="status", timeout=30000):
        self.qtbot.waitUntil(lambda: predicate(self.bridge.status), timeout=timeout)

    def action(self, name):
        return self.window.controls.actions[name]

    def enabled(self):
        return {name for name, action in self.window.controls.actions.items() if action.isEnabled()}

    def add(self, name, *args, **kwargs):
        reply = self.http.post("/add_to_queue", json={"plan": {"name": name, "args": list(args), "kwargs": kwargs}}).json()
        assert reply["success"], reply["msg"]
        return reply["item"]

    def open_environment(self):
        self.action("environment_open").trigger()
        self.wait_status(lambda s: s["worker_environment_exists"] and s["manager_state"] == "idle")

    def close(self):
        self.http.close()
        self.window.confirm = lambda *a: True
        self.window.close()
        self.desktop.close()


@pytest.fixture
def gui(qtbot, tmp_path):
    running = Gui(qtbot, tmp_path)
    yield running
    running.close()
