"""File > Connect to server…: open a window on another server's queue, remembering the servers used.

The window of the queue on this machine stays as it is; the connection
opens a window of its own (``queue-gui --connect URL``), as a second
document would, so closing one never touches the other. The key is handed
to that process in ``QSERVER_HTTP_SERVER_API_KEY``, never on its command
line, where other users of the machine could read it.
"""

import os
import sys

from qtpy.QtCore import QProcess, QProcessEnvironment
from qtpy.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit

from .look import ERROR_COLOR

#: How many servers File > Connect remembers.
MAX_RECENT = 8
RECENT_KEY = "remote/recent_servers"
#: The variable the ecosystem's clients read an HTTP server's key from.
KEY_VARIABLE = "QSERVER_HTTP_SERVER_API_KEY"


def recent_servers(settings):
    """The servers connected to before, most recent first."""
    value = settings.value(RECENT_KEY, [])
    if isinstance(value, str):  # QSettings gives a lone entry as a string
        value = [value]
    return [url for url in value or [] if isinstance(url, str) and url]


def remember_server(settings, url):
    servers = [url] + [known for known in recent_servers(settings) if known != url]
    settings.setValue(RECENT_KEY, servers[:MAX_RECENT])
    settings.sync()


def problem_with_url(url):
    """Why ``url`` cannot be a server's address, or None."""
    if not url.startswith(("http://", "https://")) or len(url.split("://", 1)[1].strip("/")) == 0:
        return "give the server's address, e.g. http://control-pc:60610"
    return None


def connect_command(url):
    """The program and arguments that open a window on ``url``."""
    return sys.executable, ["-m", "queue_gui", "--connect", url]


class ConnectDialog(QDialog):
    """Asks for a server's address (the recent ones offered) and its API key."""

    def __init__(self, settings, parent=None):
        super().__init__(parent)
        self.setObjectName("connect_dialog")
        self.setWindowTitle("Connect to server")
        self._settings = settings
        self.url = QComboBox(self)
        self.url.setEditable(True)
        self.url.addItems(recent_servers(settings))
        self.url.setToolTip("A headless queue-gui (queue-gui --headless --host 0.0.0.0 --api-key KEY) "
                            "or a bluesky-httpserver in front of bluesky-queueserver")
        if not self.url.count():
            self.url.setEditText("http://")
        self.key = QLineEdit(self)
        self.key.setEchoMode(QLineEdit.Password)
        self.key.setPlaceholderText(f"the server's API key (default: ${KEY_VARIABLE})")
        self.error = QLabel(self)
        self.error.setStyleSheet(f"color: {ERROR_COLOR};")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.button(QDialogButtonBox.Ok).setText("Connect")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Server:", self.url)
        form.addRow("API key:", self.key)
        form.addRow(self.error)
        form.addRow(buttons)

    def accept(self):
        url = self.url.currentText().strip().rstrip("/")
        problem = problem_with_url(url)
        if problem:
            self.error.setText(problem)
            return
        remember_server(self._settings, url)
        self.chosen = (url, self.key.text().strip() or None)
        super().accept()


def open_remote_window(url, api_key=None):
    """Start ``queue-gui --connect url`` as a process of its own; True when it started."""
    program, arguments = connect_command(url)
    process = QProcess()
    environment = QProcessEnvironment.systemEnvironment()
    if api_key:
        environment.insert(KEY_VARIABLE, api_key)
    process.setProcessEnvironment(environment)
    process.setProgram(program)
    process.setArguments(arguments)
    process.setWorkingDirectory(os.getcwd())
    started, _pid = process.startDetached()
    return started
