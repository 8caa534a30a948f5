"""The run history as a Qt list model, newest first.

The manager sends the history oldest first (the last item finished last).
Scientists look for what just happened, so rows show it reversed: row 0 is
the newest attempt. While the queue runs the history only grows at its end,
so :meth:`HistoryModel.set_history` inserts the new rows at the top and a
view keeps its selection and scroll position; any other change (a cleared
history, another client's edit) resets the model.
"""

from qtpy.QtCore import QAbstractListModel, QModelIndex, Qt
from qtpy.QtGui import QBrush, QColor
from qtpy.QtWidgets import QApplication, QStyle

from queue_gui.wire import ExitStatus

from .formatting import clock_time, history_tooltip, item_text
from .look import status_color
from .roles import ExitStatusRole, ItemRole, UidRole

STATUS_ICONS = {
    ExitStatus.COMPLETED.value: QStyle.SP_DialogApplyButton,
    ExitStatus.FAILED.value: QStyle.SP_MessageBoxCritical,
    ExitStatus.STOPPED.value: QStyle.SP_MessageBoxWarning,
    ExitStatus.ABORTED.value: QStyle.SP_MessageBoxWarning,
    ExitStatus.HALTED.value: QStyle.SP_MessageBoxWarning,
    ExitStatus.UNKNOWN.value: QStyle.SP_MessageBoxQuestion,
}


def exit_status(item):
    """The exit status of a history item, ``"unknown"`` when it has none."""
    return (item.get("result") or {}).get("exit_status") or ExitStatus.UNKNOWN.value


def _key(item):
    """What identifies one attempt: the same uid may run (and be recorded) twice."""
    result = item.get("result") or {}
    return item.get("item_uid"), result.get("time_start"), result.get("time_stop"), result.get("exit_status")


def history_text(item):
    """One row: ``HH:MM:SS  scan(...)  — completed`` (the time the attempt started)."""
    result = item.get("result") or {}
    started = result.get("time_start") or result.get("time_stop")
    return f"{clock_time(started)}  {item_text(item)}  — {exit_status(item)}"


class HistoryModel(QAbstractListModel):
    """Finished attempts to run queue items, newest first.

    Parameters
    ----------
    parent : QObject, optional
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._items = []  # oldest first, as the manager sends them
        self._keys = []
        self._icons = None

    # ------------------------------------------------------------ public API
    def set_history(self, items):
        """Show the manager's history (``items`` oldest first).

        When the old history is a prefix of the new one the new attempts are
        inserted at the top (``rowsInserted`` at row 0); otherwise the model
        is reset.
        """
        items = list(items)
        keys = [_key(item) for item in items]
        old_count = len(self._items)
        if keys == self._keys:
            if items != self._items:
                self._items = items
                self.dataChanged.emit(self.index(0), self.index(len(items) - 1), [])
        elif old_count < len(keys) and keys[:old_count] == self._keys:
            self.beginInsertRows(QModelIndex(), 0, len(items) - old_count - 1)
            self._items, self._keys = items, keys
            self.endInsertRows()
        else:
            self.beginResetModel()
            self._items, self._keys = items, keys
            self.endResetModel()

    def follow(self, event):
        """Show the manager's ``history`` event: new attempts go in at the top, dropped ones
        leave the bottom, at the cost of the rows they touch; a reset is taken whole."""
        if not self._follow(event["changes"]):
            self.set_history(event["items"])

    def _follow(self, changes):
        for change in changes:
            if change[0] == "append" and change[1]:
                records = list(change[1])
                self.beginInsertRows(QModelIndex(), 0, len(records) - 1)
                self._items.extend(records)
                self._keys.extend(_key(record) for record in records)
                self.endInsertRows()
            elif change[0] == "drop_front" and 0 <= change[1] <= len(self._items):
                count, size = change[1], len(self._items)
                if count:
                    self.beginRemoveRows(QModelIndex(), size - count, size - 1)  # the oldest are at the bottom
                    del self._items[:count]
                    del self._keys[:count]
                    self.endRemoveRows()
            else:
                return False
        return True

    def item_at(self, row):
        """The history item shown at ``row`` (0 is the newest), or ``None`` out of range."""
        if 0 <= row < len(self._items):
            return self._items[len(self._items) - 1 - row]
        return None

    def items(self):
        """The history items, oldest first (as the manager sent them)."""
        return list(self._items)

    # ------------------------------------------------------------ Qt overrides
    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self._items)

    def data(self, index, role=Qt.DisplayRole):
        item = self.item_at(index.row()) if index.isValid() else None
        if item is None:
            return None
        if role == Qt.DisplayRole:
            return history_text(item)
        if role == Qt.ToolTipRole:
            return history_tooltip(item)
        if role == Qt.ForegroundRole:
            return QBrush(QColor(status_color(exit_status(item))))
        if role == Qt.DecorationRole:
            return self._icon(exit_status(item))
        if role == ItemRole:
            return item
        if role == UidRole:
            return item.get("item_uid")
        if role == ExitStatusRole:
            return exit_status(item)
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.NoItemFlags
        return Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemNeverHasChildren

    # ------------------------------------------------------------ helpers
    def _icon(self, status):
        if self._icons is None:
            style = QApplication.style()  # None without a QApplication: no icons then
            self._icons = {name: style.standardIcon(pixmap) if style else None for name, pixmap in STATUS_ICONS.items()}
        return self._icons.get(status, self._icons[ExitStatus.UNKNOWN.value])
