"""The live table: rows equal the events, bounded, following the newest row, cleared per run."""

import pytest
from bluesky import plans as bp
from ophyd.sim import det1, det2, motor1

from queue_gui.data.runs import LiveData
from queue_gui.qt.live_table import EMPTY_TEXT, LiveTable
from tests.data.documents import as_received, new_run_engine, recorder


@pytest.fixture(scope="module")
def record():
    return recorder(new_run_engine())


@pytest.fixture
def table(qtbot):
    widget = LiveTable(LiveData(), max_rows=50)
    widget.resize(600, 250)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def events_of(documents):
    return [doc for name, doc in documents if name == "event"]


def test_rows_equal_the_events_with_the_hinted_columns(table, record, qtbot):
    assert table.caption.text() == EMPTY_TEXT
    documents = record(bp.scan([det1, det2], motor1, -1, 1, 11))
    live = table.model
    feed = as_received(documents)
    table.model.live_data.consume(feed)
    qtbot.waitUntil(lambda: live.rowCount() == 11)
    assert live.fields == ["seq_num", "time", "motor1", "det1", "det2"]
    headers = [live.headerData(c, 1) for c in range(live.columnCount())]
    assert headers == live.fields
    for row, event in enumerate(events_of(documents)):
        expected = [event["seq_num"], event["time"]] + [event["data"][f] for f in ("motor1", "det1", "det2")]
        assert live.row_values(row) == pytest.approx(expected)
    assert live.data(live.index(0, 2)) == "-1.000"  # motor1's precision (3) from its data key
    assert live.data(live.index(3, 0)) == "4"
    assert table.caption.text().endswith("scan: 11 points")


def test_a_new_run_clears_the_table(table, record, qtbot):
    live_data = table.model.live_data
    live_data.consume(as_received(record(bp.scan([det1], motor1, -1, 1, 5))))
    qtbot.waitUntil(lambda: table.model.rowCount() == 5)
    second = as_received(record(bp.count([det2], num=3)), pack=False)
    live_data.consume(second[:2])  # start and descriptor
    assert table.model.rowCount() == 0 and table.model.fields == ["seq_num", "time", "det2"]
    live_data.consume(second[2:])
    qtbot.waitUntil(lambda: table.model.rowCount() == 3)


def test_a_saved_run_shown_again_leaves_the_table_alone(table, record, qtbot):
    live_data = table.model.live_data
    live_data.consume(as_received(record(bp.scan([det1], motor1, -1, 1, 5))))
    qtbot.waitUntil(lambda: table.model.rowCount() == 5)
    live_data.consume(as_received(record(bp.count([det2], num=3))), live=False)
    assert table.model.rowCount() == 5 and table.model.run.plan_name == "scan"


def test_the_table_keeps_the_last_rows_and_follows_the_newest_unless_scrolled_up(table, record, qtbot):
    live_data = table.model.live_data
    documents = as_received(record(bp.scan([det1], motor1, -1, 1, 120)), pack=False)
    live_data.consume(documents[:42])  # start, descriptor, 40 events
    qtbot.waitUntil(lambda: table.model.rowCount() == 40)
    bar = table.view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum())
    bar.setValue(0)  # the scientist scrolls up to read
    live_data.consume(documents[42:52])
    qtbot.waitUntil(lambda: table.model.rowCount() == 50)
    assert bar.value() == 0 and not table.following
    bar.setValue(bar.maximum())  # back at the bottom: following again
    live_data.consume(documents[52:])
    qtbot.waitUntil(lambda: table.model.rowCount() == 50 and table.model.row_values(49)[0] == 120)
    assert table.model.row_values(0)[0] == 71, "the oldest rows left at the top"
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())
    assert "the last 50 shown" in table.caption.text()
