"""Finished plans: the history list, the details of one attempt, and what to do with them.

The panel renders a model it is given (``queue_gui.qt.history_model``, whose
rows carry the history item dict at :data:`ItemRole`); ordering the rows is
the model's job. Actions leave as signals, so the main window decides how to
talk to the manager.
"""

from __future__ import annotations

import copy
import html
from typing import Callable

from qtpy.QtCore import Qt, Signal
from qtpy.QtGui import QFontInfo
from qtpy.QtWidgets import (
    QAbstractItemView,
    QAction,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..dialogs import ask_yes_no
from ..formatting import call_text, result_facts
from ..row_view import RowView
from ..look import status_color
from ..roles import ItemRole
from .console import monospace_font

_PLACEHOLDER = "<p style='color: gray'>Select a finished plan to see how it ended.</p>"


def item_details_html(item: dict) -> str:
    """Everything the history knows about one attempt, as HTML for a text browser.

    The call and the facts of the result are spelled as the history's rows
    and tooltips spell them (:mod:`queue_gui.qt.formatting`).
    """
    result = item.get("result") or {}
    facts = result_facts(result)
    rows = [(label, html.escape(text)) for label, text in facts]
    label, status = facts[0]  # the exit status, in its colour
    rows[0] = (label, f"<b style='color: {status_color(status)}'>{html.escape(status)}</b>")
    rows += [
        ("Submitted by", html.escape(f"{item.get('user', '')} ({item.get('user_group', '')})")),
        ("Item uid", html.escape(str(item.get("item_uid", "")))),
    ]
    table = "".join(f"<tr><td><b>{name}</b></td><td>{value}</td></tr>" for name, value in rows)
    mono = html.escape(QFontInfo(monospace_font()).family())
    parts = [
        f"<p style='font-family: \"{mono}\"'><b>{html.escape(call_text(item))}</b></p>",
        f"<table cellspacing='0' cellpadding='2'>{table}</table>",
    ]
    if result.get("msg"):
        parts.append(f"<p><b>Message</b><br>{html.escape(str(result['msg']))}</p>")
    if result.get("traceback"):
        parts.append("<p><b>Traceback</b></p>")
        parts.append(f"<pre style='font-family: \"{mono}\"'>{html.escape(str(result['traceback']))}</pre>")
    return "".join(parts)


class HistoryPanel(QWidget):
    """The history list with the selected attempt's details and two actions.

    Parameters
    ----------
    model : QAbstractItemModel
        Rows expose the history item dict at :data:`ItemRole`.
    parent : QWidget, optional

    Attributes
    ----------
    confirm : callable
        ``confirm(parent, title, text) -> bool`` asks before clearing;
        :func:`queue_gui.qt.dialogs.ask_yes_no` by default. Tests replace it to answer without a
        modal loop.

    Signals
    -------
    copy_to_queue_requested(list)
        The selected items in row order, without their ``result``.
    clear_requested()
        The user confirmed clearing the history.
    show_runs_requested(list)
        The run uids of the selected attempt, to show in the runs browser.
    """

    copy_to_queue_requested = Signal(object)  # list of item dicts, passed as is
    clear_requested = Signal()
    show_runs_requested = Signal(object)  # list of run uids

    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.confirm: Callable[[QWidget, str, str], bool] = ask_yes_no
        self.model = model
        self.view = RowView(self)
        self.view.setModel(model)
        self.view.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        # Rows elide at the right edge instead of scrolling sideways; the
        # details pane shows the whole call.
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.view.setTextElideMode(Qt.ElideRight)
        self.details = QTextBrowser(self)
        self.details.setOpenLinks(False)
        self.details.setHtml(_PLACEHOLDER)
        self.copy_button = QPushButton("Copy to queue", self)
        self.runs_button = QPushButton("Show runs", self)
        self.runs_button.setToolTip("Show the runs of the selected attempt in the Runs browser")
        self.clear_button = QPushButton("Clear history", self)
        self.copy_button.clicked.connect(self.copy_selected_to_queue)
        self.runs_button.clicked.connect(self._slot_show_runs)
        self.clear_button.clicked.connect(self.request_clear)
        self._add_context_actions()
        self._lay_out()
        self.view.selectionModel().selectionChanged.connect(self._slot_selection_changed)
        self.view.selectionModel().currentChanged.connect(self._slot_selection_changed)
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset, model.layoutChanged):
            signal.connect(self._slot_rows_changed)
        model.dataChanged.connect(self._slot_selection_changed)
        self._slot_rows_changed()

    def _add_context_actions(self):
        copy_action = QAction("Copy to queue", self.view)
        copy_action.triggered.connect(self.copy_selected_to_queue)
        clear_action = QAction("Clear history...", self.view)
        clear_action.triggered.connect(self.request_clear)
        self.view.addActions([copy_action, clear_action])
        self.view.setContextMenuPolicy(Qt.ActionsContextMenu)

    def _lay_out(self):
        splitter = QSplitter(Qt.Vertical, self)
        splitter.addWidget(self.view)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.runs_button)
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)

    # ------------------------------------------------------------ public
    def selected_items(self) -> list[dict]:
        """The selected history items in row order (as the model holds them)."""
        rows = sorted(index.row() for index in self.view.selectionModel().selectedRows())
        items = (self.model.index(row, 0).data(ItemRole) for row in rows)
        return [item for item in items if isinstance(item, dict)]

    def copy_selected_to_queue(self) -> None:
        """Emit the selected items without ``result``; the manager gives them new uids."""
        items = [
            {key: copy.deepcopy(value) for key, value in item.items() if key != "result"}
            for item in self.selected_items()
        ]
        if items:
            self.copy_to_queue_requested.emit(items)

    def select_item(self, item_uid: str) -> bool:
        """Select the newest attempt of the queue item ``item_uid``; False when the history has none."""
        for row in range(self.model.rowCount()):
            item = self.model.index(row, 0).data(ItemRole)
            if isinstance(item, dict) and item.get("item_uid") == item_uid:
                self.view.setCurrentIndex(self.model.index(row, 0))
                self.view.scrollTo(self.model.index(row, 0))
                return True
        return False

    def _selected_run_uids(self) -> list:
        uids = []
        for item in self.selected_items():
            uids.extend((item.get("result") or {}).get("run_uids") or [])
        return uids

    def _slot_show_runs(self) -> None:
        uids = self._selected_run_uids()
        if uids:
            self.show_runs_requested.emit(uids)

    def request_clear(self) -> None:
        """Ask first; emit ``clear_requested`` only when the user agrees."""
        count = self.model.rowCount()
        text = f"Remove all {count} finished plans from the history? This cannot be undone."
        if self.confirm(self, "Clear history", text):
            self.clear_requested.emit()

    # ------------------------------------------------------------ slots
    def _slot_selection_changed(self, *_):
        rows = self.view.selectionModel().selectedRows()
        current = self.view.currentIndex()
        index = current if current.isValid() and current in rows else (rows[0] if rows else None)
        item = index.data(ItemRole) if index is not None else None
        self.details.setHtml(item_details_html(item) if isinstance(item, dict) else _PLACEHOLDER)
        self.copy_button.setEnabled(bool(rows))
        self.runs_button.setEnabled(bool(self._selected_run_uids()))

    def _slot_rows_changed(self, *_):
        self.clear_button.setEnabled(self.model.rowCount() > 0)
        self._slot_selection_changed()
