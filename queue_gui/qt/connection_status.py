"""The status bar's word on a remote server: connected (to what), unreachable (retrying), or the key refused.

A window on a remote queue shows the connection where a local one shows its
own API address. A refused or missing key opens a non-modal prompt; the key
typed there is used at once (the client connects again with it).
"""

from qtpy.QtCore import QObject, Slot
from qtpy.QtWidgets import QInputDialog, QLineEdit

from ..wire import ConnectionState
from .look import ERROR_COLOR

_WORDS = {
    ConnectionState.CONNECTING: "Connecting to {where}…",
    ConnectionState.CONNECTED: "Connected: {server} at {where}",
    ConnectionState.UNREACHABLE: "Unreachable: {where}",
    ConnectionState.UNAUTHORIZED: "API key refused: {where}",
    ConnectionState.CLOSED: "Disconnected from {where}",
}

#: States in which the window cannot reach the queue: said in red.
_TROUBLE = (ConnectionState.UNREACHABLE, ConnectionState.UNAUTHORIZED, ConnectionState.CLOSED)


class ConnectionStatus(QObject):
    """Keeps ``label`` saying how the connection to the remote server stands."""

    def __init__(self, bridge, label, parent=None):
        super().__init__(parent)
        self._bridge = bridge
        self._label = label
        self._prompt = None
        bridge.connection_changed.connect(self._slot_connection)
        if bridge.connection:
            self._slot_connection(bridge.connection)

    @Slot(object)
    def _slot_connection(self, connection):
        state = connection.get("state", "connecting")
        where = connection.get("url", "").split("://", 1)[-1]
        text = _WORDS.get(state, state).format(where=where, server=connection.get("server") or "server")
        self._label.setText(text)
        self._label.setToolTip(connection.get("msg") or text)
        self._label.setStyleSheet(
            "padding: 0 8px; border-left: 1px solid palette(mid);" + (f" color: {ERROR_COLOR};" if state in _TROUBLE else "")
        )
        if state == ConnectionState.UNAUTHORIZED:
            self._ask_for_key(connection.get("msg", ""))

    def _ask_for_key(self, reason):
        if self._prompt is not None and self._prompt.isVisible():
            return
        prompt = QInputDialog(self._label.window())
        prompt.setObjectName("api_key_prompt")
        prompt.setWindowTitle("API key")
        prompt.setLabelText(f"{reason}\n\nAPI key of {self._bridge.connection.get('url', 'the server')}:")
        prompt.setTextEchoMode(QLineEdit.Password)
        prompt.setModal(False)
        prompt.textValueSelected.connect(lambda key: self._bridge.use_api_key(key.strip() or None))
        self._prompt = prompt
        prompt.show()
