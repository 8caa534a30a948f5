"""The desktop application: the service (manager on a ``QThread``, run store, HTTP server), the bridge, the window.

One composition, used by ``queue-gui``, by the Qt tests and by the GUI
benchmarks, so that what is tested and measured is what scientists run.
It sits beside :mod:`queue_gui.cli` because it joins the layers: the Qt
package itself knows nothing of the server, and the server nothing of Qt.

Python signal handlers run only while Python code runs, and Qt's event loop
is C++: a wake-up file descriptor watched by a ``QSocketNotifier`` lets
Ctrl-C and SIGTERM close the window promptly, without a polling timer.
"""

import gc
import logging
import os
import signal
import socket
import sys

from .data_dir import ConfigurationError
from .defaults import DEFAULT_HOST, DEFAULT_PORT

logger = logging.getLogger(__name__)

#: Exit code of a configuration that cannot work (as the command line's).
EXIT_CONFIGURATION = 2

# The icon lives in the checkout's top-level resources/ (editable installs).
ICON = os.path.join(os.path.dirname(__file__), "..", "resources", "queue-gui.svg")


class Desktop:
    """Service + ``ManagerThread`` + ``ManagerBridge`` + ``MainWindow`` for one data directory.

    Parameters are those of :class:`queue_gui.app.Service`, plus
    ``settings``: the ``QSettings`` where the window remembers its layout
    (None: the user's).

    Attributes
    ----------
    service, thread, bridge, window
    """

    def __init__(self, data_dir, profile_path=None, host=DEFAULT_HOST, port=DEFAULT_PORT, api_key=None, *,
                 tiled_uri=None, tiled_api_key=None, profile_timeout=60.0, settings=None, bridge_class=None):
        from .app import Service
        from .qt.bridge import ManagerBridge
        from .qt.main_window import MainWindow
        from .qt.manager_thread import ManagerThread

        self.service = Service(data_dir, profile_path, host, port, api_key, tiled_uri=tiled_uri,
                               tiled_api_key=tiled_api_key, profile_timeout=profile_timeout)
        self.thread = self.bridge = self.window = None
        try:
            self.thread = ManagerThread(self.service.manager)
            self.bridge = (bridge_class or ManagerBridge)(self.service.manager, store=self.service.store)
            # A window must not block: serve at once, the profile's description follows.
            self.service.start(manager_host=lambda manager: self.thread.start(), wait=False)
            self.window = MainWindow(self.bridge, server_url=self.service.url, settings=settings)
        except BaseException:
            self.close()
            raise
        # Everything built so far lives as long as the window: keep it out of
        # the garbage collector's full passes, which otherwise stall the event
        # loop for 40-90 ms every so often (measured, docs/benchmarks_gui.md).
        gc.freeze()

    @property
    def url(self):
        return self.service.url

    def close(self):
        """Stop serving, shut the manager down (ending its worker), close the store, release the data directory."""
        try:
            self.service.server.stop()
        finally:
            try:
                if self.thread is not None and self.thread.isRunning():
                    self.thread.stop()
                else:
                    self.service.manager.shutdown(5)
            finally:
                self.service.release()


class RemoteDesktop:
    """The same window on a queue served elsewhere: ``RemoteManager`` on a ``QThread``, the bridge, the window.

    Nothing is served or stored here; the window cannot tell the remote
    manager from its own (see :mod:`queue_gui.remote.client`).
    """

    def __init__(self, url, api_key=None, *, settings=None, timeout=5.0, poll_period=1.0, backoff=(0.5, 10.0)):
        from .qt.bridge import ManagerBridge
        from .qt.main_window import MainWindow
        from .qt.manager_thread import ManagerThread
        from .remote.client import RemoteManager, RemoteStore

        self.manager = RemoteManager(url, api_key, timeout=timeout, poll_period=poll_period, backoff=backoff)
        self.thread = ManagerThread(self.manager)
        self.bridge = ManagerBridge(self.manager, store=RemoteStore(self.manager))
        self.thread.start()
        self.window = MainWindow(self.bridge, server_url=self.manager.url, settings=settings)

    @property
    def url(self):
        return self.manager.url

    def close(self):
        """Disconnect; the server and its queue go on."""
        if self.thread.isRunning():
            self.thread.stop()


def _install_signal_wakeup(app, on_signal):
    """Call ``on_signal`` from the event loop after SIGINT or SIGTERM.

    The Python handler only lets the signal through; the wake-up byte waits
    in the socket until the event loop reads it, so a signal that came
    before the loop started (while a dialog was being built) is acted on
    as soon as it runs, not lost.
    """
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: None)
    from qtpy.QtCore import QSocketNotifier

    def woken(*_):
        reader.recv(64)
        on_signal()

    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Read, app)
    notifier.activated.connect(woken)
    return reader, writer, notifier


def _show_startup_error(app, text):
    """A dialog saying why queue-gui cannot start (a damaged database, a locked data directory); exit code 2."""
    from qtpy.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Critical, "queue-gui cannot start", text, QMessageBox.Close)
    box.setObjectName("startup_error")
    keep = _install_signal_wakeup(app, box.reject)  # noqa: F841
    # Said on the terminal too: the app may have been started from one, or by a script.
    print(f"queue-gui: {text}", file=sys.stderr, flush=True)
    box.exec_()
    return EXIT_CONFIGURATION


def prepare_qt_environment(environ=None):
    """Settings for Qt, made before the ``QApplication`` exists (the user's own choice wins).

    Nothing in the window draws with OpenGL (pyqtgraph paints with
    QPainter), yet Qt's X platform loads the OpenGL stack at start: with
    Mesa's software renderer that was 55 MB of resident memory (33 MB PSS)
    for nothing, a fifth of the whole application's budget.
    """
    environ = os.environ if environ is None else environ
    environ.setdefault("QT_XCB_GL_INTEGRATION", "none")


def run_gui(args):
    """Show the window until it is closed; returns the exit code."""
    prepare_qt_environment()
    from qtpy.QtGui import QIcon
    from qtpy.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("queue-gui")
    app.setOrganizationName("queue-gui")
    if os.path.exists(ICON):
        app.setWindowIcon(QIcon(ICON))
    if getattr(args, "connect", None):
        desktop = RemoteDesktop(args.connect, args.api_key)
    else:
        try:
            desktop = Desktop(args.data_dir, args.profile, args.host, args.port, args.api_key,
                              tiled_uri=args.tiled_uri, tiled_api_key=args.tiled_api_key,
                              profile_timeout=args.profile_timeout)
        except ConfigurationError as error:
            return _show_startup_error(app, str(error))
    keep = _install_signal_wakeup(app, desktop.window.close_without_asking)  # noqa: F841 (kept alive until exit)
    desktop.window.show()
    print(f"queue-gui: {'connected to' if getattr(args, 'connect', None) else 'serving'} {desktop.url}", flush=True)
    try:
        app.exec_()
    finally:
        desktop.close()
    return 0
