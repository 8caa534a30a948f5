"""Launch the desktop application: window, manager thread and HTTP server.

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

from qtpy.QtCore import QSocketNotifier
from qtpy.QtGui import QIcon
from qtpy.QtWidgets import QApplication

from ..app import Service
from .bridge import ManagerBridge
from .main_window import MainWindow
from .manager_thread import ManagerThread

logger = logging.getLogger(__name__)

# The icon lives in the checkout's top-level resources/ (editable installs).
ICON = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "queue-gui.svg")


def _install_signal_wakeup(app, window):
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: window.close_without_asking())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Read, app)
    notifier.activated.connect(lambda *_: reader.recv(64))
    return reader, writer, notifier


def run_gui(args):
    """Show the window until it is closed; returns the exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("queue-gui")
    app.setOrganizationName("queue-gui")
    if os.path.exists(ICON):
        app.setWindowIcon(QIcon(ICON))
    service = Service(args.data_dir, args.profile, args.host, args.port, args.api_key)
    thread = ManagerThread(service.manager)
    bridge = ManagerBridge(service.manager)
    service.start(manager_host=lambda manager: thread.start(), wait=False)
    window = MainWindow(bridge, server_url=service.url)
    keep = _install_signal_wakeup(app, window)  # noqa: F841 (kept alive until exit)
    window.show()
    # Everything built so far lives as long as the window: keep it out of
    # the garbage collector's full passes, which otherwise stall the event
    # loop for 40-90 ms every so often (measured, docs/benchmarks_gui.md).
    gc.freeze()
    print(f"queue-gui: serving {service.url}", flush=True)
    try:
        app.exec_()
    finally:
        service.server.stop()
        thread.stop()
        service.release()
    return 0
