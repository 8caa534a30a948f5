"""Documents from the real RunEngine reach the manager's listeners: complete, in order, batched.

And the start documents carry what a run needs to be found again: the
queue item's uid, the scientist's run metadata, the item's own ``meta``,
and a scan id that goes on across environments and restarts.
"""

from tests.conftest import TEST_PROFILE, Documents, RunningManager
from queue_gui.wire import CommandName


def test_a_scan_reaches_listeners_in_order_with_every_point_and_fewer_messages(engine):
    documents = Documents(engine.manager)
    engine.add("scan", ["det1"], "motor1", -1, 1, 200)
    engine.open_environment()
    engine.run_queue()
    assert engine.history()[-1]["result"]["exit_status"] == "completed"
    names = [name for name, _ in documents.all]
    assert names[0] == "start" and names[1] == "descriptor" and names[-1] == "stop"
    (descriptor,) = documents.named("descriptor")
    rows = documents.rows(descriptor["uid"])
    assert len(rows) == 200
    positions = [row["motor1"] for row in rows]
    assert positions == sorted(positions) and positions[0] == -1 and positions[-1] == 1
    assert len(documents.batches) < 200 / 2, "events are batched, not one message each"
    assert "event_page" in names


def test_start_documents_carry_item_uid_run_metadata_and_item_meta(engine):
    documents = Documents(engine.manager)
    engine.ok(CommandName.METADATA_SET, metadata={"sample": "Si 111", "operator": "A. Smith", "proposal_id": "P-1"})
    item = engine.ok(
        CommandName.QUEUE_ITEM_ADD, item={"name": "count", "args": [["det1"]], "meta": {"sample": "Ge 220", "note": "x"}}
    )["item"]
    engine.open_environment()
    engine.run_queue()
    (start,) = documents.named("start")
    assert start["item_uid"] == item["item_uid"], "the run leads back to its queue item"
    assert start["operator"] == "A. Smith" and start["proposal_id"] == "P-1"
    assert start["sample"] == "Ge 220" and start["note"] == "x", "the item's meta wins over the panel's"
    history = engine.history()[-1]
    assert history["result"]["run_uids"] == [start["uid"]]


def test_run_metadata_survives_a_restart_and_refuses_keys_bluesky_owns(data_dir):
    first = RunningManager(data_dir, TEST_PROFILE)
    try:
        first.ok(CommandName.METADATA_SET, metadata={"sample": "LaB6"})
        for bad, why in (
            ({"uid": "x"}, "'uid'"),
            ({"scan_id": 5}, "'scan_id'"),
            ("sample", "must be an object"),
            ({"sample": float("nan")}, "finite"),
            ({"": 1}, "non-empty"),
        ):
            reply = first.call(CommandName.METADATA_SET, metadata=bad)
            assert reply["success"] is False and why in reply["msg"], reply
    finally:
        first.stop()
    second = RunningManager(data_dir, TEST_PROFILE)
    try:
        assert second.ok(CommandName.METADATA_GET)["metadata"] == {"sample": "LaB6"}
    finally:
        second.stop()


def test_scan_ids_go_on_across_environments_and_restarts(data_dir):
    first = RunningManager(data_dir, TEST_PROFILE)
    documents = Documents(first.manager)
    try:
        first.add("count", ["det1"])
        first.open_environment()
        first.run_queue()
        first.ok(CommandName.ENVIRONMENT_CLOSE)
        first.watch.wait_state("idle", worker_environment_exists=False)
        first.add("count", ["det1"])
        first.open_environment()
        first.run_queue()
    finally:
        first.stop()
    second = RunningManager(data_dir, TEST_PROFILE)
    later = Documents(second.manager)
    try:
        second.add("count", ["det1"])
        second.open_environment()
        second.run_queue()
    finally:
        second.stop()
    scan_ids = [doc["scan_id"] for doc in documents.named("start") + later.named("start")]
    assert scan_ids == [scan_ids[0], scan_ids[0] + 1, scan_ids[0] + 2]


def test_a_listener_that_raises_does_not_abort_the_scan(engine):
    def broken(kind, payload):
        if kind == "documents":
            raise RuntimeError("a consumer with a bug")

    engine.manager.subscribe(broken)
    documents = Documents(engine.manager)
    engine.add("scan", ["det1"], "motor1", -1, 1, 5)
    engine.open_environment()
    engine.run_queue()
    assert engine.history()[-1]["result"]["exit_status"] == "completed"
    assert [name for name, _ in documents.all][-1] == "stop", "the other listeners got every document"
