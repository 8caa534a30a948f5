"""The saved runs in the window: the Runs dock, opening a run's plots, CSV export, the shared tiled store.

Everything here talks to the run store through the bridge
(``request_store``), never to the manager; the main window only gives it
a dock, a status-bar label and the Plots dock to show runs in.
"""

import os

from qtpy.QtCore import QObject, Qt, QTimer
from qtpy.QtWidgets import QFileDialog, QLabel, QMessageBox

from .widgets.runs_browser import RunsBrowser, store_status_text
from .widgets.tiled_settings import TiledSettingsDialog
from ..wire import StoreCommand

#: The runs list is asked for again at most this often (ms) while runs are written.
RUNS_REFRESH_MS = 500


class RunsControl(QObject):
    """The Runs dock and what it leads to.

    Parameters
    ----------
    window : queue_gui.qt.main_window.MainWindow
        Gives the docks (``history``, ``plots``), the history panel, the
        status bar, the settings, and ``show_saved_run``.
    bridge : queue_gui.qt.bridge.ManagerBridge
    settings : QSettings
        Where the export folder and the tiled server are remembered.
    """

    def __init__(self, window, bridge, settings):
        super().__init__(window)
        self._window = window
        self._bridge = bridge
        self._settings = settings
        self.browser = RunsBrowser(bridge.request_store, window)
        self.browser.run_selected.connect(self._slot_open_run)
        self.browser.export_requested.connect(self._slot_export_run)
        self.browser.show_item_requested.connect(self._slot_show_item_in_history)
        self.browser.listed.connect(self._slot_first_listing)
        window.history_panel.show_runs_requested.connect(self._slot_show_runs)
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(RUNS_REFRESH_MS)
        self._refresh.timeout.connect(self.browser.refresh)
        bridge.runs_changed.connect(lambda _: self._refresh.isActive() or self._refresh.start())
        self.store_label = QLabel(window)
        self.store_label.setObjectName("status_store")
        self.store_label.hide()  # shown while a shared tiled store needs a word
        bridge.store_status_changed.connect(self.show_store_status)
        window._add_dock("runs", "Runs", self.browser, Qt.RightDockWidgetArea, tab_with="history")
        self.browser.refresh()
        bridge.request_store(StoreCommand.STORE_STATUS, on_reply=self._slot_first_store_status)

    # ------------------------------------------------------------ runs
    def _slot_first_listing(self, runs):
        """After a restart the plots start with the newest saved run, not empty."""
        self.browser.listed.disconnect(self._slot_first_listing)
        if runs and not self._window.plots.figure_views():
            self._bridge.request_store(StoreCommand.RUN_DOCUMENTS, {"uid": runs[0]["uid"]}, on_reply=self._slot_first_run)

    def _slot_first_run(self, reply):
        # A scan that started meanwhile has the dock: the saved run joins it quietly then.
        if reply.get("success") and not self._window.plots.figure_views():
            self._window.plots.show_run(reply["documents"])

    def _slot_open_run(self, run):
        """Show a saved run's plots (read from its file by the store)."""
        self._bridge.request_store(StoreCommand.RUN_DOCUMENTS, {"uid": run["uid"]}, on_reply=self._slot_run_documents)

    def _slot_run_documents(self, reply):
        if not reply.get("success"):
            self._window.statusBar().showMessage(f"Cannot open the run: {reply.get('msg')}", 10000)
            return
        self._window.show_saved_run(reply["documents"])

    def _slot_export_run(self, run):
        scan = run.get("scan_id")
        name = f"scan_{scan}_{run.get('plan_name') or 'run'}.csv" if scan is not None else f"{run['uid'][:8]}.csv"
        folder = self._settings.value("export/folder") or os.path.expanduser("~")
        path, _ = QFileDialog.getSaveFileName(self._window, "Export run as CSV", os.path.join(folder, name),
                                              "CSV files (*.csv)")
        if path:
            self._settings.setValue("export/folder", os.path.dirname(path))
            self.export_run(run["uid"], path)

    def export_run(self, uid, path):
        """Write the primary stream of run ``uid`` to ``path`` as CSV (the store renders it)."""
        window = self._window

        def write(reply):
            if not reply.get("success"):
                QMessageBox.warning(window, "Export run", f"Cannot export the run: {reply.get('msg')}")
                return
            try:
                with open(path, "w", newline="") as file:
                    file.write(reply["csv"])
            except OSError as error:
                QMessageBox.warning(window, "Export run", f"Cannot write {path}:\n{error}")
                return
            window.statusBar().showMessage(f"Exported {len(reply['csv'].splitlines()) - 1} rows to {path}", 5000)

        self._bridge.request_store(StoreCommand.RUN_TABLE, {"uid": uid, "format": "csv"}, on_reply=write)

    def _slot_show_item_in_history(self, item_uid):
        docks = self._window.docks
        if self._window.history_panel.select_item(item_uid):
            docks["history"].show()
            docks["history"].raise_()
        else:
            self._window.statusBar().showMessage("That queue item is no longer in the history", 5000)

    def _slot_show_runs(self, run_uids):
        docks = self._window.docks
        docks["runs"].show()
        docks["runs"].raise_()
        self.browser.select_runs(run_uids)

    # ------------------------------------------------------------ shared tiled store
    def open_tiled_settings(self):
        """File > Shared tiled store…: set at once and remembered (see queue_gui.qt.widgets.tiled_settings)."""
        status = self._bridge.store_status or {}
        dialog = TiledSettingsDialog(status.get("tiled_uri") or self._settings.value("tiled/uri", ""),
                                     self._settings.value("tiled/api_key", ""), self._window)

        def chosen(uri, api_key):
            def applied(reply):
                if reply.get("success"):
                    self._settings.setValue("tiled/uri", uri)
                    self._settings.setValue("tiled/api_key", api_key)
                    self.show_store_status(reply)
                dialog.show_reply(reply)

            self._bridge.request_store(StoreCommand.TILED_CONFIGURE, {"uri": uri, "api_key": api_key or None}, on_reply=applied)

        dialog.chosen.connect(chosen)
        dialog.open()
        self.tiled_dialog = dialog
        return dialog

    def _slot_first_store_status(self, reply):
        if not reply.get("success"):
            return
        self.show_store_status(reply)
        # The server chosen in the settings, unless the command line gave one.
        uri = self._settings.value("tiled/uri", "")
        if uri and not reply.get("tiled_uri"):
            key = self._settings.value("tiled/api_key", "") or None
            self._bridge.request_store(StoreCommand.TILED_CONFIGURE, {"uri": uri, "api_key": key}, on_reply=self._window._report)

    def show_store_status(self, status):
        text, tip = store_status_text(status)
        self.store_label.setText(text)
        self.store_label.setToolTip(tip)
        self.store_label.setVisible(bool(text))
