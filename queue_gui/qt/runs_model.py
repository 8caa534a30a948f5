"""Saved runs as a Qt table model: one row per run of the run index, newest first.

The rows are what the run store lists (uid, scan id, plan, times, exit
status, number of events, sample); the model only renders them, and is
replaced as a whole when the list changes (a few hundred rows, which Qt
lays out in a millisecond).
"""

from qtpy.QtCore import QAbstractTableModel, QModelIndex, Qt
from qtpy.QtGui import QBrush, QColor

from .formatting import date_time_text
from .look import GREY, RUN_STATUS_LOOK
from .roles import RunRole

COLUMNS = ("Scan", "Plan", "Sample", "Started", "Duration", "Status", "Events")

def duration_text(run):
    start, stop = run.get("time_start"), run.get("time_stop")
    if not isinstance(start, (int, float)) or not isinstance(stop, (int, float)):
        return ""
    seconds = max(stop - start, 0.0)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def status_of(run):
    """``(text, QColor)`` of a run's exit status; grey for one the table does not know."""
    text, color = RUN_STATUS_LOOK.get(run.get("exit_status"), (str(run.get("exit_status")), GREY))
    return text, QColor(color)


class RunsModel(QAbstractTableModel):
    """Rows of saved runs as the store lists them."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._runs = []

    def set_runs(self, runs):
        self.beginResetModel()
        self._runs = list(runs)
        self.endResetModel()

    def runs(self):
        return list(self._runs)

    def run_at(self, row):
        return self._runs[row] if 0 <= row < len(self._runs) else None

    def row_of(self, uid):
        for row, run in enumerate(self._runs):
            if run.get("uid") == uid:
                return row
        return -1

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self._runs)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.DisplayRole):
        run = self.run_at(index.row()) if index.isValid() else None
        if run is None:
            return None
        column = COLUMNS[index.column()]
        if role == RunRole:
            return run
        if role == Qt.DisplayRole:
            return self._text(run, column)
        if role == Qt.ForegroundRole and column == "Status":
            return QBrush(status_of(run)[1])
        if role == Qt.TextAlignmentRole and column in ("Scan", "Events", "Duration"):
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role == Qt.ToolTipRole:
            return f"Run {run.get('uid')}\nQueue item {run.get('item_uid') or '—'}"
        return None

    @staticmethod
    def _text(run, column):
        if column == "Scan":
            return "" if run.get("scan_id") is None else str(run["scan_id"])
        if column == "Plan":
            return str(run.get("plan_name") or "")
        if column == "Started":
            return date_time_text(run.get("time_start"))
        if column == "Duration":
            return duration_text(run)
        if column == "Status":
            return status_of(run)[0]
        if column == "Events":
            return "" if run.get("num_events") is None else str(run["num_events"])
        if column == "Sample":
            sample = run.get("sample")
            return "" if sample is None else str(sample)
        return ""
