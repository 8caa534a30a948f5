"""QueueModel: a mirror of the manager's queue that keeps selections and sends moves by uid.

The model's collaborator is ``request_move``; here it is a plain list of the
requests the manager would receive. Views are real ``QListView`` widgets.
"""

import uuid

import pytest
from qtpy.QtCore import QItemSelection, QItemSelectionModel, QMimeData, QModelIndex, QPoint, Qt
from qtpy.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from qtpy.QtWidgets import QApplication, QListView

from queue_gui.qt.queue_model import (
    MIME_TYPE,
    IsRunningRole,
    ItemRole,
    QueueModel,
    UidRole,
    configure_queue_view,
)


def plan(name="count", args=None, kwargs=None):
    return {
        "item_uid": str(uuid.uuid4()),
        "item_type": "plan",
        "name": name,
        "args": [["det1", "det2"]] if args is None else args,
        "kwargs": kwargs or {},
        "meta": {},
        "user": "alice",
        "user_group": "primary",
    }


def stop_instruction():
    return {**plan("queue_stop", args=[]), "item_type": "instruction"}


class Moves(list):
    """The manager side of ``request_move``: records each request as a dict."""

    def __call__(self, uids, before_uid=None, after_uid=None, pos_dest=None):
        request = {"before_uid": before_uid, "after_uid": after_uid, "pos_dest": pos_dest}
        self.append({"uids": list(uids), **{k: v for k, v in request.items() if v is not None}})


class SignalLog(list):
    """Names of the structural signals a model emitted, in order."""

    def __init__(self, model):
        super().__init__()
        model.rowsInserted.connect(lambda parent, first, last: self.append(("inserted", first, last)))
        model.rowsRemoved.connect(lambda parent, first, last: self.append(("removed", first, last)))
        model.layoutChanged.connect(lambda *args: self.append(("layout",)))
        model.modelReset.connect(lambda: self.append(("reset",)))
        model.dataChanged.connect(lambda first, last, roles: self.append(("data", first.row(), last.row())))

    def kinds(self):
        return {entry[0] for entry in self}


@pytest.fixture
def moves():
    return Moves()


@pytest.fixture
def view(qtbot, moves):
    """A QListView set up as the main window sets up its queue view."""
    model = QueueModel(request_move=moves)
    widget = QListView()
    widget.setModel(model)
    configure_queue_view(widget)
    widget.resize(480, 360)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def uids_of(items):
    return [item["item_uid"] for item in items]


def rows(model):
    return [model.uid_at(row) for row in range(model.rowCount())]


def select(view, uids, current=None):
    model, selection = view.model(), QItemSelection()
    for uid in uids:
        index = model.index(model.row_of(uid))
        selection.select(index, index)
    view.selectionModel().select(selection, QItemSelectionModel.ClearAndSelect)
    if current:
        view.selectionModel().setCurrentIndex(model.index(model.row_of(current)), QItemSelectionModel.NoUpdate)


def selected(view):
    return {view.model().uid_at(index.row()) for index in view.selectionModel().selectedIndexes()}


# ------------------------------------------------------------------ set_queue
def test_inserted_items_keep_the_selection(view):
    model, items = view.model(), [plan() for _ in range(6)]
    model.set_queue(items, None)
    select(view, uids_of(items[2:4]), current=items[3]["item_uid"])
    log = SignalLog(model)
    new = [plan(), *items[:3], plan(), plan(), *items[3:], plan()]
    model.set_queue(new, None)
    assert rows(model) == uids_of(new)
    assert log.kinds() == {"inserted"}, "pure insertions neither reset nor relayout"
    assert selected(view) == set(uids_of(items[2:4])), "no new item became selected"
    assert model.uid_at(view.currentIndex().row()) == items[3]["item_uid"]


def test_removed_items_keep_the_selection_of_the_others(view):
    model, items = view.model(), [plan() for _ in range(6)]
    model.set_queue(items, None)
    select(view, [items[1]["item_uid"], items[4]["item_uid"]])
    log = SignalLog(model)
    kept = [items[1], items[4], items[5]]
    model.set_queue(kept, None)
    assert rows(model) == uids_of(kept)
    assert log == [("removed", 2, 3), ("removed", 0, 0)], "contiguous blocks, from the bottom"
    assert selected(view) == {items[1]["item_uid"], items[4]["item_uid"]}


def test_reordered_queue_keeps_selection_and_current_item(view):
    model, items = view.model(), [plan() for _ in range(8)]
    model.set_queue(items, None)
    select(view, uids_of(items[1:3]) + [items[6]["item_uid"]], current=items[6]["item_uid"])
    log = SignalLog(model)
    model.set_queue(items[::-1], None)
    assert rows(model) == uids_of(items[::-1])
    assert log == [("layout",)]
    assert selected(view) == set(uids_of(items[1:3]) + [items[6]["item_uid"]])
    assert model.uid_at(view.currentIndex().row()) == items[6]["item_uid"]


def test_edited_item_emits_data_changed_only(view):
    model, items = view.model(), [plan() for _ in range(4)]
    model.set_queue(items, None)
    log = SignalLog(model)
    edited = {**items[2], "kwargs": {"num": 7}}
    model.set_queue([*items[:2], edited, items[3]], None)
    assert log == [("data", 2, 2)]
    assert model.data(model.index(2)) == "count(['det1', 'det2'], num=7)"
    assert model.data(model.index(2), ItemRole) is edited


def test_unchanged_queue_emits_nothing(view):
    model, items = view.model(), [plan() for _ in range(4)]
    model.set_queue(items, None)
    log = SignalLog(model)
    model.set_queue([dict(item) for item in items], None)
    assert log == []


def test_item_that_starts_running_stays_selected_in_row_0(view):
    model, items = view.model(), [plan() for _ in range(3)]
    model.set_queue(items, None)
    select(view, [items[0]["item_uid"]])
    log = SignalLog(model)
    model.set_queue(items[1:], items[0])  # the manager takes the front item out to run it
    assert log == [("data", 0, 0)], "same rows, only row 0 is now shown as running"
    assert model.data(model.index(0), IsRunningRole) is True
    assert model.data(model.index(0)).startswith("Running: count(")
    assert selected(view) == {items[0]["item_uid"]}
    assert model.queue_items() == items[1:]
    assert model.running_item() == items[0]
    model.set_queue(items[1:], {})  # the bridge sends {} when nothing runs
    assert rows(model) == uids_of(items[1:])
    assert model.running_item() is None


def test_scattered_changes_arrive_as_one_layout_change_keeping_selection(view):
    model, items = view.model(), [plan() for _ in range(120)]
    model.set_queue(items, None)
    chosen = set(uids_of(items[1::4]))
    select(view, chosen)
    log = SignalLog(model)
    new = []
    for number, item in enumerate(items):
        if number % 3:
            new.append(item)  # every third item finished or was removed
        if number % 5 == 0:
            new.append(plan())  # and new ones arrived all over the queue
    model.set_queue(new, None)
    assert rows(model) == uids_of(new)
    assert log == [("layout",)], "dozens of row blocks become one layout change, never a reset"
    assert selected(view) == chosen & set(uids_of(new))
    assert not view.grab().isNull()


def test_model_stays_consistent_through_every_kind_of_update(view, qtmodeltester):
    model, items = view.model(), [plan() for _ in range(10)]
    qtmodeltester.check(model, force_py=True)  # asserts on every signal the model emits
    extra = [plan() for _ in range(40)]
    for queue, running in [
        (items, None),
        (items[:3] + extra[:2] + items[3:], None),
        (items[::2], None),
        (items[::-1], None),
        (items[1:], items[0]),
        ([x for pair in zip(items[1:], extra) for x in pair], items[0]),
        ([], None),
    ]:
        model.set_queue(queue, running)
        assert rows(model) == uids_of(([running] if running else []) + queue)


# ------------------------------------------------------------------ rendering
def test_running_item_is_pinned_and_cannot_be_dragged(view):
    model, running, queued = view.model(), plan("sleep", args=[5]), [plan(), plan()]
    model.set_queue(queued, running)
    assert rows(model) == uids_of([running, *queued])
    assert not model.flags(model.index(0)) & Qt.ItemIsDragEnabled
    assert model.flags(model.index(1)) & Qt.ItemIsDragEnabled
    assert not model.flags(model.index(1)) & Qt.ItemIsDropEnabled, "drops go between rows"
    assert model.flags(QModelIndex()) & Qt.ItemIsDropEnabled
    assert model.data(model.index(0), Qt.FontRole).bold()
    assert model.data(model.index(0), Qt.BackgroundRole) is not None
    assert model.data(model.index(1), Qt.BackgroundRole) is None
    data = model.mimeData([model.index(0), model.index(2)])
    assert bytes(data.data(MIME_TYPE)).decode() == f'["{queued[1]["item_uid"]}"]', "the running item is never packed"


def test_rows_read_like_the_call_and_instructions_stand_out(view):
    model = view.model()
    scan = plan("scan", args=[["det1", "det2"], "motor", -1, 1, 10], kwargs={"num": 3})
    model.set_queue([scan, stop_instruction()], None)
    assert model.data(model.index(0)) == "scan(['det1', 'det2'], motor, -1, 1, 10, num=3)"
    assert model.data(model.index(1)) == "queue_stop (instruction)"
    assert model.data(model.index(0), UidRole) == scan["item_uid"]
    plan_icon, stop_icon = (model.data(model.index(row), Qt.DecorationRole) for row in (0, 1))
    assert not plan_icon.isNull() and not stop_icon.isNull()
    assert plan_icon.cacheKey() != stop_icon.cacheKey()


def test_only_top_level_identifier_strings_lose_their_quotes(view):
    model = view.model()
    model.set_queue([plan("mv", args=["motor", 1.5, "None", "two words", ["det1"]], kwargs={"md": {"a": "b"}})], None)
    assert model.data(model.index(0)) == "mv(motor, 1.5, 'None', 'two words', ['det1'], md={'a': 'b'})"


def test_tooltip_lists_every_parameter_owner_and_uid(view):
    model = view.model()
    scan = plan("scan", args=[["det1", "det2"], "motor", -1, 1, 10], kwargs={"num": 3, "md": {"x": "<y>"}})
    model.set_queue([scan], None)
    tooltip = model.data(model.index(0), Qt.ToolTipRole)
    for text in ("scan", "[&#x27;det1&#x27;, &#x27;det2&#x27;]", "motor", "-1", ">10<", "num", ">3<"):
        assert text in tooltip
    assert "&lt;y&gt;" in tooltip, "values are escaped, not interpreted as HTML"
    assert "alice" in tooltip and "primary" in tooltip and scan["item_uid"] in tooltip


# ------------------------------------------------------------------ drops through the model
def drop(model, uids, row, parent=QModelIndex(), action=Qt.MoveAction):
    data = model.mimeData([model.index(model.row_of(uid)) for uid in uids])
    return model.dropMimeData(data, action, row, 0, parent)


def test_drop_requests_one_move_and_leaves_rows_to_the_manager(view, moves):
    model, items = view.model(), [plan() for _ in range(5)]
    model.set_queue(items, None)
    assert drop(model, [items[3]["item_uid"]], 1)
    assert moves == [{"uids": [items[3]["item_uid"]], "before_uid": items[1]["item_uid"]}]
    assert rows(model) == uids_of(items), "rows change only when the manager answers"
    new = [items[0], items[3], items[1], items[2], items[4]]
    model.set_queue(new, None)
    assert rows(model) == uids_of(new)


def test_multi_item_drop_keeps_queue_order(view, moves):
    model, items = view.model(), [plan() for _ in range(5)]
    model.set_queue(items, None)
    data = model.mimeData([model.index(4), model.index(1)])  # selected bottom-up
    assert model.dropMimeData(data, Qt.MoveAction, 0, 0, QModelIndex())
    assert moves == [{"uids": uids_of([items[1], items[4]]), "before_uid": items[0]["item_uid"]}]


@pytest.mark.parametrize("row", [-1, 5])
def test_drop_at_the_end_goes_to_the_back(view, moves, row):
    model, items = view.model(), [plan() for _ in range(5)]
    model.set_queue(items, None)
    assert drop(model, [items[0]["item_uid"]], row)
    assert moves == [{"uids": [items[0]["item_uid"]], "pos_dest": "back"}]


def test_drop_above_or_onto_the_running_item_goes_to_the_front(view, moves):
    model, running, items = view.model(), plan("sleep"), [plan() for _ in range(3)]
    model.set_queue(items, running)
    assert drop(model, [items[2]["item_uid"]], 0)
    assert drop(model, [items[2]["item_uid"]], -1, parent=model.index(0))
    assert moves == [{"uids": [items[2]["item_uid"]], "pos_dest": "front"}] * 2


def test_drop_onto_an_item_means_before_it(view, moves):
    model, items = view.model(), [plan() for _ in range(4)]
    model.set_queue(items, None)
    assert drop(model, [items[0]["item_uid"]], -1, parent=model.index(2))
    assert moves == [{"uids": [items[0]["item_uid"]], "before_uid": items[2]["item_uid"]}]


def test_drop_between_moved_items_goes_before_the_next_unmoved_one(view, moves):
    model, items = view.model(), [plan() for _ in range(5)]
    model.set_queue(items, None)
    assert drop(model, uids_of([items[0], items[2]]), 2)
    assert moves == [{"uids": uids_of([items[0], items[2]]), "before_uid": items[3]["item_uid"]}]


@pytest.mark.parametrize("row", [1, 2, 3])
def test_drop_of_a_block_onto_its_own_place_sends_nothing(view, moves, row):
    model, items = view.model(), [plan() for _ in range(5)]
    model.set_queue(items, None)
    block = uids_of(items[1:3])
    data = model.mimeData([model.index(1), model.index(2)])
    assert not model.canDropMimeData(data, Qt.MoveAction, row, 0, QModelIndex())
    assert not model.dropMimeData(data, Qt.MoveAction, row, 0, QModelIndex())
    assert not drop(model, block, row)
    assert moves == []


def test_only_moves_of_our_items_are_accepted(view, moves):
    model, items = view.model(), [plan() for _ in range(3)]
    model.set_queue(items, None)
    data = model.mimeData([model.index(2)])
    assert model.canDropMimeData(data, Qt.MoveAction, 0, 0, QModelIndex())
    assert not model.canDropMimeData(data, Qt.CopyAction, 0, 0, QModelIndex())
    foreign = QMimeData()
    foreign.setText("count")
    assert not model.dropMimeData(foreign, Qt.MoveAction, 0, 0, QModelIndex())
    model.set_queue(items[:2], None)  # the dragged item finished meanwhile
    assert not model.dropMimeData(data, Qt.MoveAction, 0, 0, QModelIndex())
    assert moves == []


def test_qt_cannot_delete_or_move_rows_on_its_own(view):
    model, items = view.model(), [plan() for _ in range(3)]
    model.set_queue(items, None)
    assert not model.removeRows(0, 2)
    assert not model.moveRows(QModelIndex(), 0, 1, QModelIndex(), 3)
    assert rows(model) == uids_of(items)


# ------------------------------------------------------------------ a drag on a real view
def send_drag(view, data, pos):
    """Deliver enter, move and drop as Qt does during a drag (``QDrag.exec`` cannot run offscreen)."""
    events = [
        QDragEnterEvent(pos, Qt.MoveAction, data, Qt.LeftButton, Qt.NoModifier),
        QDragMoveEvent(pos, Qt.MoveAction, data, Qt.LeftButton, Qt.NoModifier),
        QDropEvent(pos, Qt.MoveAction, data, Qt.LeftButton, Qt.NoModifier),
    ]
    for event in events:
        QApplication.sendEvent(view.viewport(), event)
    return events


def test_dragging_selected_rows_onto_the_top_half_of_a_row_moves_them_before_it(view, moves):
    model, running, items = view.model(), plan("sleep"), [plan() for _ in range(5)]
    model.set_queue(items, running)
    select(view, uids_of(items[3:5]))
    data = model.mimeData(view.selectionModel().selectedIndexes())
    target = view.visualRect(model.index(model.row_of(items[1]["item_uid"])))
    enter, move, dropped = send_drag(view, data, QPoint(target.center().x(), target.top() + 2))
    assert enter.isAccepted() and move.isAccepted() and dropped.isAccepted()
    assert moves == [{"uids": uids_of(items[3:5]), "before_uid": items[1]["item_uid"]}]
    assert rows(model) == uids_of([running, *items])


def test_dragging_onto_the_bottom_half_of_a_row_moves_after_it(view, moves):
    model, items = view.model(), [plan() for _ in range(5)]
    model.set_queue(items, None)
    data = model.mimeData([model.index(0)])
    target = view.visualRect(model.index(2))
    send_drag(view, data, QPoint(target.center().x(), target.bottom() - 1))
    assert moves == [{"uids": [items[0]["item_uid"]], "before_uid": items[3]["item_uid"]}]


def test_dragging_below_the_last_row_moves_to_the_back(view, moves):
    model, items = view.model(), [plan() for _ in range(3)]
    model.set_queue(items, None)
    data = model.mimeData([model.index(0)])
    below = view.visualRect(model.index(2)).bottomLeft() + QPoint(10, 40)
    send_drag(view, data, below)
    assert moves == [{"uids": [items[0]["item_uid"]], "pos_dest": "back"}]


# ------------------------------------------------------------------ 10,000 items
def test_large_queue_reorders_and_keeps_selection(view):
    model, items = view.model(), [plan() for _ in range(10_000)]
    model.set_queue(items, None)
    chosen = set(uids_of(items[::97]))
    select(view, chosen)
    model.set_queue(items[::-1], None)
    assert rows(model) == uids_of(items[::-1])
    assert selected(view) == chosen
    moved = items[5::100]  # 100 items to the front
    moved_uids = set(uids_of(moved))
    reordered = moved + [item for item in items if item["item_uid"] not in moved_uids]
    model.set_queue(reordered, None)
    assert rows(model) == uids_of(reordered)
    assert selected(view) == chosen
    running, rest = reordered[0], [plan() if n % 3 == 0 else item for n, item in enumerate(reordered[1:])]
    model.set_queue(rest, running)
    assert rows(model) == uids_of([running, *rest])
    assert selected(view) == chosen & set(rows(model))


# ------------------------------------------------------------------ keyboard moves
@pytest.mark.parametrize(
    "direction, expected",
    [
        ("up", {"before_uid": 1}),
        ("down", {"after_uid": 4}),
        ("top", {"pos_dest": "front"}),
        ("bottom", {"pos_dest": "back"}),
    ],
)
def test_move_selection_moves_the_block_by_one_row_or_to_an_end(view, moves, direction, expected):
    model, items = view.model(), [plan() for _ in range(6)]
    model.set_queue(items, None)
    assert model.move_selection(uids_of([items[3], items[2]]), direction)
    expected = {key: items[value]["item_uid"] if key != "pos_dest" else value for key, value in expected.items()}
    assert moves == [{"uids": uids_of(items[2:4]), **expected}]


def test_move_selection_at_an_edge_sends_nothing(view, moves):
    model, running, items = view.model(), plan("sleep"), [plan() for _ in range(4)]
    model.set_queue(items, running)
    first, last = items[0]["item_uid"], items[-1]["item_uid"]
    assert not model.move_selection([first], "up"), "nothing goes above the running item"
    assert not model.move_selection([first], "top")
    assert not model.move_selection([last], "down")
    assert not model.move_selection([last], "bottom")
    assert not model.move_selection([running["item_uid"]], "down"), "the running item never moves"
    assert moves == []
    with pytest.raises(ValueError):
        model.move_selection([first], "sideways")


# ------------------------------------------------------------------ follow
def queue_event(changes, items, running=None):
    return {"changes": changes, "items": items, "running_item": running or {}}


class RowSignals:
    """Which of a model's structural signals fired, and how many rows they touched."""

    def __init__(self, model):
        self.fired = []
        model.rowsInserted.connect(lambda parent, first, last: self.fired.append(("inserted", last - first + 1)))
        model.rowsRemoved.connect(lambda parent, first, last: self.fired.append(("removed", last - first + 1)))
        model.dataChanged.connect(lambda top, bottom, roles: self.fired.append(("changed", bottom.row() - top.row() + 1)))
        model.layoutChanged.connect(lambda *args: self.fired.append(("layout", None)))
        model.modelReset.connect(lambda: self.fired.append(("reset", None)))


def test_a_plan_starting_and_ending_touches_one_row_of_a_10000_item_queue(qapp):
    """Two whole-queue diffs per plan made the GUI's cost per plan grow with the queue length."""
    items = [plan(kwargs={"num": i}) for i in range(10_000)]
    model = QueueModel()
    view = QListView()
    configure_queue_view(view)
    view.setModel(model)
    model.set_queue(items, None)
    signals = RowSignals(model)
    model.follow(queue_event([("start",)], items[1:], items[0]))
    assert model.running_item() is items[0] and rows(model)[:2] == [items[0]["item_uid"], items[1]["item_uid"]]
    model.follow(queue_event([("finish", False)], items[1:]))
    assert model.running_item() is None and model.rowCount() == 9_999
    assert signals.fired == [("changed", 1), ("removed", 1)], "no reset, no layout change, one row each"


def test_following_changes_gives_the_rows_set_queue_would(qapp):
    a, b, c, d, e = (plan(kwargs={"num": i}) for i in range(5))
    model = QueueModel()
    model.set_queue([a, b], None)
    steps = [
        ([("insert", 1, [c, d])], [a, c, d, b], None),
        ([("remove", [0, 2])], [c, b], None),
        ([("replace", 1, e)], [c, e], None),
        ([("start",)], [e], c),
        ([("finish", True)], [c, e], None),
        ([("run", a)], [c, e], a),
        ([("finish", False), ("clear",)], [], None),
    ]
    for changes, items, running in steps:
        model.follow(queue_event(changes, items, running))
        reference = QueueModel()
        reference.set_queue(items, running)
        assert rows(model) == rows(reference), changes
        assert model.running_item() == reference.running_item()
        assert [model.item_at(r) for r in range(model.rowCount())] == [reference.item_at(r) for r in range(reference.rowCount())]


def test_a_change_that_does_not_fit_is_taken_whole(qapp):
    a, b, c = plan(), plan(), plan()
    model = QueueModel()
    model.set_queue([a], None)
    model.follow(queue_event([("remove", [5])], [b, c]))  # rows the model never had: take the queue whole
    assert rows(model) == [b["item_uid"], c["item_uid"]]
    model.follow(queue_event([("reset",)], [c], a))
    assert rows(model) == [a["item_uid"], c["item_uid"]] and model.running_item() == a


def test_a_move_keeps_the_selection(qapp):
    """Moves are taken whole (set_queue's reorder), so the moved rows stay selected."""
    items = [plan(kwargs={"num": i}) for i in range(5)]
    model = QueueModel()
    view = QListView()
    configure_queue_view(view)
    view.setModel(model)
    model.set_queue(items, None)
    view.selectionModel().select(model.index(3), QItemSelectionModel.Select)
    moved = [items[3]] + items[:3] + items[4:]
    model.follow(queue_event([("move", [3], 0)], moved))
    assert [i.row() for i in view.selectionModel().selectedIndexes()] == [0]


class CountingModel(QueueModel):
    """A queue model that counts the calls a view makes into Python for the row count."""

    calls = 0

    def rowCount(self, parent=QModelIndex()):
        self.calls += 1
        return super().rowCount(parent)


def shown_queue_of(count):
    """The window's queue view, shown, holding ``count`` items; and its counting model."""
    from queue_gui.qt.queue_model import QueueView

    items = [plan(kwargs={"num": i}) for i in range(count)]
    model = CountingModel()
    view = QueueView()
    configure_queue_view(view)
    view.setModel(model)
    view.resize(400, 300)
    view.show()
    model.set_queue(items, None)
    QApplication.processEvents()
    return view, model, items


def test_a_changed_row_does_not_lay_out_the_whole_list_again(qapp):
    """QListView re-laid out all 10,000 rows (two calls into Python per row) whenever one row's data changed."""
    view, model, items = shown_queue_of(10_000)
    model.calls = 0
    model.follow(queue_event([("start",)], items[1:], items[0]))  # the front row now reads "Running:"
    model.set_running_look(progress=(0.5, "5 of 10"))
    QApplication.processEvents()
    assert model.calls < 200, f"{model.calls} rowCount calls for two changed rows"
    assert view.visualRect(model.index(0)).isValid(), "the row is still laid out where it was"


def test_a_plan_ending_in_a_10000_item_queue_does_not_lay_out_every_row(qapp):
    """The window's queue view: a row removed or inserted costs the rows it touches (QListView visited all 10,000)."""
    view, model, items = shown_queue_of(10_000)
    for changes, queue, running in (
        ([("start",)], items[1:], items[0]),
        ([("finish", False)], items[1:], None),
        ([("insert", 9_999, [plan(kwargs={"num": -1})])], items[1:], None),
    ):
        model.calls = 0
        model.follow(queue_event(changes, queue, running))
        QApplication.processEvents()
        assert model.calls < 200, f"{model.calls} rowCount calls for {changes[0][0]}"
    assert view.rowAt(0) == 0 and model.rowCount() == 10_000
