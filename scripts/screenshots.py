"""Regenerate the screenshots of docs/images from the real application.

Run it on an X display (a virtual one is fine)::

    bash scripts/install-qt-libs.sh --xvfb        # once: Qt's X libraries and Xvfb
    Xvfb :95 -screen 0 1600x1000x24 &
    DISPLAY=:95 python scripts/screenshots.py      # writes docs/images/*.png

It composes the application as ``queue-gui`` does (``queue_gui.desktop``)
with a throw-away data directory and settings, the built-in simulated
devices with motors that take 50 ms to move (so that a scan is seen while
it runs), and drives it through the manager as a scientist would through
the window: queue, open, start, pause. Each picture is ``window.grab()``
of the window at 1280 x 800.
"""

import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.join(HERE, "..", "docs", "images")

PROFILE = '''"""The simulated profile with motors that take a moment to move (for screenshots)."""
from queue_gui.worker.profiles.sim import *  # noqa: F401,F403
from queue_gui.worker.profiles.sim import __all__  # noqa: F401
from queue_gui.worker.profiles.sim import motor1, motor2

motor1.delay = 0.05
motor2.delay = 0.01
'''


class Session:
    def __init__(self, tmp):
        from qtpy.QtCore import QSettings
        from qtpy.QtWidgets import QApplication

        from queue_gui.desktop import Desktop

        self.app = QApplication.instance() or QApplication(sys.argv[:1])
        profile = os.path.join(tmp, "profile.py")
        with open(profile, "w") as file:
            file.write(PROFILE)
        settings = QSettings(os.path.join(tmp, "settings.ini"), QSettings.IniFormat)
        self.desktop = Desktop(os.path.join(tmp, "data"), profile, port=0, settings=settings)
        self.window = self.desktop.window
        self.window.confirm = lambda title, text: True
        self.window.resize(1280, 800)
        self.window.show()
        self.wait(lambda: self.status().get("manager_state") == "idle", 60)

    def status(self):
        return self.desktop.bridge.status

    def wait(self, predicate, timeout=60):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("the application did not get there")
            self.app.processEvents()
            time.sleep(0.005)

    def settle(self, seconds=0.4):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.005)

    def call(self, name, **params):
        reply = self.desktop.service.manager.call(name, params)
        if not reply.get("success"):
            raise RuntimeError(f"{name}: {reply.get('msg')}")
        return reply

    def add(self, name, *args, **kwargs):
        return self.call("queue_item_add", item={"name": name, "args": list(args), "kwargs": kwargs})["item"]

    def idle_after(self, history):
        self.wait(lambda: self.status().get("manager_state") == "idle" and self.status().get("running_item_uid") is None
                  and self.status().get("items_in_history", 0) >= history, 300)

    def shot(self, name):
        self.settle()
        path = os.path.join(IMAGES, name)
        if not self.window.grab().save(path):
            raise RuntimeError(f"cannot save {path}")
        print(f"screenshots: {path}")

    def close(self):
        self.window.close()
        self.desktop.close()


def remote_window(session):
    """A second desk's window on the same queue (queue-gui --connect), while the first holds a lock."""
    from qtpy.QtCore import QSettings

    from queue_gui.desktop import RemoteDesktop

    session.add("scan", ["det1"], "motor1", -1, 1, 21)
    session.add("count", ["det1", "det2"], num=10)
    session.call("lock", queue=True, note="aligning the mirror until 15:00", user="alice", lock_key="desk-a")
    settings = QSettings(os.path.join(os.path.dirname(session.desktop.service.manager.data_dir), "remote.ini"), QSettings.IniFormat)
    remote = RemoteDesktop(session.desktop.url, settings=settings)
    try:
        from qtpy.QtCore import Qt

        remote.window.resize(1280, 800)
        remote.window.show()
        # The default layout was made for the default (larger) size: give the queue its room again.
        remote.window.resizeDocks([remote.window.docks["plots"], remote.window.docks["plan_editor"]], [430, 400], Qt.Horizontal)
        session.wait(lambda: (remote.bridge.connection or {}).get("state") == "connected"
                     and remote.window.queue_model.rowCount() >= 3 and remote.window.lock_key.label.isVisible())
        session.settle(0.8)
        path = os.path.join(IMAGES, "remote_window.png")
        if not remote.window.grab().save(path):
            raise RuntimeError(f"cannot save {path}")
        print(f"screenshots: {path}")
    finally:
        remote.window.close()
        remote.close()
        session.call("unlock", lock_key="desk-a")


def main():
    if not os.environ.get("DISPLAY"):
        sys.exit("screenshots: run on an X display, e.g. DISPLAY=:95 after `Xvfb :95 -screen 0 1600x1000x24 &`")
    os.makedirs(IMAGES, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="queue-gui-shots-") as tmp:
        session = Session(tmp)
        try:
            session.call("metadata_set", metadata={"sample": "Si 111 wafer", "operator": "A. Smith", "proposal_id": "P-2026-117"})
            session.add("scan", ["det1"], "motor1", -2, 2, 41)
            session.add("count", ["det1", "det2"], num=5)
            session.shot("main_window_idle.png")
            # The plan editor refusing a detector the profile does not have.
            editor = session.window.plan_editor
            session.wait(lambda: editor.plan_names() != [])
            editor.add_requested.emit({"item_type": "plan", "name": "count", "args": [["det9"]], "kwargs": {}})
            session.wait(lambda: "det9" in editor.error_text())
            session.window.docks["plan_editor"].raise_()
            session.shot("main_window_plan_editor.png")
            editor.reset_button.click()  # as a scientist would, before going on
            # A script's lock, as the window shows it.
            session.call("lock", queue=True, note="alignment script", user="bob", lock_key="beamtime-42")
            label = session.window.lock_key.label
            session.wait(lambda: label.isVisible() and label.text() == "Locked: queue")
            session.shot("main_window_locked.png")
            session.call("unlock", lock_key="beamtime-42")
            session.wait(lambda: not label.isVisible())
            session.call("environment_open")
            session.wait(lambda: session.status().get("worker_environment_exists"))
            session.call("queue_start")
            session.idle_after(2)
            # A second scan, a little shifted: the plot compares it with the first while it runs.
            session.add("scan", ["det1"], "motor1", -1.5, 2.5, 81)
            session.add("grid_scan", ["det4"], "motor1", -1.5, 1.5, 15, "motor2", -1.5, 1.5, 15)
            session.add("count", ["det1"], num=20, delay=0.2)
            session.call("queue_start")
            session.wait(lambda: session.window.progress_bar.isVisible() and session.window.progress.run.points >= 24)
            session.shot("main_window_plot.png")
            session.shot("main_window_running.png")
            # The grid ran; the count after it is paused at its third point.
            session.wait(lambda: session.status().get("items_in_history", 0) >= 4
                         and session.status().get("running_item_uid") is not None, 300)
            session.wait(lambda: session.window.progress.run.plan_name == "count" and session.window.progress.run.points >= 3)
            session.call("re_pause", option="immediate")
            session.wait(lambda: session.status().get("manager_state") == "paused")
            for index in range(session.window.plots.tabs.count()):
                if "grid" in session.window.plots.tabs.tabText(index):
                    session.window.plots.tabs.setCurrentIndex(index)
            session.shot("main_window_paused.png")
            session.shot("main_window_plot_grid.png")
            session.call("re_abort")
            session.idle_after(5)
            runs = session.window.docks["runs"]
            runs.show()
            runs.raise_()
            from qtpy.QtCore import Qt

            session.window.resizeDocks([session.window.docks["plan_editor"], runs], [200, 420], Qt.Vertical)
            browser = session.window.runs_browser
            session.wait(lambda: browser.model.rowCount() >= 5)
            for row in range(browser.model.rowCount()):
                if browser.model.run_at(row)["plan_name"] == "scan":
                    browser.view.selectRow(row)
                    break
            session.settle(1.0)
            session.shot("main_window_runs.png")
            remote_window(session)
        finally:
            session.close()


if __name__ == "__main__":
    main()
