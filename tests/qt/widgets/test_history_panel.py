"""The history panel over the application's own ``HistoryModel`` (rows newest first, items at ``ItemRole``)."""

import time

import pytest
from qtpy.QtCore import QItemSelectionModel, Qt

from queue_gui.qt.history_model import HistoryModel
from queue_gui.qt.roles import ItemRole
from queue_gui.qt.widgets.history_panel import HistoryPanel

TRACEBACK = 'Traceback (most recent call last):\n  File "plan.py", line 3, in count\nValueError: detector saturated\n'
STARTED = time.mktime((2024, 5, 6, 14, 30, 5, 0, 0, -1))


def history_item(uid, status, **result):
    """A history record as the manager stores it: the item plus its ``result``."""
    record = {
        "exit_status": status,
        "run_uids": [f"run-{uid}"],
        "scan_ids": [7],
        "time_start": STARTED,
        "time_stop": STARTED + 2.5,
        "msg": "",
        "traceback": "",
        **result,
    }
    return {
        "item_uid": uid,
        "item_type": "plan",
        "name": "count",
        "args": [["det1", "det2"]],
        "kwargs": {"num": 3},
        "meta": {},
        "user": "alice",
        "user_group": "primary",
        "result": record,
    }


#: In row order: the model shows the newest attempt (u-3) first.
ITEMS = [
    history_item("u-3", "failed", msg="ValueError: detector saturated", traceback=TRACEBACK),
    history_item("u-2", "stopped"),
    history_item("u-1", "completed"),
]


def make_model(items):
    """The window's ``HistoryModel``, given the history as the manager sends it (oldest first)."""
    model = HistoryModel()
    model.set_history(list(reversed(items)))
    return model


def test_the_panel_reads_items_where_the_model_puts_them():
    model = make_model(ITEMS)
    assert [model.index(row, 0).data(ItemRole)["item_uid"] for row in range(3)] == ["u-3", "u-2", "u-1"]


@pytest.fixture
def panel(qtbot):
    widget = HistoryPanel(make_model(ITEMS))
    widget.resize(460, 560)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def click_row(qtbot, panel, row, modifier=Qt.NoModifier):
    rect = panel.view.visualRect(panel.model.index(row, 0))
    qtbot.mouseClick(panel.view.viewport(), Qt.LeftButton, modifier, rect.center())


def test_details_of_a_failed_item_show_how_it_ended(qtbot, panel):
    assert "Select a finished plan" in panel.details.toPlainText()
    click_row(qtbot, panel, 0)
    text = panel.details.toPlainText()
    assert "count(['det1', 'det2'], num=3)" in text
    assert "failed" in text and "run-u-3" in text and "7" in text
    assert "2024-05-06 14:30:05" in text and "2024-05-06 14:30:07" in text
    assert "ValueError: detector saturated" in text
    assert 'File "plan.py", line 3, in count' in text
    assert "<pre" in panel.details.toHtml() or "white-space:pre" in panel.details.toHtml()


def test_copy_to_queue_sends_the_selected_items_without_result(qtbot, panel):
    assert not panel.copy_button.isEnabled()
    click_row(qtbot, panel, 2)
    click_row(qtbot, panel, 0, Qt.ControlModifier)
    assert panel.copy_button.isEnabled()
    with qtbot.waitSignal(panel.copy_to_queue_requested, timeout=1000) as blocker:
        qtbot.mouseClick(panel.copy_button, Qt.LeftButton)
    copied = blocker.args[0]
    assert [item["item_uid"] for item in copied] == ["u-3", "u-1"]  # row order, not click order
    assert all("result" not in item for item in copied)
    expected = {k: v for k, v in ITEMS[0].items() if k != "result"}
    assert copied[0] == expected
    assert "result" in panel.model.index(0, 0).data(ItemRole)  # the history itself is untouched


def test_clear_asks_first_and_a_no_sends_nothing(qtbot, panel):
    questions = []
    panel.confirm = lambda parent, title, text: questions.append((parent, title, text)) or False
    with qtbot.assertNotEmitted(panel.clear_requested):
        qtbot.mouseClick(panel.clear_button, Qt.LeftButton)
    assert len(questions) == 1 and questions[0][0] is panel and "3 finished plans" in questions[0][2]


def test_clear_asks_first_and_a_yes_requests_clearing(qtbot, panel):
    panel.confirm = lambda parent, title, text: True
    with qtbot.waitSignal(panel.clear_requested, timeout=1000):
        qtbot.mouseClick(panel.clear_button, Qt.LeftButton)


def test_buttons_follow_the_model(qtbot):
    model = make_model([])
    widget = HistoryPanel(model)
    qtbot.addWidget(widget)
    assert not widget.clear_button.isEnabled() and not widget.copy_button.isEnabled()
    model.set_history([ITEMS[1]])
    assert widget.clear_button.isEnabled()
    widget.view.selectionModel().select(model.index(0, 0), QItemSelectionModel.ClearAndSelect)
    assert widget.copy_button.isEnabled() and "stopped" in widget.details.toPlainText()
    model.set_history([])
    assert not widget.clear_button.isEnabled() and not widget.copy_button.isEnabled()
    assert "Select a finished plan" in widget.details.toPlainText()
