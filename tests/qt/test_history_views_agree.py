"""The history list and the details of the selected attempt say the same thing the same way.

Both views show one history item: the row (``HistoryModel``) and the
details pane (``HistoryPanel``). A scientist reads one, then the other, so
the call is spelled alike (devices bare, as in the queue) and an exit status
has one colour in both.
"""

import re
import time

import pytest
from qtpy.QtCore import Qt
from qtpy.QtGui import QColor

from queue_gui.qt.formatting import item_text
from queue_gui.qt.history_model import HistoryModel
from queue_gui.qt.widgets.history_panel import HistoryPanel

T0 = time.mktime((2024, 5, 17, 14, 3, 9, 0, 0, -1))


def attempt(status, uid):
    return {
        "item_uid": uid,
        "item_type": "plan",
        "name": "scan",
        "args": [["det1", "det2"], "motor", -1, 1],
        "kwargs": {"num": 5},
        "meta": {},
        "user": "alice",
        "user_group": "primary",
        "result": {"exit_status": status, "run_uids": [], "scan_ids": [], "time_start": T0, "time_stop": T0 + 1},
    }


STATUSES = ("completed", "failed", "stopped", "aborted", "halted")


@pytest.fixture
def panel(qtbot):
    model = HistoryModel()
    model.set_history([attempt(status, f"u-{n}") for n, status in enumerate(STATUSES)])
    widget = HistoryPanel(model)
    qtbot.addWidget(widget)
    return widget


def select(panel, row):
    panel.view.setCurrentIndex(panel.model.index(row, 0))
    return panel.details.toHtml()


def test_the_details_spell_the_call_as_the_row_does(panel):
    row_text = panel.model.index(0, 0).data(Qt.DisplayRole)
    call = item_text(panel.model.item_at(0))
    assert call in row_text and "motor," in call  # the device bare, as in the queue
    select(panel, 0)
    assert call in panel.details.toPlainText()


def test_an_exit_status_has_one_colour_in_the_row_and_in_the_details(panel):
    for row in range(panel.model.rowCount()):
        status = panel.model.item_at(row)["result"]["exit_status"]
        row_colour = panel.model.index(row, 0).data(Qt.ForegroundRole).color().name()
        details = select(panel, row)
        # Qt rewrites the HTML it is given: the status is the span that holds its word.
        spans = re.findall(r"color:(#[0-9a-f]{6});[^>]*>" + status + "<", details)
        assert spans, (status, details)
        assert QColor(spans[0]).name() == row_colour, status
