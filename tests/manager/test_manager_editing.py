"""Editing the queue through manager commands: positions, uids, batches, refusals."""

import pytest

from tests.conftest import RunningManager, TEST_PROFILE
from queue_gui.wire import CommandName


@pytest.fixture(scope="module")
def editor(tmp_path_factory):
    running = RunningManager(str(tmp_path_factory.mktemp("data")), TEST_PROFILE)
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def empty_queue(editor):
    editor.ok(CommandName.QUEUE_CLEAR)


def names(editor):
    return [item["kwargs"].get("num") for item in editor.queue()]


def add(editor, num, **where):
    item = {"name": "count", "args": [["det1"]], "kwargs": {"num": num}}
    return editor.ok(CommandName.QUEUE_ITEM_ADD, item=item, **where)["item"]


def test_add_at_front_position_and_around_uids(editor):
    a = add(editor, 1)
    add(editor, 2)
    add(editor, 0, pos="front")
    add(editor, 5, pos=2)
    add(editor, 7, before_uid=a["item_uid"])
    add(editor, 8, after_uid=a["item_uid"])
    assert names(editor) == [0, 7, 1, 8, 5, 2]


def test_ambiguous_or_unknown_destinations_are_refused(editor):
    a = add(editor, 1)
    reply = editor.call(CommandName.QUEUE_ITEM_ADD, item={"name": "count", "args": [["det1"]]}, pos=0, before_uid=a["item_uid"])
    assert reply["success"] is False and "only one of" in reply["msg"]
    reply = editor.call(CommandName.QUEUE_ITEM_ADD, item={"name": "count", "args": [["det1"]]}, after_uid="no-such-uid")
    assert reply == {"success": False, "msg": "no item with uid 'no-such-uid' in the queue"}
    reply = editor.call(CommandName.QUEUE_ITEM_ADD, item={"name": "count", "args": [["det1"]]}, where="front")
    assert reply["success"] is False and "unknown parameter(s) for 'queue_item_add': where" in reply["msg"]
    assert names(editor) == [1]


def test_remove_by_uid_and_pop_the_last(editor):
    a, b, c = add(editor, 1), add(editor, 2), add(editor, 3)
    assert editor.ok(CommandName.QUEUE_ITEM_REMOVE, uid=b["item_uid"])["item"]["item_uid"] == b["item_uid"]
    assert editor.ok(CommandName.QUEUE_ITEM_REMOVE, pos="back")["item"]["item_uid"] == c["item_uid"]
    assert editor.ok(CommandName.QUEUE_ITEM_REMOVE)["item"]["item_uid"] == a["item_uid"]
    assert editor.call(CommandName.QUEUE_ITEM_REMOVE) == {"success": False, "msg": "the queue is empty"}


def test_move_single_and_batch(editor):
    items = [add(editor, n) for n in range(5)]
    editor.ok(CommandName.QUEUE_ITEM_MOVE, uid=items[4]["item_uid"], pos_dest="front")
    assert names(editor) == [4, 0, 1, 2, 3]
    editor.ok(CommandName.QUEUE_ITEM_MOVE, pos=0, after_uid=items[2]["item_uid"])
    assert names(editor) == [0, 1, 2, 4, 3]
    editor.ok(CommandName.QUEUE_ITEM_MOVE_BATCH, uids=[items[3]["item_uid"], items[0]["item_uid"]], before_uid=items[2]["item_uid"])
    assert names(editor) == [1, 3, 0, 2, 4]
    reply = editor.call(CommandName.QUEUE_ITEM_MOVE, uid=items[1]["item_uid"])
    assert reply["success"] is False and "no destination" in reply["msg"]


def test_batch_add_is_all_or_nothing(editor):
    good = {"name": "count", "args": [["det1"]]}
    bad = {"name": "count", "args": [["nope"]]}
    reply = editor.call(CommandName.QUEUE_ITEM_ADD_BATCH, items=[good, bad, good])
    assert reply["success"] is False and "nothing was added" in reply["msg"]
    assert [r["success"] for r in reply["results"]] == [True, False, True]
    assert "unknown device 'nope'" in reply["results"][1]["msg"]
    assert editor.queue() == []
    reply = editor.ok(CommandName.QUEUE_ITEM_ADD_BATCH, items=[good, good])
    assert reply["qsize"] == 2 and len({i["item_uid"] for i in reply["items"]}) == 2


def test_update_keeps_the_uid_and_validates(editor):
    item = add(editor, 1)
    changed = dict(item, kwargs={"num": 9})
    assert editor.ok(CommandName.QUEUE_ITEM_UPDATE, item=changed)["item"]["item_uid"] == item["item_uid"]
    assert names(editor) == [9]
    reply = editor.call(CommandName.QUEUE_ITEM_UPDATE, item=dict(item, args=[["det42"]]))
    assert reply["success"] is False and "det42" in reply["msg"]
    assert names(editor) == [9]


def test_every_change_gives_a_new_plan_queue_uid(editor):
    seen = {editor.call(CommandName.STATUS)["plan_queue_uid"]}
    add(editor, 0)
    seen.add(editor.call(CommandName.STATUS)["plan_queue_uid"])
    item = add(editor, 1)
    seen.add(editor.call(CommandName.STATUS)["plan_queue_uid"])
    editor.ok(CommandName.QUEUE_ITEM_MOVE, uid=item["item_uid"], pos_dest="front")
    seen.add(editor.call(CommandName.STATUS)["plan_queue_uid"])
    editor.ok(CommandName.QUEUE_ITEM_REMOVE, uid=item["item_uid"])
    seen.add(editor.call(CommandName.STATUS)["plan_queue_uid"])
    assert len(seen) == 5
    editor.call(CommandName.QUEUE_GET)
    assert editor.call(CommandName.STATUS)["plan_queue_uid"] in seen, "reading changes nothing"


def test_changes_that_change_nothing_keep_the_plan_queue_uid(editor):
    item = add(editor, 1)
    add(editor, 2)
    before = editor.call(CommandName.STATUS)["plan_queue_uid"]
    editor.ok(CommandName.QUEUE_ITEM_MOVE, uid=item["item_uid"], pos_dest="front")
    editor.ok(CommandName.QUEUE_ITEM_UPDATE, item=item)
    assert editor.call(CommandName.STATUS)["plan_queue_uid"] == before
    editor.ok(CommandName.QUEUE_CLEAR)
    after_clear = editor.call(CommandName.STATUS)["plan_queue_uid"]
    assert after_clear != before
    editor.ok(CommandName.QUEUE_CLEAR)
    assert editor.call(CommandName.STATUS)["plan_queue_uid"] == after_clear


def test_unknown_commands_and_bad_parameters_are_refused(editor):
    assert editor.call("queue_explode") == {"success": False, "msg": "unknown command 'queue_explode'"}
    reply = editor.manager.call(CommandName.QUEUE_ITEM_ADD, ["not", "a", "dict"])
    assert reply == {"success": False, "msg": "parameters must be a JSON object"}
    reply = editor.call(CommandName.QUEUE_ITEM_ADD, item="count")
    assert reply["success"] is False and "must be a JSON object" in reply["msg"]
    reply = editor.call(CommandName.QUEUE_ITEM_ADD, item={"item_type": "instruction", "name": "explode"})
    assert reply["success"] is False and "queue_stop" in reply["msg"]
