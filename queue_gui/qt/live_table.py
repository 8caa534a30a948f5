"""The "Live table" dock: one row per event of the running scan's primary stream.

Like bluesky's ``LiveTable`` under ``BestEffortCallback`` — ``seq_num``,
``time`` and the hinted fields — without the 0.1 s sleep BestEffortCallback
adds to every plan, and without copying: the model reads the stream's
columns (:class:`queue_gui.data.runs.Stream`) and only publishes new rows,
at most every :data:`PUBLISH_INTERVAL_MS`, with one ``beginInsertRows`` at
the end. The table keeps the last :data:`MAX_ROWS` rows, follows the newest
row unless the scientist scrolled up, and starts over when a new run starts.
"""

import math
import time

from qtpy.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Signal
from qtpy.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from queue_gui.data.hints import SEQ_NUM, TIME, table_fields
from queue_gui.data.runs import RunListener

MAX_ROWS = 10_000
PUBLISH_INTERVAL_MS = 100
EMPTY_TEXT = "No scan yet: the table follows the running scan"
DEFAULT_PRECISION = 4


class LiveTableModel(QAbstractTableModel):
    """Rows of the newest live run's primary stream.

    Parameters
    ----------
    live_data : queue_gui.data.runs.LiveData
    max_rows : int
        Rows kept; older rows leave at the top.

    Attributes
    ----------
    run : queue_gui.data.runs.Run or None
    fields : list of str
        The columns.
    """

    #: The run shown changed, or rows were published: the caption's text.
    caption_changed = Signal(str)

    def __init__(self, live_data, max_rows=MAX_ROWS, parent=None):
        super().__init__(parent)
        self.max_rows = max_rows
        self.run = None
        self.fields = []
        self._stream = None
        self._offset = 0  # stream row of table row 0
        self._shown = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PUBLISH_INTERVAL_MS)
        self._timer.timeout.connect(self.publish)
        self.live_data = live_data
        live_data.subscribe(_Feed(self))

    # ------------------------------------------------------------ feed
    def start_run(self, run):
        self.beginResetModel()
        self.run, self._stream, self.fields = run, None, []
        self._offset = self._shown = 0
        self.endResetModel()
        self.caption_changed.emit(self.caption())

    def add_stream(self, run, stream):
        if run is not self.run or self._stream is not None or stream.name != "primary":
            return
        self.beginResetModel()
        self._stream = stream
        self.fields = table_fields(run.start, stream.descriptor, stream.scalar_fields)
        self.endResetModel()

    def rows_arrived(self, run, stream):
        if stream is self._stream and not self._timer.isActive():
            self._timer.start()

    def stop_run(self, run):
        if run is self.run:
            self.publish()

    def publish(self):
        """Show the rows that arrived since the last call (at the end), drop the oldest past ``max_rows``."""
        if self._stream is None:
            return
        new = len(self._stream) - self._offset - self._shown
        if new > 0:
            self.beginInsertRows(QModelIndex(), self._shown, self._shown + new - 1)
            self._shown += new
            self.endInsertRows()
        excess = self._shown - self.max_rows
        if excess > 0:
            self.beginRemoveRows(QModelIndex(), 0, excess - 1)
            self._offset += excess
            self._shown -= excess
            self.endRemoveRows()
        self.caption_changed.emit(self.caption())

    def caption(self):
        if self.run is None:
            return EMPTY_TEXT
        total = len(self._stream) if self._stream is not None else 0
        text = f"{self.run.label}: {total} point{'s' if total != 1 else ''}"
        if self._offset:
            text += f" (the last {self._shown} shown)"
        return text

    def row_values(self, row):
        """The values of one table row (floats), in column order."""
        index = self._offset + row
        return [float(self._stream.values(field)[index]) for field in self.fields]

    # ------------------------------------------------------------ Qt model
    def rowCount(self, parent=QModelIndex()):  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else self._shown

    def columnCount(self, parent=QModelIndex()):  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(self.fields)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802 (Qt override)
        if orientation == Qt.Horizontal and role == Qt.DisplayRole and 0 <= section < len(self.fields):
            return self.fields[section]
        if orientation == Qt.Vertical and role == Qt.DisplayRole:
            return str(self._offset + section + 1)
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid() or self._stream is None:
            return None
        if role == Qt.TextAlignmentRole:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role != Qt.DisplayRole:
            return None
        field = self.fields[index.column()]
        value = float(self._stream.values(field)[self._offset + index.row()])
        return self._format(field, value)

    def _format(self, field, value):
        if math.isnan(value):
            return ""
        if field == SEQ_NUM:
            return str(int(value))
        if field == TIME:
            return time.strftime("%H:%M:%S", time.localtime(value)) + f".{int(value % 1 * 1000):03d}"
        precision = self._stream.data_keys.get(field, {}).get("precision")
        if not isinstance(precision, int) or not 0 <= precision <= 12:
            precision = DEFAULT_PRECISION
        return f"{value:.{precision}f}"


class _Feed(RunListener):
    """The model's side of :class:`LiveData`: only live runs, only the newest."""

    display_name = "live table"

    def __init__(self, model):
        self._model = model

    def run_started(self, run):
        if run.live:
            self._model.start_run(run)

    def stream_added(self, run, stream):
        self._model.add_stream(run, stream)

    def rows_added(self, run, stream, first):
        self._model.rows_arrived(run, stream)

    def run_stopped(self, run):
        self._model.stop_run(run)


class LiveTable(QWidget):
    """The dock's widget: a caption and the table, which follows the newest row.

    Parameters
    ----------
    live_data : queue_gui.data.runs.LiveData
    """

    def __init__(self, live_data, max_rows=MAX_ROWS, parent=None):
        super().__init__(parent)
        self.setObjectName("live_table")
        self.model = LiveTableModel(live_data, max_rows, self)
        self.caption = QLabel(EMPTY_TEXT, self)
        self.caption.setObjectName("live_table_caption")
        self.view = QTableView(self)
        self.view.setObjectName("live_table_view")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        # seq_num is a column already; fixed row heights keep a long table cheap to lay out.
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 4)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setDefaultSectionSize(self.fontMetrics().horizontalAdvance("-0000.0000") + 24)
        header.setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.caption)
        layout.addWidget(self.view)
        self.model.caption_changed.connect(self.caption.setText)
        # Follow the newest row while the scrollbar is at the bottom; a
        # scientist who scrolled up to read keeps their place.
        self.following = True
        bar = self.view.verticalScrollBar()
        bar.valueChanged.connect(self._slot_scrolled)
        bar.rangeChanged.connect(self._slot_range_changed)
        self.model.modelReset.connect(self._slot_reset)

    def _slot_reset(self):
        self.following = True  # a new run: start at its first row
        if self.model.fields[:2] == [SEQ_NUM, TIME]:
            metrics = self.fontMetrics()
            self.view.setColumnWidth(0, metrics.horizontalAdvance("seq_num") + 24)
            self.view.setColumnWidth(1, metrics.horizontalAdvance("00:00:00.000") + 24)

    def _slot_scrolled(self, value):
        self.following = value >= self.view.verticalScrollBar().maximum()

    def _slot_range_changed(self, _minimum, maximum):
        if self.following:
            self.view.verticalScrollBar().setValue(maximum)
