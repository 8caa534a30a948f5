"""Validation of queue items in the manager, against the real default profile's description."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from queue_gui.manager.validation import ItemInvalid, validate_item, validate_plan

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def description():
    # Imported here so the rest of the module needs no bluesky.
    from queue_gui.worker.describe import describe_profile
    from queue_gui.worker.profile import load_profile

    return describe_profile(load_profile(None))


@pytest.mark.parametrize(
    "name, args, kwargs",
    [
        ("count", [["det1", "det2"]], {}),
        ("scan", [["det1", "det2"], "motor", -1, 1, 10], {}),
        ("count", [["det1"]], {"num": 3, "delay": 0.1, "md": {"sample": "x"}}),
        ("count", [], {"detectors": ["det"], "num": None}),
        ("grid_scan", [["det4"], "motor1", -1, 1, 3, "motor2", -1, 1, 3], {}),
        ("list_scan", [["det1"], "motor", [1, 2, 3]], {}),
        ("mv", ["motor", 1, "motor.velocity", 2], {}),
        ("sleep", [0.1], {}),
    ],
)
def test_valid_plans_pass(description, name, args, kwargs):
    validate_plan(name, args, kwargs, description)


@pytest.mark.parametrize(
    "name, args, kwargs, expected",
    [
        # Hardening #12: accepted before, failed at run time and stopped the queue.
        ("grid_scan", [["det1"], "motor1", -1, 1, "motor2", -1, 1], {}, "after motor1, expected number of points, found motor2"),
        ("rel_grid_scan", [["det1"], "motor1", -1, 1, 3, "motor2", -1], {}, "after motor2, stop, number of points are missing"),
        ("scan", [["det1"], "motor1", -1, 1], {}, "the number of points is missing"),
        ("rel_scan", [["det1"], "motor1", -1, 1, 2.5], {}, "the number of points must be a positive integer, not 2.5"),
        ("scan", [["det1"], "motor1", -1, 1, 5], {"num": 5}, "given twice"),
        ("scan", [["det1"], "motor1", "a", 1, 5], {}, "after motor1, expected start, found a"),
        ("list_scan", [["det1"], "motor1", [1, 2], "motor2", [1]], {}, "different lengths"),
        ("list_scan", [["det1"], "motor1", 1], {}, "expected list of positions, found 1"),
        ("mv", ["motor1", 1, "motor2"], {}, "after motor2, position is missing"),
        ("scan", [["det1"]], {"num": 3}, "no motor is given"),
    ],
)
def test_scan_family_args_of_the_wrong_shape_are_refused_with_the_pattern(description, name, args, kwargs, expected):
    with pytest.raises(ItemInvalid) as info:
        validate_plan(name, args, kwargs, description)
    assert expected in str(info.value)
    assert "e.g." in str(info.value), "the message shows the pattern with an example"


@pytest.mark.parametrize(
    "name, args, kwargs",
    [
        ("scan", [["det1"], "motor1", -1, 1], {"num": 5}),
        ("scan", [["det1"], "motor1", -1, 1, "motor2", 0, 2, 7], {}),
        ("grid_scan", [["det4"], "motor1", -1, 1, 3, "motor2", -1, 1, 5, True], {}),
        ("list_scan", [["det1"], "motor1", [1, 2], "motor2", [3, 4]], {}),
        ("mvr", ["motor1", 0.5], {}),
    ],
)
def test_scan_family_args_of_the_right_shape_pass(description, name, args, kwargs):
    validate_plan(name, args, kwargs, description)


def test_unknown_plan_lists_available_plans_sorted(description):
    with pytest.raises(ItemInvalid) as info:
        validate_plan("cout", [], {}, description)
    assert str(info.value).startswith("unknown plan 'cout'; available: count, grid_scan, list_scan")


def test_unknown_device_in_detectors(description):
    with pytest.raises(ItemInvalid) as info:
        validate_plan("count", [["det1", "det9"]], {}, description)
    assert str(info.value).startswith(
        "unknown device 'det9' in parameter 'detectors' of plan 'count'; available: det, det1,"
    )


def test_unknown_device_in_detectors_given_by_keyword(description):
    with pytest.raises(ItemInvalid, match="unknown device 'det9'"):
        validate_plan("count", [], {"detectors": ["det9"]}, description)


def test_unknown_motor_in_scan_args(description):
    with pytest.raises(ItemInvalid, match="unknown device 'motr' in parameter 'args' of plan 'scan'"):
        validate_plan("scan", [["det1"], "motr", -1, 1, 10], {}, description)


def test_unknown_component_after_the_dot(description):
    with pytest.raises(ItemInvalid, match="unknown device 'motor.velocty'.*velocity"):
        validate_plan("mv", ["motor.velocty", 1], {}, description)


def test_strings_outside_device_parameters_are_not_checked(description):
    validate_plan("count", [["det1"]], {"md": {"operator": "not-a-device"}}, description)


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ([["det1"], 1, 0.0, 5], {}, "plan 'count': too many positional arguments"),
        ([], {}, "plan 'count': missing a required argument: 'detectors'"),
        ([["det1"]], {"nmu": 3}, "plan 'count': got an unexpected keyword argument 'nmu'"),
        ([["det1"]], {"detectors": ["det2"]}, "plan 'count': multiple values for argument"),
    ],
)
def test_arguments_that_do_not_bind(description, args, kwargs, message):
    with pytest.raises(ItemInvalid) as info:
        validate_plan("count", args, kwargs, description)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    "args, kwargs, fragment",
    [
        ([("det1", "det2")], {}, "args[0] is a tuple"),
        ([["det1"]], {"num": {1, 2}}, "kwargs['num'] is a set"),
        ([["det1"]], {"md": {1: "x"}}, "object keys must be strings"),
        ([["det1"], object()], {}, "not a JSON value"),
    ],
)
def test_non_json_values_are_refused(description, args, kwargs, fragment):
    with pytest.raises(ItemInvalid) as info:
        validate_plan("count", args, kwargs, description)
    assert fragment in str(info.value)


def test_args_and_kwargs_must_be_list_and_object(description):
    with pytest.raises(ItemInvalid, match="args must be a list, not a str"):
        validate_plan("count", "det1", {}, description)
    with pytest.raises(ItemInvalid, match="kwargs must be an object, not a list"):
        validate_plan("count", [["det1"]], [3], description)


def test_no_description_yet_is_a_clear_refusal():
    with pytest.raises(ItemInvalid, match="not been described"):
        validate_plan("count", [["det1"]], {}, None)


def test_item_is_normalized_to_a_full_record(description):
    item = {"name": "count", "args": [["det1", "det2"]]}
    normalized = validate_item(item, description)
    assert normalized == {
        "item_type": "plan",
        "name": "count",
        "args": [["det1", "det2"]],
        "kwargs": {},
        "meta": {},
    }
    assert item == {"name": "count", "args": [["det1", "det2"]]}  # input untouched
    normalized["args"][0].append("det3")
    assert item["args"][0] == ["det1", "det2"]  # a deep copy


def test_item_keeps_known_keys_and_does_not_invent_uid_or_user(description):
    item = {
        "item_type": "plan",
        "name": "scan",
        "args": [["det1"], "motor", -1, 1, 5],
        "kwargs": None,
        "user": "alice",
        "user_group": "primary",
        "meta": {"note": "peak"},
    }
    normalized = validate_item(item, description)
    assert normalized["kwargs"] == {}
    assert normalized["user"] == "alice" and normalized["meta"] == {"note": "peak"}
    assert "item_uid" not in validate_item({"name": "count", "args": [["det"]]}, description)


def test_queue_stop_instruction_is_valid(description):
    normalized = validate_item({"item_type": "instruction", "name": "queue_stop"}, description)
    assert normalized["item_type"] == "instruction" and normalized["name"] == "queue_stop"


def test_unknown_instruction_is_refused_listing_known_ones(description):
    with pytest.raises(ItemInvalid, match="unknown instruction 'queue_pause'; known instructions: queue_stop"):
        validate_item({"item_type": "instruction", "name": "queue_pause"}, description)


@pytest.mark.parametrize(
    "item, fragment",
    [
        ({"name": "count", "args": [["det1"]], "kwarg": {}, "priority": 1}, "unknown item key(s): kwarg, priority"),
        ({"item_type": "task", "name": "count"}, "unknown item_type 'task'"),
        ({"args": [["det1"]]}, "needs a 'name' string"),
        ({"name": "count", "args": [["det1"]], "meta": "x"}, "'meta' must be an object"),
        ({"name": "count", "args": "det1"}, "'args' must be a list"),
        ("count", "an item must be an object"),
        ({"name": "count", "args": [["det9"]]}, "unknown device 'det9'"),
    ],
)
def test_bad_items_are_refused(description, item, fragment):
    with pytest.raises(ItemInvalid) as info:
        validate_item(item, description)
    assert fragment in str(info.value)


def test_validation_imports_without_bluesky():
    env = dict(os.environ, PYTHONPATH=str(REPO))
    code = "import queue_gui.manager.validation, sys; assert 'bluesky' not in sys.modules; assert 'ophyd' not in sys.modules"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
