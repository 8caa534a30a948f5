"""Run-control and environment actions: icons, tooltips, shortcuts, enablement.

Each action sends one manager command; whether it is enabled follows the
pushed manager status through :func:`queue_gui.qt.run_state.allowed_actions`,
so a button is never clickable when the manager would refuse it.
"""

from qtpy.QtCore import QObject
from qtpy.QtGui import QKeySequence
from qtpy.QtWidgets import QAction, QStyle

from .run_state import allowed_actions
from ..wire import CommandName, ConnectionState

#: name: (text, standard icon, shortcut, tooltip, manager command, params)
RUN_ACTIONS = {
    "start_queue": ("Start queue", QStyle.SP_MediaPlay, "F5", "Run the queue from the top until it is empty", CommandName.QUEUE_START, None),
    "stop_queue": ("Stop after plan", QStyle.SP_MediaSkipForward, "Shift+F5", "Stop the queue when the current plan ends (toggle)", None, None),
    "pause_deferred": ("Pause", QStyle.SP_MediaPause, "F6", "Pause at the next checkpoint of the plan", CommandName.RE_PAUSE, {"option": "deferred"}),
    "pause_immediate": ("Pause now", QStyle.SP_MediaPause, "Shift+F6", "Pause the plan immediately", CommandName.RE_PAUSE, {"option": "immediate"}),
    "resume": ("Resume", QStyle.SP_MediaSeekForward, "F7", "Resume the paused plan", CommandName.RE_RESUME, None),
    "stop": ("Stop", QStyle.SP_MediaStop, "F8", "End the paused plan cleanly; it stays first in the queue (recorded 'stopped')", CommandName.RE_STOP, None),
    "abort": ("Abort", QStyle.SP_BrowserStop, "Shift+F8", "End the paused plan, marking the run aborted; it stays first in the queue", CommandName.RE_ABORT, None),
    "halt": ("Halt", QStyle.SP_DialogCancelButton, "Ctrl+F8", "Emergency stop: end the paused plan without cleanup", CommandName.RE_HALT, None),
}

ENVIRONMENT_ACTIONS = {
    "environment_open": ("&Open", QStyle.SP_DialogOpenButton, "Ctrl+E", "Create the RunEngine environment from the startup profile", CommandName.ENVIRONMENT_OPEN, None),
    "environment_close": ("&Close", QStyle.SP_DialogCloseButton, "Ctrl+Shift+E", "Close the RunEngine environment cleanly", CommandName.ENVIRONMENT_CLOSE, None),
    "environment_destroy": ("&Destroy…", QStyle.SP_MessageBoxCritical, None, "Kill the worker process at once (a running plan is interrupted)", CommandName.ENVIRONMENT_DESTROY, None),
    "environment_update": ("&Update environment", QStyle.SP_FileDialogContentsView, None, "Describe the open environment's plans and devices again (components devices found when connected)", CommandName.ENVIRONMENT_UPDATE, None),
    "profile_reload": ("&Reload profile", QStyle.SP_BrowserReload, None, "Read the startup profile again (devices and plans)", CommandName.PROFILE_RELOAD, None),
}


class ControlActions(QObject):
    """The QActions of the toolbar and the Environment menu.

    Parameters
    ----------
    bridge : queue_gui.qt.bridge.ManagerBridge
    parent : QWidget
        Owner of the actions (the main window); it provides icons and dialogs.
    confirm : callable
        ``confirm(title, text) -> bool``, asked before destroying the environment.
    report : callable or None
        ``report(reply)`` gets every reply, to show a refusal where the
        scientist looks (the window's status bar).
    """

    #: Shown on every action while a script holds the environment lock.
    LOCKED_TIP = "Locked by a script: Environment > Lock key… to enter its key"

    def __init__(self, bridge, parent, confirm, report=None):
        super().__init__(parent)
        self._bridge = bridge
        self._confirm = confirm
        self._report = report
        self.actions = {}
        for name, spec in {**RUN_ACTIONS, **ENVIRONMENT_ACTIONS}.items():
            self.actions[name] = self._make(name, *spec)
        # On a toolbar, "Open" alone would not say what opens.
        self.actions["environment_open"].setIconText("Open environment")
        self.actions["environment_close"].setIconText("Close environment")
        self.actions["stop_queue"].setCheckable(True)
        self.actions["stop_queue"].triggered.connect(self._slot_stop_queue_toggled)
        bridge.status_changed.connect(self.update_from_status)
        bridge.connection_changed.connect(lambda connection: self.update_from_status(bridge.status))
        self.update_from_status({})

    def _make(self, name, text, icon, shortcut, tooltip, command, params):
        parent = self.parent()
        action = QAction(parent.style().standardIcon(icon), text, parent)
        action.setObjectName(f"action_{name}")
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            tooltip = f"{tooltip} ({shortcut})"
        action.setToolTip(tooltip)
        action.setStatusTip(tooltip)
        if command is not None:
            if name == "environment_destroy":
                action.triggered.connect(self._slot_destroy)
            else:
                action.triggered.connect(lambda checked=False, c=command, p=params: self._request(c, p))
        action.setProperty("plain_tooltip", tooltip)
        return action

    def _request(self, command, params=None):
        self._bridge.request(command, params, on_reply=self._report)

    def _slot_stop_queue_toggled(self, checked):
        self._request(CommandName.QUEUE_STOP if checked else CommandName.QUEUE_STOP_CANCEL)

    def _slot_destroy(self):
        question = (
            "Destroy the RunEngine environment?\n\nThe worker process is killed at once; "
            "a running plan is interrupted without cleanup and goes back to the front of the queue."
        )
        if self._confirm("Destroy environment", question):
            self._request(CommandName.ENVIRONMENT_DESTROY)

    def update_from_status(self, status):
        allowed = allowed_actions(status)
        # Every one of these is refused while a script holds the environment
        # lock, unless the window sends its key.
        locked = bool((status.get("lock") or {}).get("environment")) and self._bridge.lock_key is None
        # A remote server that cannot be reached runs nothing the window asks for.
        connection = self._bridge.connection if self._bridge.remote else None
        offline = connection is not None and connection.get("state") != ConnectionState.CONNECTED
        for name, action in self.actions.items():
            action.setEnabled(name in allowed and not locked and not offline)
            if offline:
                action.setToolTip(f"Not connected to {connection.get('url')}: {connection.get('msg')}")
            else:
                action.setToolTip(self.LOCKED_TIP if locked else action.property("plain_tooltip"))
        stop = self.actions["stop_queue"]
        stop.blockSignals(True)
        stop.setChecked(bool(status.get("queue_stop_pending")))
        stop.blockSignals(False)

    def run_actions(self):
        return [self.actions[name] for name in RUN_ACTIONS]

    def environment_actions(self):
        return [self.actions[name] for name in ENVIRONMENT_ACTIONS]
