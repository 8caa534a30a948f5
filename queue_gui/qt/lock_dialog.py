"""Environment > Lock…: take a lock from the window, with a note the other desks see.

The lock keeps other windows and scripts from editing the queue or
running the environment while this desk works (an alignment, a delicate
scan). The key is made here and kept by the bridge, which sends it with
every command, so the holder goes on working; Environment > Unlock gives
the lock back. Others see who took it, when, and the note.
"""

import getpass
import secrets

from qtpy.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit

from ..wire import CommandName
from .look import ERROR_COLOR


class LockDialog(QDialog):
    """What to lock and why; on Lock, asks the manager and keeps the key."""

    def __init__(self, bridge, on_done, parent=None):
        super().__init__(parent)
        self.setObjectName("lock_dialog")
        self.setWindowTitle("Lock")
        self._bridge = bridge
        self._on_done = on_done
        self.queue = QCheckBox("the queue (adding, removing, moving items)", self)
        self.queue.setChecked(True)
        self.environment = QCheckBox("the environment (open, close, run, pause)", self)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText("why, for the other desks: e.g. aligning the mirror until 15:00")
        self.error = QLabel(self)
        self.error.setStyleSheet(f"color: {ERROR_COLOR};")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.button(QDialogButtonBox.Ok).setText("Lock")
        buttons.accepted.connect(self.lock)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Lock", self.queue)
        form.addRow("", self.environment)
        form.addRow("Note:", self.note)
        form.addRow(self.error)
        form.addRow(buttons)

    def lock(self):
        if not (self.queue.isChecked() or self.environment.isChecked()):
            self.error.setText("choose the queue, the environment or both")
            return
        key = secrets.token_hex(8)
        params = {"queue": self.queue.isChecked(), "environment": self.environment.isChecked(),
                  "note": self.note.text().strip() or None, "lock_key": key, "user": _user()}
        self._bridge.request(CommandName.LOCK, params, on_reply=lambda reply: self._locked(reply, key))

    def _locked(self, reply, key):
        if not reply.get("success"):
            self.error.setText(reply.get("msg") or "the lock was refused")
            return
        self._bridge.lock_key = key
        self._on_done(f"Locked ({', '.join(n for n in ('queue', 'environment') if reply.get('lock_info', {}).get(n))}); "
                      "this window holds the key. Environment > Unlock gives it back.")
        self.accept()


def unlock(bridge, on_done):
    """Give back the lock this window holds."""
    key = bridge.lock_key
    if key is None:
        on_done("This window holds no lock key (Environment > Lock key… to enter one).")
        return

    def unlocked(reply):
        if reply.get("success"):
            bridge.lock_key = None
            on_done("Unlocked.")
        else:
            on_done(f"Not unlocked: {reply.get('msg')}")

    bridge.request(CommandName.UNLOCK, {"lock_key": key}, on_reply=unlocked)


def _user():
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return None
