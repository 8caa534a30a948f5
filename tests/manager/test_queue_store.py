"""The SQLite-backed queue store, against a real database file (no mocks)."""

import random
import sqlite3
from contextlib import closing
from uuid import UUID, uuid4

import pytest

from queue_gui.manager.queue_store import QueueStore
from queue_gui.manager.uids import new_uids


def make_item(name="count"):
    return {"item_uid": str(uuid4()), "item_type": "plan", "name": name, "args": [["det1"]], "kwargs": {}}


def named(abc, value):
    """The uid of item "a", "b" or "c" of the ``abc`` fixture; other values pass through."""
    return dict(zip("abc", abc)).get(value, value)


def uids(store):
    return [item["item_uid"] for item in store.items()]


def reopened(store):
    """A second store on the same file: what a restarted manager would see."""
    return QueueStore(store.path)


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "data" / "queue.sqlite")


@pytest.fixture
def store(path):
    store = QueueStore(path)
    yield store
    store.close()


@pytest.fixture
def abc(store):
    """A store holding three items a, b, c; returns their uids."""
    items = [make_item(n) for n in "abc"]
    store.add_batch(items)
    return [item["item_uid"] for item in items]


def assert_same_as_file(store):
    fresh = reopened(store)
    try:
        assert fresh.items() == store.items()
        assert fresh.history() == store.history()
        assert fresh.running == store.running
    finally:
        fresh.close()


# ----------------------------------------------------------------- adding
def test_batch_uids_are_distinct_random_uuid4_strings():
    """Clients parse item uids as UUIDs; a batch's uids must be as valid and as unique as uuid4()'s."""
    uids = new_uids(5000)
    assert len(set(uids)) == 5000
    for uid in uids:
        parsed = UUID(uid)
        assert str(parsed) == uid
        assert parsed.version == 4 and parsed.variant == "specified in RFC 4122"
    # every variant digit occurs: the random bits around the fixed ones are used
    assert {uid[19] for uid in uids} == set("89ab")
    assert new_uids(0) == []


def test_new_store_is_empty_and_uses_wal(store, path):
    assert store.items() == [] and len(store) == 0
    assert store.history() == [] and store.running is None
    with closing(sqlite3.connect(path)) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_add_goes_to_back_by_default_and_returns_index(store, abc):
    item = make_item()
    assert store.add(item) == 3
    assert uids(store) == abc + [item["item_uid"]]
    assert store.get(pos="back") == item and store.get(uid=item["item_uid"]) == item


@pytest.mark.parametrize(
    "pos, index",
    [("front", 0), ("back", 3), (0, 0), (1, 1), (3, 3), (99, 3), (-1, 3), (-2, 2), (-4, 0), (-99, 0)],
)
def test_add_at_position(store, abc, pos, index):
    """A new item ends up at ``pos`` of the new list; beyond either end clamps."""
    item = make_item()
    assert store.add(item, pos=pos) == index
    expected = list(abc)
    expected.insert(index, item["item_uid"])
    assert uids(store) == expected
    if pos not in (99, -99):
        assert store.get(pos=pos) == item


def test_add_before_and_after_uid(store, abc):
    before, after = make_item(), make_item()
    assert store.add(before, before_uid=abc[1]) == 1
    assert store.add(after, after_uid=abc[2]) == 4
    assert uids(store) == [abc[0], before["item_uid"], abc[1], abc[2], after["item_uid"]]


@pytest.mark.parametrize(
    "where", [{"pos": 0, "before_uid": "x"}, {"pos": "back", "after_uid": "x"}, {"before_uid": "x", "after_uid": "y"}]
)
def test_add_with_two_destinations_is_refused(store, abc, where):
    with pytest.raises(ValueError, match="only one"):
        store.add(make_item(), **where)
    assert uids(store) == abc


@pytest.mark.parametrize("key", ["before_uid", "after_uid"])
def test_add_relative_to_unknown_uid_names_it(store, abc, key):
    with pytest.raises(KeyError, match="no-such-uid"):
        store.add(make_item(), **{key: "no-such-uid"})
    assert uids(store) == abc


@pytest.mark.parametrize("pos", ["middle", 1.5, True])
def test_add_with_bad_position_is_refused(store, abc, pos):
    with pytest.raises(ValueError, match="position"):
        store.add(make_item(), pos=pos)
    assert uids(store) == abc


def test_duplicate_uid_is_refused_also_against_running_item(store, abc):
    with pytest.raises(ValueError, match="same uid"):
        store.add(dict(make_item(), item_uid=abc[1]))
    running = store.start_front()
    with pytest.raises(ValueError, match="same uid"):
        store.add(dict(running))
    assert uids(store) == abc[1:]


def test_add_batch_keeps_order_at_destination(store, abc):
    batch = [make_item() for _ in range(3)]
    assert store.add_batch(batch, after_uid=abc[0]) == [1, 2, 3]
    assert uids(store) == [abc[0]] + [i["item_uid"] for i in batch] + abc[1:]


@pytest.mark.parametrize("clash", ["within", "queue"])
def test_add_batch_is_all_or_nothing(store, abc, clash):
    first = make_item()
    twin = dict(make_item(), item_uid=first["item_uid"] if clash == "within" else abc[0])
    before = store.queue_uid
    with pytest.raises(ValueError):
        store.add_batch([first, twin])
    assert uids(store) == abc and store.queue_uid == before
    assert_same_as_file(store)


# --------------------------------------------------------------- removing
def test_remove_by_uid_and_by_position(store, abc):
    extra = make_item()
    store.add(extra)
    assert store.remove(uid=abc[1])["item_uid"] == abc[1]
    assert store.remove(pos="front")["item_uid"] == abc[0]
    assert store.remove(pos="back") == extra
    assert uids(store) == [abc[2]]
    assert_same_as_file(store)


@pytest.mark.parametrize("pos, gone", [(0, 0), (1, 1), (-1, 2), (-3, 0), (None, 2)])
def test_remove_by_integer_position(store, abc, pos, gone):
    assert store.remove(pos=pos)["item_uid"] == abc[gone]
    assert uids(store) == [u for i, u in enumerate(abc) if i != gone]


@pytest.mark.parametrize("pos", [3, -4])
def test_remove_out_of_range_position(store, abc, pos):
    with pytest.raises(IndexError, match="out of range"):
        store.remove(pos=pos)
    assert uids(store) == abc


@pytest.mark.parametrize("pos", [None, "front", "back", 0])
def test_remove_from_empty_queue_says_so(store, pos):
    with pytest.raises(IndexError, match="the queue is empty"):
        store.remove(pos=pos)


def test_remove_batch_returns_items_in_given_order(store, abc):
    removed = store.remove_batch([abc[2], abc[0]])
    assert [i["item_uid"] for i in removed] == [abc[2], abc[0]]
    assert uids(store) == [abc[1]]
    assert_same_as_file(store)


@pytest.mark.parametrize("batch, error", [(["a", "ghost"], KeyError), (["a", "a"], ValueError)])
def test_remove_batch_refuses_unknown_or_repeated_uids(store, abc, batch, error):
    with pytest.raises(error, match="ghost" if error is KeyError else "twice"):
        store.remove_batch([named(abc, n) for n in batch])
    assert uids(store) == abc
    assert_same_as_file(store)


# ----------------------------------------------------------------- moving
@pytest.mark.parametrize(
    "where, order",
    [({"pos": "front"}, "cab"), ({"pos": "back"}, "abc"), ({"pos": 0}, "cab"), ({"pos": 1}, "acb"),
     ({"pos": -1}, "abc"), ({"before_uid": "a"}, "cab"), ({"after_uid": "a"}, "acb")],
)
def test_move_single_item(store, abc, where, order):
    store.move_batch([abc[2]], **{k: named(abc, v) for k, v in where.items()})
    assert uids(store) == [named(abc, n) for n in order]
    assert_same_as_file(store)


def test_move_several_keeps_given_order(store, abc):
    more = [make_item() for _ in range(2)]
    store.add_batch(more)
    everything = abc + [i["item_uid"] for i in more]  # a b c d e
    assert store.move_batch([everything[4], everything[0]], after_uid=everything[2]) == [2, 3]
    assert uids(store) == [everything[i] for i in (1, 2, 4, 0, 3)]
    store.move_batch([everything[3], everything[1]], pos="front")
    assert uids(store) == [everything[i] for i in (3, 1, 2, 4, 0)]
    assert_same_as_file(store)


@pytest.mark.parametrize("key", ["before_uid", "after_uid"])
def test_move_relative_to_moved_item_is_refused(store, abc, key):
    with pytest.raises(ValueError, match="itself"):
        store.move_batch([abc[0], abc[1]], **{key: abc[1]})
    assert uids(store) == abc


@pytest.mark.parametrize(
    "moved, where, error",
    [
        (["a", "a"], {"pos": "front"}, ValueError),
        ([], {"pos": "front"}, ValueError),
        (["ghost"], {"pos": "front"}, KeyError),
        (["a"], {"before_uid": "ghost"}, KeyError),
        (["a"], {"pos": 0, "after_uid": "c"}, ValueError),
    ],
)
def test_refused_move_changes_nothing(store, abc, moved, where, error):
    before = store.queue_uid
    with pytest.raises(error):
        store.move_batch([named(abc, m) for m in moved], **{k: named(abc, v) for k, v in where.items()})
    assert uids(store) == abc and store.queue_uid == before
    assert_same_as_file(store)


def test_many_inserts_and_moves_keep_order_on_disk(store):
    """Repeated inserts into one gap exhaust the float midpoints and force renumbering."""
    rng = random.Random(1234)
    anchor = make_item()
    store.add(anchor)
    expected = [anchor["item_uid"]]
    for i in range(200):
        item = make_item()
        if i % 2:
            store.add(item, pos="front")
            expected.insert(0, item["item_uid"])
        else:
            store.add(item, after_uid=anchor["item_uid"])
            expected.insert(expected.index(anchor["item_uid"]) + 1, item["item_uid"])
        if i % 5 == 0:
            moved = rng.sample(expected, 2)
            rest = [u for u in expected if u not in moved]
            dest = rng.randrange(len(rest) + 1)
            store.move_batch(moved, pos=dest)
            expected = rest[:dest] + moved + rest[dest:]
        assert uids(store) == expected
    assert_same_as_file(store)
    with closing(sqlite3.connect(store.path)) as other:
        on_disk = [row[0] for row in other.execute("SELECT item_uid FROM queue ORDER BY position")]
        distinct = other.execute("SELECT COUNT(DISTINCT position) FROM queue").fetchone()[0]
    assert on_disk == expected and distinct == len(expected)


# -------------------------------------------------------- replace / clear
def test_replace_keeps_position_with_same_or_new_uid(store, abc):
    edited = dict(store.get(uid=abc[1]), name="scan")
    assert store.replace(abc[1], edited) == 1
    fresh = make_item("new")
    assert store.replace(abc[0], fresh) == 0
    assert uids(store) == [fresh["item_uid"], abc[1], abc[2]]
    assert store.get(pos=1)["name"] == "scan"
    assert_same_as_file(store)


def test_replace_refuses_unknown_uid_and_uid_clash(store, abc):
    with pytest.raises(KeyError, match="ghost"):
        store.replace("ghost", make_item())
    with pytest.raises(ValueError, match="same uid"):
        store.replace(abc[0], dict(make_item(), item_uid=abc[2]))
    assert uids(store) == abc
    assert_same_as_file(store)


def test_clear_leaves_running_item(store, abc):
    running = store.start_front()
    store.clear()
    assert store.items() == [] and store.running == running
    assert_same_as_file(store)


# ---------------------------------------------------------- change markers
def test_every_mutation_changes_queue_uid_and_reads_do_not(store, abc):
    """Each step names whether it also changes the history."""
    steps = [
        (lambda: store.add(make_item()), False),
        (lambda: store.add_batch([make_item(), make_item()], pos="front"), False),
        (lambda: store.remove(pos="back"), False),
        (lambda: store.remove_batch([abc[0]]), False),
        (lambda: store.move_batch([abc[2]], pos="front"), False),
        (lambda: store.replace(abc[1], dict(store.get(uid=abc[1]), name="scan")), False),
        (lambda: store.start_front(), False),
        (lambda: store.finish_running("completed", back_to_front=True), True),
        (lambda: store.set_running(make_item()), False),
        (lambda: store.finish_running("completed", back_to_front=False), True),
        (lambda: store.clear(), False),
    ]
    seen = {store.queue_uid}
    for mutate, changes_history in steps:
        history_uid = store.history_uid
        mutate()
        assert store.queue_uid not in seen
        assert (store.history_uid != history_uid) == changes_history
        seen.add(store.queue_uid)
    marks = (store.queue_uid, store.history_uid)
    store.items(), store.history(), store.running, len(store), store.get_meta("x"), store.contains_uid("x")
    store.set_meta("x", 1)  # a setting is neither queue nor history
    assert (store.queue_uid, store.history_uid) == marks
    store.clear_history()
    assert store.history_uid != marks[1] and store.queue_uid == marks[0] and store.history() == []


# ------------------------------------------------------- running / history
def test_start_front_takes_item_out_of_queue(store, abc):
    item = store.start_front()
    assert item["item_uid"] == abc[0] and store.running == item
    assert uids(store) == abc[1:] and store.contains_uid(abc[0])
    with pytest.raises(RuntimeError, match="already running"):
        store.start_front()
    assert_same_as_file(store)


def test_finish_back_to_front_requeues_and_records(store, abc):
    item = store.start_front()
    record = store.finish_running({"exit_status": "stopped"}, back_to_front=True)
    assert record == dict(item, result={"exit_status": "stopped"})
    assert store.running is None and store.history() == [record]
    assert uids(store) == abc
    assert_same_as_file(store)


def test_finish_back_to_front_does_not_double_an_item_already_queued(store, abc):
    store.set_running(dict(store.get(uid=abc[1])))
    store.finish_running("failed", back_to_front=True)
    assert uids(store) == abc
    assert_same_as_file(store)


def test_finish_without_requeue_only_records(store, abc):
    first = store.start_front()
    store.finish_running("completed", back_to_front=False)
    second = store.start_front()
    store.finish_running("failed", back_to_front=False)
    assert uids(store) == [abc[2]]
    assert store.history() == [dict(first, result="completed"), dict(second, result="failed")]
    with pytest.raises(RuntimeError, match="no item is running"):
        store.finish_running("completed", back_to_front=False)


# ------------------------------------------------------------- persistence
def test_reopen_restores_queue_history_and_meta(path):
    store = QueueStore(path)
    items = [make_item(str(i)) for i in range(6)]
    store.add_batch(items)
    store.move_batch([items[5]["item_uid"], items[0]["item_uid"]], after_uid=items[2]["item_uid"])
    store.move_batch([items[3]["item_uid"]], pos="front")
    for result in ("completed", "failed"):
        store.start_front()
        store.finish_running(result, back_to_front=False)
    store.set_meta("plan_queue_mode", {"loop": True, "ignore_failures": False})
    store.set_meta("names", ["a", 1, None])
    store.set_meta("names", ["b"])  # overwriting keeps the last value
    order, history = uids(store), list(store.history())
    store.close()

    again = QueueStore(path)
    try:
        assert uids(again) == order
        assert [r["result"] for r in again.history()] == ["completed", "failed"]
        assert again.history() == history
        assert again.get_meta("plan_queue_mode") == {"loop": True, "ignore_failures": False}
        assert again.get_meta("names") == ["b"]
        assert again.get_meta("missing", 7) == 7
    finally:
        again.close()


def test_item_left_running_is_still_running_after_reopen(path):
    """Crash recovery: an item started but never finished is found as running."""
    store = QueueStore(path)
    items = [make_item(), make_item()]
    store.add_batch(items)
    store.start_front()
    store.close()

    again = QueueStore(path)
    try:
        assert again.running == items[0]
        assert again.items() == [items[1]]
        again.finish_running("aborted", back_to_front=True)
        assert again.items() == items
    finally:
        again.close()


# ------------------------------------------------------- failed transactions
def test_failed_batch_leaves_mirror_equal_to_file(store, abc):
    unserialisable = dict(make_item(), kwargs={"detectors": {"det1"}})
    with pytest.raises(TypeError):
        store.add_batch([make_item(), unserialisable], after_uid=abc[0])
    assert uids(store) == abc
    assert_same_as_file(store)
    later = make_item()  # the store stays usable, at the right place
    store.add(later, after_uid=abc[0])
    assert uids(store) == [abc[0], later["item_uid"], abc[1], abc[2]]
    assert_same_as_file(store)


def test_failed_finish_keeps_item_running(store, abc):
    item = store.start_front()
    with pytest.raises(TypeError):
        store.finish_running({"bad": {1, 2}}, back_to_front=True)
    assert store.running == item and store.history() == [] and uids(store) == abc[1:]
    assert_same_as_file(store)
