"""A one-column table that looks and behaves as a list, and lays out only the rows that change.

``QListView`` lays out every row again when rows are inserted or removed,
asking the model for an index per row: two calls into Python per row, about
20 ms for the 10,000-item queue, each time a plan ended (its row goes) or
a record joined the history. A ``QTableView`` keeps its rows as sections of
a header of fixed height, so inserting one costs a few calls whatever the
length; with its headers and grid hidden, one stretched column, whole-row
selection and Tab leaving the view, it reads and behaves as the list it
replaces.
"""

from qtpy.QtCore import Qt
from qtpy.QtWidgets import QAbstractItemView, QHeaderView, QStyle, QTableView


class RowView(QTableView):
    """A list of uniform rows on a one-column model (the queue, the history)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.horizontalHeader().hide()
        self.horizontalHeader().setStretchLastSection(True)
        self.verticalHeader().hide()
        self.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
        icon = self.style().pixelMetric(QStyle.PM_SmallIconSize)
        self.verticalHeader().setDefaultSectionSize(max(self.fontMetrics().height(), icon) + 8)
        self.verticalHeader().setMinimumSectionSize(1)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setTabKeyNavigation(False)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.ElideRight)
        self.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
