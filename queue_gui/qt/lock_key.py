"""The lock a script may hold on the queue or the environment, seen and opened from the window.

A script locks queue-gui (``RM.lock(queue=True, lock_key=...)``) to keep
others from editing the queue while it runs; the window then shows the
lock in its status bar, and its edits are refused by name. A scientist who
knows the key enters it once (Environment > Lock key…): the bridge then
sends it with every command, as the script does.
"""

from qtpy.QtCore import QObject, Signal
from qtpy.QtWidgets import QAction, QInputDialog, QLabel, QLineEdit
from ..wire import CommandName


class LockKeyControl(QObject):
    """The *Lock key…* action, its dialog and the lock's status-bar label.

    Parameters
    ----------
    bridge : queue_gui.qt.bridge.ManagerBridge
    window : QMainWindow
        Owns the action, the dialog and the label; shows refusals in its status bar.
    """

    #: The key the window sends changed (actions a lock disables may work now).
    key_changed = Signal()

    def __init__(self, bridge, window):
        super().__init__(window)
        self._bridge = bridge
        self._window = window
        self._lock_info_uid = None
        self.action = QAction("Lock &key…", window)
        self.action.setObjectName("action_lock_key")
        tip = "Enter the key of a lock a script holds, so that the window may edit the locked queue or environment"
        self.action.setToolTip(tip)
        self.action.setStatusTip(tip)
        self.action.triggered.connect(self.ask)
        self.label = QLabel(window)
        self.label.setObjectName("status_lock")
        self.label.setStyleSheet("padding: 0 8px; border-left: 1px solid palette(mid); color: palette(link);")
        self.label.hide()
        self.dialog = None
        bridge.status_changed.connect(self._slot_status)

    def ask(self):
        """Open the (non-modal) key dialog; the key is kept only for this session."""
        dialog = QInputDialog(self._window)
        dialog.setObjectName("lock_key_dialog")
        dialog.setWindowTitle("Lock key")
        dialog.setLabelText(
            "Key of the lock held on this queue-gui (the lock_key of the script that locked it).\n"
            "Leave empty to stop sending a key."
        )
        dialog.setTextEchoMode(QLineEdit.Password)
        dialog.setTextValue(self._bridge.lock_key or "")
        dialog.textValueSelected.connect(self.set_key)
        dialog.open()
        self.dialog = dialog
        return dialog

    def set_key(self, key):
        """Send ``key`` (stripped; empty forgets it) with every command, and say whether it opens the lock."""
        key = key.strip() or None
        self._bridge.lock_key = key
        self.key_changed.emit()
        if key is None:
            self._window.statusBar().showMessage("No lock key is sent any more.", 10000)
            return
        self._bridge.request(CommandName.LOCK_INFO, on_reply=self._slot_key_checked)

    def _slot_key_checked(self, reply):
        info = reply.get("lock_info") or {}
        if not (info.get("queue") or info.get("environment")):
            text = "Lock key kept; nothing is locked at the moment."
        elif reply.get("success"):
            text = "The lock key opens the lock: the window may edit what it protects."
        else:
            text = f"Refused: {reply.get('msg')}"
        self._window.statusBar().showMessage(text, 10000)

    def _slot_status(self, status):
        lock = status.get("lock") or {}
        parts = [name for name in ("queue", "environment") if lock.get(name)]
        self.label.setVisible(bool(parts))
        self.label.setText(f"Locked: {', '.join(parts)}" if parts else "")
        uid = status.get("lock_info_uid")
        if parts and uid != self._lock_info_uid:
            self._lock_info_uid = uid
            self._bridge.request(CommandName.LOCK_INFO, on_reply=self._slot_lock_info)

    def _slot_lock_info(self, reply):
        info = reply.get("lock_info") or {}
        details = [f"Locked by {info.get('user') or 'an unnamed user'} at {info.get('time_str') or '?'}"]
        if info.get("note"):
            details.append(f"Note: {info['note']}")
        details.append("Environment > Lock key… to enter the key")
        self.label.setToolTip("\n".join(details))
