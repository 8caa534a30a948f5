"""HistoryModel: finished attempts, newest first, growing at the top while the queue runs."""

import time
import uuid

import pytest
from qtpy.QtCore import QItemSelectionModel, Qt
from qtpy.QtWidgets import QListView

from queue_gui.qt.formatting import clock_time
from queue_gui.qt.history_model import ExitStatusRole, HistoryModel, ItemRole, UidRole

T0 = time.mktime((2024, 5, 17, 14, 3, 9, 0, 0, -1))  # 14:03:09 local time


def attempt(name="count", status="completed", started=T0, uid=None, msg="", run_uids=None):
    return {
        "item_uid": uid or str(uuid.uuid4()),
        "item_type": "plan",
        "name": name,
        "args": [["det1", "det2"]],
        "kwargs": {},
        "meta": {},
        "user": "alice",
        "user_group": "primary",
        "result": {
            "exit_status": status,
            "run_uids": run_uids if run_uids is not None else [str(uuid.uuid4())],
            "scan_ids": [7],
            "time_start": started,
            "time_stop": started + 2.5,
            "msg": msg,
            "traceback": "",
        },
    }


@pytest.fixture
def view(qtbot):
    widget = QListView()
    widget.setModel(HistoryModel())
    widget.resize(480, 240)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def texts(model):
    return [model.data(model.index(row)) for row in range(model.rowCount())]


def test_newest_attempt_is_the_first_row(view):
    model = view.model()
    history = [attempt("count", started=T0), attempt("scan", "failed", started=T0 + 60)]
    model.set_history(history)  # oldest first, as the manager sends it
    assert texts(model) == [
        f"{clock_time(T0 + 60)}  scan(['det1', 'det2'])  — failed",
        "14:03:09  count(['det1', 'det2'])  — completed",
    ]
    assert model.data(model.index(0), ItemRole) is history[1]
    assert model.data(model.index(0), UidRole) == history[1]["item_uid"]
    assert model.data(model.index(0), ExitStatusRole) == "failed"
    assert model.items() == history


def test_finished_attempts_appear_at_the_top_and_selection_stays(view, qtbot):
    model = view.model()
    history = [attempt(started=T0 + n) for n in range(3)]
    model.set_history(history)
    view.selectionModel().select(model.index(0), QItemSelectionModel.ClearAndSelect)
    resets = []
    model.modelReset.connect(lambda: resets.append(True))
    # A stopped plan runs again: the same item_uid is recorded twice.
    again = [attempt(started=T0 + 10, uid=history[2]["item_uid"]), attempt(started=T0 + 20)]
    with qtbot.waitSignal(model.rowsInserted) as inserted:
        model.set_history(history + again)
    assert inserted.args[1:] == [0, 1]
    assert resets == []
    assert [model.item_at(row) for row in range(5)] == (history + again)[::-1]
    rows = [index.row() for index in view.selectionModel().selectedIndexes()]
    assert [model.item_at(row) for row in rows] == [history[2]], "the selected attempt is still selected"


def test_other_changes_reset_the_rows(view, qtbot):
    model = view.model()
    history = [attempt(started=T0 + n) for n in range(3)]
    model.set_history(history)
    with qtbot.waitSignal(model.modelReset):
        model.set_history(history[1:])  # trimmed at the old end: not an append
    assert model.item_at(1) is history[1]
    with qtbot.waitSignal(model.modelReset):
        model.set_history([])  # history cleared
    assert model.rowCount() == 0
    with qtbot.waitSignal(model.rowsInserted):
        model.set_history(history)  # an empty history grows like any other
    assert model.rowCount() == 3


def test_same_history_emits_nothing(view):
    model = view.model()
    history = [attempt(started=T0 + n) for n in range(3)]
    model.set_history(history)
    signals = []
    for signal in (model.rowsInserted, model.modelReset, model.dataChanged, model.layoutChanged):
        signal.connect(lambda *args: signals.append(args))
    model.set_history([dict(item) for item in history])
    assert signals == []


def test_failed_completed_and_stopped_read_in_different_colours(view):
    model = view.model()
    model.set_history([attempt(status=status) for status in ("completed", "failed", "stopped", "aborted", "unknown")])
    colour = {
        model.data(model.index(row), ExitStatusRole): model.data(model.index(row), Qt.ForegroundRole).color().name()
        for row in range(model.rowCount())
    }
    assert len({colour["completed"], colour["failed"], colour["stopped"], colour["unknown"]}) == 4
    assert colour["stopped"] == colour["aborted"], "every interrupted plan reads the same"
    assert not model.data(model.index(0), Qt.DecorationRole).isNull()


def test_tooltip_explains_the_result(view):
    model = view.model()
    failed = attempt("scan", "failed", msg="motor <m1> did not move", run_uids=["run-1234"])
    failed["result"]["traceback"] = "Traceback (most recent call last):\n  ...\nRuntimeError: motor stuck"
    model.set_history([failed])
    tooltip = model.data(model.index(0), Qt.ToolTipRole)
    for text in ("run-1234", "motor &lt;m1&gt; did not move", "Scan IDs: 7", "RuntimeError: motor stuck", "took 2.5 s"):
        assert text in tooltip
    assert failed["item_uid"] in tooltip and "failed" in tooltip
