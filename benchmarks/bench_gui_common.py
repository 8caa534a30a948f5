"""Shared helpers of the GUI benchmarks (``bench_gui_*.py``); not a benchmark itself.

The worker process is started with multiprocessing *spawn*, which re-imports
the main script in the child: this module imports only the standard library
at import time, and Qt and ``queue_gui`` inside functions.

:class:`Desktop` is the application's own composition
(:class:`queue_gui.desktop.Desktop`: ``Service`` + ``ManagerThread`` +
``ManagerBridge`` + ``MainWindow`` shown), with a throw-away data directory
and settings file, the HTTP server on a free port, and offscreen Qt unless
``QT_QPA_PLATFORM`` says otherwise.

Waiting runs the real Qt event loop (``QEventLoop.exec_``), never
``time.sleep`` on the GUI thread, so the GUI keeps handling the manager's
signals while a benchmark waits for them.
"""

import os
import shutil
import sys
import tempfile
import time
from queue_gui.wire import CommandName

WAIT_TIMEOUT = 120.0


def application():
    """The ``QApplication`` (offscreen unless ``QT_QPA_PLATFORM`` is set)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from queue_gui.desktop import prepare_qt_environment

    prepare_qt_environment()  # as queue-gui does before its QApplication
    from qtpy.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("queue-gui-bench")
    return app


def wait_until(predicate, timeout=WAIT_TIMEOUT, what="the condition", interval_ms=2):
    """Run the Qt event loop until ``predicate()`` is true; TimeoutError after ``timeout`` s.

    The predicate is checked by a timer every ``interval_ms`` (it must be
    cheap); the event loop runs in between, so signals are delivered as in
    the application.
    """
    from qtpy.QtCore import QEventLoop, QTimer

    if predicate():
        return
    loop = QEventLoop()
    deadline = time.perf_counter() + timeout
    expired = []

    def check():
        if predicate():
            loop.quit()
        elif time.perf_counter() > deadline:
            expired.append(True)
            loop.quit()

    timer = QTimer()
    timer.setInterval(interval_ms)
    timer.timeout.connect(check)
    timer.start()
    try:
        loop.exec_()
    finally:
        timer.stop()
    if expired and not predicate():
        raise TimeoutError(f"timed out after {timeout} s waiting for {what}")


def process_events():
    """Handle every pending event, posted deferred deletes and layout requests included."""
    from qtpy.QtWidgets import QApplication

    QApplication.processEvents()
    QApplication.sendPostedEvents()
    QApplication.processEvents()


class Desktop:
    """The desktop composition of ``queue-gui``, for one benchmark run.

    Parameters
    ----------
    profile_path : str or None
        None: the built-in simulated profile (the application's default).
    bridge_class : type or None
        None: ``ManagerBridge``; :func:`object_signal_bridge` for the what-if.

    Attributes
    ----------
    app, service, thread, bridge, window
        As ``queue_gui.desktop.run_gui`` builds them.
    """

    def __init__(self, profile_path=None, bridge_class=None):
        from qtpy.QtCore import QSettings

        from queue_gui.desktop import Desktop as Composition

        self.app = application()
        self._tmp = tempfile.mkdtemp(prefix="queue-gui-bench-gui-")
        settings = QSettings(os.path.join(self._tmp, "settings.ini"), QSettings.IniFormat)
        try:
            self._composition = Composition(os.path.join(self._tmp, "data"), profile_path, port=0, settings=settings,
                                            bridge_class=bridge_class)
        except BaseException:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise
        self.service = self._composition.service
        self.thread = self._composition.thread
        self.bridge = self._composition.bridge
        self.window = self._composition.window
        self.window.confirm = lambda title, text: True  # nobody answers dialogs here
        self.window.show()
        process_events()

    @property
    def manager(self):
        return self.service.manager

    @property
    def url(self):
        return self.service.url

    def status(self):
        return self.bridge.status

    def wait_status(self, predicate, timeout=WAIT_TIMEOUT, what="status", interval_ms=2):
        """Wait (event loop running) until the bridge's latest status satisfies ``predicate``."""
        wait_until(lambda: bool(self.bridge.status) and predicate(self.bridge.status), timeout, what, interval_ms)

    def wait_idle(self):
        self.wait_status(lambda s: s.get("manager_state") == "idle", what="the manager to be idle")

    def call(self, name, params=None):
        """A manager command from the benchmark (not through the GUI); raises on refusal."""
        future = self.manager.submit(name, params)
        wait_until(future.done, what=f"the reply to {name}")
        reply = future.result()
        if not reply.get("success", False):
            raise RuntimeError(f"{name} was refused: {reply.get('msg')}")
        return reply

    def open_environment(self):
        self.call(CommandName.ENVIRONMENT_OPEN)
        self.wait_status(lambda s: s["worker_environment_exists"] and s["manager_state"] == "idle",
                         what="the environment to open")

    def close(self):
        """Close the window, stop server and manager (and with it the worker), remove the data."""
        try:
            self.window.close()
            process_events()
        finally:
            try:
                self._composition.close()
            finally:
                shutil.rmtree(self._tmp, ignore_errors=True)


def object_signal_bridge():
    """What-if: ``ManagerBridge`` with its signals typed ``object`` instead of ``list``/``dict``.

    PyQt converts a ``list`` or ``dict`` signal argument to a ``QVariant``
    and back, element by element, for every connected slot (about 185 ms for
    10,000 queue items on this machine); an ``object`` argument is passed as
    the Python object itself. Benchmark instrumentation, to measure the
    change before it is made in ``queue_gui/qt/bridge.py``.
    """
    from qtpy.QtCore import Signal, Slot

    from queue_gui.qt.bridge import ManagerBridge

    class ObjectSignalBridge(ManagerBridge):
        status_changed = Signal(object)
        queue_changed = Signal(object, object)
        history_changed = Signal(object)
        description_changed = Signal(object, object)
        console_received = Signal(object)
        reply_received = Signal(str, object)
        _status_pushed = Signal(object)

        @Slot(object)
        def _slot_status(self, status):
            ManagerBridge._slot_status(self, status)

    return ObjectSignalBridge


def count_items(n, detectors=("det1", "det2")):
    """``n`` submissions of ``count([det1, det2])`` (the shared item, :func:`queue_gui.testing.count_items`)."""
    from queue_gui.testing import count_items as shared

    return shared(n, detectors)
