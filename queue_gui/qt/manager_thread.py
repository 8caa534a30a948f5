"""Host the Qt-free manager on a ``QThread``.

The manager's own loop blocks on its inbox; a QThread is simply the thread
it runs on, so Qt knows the thread exists and can be asked to wait for it.
"""

from qtpy.QtCore import QThread


class ManagerThread(QThread):
    """Runs ``manager.run()``; :meth:`stop` shuts the manager down and joins."""

    def __init__(self, manager, parent=None):
        super().__init__(parent)
        self.manager = manager
        self.setObjectName("queue-gui-manager")

    def run(self):
        self.manager.run()

    def stop(self, timeout_ms=30000):
        self.manager.shutdown()
        return self.wait(timeout_ms)
