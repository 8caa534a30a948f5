"""The main window: queue view, run-control toolbar, Environment menu, docks.

The window renders what the manager pushes through the
:class:`~queue_gui.qt.bridge.ManagerBridge` and turns gestures into manager
commands; it never changes the queue on its own and never waits for an
answer. Refusals are shown where the gesture happened (the plan editor, the
status bar) and in the console.
"""

import logging

from qtpy.QtCore import QSettings, Qt
from qtpy.QtGui import QKeySequence
from qtpy.QtWidgets import (
    QAction,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QWidget,
)

from .actions import ControlActions
from .dialogs import ask_yes_no
from .failure import describe_failure
from .history_model import HistoryModel
from .lock_key import LockKeyControl
from .progress import ProgressTracker, progress_text, queue_end_text, queue_end_tooltip
from .queue_delegate import QueueItemDelegate
from .runs_control import RunsControl
from .queue_model import QueueModel, QueueView, configure_queue_view
from .widgets.console import ConsoleWidget
from .widgets.history_panel import HistoryPanel
from .widgets.metadata_panel import MetadataPanel
from .widgets.plan_editor import PlanEditor
from ..queue_file import QUEUE_FILE_FILTER, QueueFileError, as_submission, read_queue, write_queue
from ..wire import CommandName, ConnectionState

logger = logging.getLogger(__name__)

class MainWindow(QMainWindow):
    """The desktop window of queue-gui.

    Parameters
    ----------
    bridge : queue_gui.qt.bridge.ManagerBridge
    server_url : str or None
        Shown in the status bar, so the scientist knows where scripts connect.
    settings : QSettings or None
        Where geometry and dock layout are remembered.
    """

    def __init__(self, bridge, server_url=None, settings=None):
        super().__init__()
        self.bridge = bridge
        self.server_url = server_url
        self.confirm = lambda title, text: ask_yes_no(self, title, text)
        self._settings = settings if settings is not None else QSettings("queue-gui", "queue-gui")
        self.setWindowTitle("queue-gui")
        self.controls = ControlActions(bridge, self, lambda title, text: self.confirm(title, text), report=self._report)
        self.lock_key = LockKeyControl(bridge, self)
        self.lock_key.key_changed.connect(lambda: self.controls.update_from_status(self.bridge.status))
        self._locked = False
        self._build_queue_view()
        self._build_docks()
        self._build_data_docks()
        self._build_metadata_dock()
        self._build_runs_dock()
        self._build_menus_and_toolbar()
        self._build_status_bar()
        self._build_progress()
        self._connect_bridge()
        self._restore_layout()

    # ------------------------------------------------------------ building
    def _build_queue_view(self):
        self.queue_model = QueueModel(request_move=self._request_move, parent=self)
        self.queue_view = QueueView(self)
        self.queue_view.setObjectName("queue_view")
        self.queue_view.setModel(self.queue_model)
        configure_queue_view(self.queue_view)
        self.queue_view.setItemDelegate(QueueItemDelegate(self.queue_view))
        self.queue_view.setContextMenuPolicy(Qt.CustomContextMenu)
        self.queue_view.customContextMenuRequested.connect(self._slot_queue_context_menu)
        self.queue_view.doubleClicked.connect(self._slot_edit_selected)
        self.setCentralWidget(self.queue_view)

    def _build_docks(self):
        self.plan_editor = PlanEditor(self)
        self.plan_editor.add_requested.connect(self._slot_add_item)
        self.plan_editor.update_requested.connect(self._slot_update_item)
        self.history_model = HistoryModel(self)
        self.history_panel = HistoryPanel(self.history_model, self)
        self.history_panel.copy_to_queue_requested.connect(self._slot_copy_to_queue)
        self.history_panel.clear_requested.connect(lambda: self.bridge.request(CommandName.HISTORY_CLEAR, on_reply=self._report))
        self.console = ConsoleWidget(parent=self)
        self.docks = {}
        self._add_dock("plan_editor", "Plan editor", self.plan_editor, Qt.RightDockWidgetArea)
        self._add_dock("history", "History", self.history_panel, Qt.RightDockWidgetArea)
        self._add_dock("console", "Console", self.console, Qt.BottomDockWidgetArea)

    def _add_dock(self, name, title, widget, area, tab_with=None):
        """A dock named ``dock_<name>`` (the remembered layout finds it by that name), tabbed with another if given."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        if tab_with is not None:
            self.tabifyDockWidget(self.docks[tab_with], dock)
            self.docks[tab_with].raise_()
        self.docks[name] = dock
        return dock

    def _build_data_docks(self):
        """Live plots and the live table, fed by the documents of running plans.

        Both read one :class:`~queue_gui.data.runs.LiveData`, which never
        raises into the bridge: a run that cannot be plotted shows a short
        message in the Plots dock and later runs go on.
        """
        from queue_gui.data.runs import LiveData

        from .live_table import LiveTable
        from .plots.plots_dock import PlotsDock

        self.live_data = LiveData()
        self.plots = PlotsDock(self.live_data, parent=self)
        self.live_table = LiveTable(self.live_data, parent=self)
        self._add_dock("plots", "Plots", self.plots, Qt.LeftDockWidgetArea)
        self._add_dock("live_table", "Live table", self.live_table, Qt.BottomDockWidgetArea)
        # Plots left of the queue, taking the room the queue's short rows do not need; the table beside the console.
        self.splitDockWidget(self.docks["console"], self.docks["live_table"], Qt.Horizontal)
        self.bridge.documents_received.connect(self.live_data.consume)

    def show_saved_run(self, documents):
        """Show a saved run (its ``[name, doc]`` pairs) in the Plots dock; returns its figures."""
        self.docks["plots"].show()
        self.docks["plots"].raise_()
        return self.plots.show_run(documents)

    def _build_metadata_dock(self):
        self.metadata_panel = MetadataPanel(self)
        self.metadata_panel.apply_requested.connect(
            lambda metadata: self.bridge.request(
                CommandName.METADATA_SET, {"metadata": metadata}, on_reply=self.metadata_panel.show_reply
            )
        )
        self._add_dock("metadata", "Run metadata", self.metadata_panel, Qt.RightDockWidgetArea, tab_with="plan_editor")

    def _build_runs_dock(self):
        """Saved runs: listed from the run store, re-opened in the plots, exported, linked to the history."""
        self.runs = RunsControl(self, self.bridge, self._settings)
        self.runs_browser = self.runs.browser

    def _build_progress(self):
        """Point n of N in the status bar and on the running row; the queue's expected end.

        The bar and its label live in a box of their own: the status bar
        shows and hides its direct widgets around temporary messages, which
        brought a hidden bar back after a run had ended.
        """
        self.progress = ProgressTracker(self.bridge, self)
        box = QWidget(self)
        box.setObjectName("status_progress")
        layout = QHBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.progress_bar = QProgressBar(box)
        self.progress_bar.setObjectName("status_progress_bar")
        self.progress_bar.setFixedWidth(120)
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.hide()
        layout.addWidget(self.progress_bar)
        for name in ("progress", "queue_end"):
            label = QLabel(box)
            label.setObjectName(f"status_{name}")
            self.status_labels[name] = label
            layout.addWidget(label)
        # Wide enough for "0:00:00 elapsed, ~0:00:00 left": the bar does not jump as the time ticks.
        metrics = self.status_labels["progress"].fontMetrics()
        self.status_labels["progress"].setMinimumWidth(metrics.horizontalAdvance("00:00 elapsed, ~00:00 left "))
        self.statusBar().insertPermanentWidget(0, box)
        self.progress.changed.connect(self._slot_progress)

    def _slot_progress(self):
        summary = self.progress.summary()
        text = progress_text(summary)
        fraction = summary["fraction"]
        self.progress_bar.setVisible(fraction is not None)
        if fraction is not None:
            self.progress_bar.setValue(int(round(fraction * 1000)))
            self.progress_bar.setFormat(f"{summary['points']} / {summary['total']}")
        self.status_labels["progress"].setText(text)
        self.status_labels["queue_end"].setText(queue_end_text(summary))
        self.status_labels["queue_end"].setToolTip(queue_end_tooltip(summary))
        if summary["item_uid"] is None:
            self.queue_model.set_running_look(progress=None)
        else:
            bar_text = f"{summary['points']} / {summary['total']}" if summary["total"] else f"point {summary['points']}"
            self.queue_model.set_running_look(progress=(fraction, bar_text))

    def _build_menus_and_toolbar(self):
        self.queue_actions = self._make_queue_actions()
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self._action("Save queue…", QKeySequence.Save, self._slot_save_queue))
        file_menu.addAction(self._action("Load queue…", QKeySequence.Open, self._slot_load_queue))
        file_menu.addSeparator()
        tiled = self._action("Shared tiled store…", None, lambda: self.runs.open_tiled_settings())
        tiled.setObjectName("action_tiled_settings")
        tiled.setToolTip("Also send every run to a tiled server that other machines read")
        file_menu.addAction(tiled)
        connect = self._action("Connect to server…", "Ctrl+Shift+O", self._slot_connect_to_server)
        connect.setToolTip("Open a window on the queue of another server: a headless queue-gui or bluesky-httpserver")
        file_menu.addAction(connect)
        file_menu.addSeparator()
        file_menu.addAction(self._action("Quit", QKeySequence.Quit, self.close))
        queue_menu = self.menuBar().addMenu("&Queue")
        queue_menu.addActions(list(self.queue_actions.values()))
        run_menu = self.menuBar().addMenu("&Run")
        run_menu.addActions(self.controls.run_actions())
        self.environment_menu = self.menuBar().addMenu("&Environment")
        self.environment_menu.addActions(self.controls.environment_actions())
        self.environment_menu.addSeparator()
        self.environment_menu.addAction(self._action("&Lock…", None, self._slot_lock))
        self.environment_menu.addAction(self._action("&Unlock", None, self._slot_unlock))
        self.environment_menu.addAction(self.lock_key.action)
        view_menu = self.menuBar().addMenu("&View")
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self._action("About queue-gui", None, self._slot_about))
        environment_bar = self.addToolBar("Environment")
        environment_bar.setObjectName("toolbar_environment")
        environment_bar.setToolButtonStyle(Qt.ToolButtonTextUnderIcon)
        environment_bar.addActions(self.controls.environment_actions()[:2])
        toolbar = self.addToolBar("Run control")
        toolbar.setObjectName("toolbar_run_control")
        toolbar.setToolButtonStyle(Qt.ToolButtonTextUnderIcon)
        toolbar.addActions(self.controls.run_actions())

    def _action(self, text, shortcut, slot):
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _make_queue_actions(self):
        specs = {
            "edit": ("Edit in plan editor", "Return", self._slot_edit_selected),
            "duplicate": ("Duplicate", "Ctrl+D", self._slot_duplicate_selected),
            "delete": ("Delete", QKeySequence.Delete, self._slot_delete_selected),
            "move_up": ("Move up", "Ctrl+Up", lambda: self._move_selected("up")),
            "move_down": ("Move down", "Ctrl+Down", lambda: self._move_selected("down")),
            "move_top": ("Move to top", "Ctrl+Home", lambda: self._move_selected("top")),
            "move_bottom": ("Move to bottom", "Ctrl+End", lambda: self._move_selected("bottom")),
            "stop_here": ("Insert queue stop after", None, self._slot_insert_stop),
        }
        actions = {}
        for name, (text, shortcut, slot) in specs.items():
            action = self._action(text, shortcut, slot)
            action.setObjectName(f"action_queue_{name}")
            # Shortcuts act on the queue view only, so Delete in an editor
            # field deletes text, not plans.
            action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            self.queue_view.addAction(action)
            actions[name] = action
        return actions

    def _build_status_bar(self):
        self.status_labels = {"store": self.runs.store_label}
        for name in ("state", "counts", "server"):
            label = QLabel(self)
            label.setObjectName(f"status_{name}")
            self.status_labels[name] = label
        for label in self.status_labels.values():
            label.setStyleSheet("padding: 0 8px; border-left: 1px solid palette(mid);")
            self.statusBar().addPermanentWidget(label)
        self.statusBar().insertPermanentWidget(0, self.lock_key.label)
        if self.bridge.remote:
            from .connection_status import ConnectionStatus

            self.connection_status = ConnectionStatus(self.bridge, self.status_labels["server"], self)
            return
        server = self.server_url.split("://", 1)[-1] if self.server_url else "off"
        self.status_labels["server"].setText(f"API: {server}")
        self.status_labels["server"].setToolTip(
            f"Scripts and other clients reach this queue at {self.server_url}" if self.server_url else "No HTTP server"
        )

    def _connect_bridge(self):
        self.bridge.status_changed.connect(self._slot_status)
        self.bridge.connection_changed.connect(lambda connection: self._slot_status(self.bridge.status))
        self.bridge.queue_changed.connect(self._slot_queue)
        self.bridge.history_changed.connect(self.history_model.follow)
        self.bridge.description_changed.connect(self.plan_editor.set_description)
        # Loaded at start and whenever another client changes it; an edit in progress is kept.
        self.bridge.metadata_changed.connect(lambda metadata: self.metadata_panel.set_metadata(metadata, from_elsewhere=True))
        self.bridge.console_received.connect(self.console.append_entry)
        self.bridge.refresh()

    # ------------------------------------------------------------ status
    def show_problem(self, title, text, details=""):
        """A non-modal warning: the queue and the toolbar stay usable behind it."""
        box = QMessageBox(QMessageBox.Warning, title, text, QMessageBox.Ok, self)
        box.setObjectName("problem_dialog")
        if details:
            box.setDetailedText(details)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.setModal(False)
        box.show()
        self.last_problem = box
        return box

    def _slot_queue(self, event):
        # The manager publishes the queue before the status that says why it
        # changed: a plan put back at the front just now is the one a failure
        # in that status interrupted.
        requeued = any(change[0] == "finish" and change[1] for change in event["changes"])
        self._just_requeued = self.queue_model.running_item() if requeued else None
        self.queue_model.follow(event)

    def _notice_environment_failure(self, status):
        state = status.get("worker_environment_state")
        previous, self._environment_state = getattr(self, "_environment_state", None), state
        if state == "failed" and previous != "failed":
            interrupted = self.queue_model.running_item() or getattr(self, "_just_requeued", None)
            text, details = describe_failure(status, interrupted, self.console.text.toPlainText())
            self.show_problem("Environment failed", text, details)

    def _slot_status(self, status):
        self._notice_environment_failure(status)
        self._just_requeued = None  # it belonged to this status, or to none
        self.queue_model.set_running_look(paused=status.get("manager_state") == "paused")
        self._forget_lock_refusal_when_unlocked(status)
        labels = self.status_labels
        manager_state = str(status.get("manager_state", "?")).replace("_", " ")
        state_text = manager_state.capitalize()
        if status.get("manager_state") == "idle":
            state_text += " · environment " + ("open" if status.get("worker_environment_exists") else "closed")
        connection = self.bridge.connection if self.bridge.remote else None
        if connection is not None and connection.get("state") != ConnectionState.CONNECTED:
            state_text = f"Not connected (last seen: {state_text.lower()})"
        labels["state"].setText(state_text)
        labels["state"].setToolTip(
            f"Manager: {status.get('manager_state', '?')}\nRunEngine: {status.get('re_state') or 'no environment'}\n"
            f"Environment: {status.get('worker_environment_state', '?')}"
        )
        labels["counts"].setText(f"Queue {status.get('items_in_queue', 0)} · History {status.get('items_in_history', 0)}")
        title = "queue-gui"
        if status.get("manager_state") not in (None, "idle"):
            title += f" — {status['manager_state'].replace('_', ' ')}"
        self.setWindowTitle(title)

    def _forget_lock_refusal_when_unlocked(self, status):
        locked = any((status.get("lock") or {}).values())
        if self._locked and not locked and "locked" in self.plan_editor.error_text():
            self.plan_editor.clear_error()
        self._locked = locked

    def _report(self, reply):
        """Show a refusal where the scientist looks: status bar and console."""
        if not reply.get("success", True):
            self.statusBar().showMessage(f"Refused: {reply.get('msg')}", 10000)
            self.console.append_entry({"time": 0, "msg": f"queue-gui: refused: {reply.get('msg')}\n", "uid": ""})

    # ------------------------------------------------------------ queue edits
    def _request_move(self, uids, before_uid=None, after_uid=None, pos_dest=None):
        params = {"uids": list(uids)}
        if before_uid is not None:
            params["before_uid"] = before_uid
        elif after_uid is not None:
            params["after_uid"] = after_uid
        else:
            params["pos_dest"] = pos_dest if pos_dest is not None else "back"
        self.bridge.request(CommandName.QUEUE_ITEM_MOVE_BATCH, params, on_reply=self._report)

    def selected_uids(self):
        rows = sorted(index.row() for index in self.queue_view.selectionModel().selectedRows())
        items = [self.queue_model.item_at(row) for row in rows]
        running = self.queue_model.running_item()
        running_uid = running.get("item_uid") if running else None
        return [item["item_uid"] for item in items if item and item["item_uid"] != running_uid]

    def _move_selected(self, direction):
        uids = self.selected_uids()
        if uids:
            self.queue_model.move_selection(uids, direction)

    def _slot_delete_selected(self):
        uids = self.selected_uids()
        if uids:
            self.bridge.request(CommandName.QUEUE_ITEM_REMOVE_BATCH, {"uids": uids}, on_reply=self._report)

    def _slot_duplicate_selected(self):
        uids = self.selected_uids()
        if not uids:
            return
        items = [as_submission(self.queue_model.item_at(self.queue_model.row_of(uid))) for uid in uids]
        self.bridge.request(CommandName.QUEUE_ITEM_ADD_BATCH, {"items": items, "after_uid": uids[-1]}, on_reply=self._report)

    def _slot_insert_stop(self):
        uids = self.selected_uids()
        params = {"item": {"item_type": "instruction", "name": "queue_stop"}}
        if uids:
            params["after_uid"] = uids[-1]
        self.bridge.request(CommandName.QUEUE_ITEM_ADD, params, on_reply=self._report)

    def _slot_edit_selected(self, *_):
        uids = self.selected_uids()
        if uids:
            item = self.queue_model.item_at(self.queue_model.row_of(uids[0]))
            if item.get("item_type") == "plan":
                self.docks["plan_editor"].show()
                self.docks["plan_editor"].raise_()
                self.plan_editor.edit_item(item)

    def _slot_queue_context_menu(self, position):
        menu = QMenu(self)
        menu.addActions(list(self.queue_actions.values()))
        menu.exec_(self.queue_view.viewport().mapToGlobal(position))

    def _slot_add_item(self, item):
        self.bridge.request(CommandName.QUEUE_ITEM_ADD, {"item": item}, on_reply=self._editor_reply)

    def _slot_update_item(self, item):
        self.bridge.request(CommandName.QUEUE_ITEM_UPDATE, {"item": item}, on_reply=self._editor_reply)

    def _editor_reply(self, reply):
        if reply.get("success"):
            self.plan_editor.clear_error()
            self.statusBar().showMessage(f"Queued {reply['item']['name']}", 3000)
        else:
            self.plan_editor.show_error(reply.get("msg", ""))

    def _slot_copy_to_queue(self, items):
        self.bridge.request(CommandName.QUEUE_ITEM_ADD_BATCH, {"items": [as_submission(i) for i in items]}, on_reply=self._report)

    # ------------------------------------------------------------ files
    # The file format is queue_gui.queue_file's; here are only the dialogs.
    def _slot_save_queue(self):
        path, _ = QFileDialog.getSaveFileName(self, "Save queue", "queue.json", QUEUE_FILE_FILTER)
        if path:
            self.save_queue(path)

    def save_queue(self, path):
        """Write the queued items (not the running one) to the queue file ``path``."""
        try:
            count = write_queue(path, self.queue_model.queue_items())
        except OSError as error:
            QMessageBox.warning(self, "Save queue", f"Cannot write {path}:\n{error}")
            return
        self.statusBar().showMessage(f"Saved {count} items to {path}", 5000)

    def _slot_load_queue(self):
        path, _ = QFileDialog.getOpenFileName(self, "Load queue", "", QUEUE_FILE_FILTER)
        if path:
            self.load_queue(path)

    def load_queue(self, path):
        """Append the items of a saved queue; all or nothing, refusals listed."""
        try:
            items = read_queue(path)
        except QueueFileError as error:
            QMessageBox.warning(self, "Load queue", f"Cannot read {path}:\n{error}")
            return
        self.bridge.request(CommandName.QUEUE_ITEM_ADD_BATCH, {"items": items}, on_reply=self._loaded_reply)

    def _loaded_reply(self, reply):
        if reply.get("success"):
            self.statusBar().showMessage(f"Loaded {len(reply['items'])} items", 5000)
            return
        problems = [f"item {i + 1}: {r['msg']}" for i, r in enumerate(reply.get("results", [])) if not r["success"]]
        QMessageBox.warning(self, "Load queue", reply.get("msg", "") + "\n\n" + "\n".join(problems[:20]))

    # ------------------------------------------------------------ help, close
    def _slot_about(self):
        from .about import about_text

        QMessageBox.about(self, "About queue-gui", about_text())

    def _restore_layout(self):
        geometry = self._settings.value("main_window/geometry")
        state = self._settings.value("main_window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(*default_size())
        if state is not None:
            self.restoreState(state)
        else:
            # The editor needs room for a plan's fields; history less.
            self.resizeDocks([self.docks["plan_editor"], self.docks["history"]], [460, 260], Qt.Vertical)
            self.resizeDocks([self.docks["plan_editor"]], [420], Qt.Horizontal)
            self.resizeDocks([self.docks["console"]], [170], Qt.Vertical)
            self.resizeDocks([self.docks["plots"]], [560], Qt.Horizontal)  # the data deserve the room

    def close_without_asking(self):
        """Close on SIGINT/SIGTERM: the terminal asked, nobody is there to answer."""
        self._asked_to_quit = True
        self.close()

    def _slot_lock(self):
        from .lock_dialog import LockDialog

        self.lock_dialog = LockDialog(self.bridge, self._lock_changed, self)
        self.lock_dialog.setModal(False)
        self.lock_dialog.show()

    def _slot_unlock(self):
        from .lock_dialog import unlock

        unlock(self.bridge, self._lock_changed)

    def _lock_changed(self, text):
        """This window took or gave back a lock (its key changed): say so, and let the actions follow."""
        self.statusBar().showMessage(text, 10000)
        self.lock_key.key_changed.emit()

    def _slot_connect_to_server(self):
        from .connect_dialog import ConnectDialog, open_remote_window

        dialog = ConnectDialog(self._settings, self)
        dialog.setModal(False)
        self.connect_dialog = dialog

        def connect():
            url, api_key = dialog.chosen
            if open_remote_window(url, api_key):
                self.statusBar().showMessage(f"Opening a window on {url}…", 5000)
            else:
                self.show_problem("Cannot connect", f"queue-gui could not start a window on {url}.")

        dialog.accepted.connect(connect)
        dialog.show()

    def closeEvent(self, event):  # noqa: N802 (Qt override)
        # A window on a remote queue only disconnects: the server's plan runs on.
        running_here = self.bridge.status.get("running_item_uid") and not self.bridge.remote
        if running_here and not getattr(self, "_asked_to_quit", False):
            question = "A plan is running. Quit anyway?\n\nThe plan is interrupted and goes back to the front of the queue."
            if not self.confirm("Quit queue-gui", question):
                event.ignore()
                return
        self._settings.setValue("main_window/geometry", self.saveGeometry())
        self._settings.setValue("main_window/state", self.saveState())
        self._settings.sync()
        self.bridge.close()
        event.accept()


def default_size():
    """Most of the screen, up to 1600 x 1000: the plots, the queue and the editor all need room."""
    from qtpy.QtWidgets import QApplication

    screen = QApplication.primaryScreen()
    if screen is None:
        return 1280, 800
    available = screen.availableGeometry()
    return min(1600, max(1100, int(available.width() * 0.92))), min(1000, max(700, int(available.height() * 0.92)))
