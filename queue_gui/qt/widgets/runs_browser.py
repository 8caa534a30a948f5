"""The runs browser: every saved run, to find one again, look at its plots or export its data.

The list comes from the run store's index (it survives restarts); the
panel asks for it through a ``request(name, params, on_reply)`` callable,
the same non-blocking way the window asks the manager, and lists again
when the store says its index changed. Filtering by text (plan, sample,
uid, scan id) and by date happens in the store, so a long list is never
copied into the window to be filtered here.
"""

import time

from qtpy.QtCore import QTimer, Signal
from qtpy.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..runs_model import RunRole, RunsModel
from ...wire import StoreCommand

#: Rows asked for at a time; "Show more" asks for the next ones.
PAGE = 500
#: Typing pauses this long (ms) before the list is asked for again.
FILTER_DELAY_MS = 250

DATE_RANGES = (
    ("Any time", None),
    ("Today", "today"),
    ("Last 7 days", 7 * 86400),
    ("Last 30 days", 30 * 86400),
)


def store_status_text(status):
    """``(label text, tooltip)`` for the status bar: only when the shared tiled store needs a word."""
    uri = status.get("tiled_uri")
    if not uri:
        return "", ""
    state, waiting = status.get("tiled_state"), status.get("runs_waiting") or 0
    failed = status.get("runs_failed") or 0
    error = status.get("tiled_error") or ""
    if state == "up_to_date" and not failed:
        return "Tiled: up to date", f"Every run is also on {uri}"
    parts = []
    if state in ("unreachable", "error"):
        parts.append("Tiled unreachable" if state == "unreachable" else "Tiled refused")
    elif state == "sending":
        parts.append("Tiled: sending")
    else:
        parts.append(f"Tiled: {state or 'connecting'}")
    if waiting:
        parts.append(f"{waiting} run{'s' if waiting != 1 else ''} waiting")
    if failed:
        parts.append(f"{failed} failed")
    tip = f"Runs are saved here and sent to {uri} when it answers."
    if error:
        tip += f"\nLast error: {error}"
    return " · ".join(parts), tip


def since_for(choice, now=None):
    """The earliest start time a date choice admits (seconds since the epoch), or None."""
    now = time.time() if now is None else now
    if choice is None:
        return None
    if choice == "today":
        local = time.localtime(now)
        return time.mktime((local.tm_year, local.tm_mon, local.tm_mday, 0, 0, 0, 0, 0, -1))
    return now - choice


class RunsBrowser(QWidget):
    """Saved runs, newest first, with filters and actions.

    Signals
    -------
    run_selected(dict)
        The index row of the run the scientist selected (to re-open its plots).
    export_requested(dict)
        Export this run's primary stream to CSV.
    show_item_requested(str)
        Show the queue item (in the history) that made this run.
    listed(list)
        The rows of a new list, newest first.
    """

    run_selected = Signal(object)
    export_requested = Signal(object)
    show_item_requested = Signal(str)
    listed = Signal(object)

    def __init__(self, request, parent=None):
        super().__init__(parent)
        self._request = request
        self._limit = PAGE
        self._pending_select = ()
        self._selected_uid = None
        self._relisting = False
        self.model = RunsModel(self)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("runs_filter")
        self.filter_edit.setPlaceholderText("Filter: plan, sample, scan id or uid")
        self.filter_edit.setClearButtonEnabled(True)
        self.date_combo = QComboBox(self)
        self.date_combo.setObjectName("runs_date")
        for text, value in DATE_RANGES:
            self.date_combo.addItem(text, value)
        self.view = QTableView(self)
        self.view.setObjectName("runs_view")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.setShowGrid(False)
        self.view.setAlternatingRowColors(True)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        # Sized from the first rows only: the list is asked for again as runs
        # are written, and measuring hundreds of rows each time stalled the loop.
        self.view.horizontalHeader().setResizeContentsPrecision(30)
        self.export_button = QPushButton("Export CSV…", self)
        self.export_button.setToolTip("Save the selected run's primary stream as a CSV file")
        self.item_button = QPushButton("Show in history", self)
        self.item_button.setToolTip("Select the queue item that made this run in the History")
        self.more_button = QPushButton("Show more", self)
        self.more_button.setToolTip(f"List {PAGE} more runs")
        self.count_label = QLabel(self)
        self._lay_out()
        self._refilter = QTimer(self)
        self._refilter.setSingleShot(True)
        self._refilter.setInterval(FILTER_DELAY_MS)
        self._refilter.timeout.connect(self.refresh)
        self.filter_edit.textChanged.connect(lambda _: self._refilter.start())
        self.date_combo.currentIndexChanged.connect(lambda _: self.refresh())
        self.view.selectionModel().selectionChanged.connect(self._slot_selection)
        self.export_button.clicked.connect(lambda: self._emit_for_selected(self.export_requested))
        self.item_button.clicked.connect(self._slot_show_item)
        self.more_button.clicked.connect(self._slot_more)
        self._slot_selection()

    def _lay_out(self):
        filters = QHBoxLayout()
        filters.addWidget(self.filter_edit, 1)
        filters.addWidget(self.date_combo)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.item_button)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)
        buttons.addWidget(self.more_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(filters)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

    # ------------------------------------------------------------ public
    def refresh(self):
        """Ask the store for the runs that pass the filters."""
        params = {"limit": self._limit, "offset": 0}
        text = self.filter_edit.text().strip()
        if text:
            params["text"] = text
        since = since_for(self.date_combo.currentData())
        if since is not None:
            params["since"] = since
        self._request(StoreCommand.RUNS_LIST, params, self._slot_listed)

    def selected_run(self):
        rows = self.view.selectionModel().selectedRows()
        return rows[0].data(RunRole) if rows else None

    def select_runs(self, run_uids):
        """Select the first of ``run_uids`` (a history item's runs), listing it if it is filtered out."""
        run_uids = [uid for uid in run_uids if uid]
        if not run_uids:
            return
        row = self.model.row_of(run_uids[0])
        if row >= 0:
            self.view.selectRow(row)
            self.view.scrollTo(self.model.index(row, 0))
            return
        self._pending_select = tuple(run_uids)
        for widget, change in ((self.date_combo, lambda: self.date_combo.setCurrentIndex(0)),
                               (self.filter_edit, lambda: self.filter_edit.setText(run_uids[0]))):
            widget.blockSignals(True)
            change()
            widget.blockSignals(False)
        self.refresh()

    # ------------------------------------------------------------ slots
    def _slot_listed(self, reply):
        if not reply.get("success"):
            self.count_label.setText(f"Cannot list runs: {reply.get('msg', '')}")
            return
        selected = self.selected_run()
        runs = reply.get("runs") or []
        self._relisting = True
        try:
            self._show(runs, reply.get("total"), selected)
        finally:
            self._relisting = False
        self._slot_selection()
        self.listed.emit(runs)

    def _show(self, runs, total, selected):
        self.model.set_runs(runs)
        noun = "run" if (total if isinstance(total, int) else len(runs)) == 1 else "runs"
        shown = f"{len(runs)} of {total} {noun}" if isinstance(total, int) and total > len(runs) else f"{len(runs)} {noun}"
        self.count_label.setText(shown)
        self.more_button.setVisible(isinstance(total, int) and total > len(runs))
        # The run selected before stays selected whenever the list has it
        # again (a filter typed, then cleared).
        remembered = selected.get("uid") if selected else self._selected_uid
        wanted = self._pending_select or ((remembered,) if remembered else ())
        self._pending_select = ()
        for uid in wanted:
            row = self.model.row_of(uid)
            if row >= 0:
                self.view.selectRow(row)
                self.view.scrollTo(self.model.index(row, 0))
                break

    def _slot_more(self):
        self._limit += PAGE
        self.refresh()

    def _slot_selection(self, *_):
        if self._relisting:
            return
        run = self.selected_run()
        self.export_button.setEnabled(run is not None)
        self.item_button.setEnabled(bool(run and run.get("item_uid")))
        uid = run.get("uid") if run else None
        if uid is not None and uid != self._selected_uid:
            # A new list that keeps the same run selected re-opens nothing;
            # one that filters it out forgets nothing (it is selected again
            # when the filter lets it back).
            self._selected_uid = uid
            self.run_selected.emit(run)

    def _slot_show_item(self):
        run = self.selected_run()
        if run and run.get("item_uid"):
            self.show_item_requested.emit(run["item_uid"])

    def _emit_for_selected(self, signal):
        run = self.selected_run()
        if run is not None:
            signal.emit(run)
