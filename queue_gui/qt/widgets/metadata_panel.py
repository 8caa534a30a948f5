"""Run metadata: sample, operator, proposal and any key-value pairs, for every following run.

What is applied here is kept by the manager (it survives restarts) and
written into the start document of every run from the next plan on; a
queue item's own ``meta`` wins over it for that item's runs. The panel
only edits: it sends the whole set with *Apply* and shows the manager's
answer, and it reloads when another client (a second window, a script)
changed the metadata, unless the scientist is in the middle of an edit.
"""

import json

from qtpy.QtCore import Signal
from qtpy.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..look import ERROR_COLOR

#: The fields everyone fills, in start-document key order; the rest go in the table.
NAMED_FIELDS = (
    ("sample", "Sample", "what is measured, e.g. 'Si 111 wafer #3'"),
    ("operator", "Operator", "who runs the measurement"),
    ("proposal_id", "Proposal", "proposal or experiment number"),
)


def parse_value(text):
    """A number, true/false, a list or an object when the text is JSON for one; otherwise the text."""
    stripped = text.strip()
    try:
        value = json.loads(stripped)
    except ValueError:
        return text
    return value if not isinstance(value, str) else text


def format_value(value):
    return value if isinstance(value, str) else json.dumps(value)


class MetadataPanel(QWidget):
    """Edits the run metadata; ``apply_requested(dict)`` when the scientist presses *Apply*."""

    apply_requested = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._applied = {}
        self._loading = False
        self.fields = {}
        form = QFormLayout()
        for key, label, tip in NAMED_FIELDS:
            edit = QLineEdit(self)
            edit.setObjectName(f"metadata_{key}")
            edit.setPlaceholderText(tip)
            edit.setToolTip(f"'{key}' in the start document of every following run")
            edit.textEdited.connect(self._edited)
            form.addRow(label, edit)
            self.fields[key] = edit
        self.table = QTableWidget(0, 2, self)
        self.table.setObjectName("metadata_table")
        self.table.setHorizontalHeaderLabels(["Key", "Value"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setToolTip("More keys for every start document; values that read as JSON (3.5, true, [1, 2]) are kept as such")
        self.table.itemChanged.connect(self._edited)
        add_row = QPushButton("Add key", self)
        add_row.clicked.connect(self.add_row)
        remove_row = QPushButton("Remove key", self)
        remove_row.clicked.connect(self._remove_selected)
        self.apply_button = QPushButton("Apply", self)
        self.apply_button.setObjectName("metadata_apply")
        self.apply_button.setToolTip("Use these values for every run from the next plan on")
        self.apply_button.clicked.connect(self._apply)
        self.revert_button = QPushButton("Revert", self)
        self.revert_button.setToolTip("Show the metadata in use again")
        self.revert_button.clicked.connect(lambda: self.set_metadata(self._applied))
        self.message = QLabel(self)
        self.message.setObjectName("metadata_message")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (add_row, remove_row):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self._set_dirty(False)

    # ------------------------------------------------------------ contents
    def metadata(self):
        """The metadata as edited: named fields left empty and empty keys are left out."""
        result = {}
        for key, edit in self.fields.items():
            if edit.text().strip():
                result[key] = edit.text().strip()
        for row in range(self.table.rowCount()):
            key_item, value_item = self.table.item(row, 0), self.table.item(row, 1)
            key = key_item.text().strip() if key_item is not None else ""
            if key:
                result[key] = parse_value(value_item.text() if value_item is not None else "")
        return result

    def set_metadata(self, metadata, from_elsewhere=False):
        """Show the metadata in use; an edit in progress is kept when it changed elsewhere."""
        if from_elsewhere and metadata == self._applied:
            return  # the echo of this panel's own Apply
        self._applied = dict(metadata)
        if from_elsewhere and self._dirty:
            self.message.setText("The metadata was changed elsewhere; Revert shows the new values.")
            return
        self._loading = True
        try:
            for key, edit in self.fields.items():
                value = metadata.get(key)
                edit.setText("" if value is None else format_value(value))
            extra = [(k, v) for k, v in metadata.items() if k not in self.fields]
            self.table.setRowCount(0)
            for key, value in extra:
                self._append_row(key, format_value(value))
        finally:
            self._loading = False
        self.message.setText("")
        self._set_dirty(False)

    def add_row(self):
        self._append_row("", "")
        self.table.editItem(self.table.item(self.table.rowCount() - 1, 0))

    def show_reply(self, reply):
        """The manager's answer to *Apply*: in use now, or refused with the reason (edits kept)."""
        if reply.get("success"):
            self.set_metadata(reply.get("metadata", self.metadata()))
            self.message.setText("Applied: every run from the next plan on gets these values.")
        else:
            self.message.setText(f"<span style='color: {ERROR_COLOR}'>Refused: {reply.get('msg', '')}</span>")

    # ------------------------------------------------------------ internals
    def _append_row(self, key, value):
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(key))
        self.table.setItem(row, 1, QTableWidgetItem(value))

    def _remove_selected(self):
        for row in sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)
        self._edited()

    def _edited(self, *_):
        if not self._loading:
            self._set_dirty(self.metadata() != self._applied)

    def _set_dirty(self, dirty):
        self._dirty = dirty
        self.apply_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)

    def _apply(self):
        self.apply_requested.emit(self.metadata())
