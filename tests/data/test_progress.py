"""Progress of the running plan and the queue's end, from real documents and history records."""

import pytest

from queue_gui.data.progress import DurationEstimator, RunProgress, expected_points
from tests.conftest import Documents


def test_progress_moves_from_0_to_n_of_n_with_a_real_scan(engine):
    documents = Documents(engine.manager)
    item = engine.add("scan", ["det1"], "motor1", -1, 1, 11)
    engine.open_environment()
    engine.run_queue()
    progress = RunProgress()
    seen = []
    for batch in documents.batches:
        progress.add_documents(batch)
        seen.append(progress.points)
    assert progress.total == 11 and progress.points == 11 and progress.fraction == 1.0
    assert seen == sorted(seen), "points only ever go up"
    assert progress.item_uid == item["item_uid"] and progress.plan_name == "scan"
    assert progress.finished and progress.remaining(progress.time_last_point + 60) == 0.0
    assert progress.elapsed(progress.time_last_point + 60) == pytest.approx(progress.time_last_point - progress.time_start)


def test_a_new_run_starts_counting_again():
    progress = RunProgress()
    progress.add_documents([["start", {"uid": "a", "time": 0.0, "num_points": 4}]])
    progress.add_documents([["descriptor", {"uid": "d", "run_start": "a", "name": "primary"}]])
    progress.add_documents([["event_page", {"descriptor": "d", "seq_num": [1, 2], "time": [1.0, 2.0]}]])
    assert (progress.points, progress.total) == (2, 4)
    assert progress.remaining(now=2.0) == pytest.approx(2.0), "two more points at one second each"
    progress.add_documents([["descriptor", {"uid": "b", "run_start": "a", "name": "baseline"}]])
    progress.add_documents([["event", {"descriptor": "b", "seq_num": 1, "time": 2.5}]])
    assert progress.points == 2, "baseline readings are not points"
    progress.add_documents([["start", {"uid": "z", "time": 10.0}]])
    assert (progress.points, progress.total, progress.fraction) == (0, None, None)


@pytest.mark.parametrize(
    "item, points",
    [
        ({"name": "count", "args": [["det1"]]}, 1),
        ({"name": "count", "args": [["det1"]], "kwargs": {"num": 7}}, 7),
        ({"name": "count", "args": [["det1"], 3]}, 3),
        ({"name": "scan", "args": [["det1"], "motor", -1, 1, 10]}, 10),
        ({"name": "scan", "args": [["det1"], "motor", -1, 1], "kwargs": {"num": 4}}, 4),
        ({"name": "list_scan", "args": [["det1"], "motor", [1, 2, 3]]}, 3),
        ({"name": "grid_scan", "args": [["det4"], "motor1", -1, 1, 3, "motor2", -1, 1, 5]}, 15),
        ({"name": "mv", "args": ["motor", 1]}, None),
    ],
)
def test_expected_points_from_the_arguments(item, points):
    assert expected_points(item) == points


def record(name, args, kwargs, took, status="completed"):
    return {"name": name, "args": args, "kwargs": kwargs, "result": {"exit_status": status, "time_start": 100.0, "time_stop": 100.0 + took}}


def test_queue_end_from_same_calls_then_per_point_rates_then_delay():
    history = [
        record("count", [["det1"]], {"num": 10}, 20.0),
        record("count", [["det1"]], {"num": 10}, 22.0),
        record("count", [["det1"]], {"num": 10}, 90.0, status="failed"),
        record("scan", [["det1"], "motor", -1, 1, 10], {}, 5.0),
    ]
    estimator = DurationEstimator(history)
    assert estimator.duration({"name": "count", "args": [["det1"]], "kwargs": {"num": 10}}) == 21.0
    assert estimator.duration({"name": "scan", "args": [["det2"], "motor", 0, 1, 40]}) == pytest.approx(20.0)
    assert estimator.duration({"name": "count", "args": [["det2"]], "kwargs": {"num": 5}}) == pytest.approx(10.5)
    assert DurationEstimator().duration({"name": "count", "args": [["det1"]], "kwargs": {"num": 5, "delay": 2}}) == 10
    assert DurationEstimator().duration({"name": "mv", "args": ["motor", 1]}) is None

    queue = [
        {"item_type": "plan", "name": "count", "args": [["det1"]], "kwargs": {"num": 10}},
        {"item_type": "plan", "name": "mv", "args": ["motor", 1], "kwargs": {}},
        {"item_type": "instruction", "name": "queue_stop"},
        {"item_type": "plan", "name": "count", "args": [["det1"]], "kwargs": {"num": 10}},
    ]
    end, unknown = estimator.queue_end(queue, now=1000.0, running_left=9.0, running=True)
    assert (end, unknown) == (1000.0 + 9.0 + 21.0, 1), "counting stops at the queue stop"
    assert DurationEstimator().queue_end([queue[1]], now=0.0) == (None, 1)
    assert DurationEstimator().queue_end([], now=0.0) == (None, 0)


def test_time_left_holds_still_while_paused():
    """The new user saw "~0:01 left" run down to zero while a plan sat paused."""
    progress = RunProgress()
    progress.add_documents([["start", {"uid": "a", "time": 0.0, "num_points": 10}]])
    progress.add_documents([["descriptor", {"uid": "d", "run_start": "a", "name": "primary"}]])
    progress.add_documents([["event_page", {"descriptor": "d", "seq_num": [1, 2, 3, 4], "time": [1.0, 2.0, 3.0, 4.0]}]])
    assert progress.remaining(now=4.0) == pytest.approx(6.0)
    assert progress.remaining(now=60.0, paused=True) == pytest.approx(6.0), "paused: no time passes for the plan"
    assert progress.remaining(now=60.0) == pytest.approx(5.0), "a point overdue counts once, not for ever"


def test_a_delay_between_points_is_never_estimated_away_by_a_faster_run_of_the_same_plan():
    """Seen in a screenshot: count(num=20, delay=0.2) read "~0:00" after a count without delay."""
    estimator = DurationEstimator([record("count", [["det1", "det2"]], {"num": 5}, 0.01)])
    assert estimator.duration({"name": "count", "args": [["det1"]], "kwargs": {"num": 20, "delay": 0.2}}) == pytest.approx(4.0)
    assert estimator.duration({"name": "count", "args": [["det1"]], "kwargs": {"num": 20}}) == pytest.approx(0.04)


def test_the_queue_tally_follows_changes_and_sums_like_the_whole_queue():
    """Summing 10,000 queued plans on every queue change cost milliseconds twice per plan."""
    from queue_gui.data.progress import QueueTally

    def plan(num, uid):
        return {"item_uid": uid, "item_type": "plan", "name": "count", "args": [["det1"]], "kwargs": {"num": num, "delay": 1}}

    a, b, c, d = plan(1, "a"), plan(2, "b"), plan(1, "c"), plan(3, "d")
    estimator = DurationEstimator()
    tally = QueueTally([a, b])
    steps = [
        ([("insert", 2, [c])], [a, b, c], None),
        ([("start",)], [b, c], a),
        ([("finish", True)], [a, b, c], None),
        ([("start",)], [b, c], a),
        ([("finish", False), ("insert", 2, [d])], [b, c, d], None),
        ([("remove", [0])], [c, d], None),
        ([("replace", 0, b)], [b, d], None),
        ([("move", [1], 0)], [d, b], None),  # not followed: counted again
    ]
    for changes, items, running in steps:
        tally.follow({"changes": changes, "items": items, "running_item": running or {}})
        assert tally.sum(estimator) == estimator._queued_sum(list(items)), changes
    stop = {"item_uid": "s", "item_type": "instruction", "name": "queue_stop"}
    tally.follow({"changes": [("insert", 1, [stop])], "items": [d, stop, b], "running_item": {}})
    assert tally.has_stop
    assert estimator.queue_end(tally, now=0.0) == estimator.queue_end([d, stop, b], now=0.0) == (3.0, 0), "counting stops at the stop"
