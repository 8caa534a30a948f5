"""File > Shared tiled store…: the tiled server every run is also sent to, set from the window.

The same as ``--tiled-uri``/``--tiled-api-key``, applied at once (the run
store starts sending to the new server; runs waiting for the old one wait
for the new one) and remembered for the next start. The command line wins:
a queue-gui started with ``--tiled-uri`` keeps that server until it is
changed here.
"""

from qtpy.QtCore import Signal
from qtpy.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from ..look import ERROR_COLOR

EXPLANATION = (
    "Every run is saved on this machine. With a tiled server, each run is also sent there once it is closed, "
    "so that other machines can read it; while the server is away, runs wait here and are sent when it is back.\n\n"
    "Leave the address empty to send runs nowhere else."
)


class TiledSettingsDialog(QDialog):
    """Address and key of the shared tiled server; ``chosen(uri, api_key)`` on OK."""

    chosen = Signal(str, str)

    def __init__(self, uri="", api_key="", parent=None):
        super().__init__(parent)
        self.setObjectName("tiled_settings")
        self.setWindowTitle("Shared tiled store")
        explanation = QLabel(EXPLANATION, self)
        explanation.setWordWrap(True)
        self.uri_edit = QLineEdit(uri or "", self)
        self.uri_edit.setPlaceholderText("http://tiled.lab:8000")
        self.key_edit = QLineEdit(api_key or "", self)
        self.key_edit.setEchoMode(QLineEdit.Password)
        self.key_edit.setPlaceholderText("the server's API key")
        self.message = QLabel(self)
        self.message.setObjectName("tiled_settings_message")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Server", self.uri_edit)
        form.addRow("API key", self.key_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self._slot_ok)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(520, self.sizeHint().height())

    def _slot_ok(self):
        self.message.setText("Applying…")
        self.chosen.emit(self.uri_edit.text().strip(), self.key_edit.text())

    def show_reply(self, reply):
        """The store's answer: close when applied, or say why not (the entries stay for fixing)."""
        if reply.get("success"):
            self.accept()
        else:
            self.message.setText(f"<span style='color: {ERROR_COLOR}'>{reply.get('msg', '')}</span>")
