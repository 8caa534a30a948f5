"""The manager publishes what changed: each queue and history event, replayed on the one before,
gives exactly what ``queue_get``/``history_get`` return, and comes before the reply that caused it.

Architecture #1: listeners used to get only new ``*_uid``s and reloaded the
whole queue to find out what had changed.
"""

import threading

from queue_gui.wire import CommandName, EventKind


class Events:
    """Every typed event of one manager, in order."""

    def __init__(self, manager):
        self._lock = threading.Lock()
        self.events = {EventKind.QUEUE: [], EventKind.HISTORY: [], EventKind.DESCRIPTION: [], EventKind.METADATA: []}
        manager.subscribe(self._on_event)

    def _on_event(self, kind, payload):
        if kind in self.events:
            with self._lock:
                self.events[kind].append(payload)

    def of(self, kind):
        with self._lock:
            return list(self.events[kind])


def replay_queue(items, running, change):
    """What a follower does with one queue change (the documented grammar, applied to plain lists)."""
    op = change[0]
    if op == "insert":
        return items[: change[1]] + list(change[2]) + items[change[1]:], running
    if op == "remove":
        gone = set(change[1])
        return [item for i, item in enumerate(items) if i not in gone], running
    if op == "move":
        gone = set(change[1])
        moved = [items[i] for i in change[1]]
        rest = [item for i, item in enumerate(items) if i not in gone]
        return rest[: change[2]] + moved + rest[change[2]:], running
    if op == "replace":
        return items[: change[1]] + [change[2]] + items[change[1] + 1:], running
    if op == "clear":
        return [], running
    if op == "start":
        return items[1:], items[0]
    if op == "run":
        return items, change[1]
    if op == "finish":
        return ([running] + items if change[1] else items), None
    raise AssertionError(f"unknown change {change!r}")


def replay_history(records, change):
    if change[0] == "append":
        return records + list(change[1])
    if change[0] == "drop_front":
        return records[change[1]:]
    raise AssertionError(f"unknown change {change!r}")


def uids(items):
    return [item["item_uid"] for item in items]


def test_every_queue_and_history_change_replays_exactly(engine):
    events = Events(engine.manager)
    a = engine.add("count", ["det1"])
    engine.ok(CommandName.QUEUE_ITEM_ADD_BATCH, items=[{"name": "count", "args": [["det2"]]}, {"name": "count", "args": [["det1", "det2"]]}], pos=0)
    c = engine.add("count", ["det1"], num=3)
    engine.ok(CommandName.QUEUE_ITEM_MOVE_BATCH, uids=[c["item_uid"], a["item_uid"]], pos_dest="front")
    engine.ok(CommandName.QUEUE_ITEM_UPDATE, item={**a, "kwargs": {"num": 2}})
    queue = engine.queue()
    engine.ok(CommandName.QUEUE_ITEM_REMOVE_BATCH, uids=[queue[1]["item_uid"], queue[3]["item_uid"]])
    engine.open_environment()
    engine.run_queue()
    engine.add("count", ["det1"])
    engine.ok(CommandName.QUEUE_ITEM_EXECUTE, item={"name": "count", "args": [["det2"]]})
    engine.watch.wait(lambda s: s["items_in_history"] == 3 and s["running_item_uid"] is None, 30, "the immediate run")
    engine.ok(CommandName.HISTORY_CLEAR, size=1)
    engine.ok(CommandName.QUEUE_CLEAR)

    queue_events = events.of(EventKind.QUEUE)
    kinds = {change[0] for event in queue_events for change in event["changes"]}
    assert {"insert", "move", "replace", "remove", "start", "finish", "run", "clear"} <= kinds
    items, running = None, None
    for event in queue_events:
        if items is not None:
            for change in event["changes"]:
                items, running = replay_queue(items, running, change)
            assert uids(items) == uids(event["items"]) and items == event["items"], event["changes"]
            assert (running or {}) == event["running_item"]
        items, running = list(event["items"]), event["running_item"] or None
    assert [e["serial"] for e in queue_events] == list(range(queue_events[0]["serial"], queue_events[0]["serial"] + len(queue_events)))
    assert queue_events[-1]["items"] == engine.queue() == []

    history_events = events.of(EventKind.HISTORY)
    records = None
    for event in history_events:
        if records is not None:
            for change in event["changes"]:
                records = replay_history(records, change)
            assert records == event["items"]
        records = list(event["items"])
    assert records == engine.history() and len(records) == 1


def test_an_event_is_published_before_the_reply_and_latest_event_is_current(engine):
    seen = []
    engine.manager.subscribe(lambda kind, payload: seen.append(kind) if kind == EventKind.QUEUE else None)
    before = len(seen)
    item = engine.add("count", ["det1"])
    assert len(seen) == before + 1, "the queue event went out before the add was answered"
    latest = engine.manager.latest_event(EventKind.QUEUE)
    assert uids(latest["items"]) == [item["item_uid"]]
    assert latest["plan_queue_uid"] == engine.ok(CommandName.STATUS)["plan_queue_uid"]


def test_description_and_metadata_come_whole_in_one_event_each(engine):
    events = Events(engine.manager)
    description = engine.manager.latest_event(EventKind.DESCRIPTION)
    assert "count" in description["plans_allowed"] and "det1" in description["devices_allowed"]
    assert description["plans_allowed_uid"] == engine.ok(CommandName.STATUS)["plans_allowed_uid"]
    engine.ok(CommandName.METADATA_SET, metadata={"sample": "Si 111"})
    (metadata,) = events.of(EventKind.METADATA)
    assert metadata["metadata"] == {"sample": "Si 111"}
    assert metadata["run_metadata_uid"] == engine.ok(CommandName.STATUS)["run_metadata_uid"]
    engine.add("count", ["det1"])
    assert events.of(EventKind.DESCRIPTION) == [], "nothing re-sent that did not change"
