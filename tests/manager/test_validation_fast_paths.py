"""The fast paths of item validation give the same answers as the slow ones.

Binding is computed once per call shape (number of positional arguments,
keyword names) and items are copied without ``copy.deepcopy``; these tests
pin that the values of each item, not of the first item of its shape, are
what gets checked and stored.
"""

import math

import pytest

from queue_gui.manager.validation import ItemInvalid, validate_item, validate_plan


@pytest.fixture(scope="module")
def description():
    from queue_gui.worker.describe import describe_profile
    from queue_gui.worker.profile import load_profile

    return describe_profile(load_profile(None))


def test_items_of_one_shape_are_checked_with_their_own_values(description):
    validate_plan("scan", [["det1"], "motor", -1, 1, 3], {}, description)
    with pytest.raises(ItemInvalid, match="unknown device 'motr' in parameter 'args'"):
        validate_plan("scan", [["det1"], "motr", -1, 1, 3], {}, description)
    validate_plan("count", [], {"detectors": ["det1"], "num": 2}, description)
    with pytest.raises(ItemInvalid, match="unknown device 'det9' in parameter 'detectors'"):
        validate_plan("count", [], {"detectors": ["det9"], "num": 2}, description)
    validate_plan("count", [["det2"]], {"num": 1}, description)


def test_a_shape_that_does_not_bind_is_refused_every_time(description):
    for _ in range(3):
        with pytest.raises(ItemInvalid, match="plan 'count': got an unexpected keyword argument 'nmu'"):
            validate_plan("count", [["det1"]], {"nmu": 3}, description)


def test_a_new_description_is_not_confused_with_a_cached_one(description):
    validate_plan("count", [["det1"]], {}, description)
    narrowed = {"plans": description["plans"], "devices": {"det2": description["devices"]["det2"]}}
    with pytest.raises(ItemInvalid, match="unknown device 'det1'"):
        validate_plan("count", [["det1"]], {}, narrowed)


def test_the_record_shares_nothing_with_the_request(description):
    item = {"name": "count", "args": [["det1"]], "kwargs": {"md": {"tags": ["a"]}}, "meta": {"x": [1]}}
    record = validate_item(item, description)
    assert record["args"] == item["args"] and record["kwargs"] == item["kwargs"] and record["meta"] == item["meta"]
    record["args"][0].append("det2")
    record["kwargs"]["md"]["tags"].append("b")
    record["meta"]["x"].append(2)
    assert item == {"name": "count", "args": [["det1"]], "kwargs": {"md": {"tags": ["a"]}}, "meta": {"x": [1]}}


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("where", ["args", "kwargs", "meta"])
def test_non_finite_numbers_are_not_json(description, number, where):
    item = {"name": "count", "args": [["det1"]], "kwargs": {}}
    if where == "args":
        item["args"] = [["det1"], 1, number]
    else:
        item[where] = {"delay": number}
    with pytest.raises(ItemInvalid, match="not a JSON value"):
        validate_item(item, description)


def test_finite_floats_and_big_integers_pass(description):
    record = validate_item({"name": "count", "args": [["det1"]], "kwargs": {"num": 10**30, "delay": 0.5}}, description)
    assert record["kwargs"] == {"num": 10**30, "delay": 0.5}


@pytest.mark.parametrize(
    "value, refusal",
    [
        (("det1", "det2"), "is a tuple"),  # orjson would write a list
        ({1: "a"}, "key 1 of type a int"),  # orjson refuses the key
        ("\ud800", None),  # a lone surrogate: orjson refuses it, Python keeps it
        (True, None),  # stays a bool, not 1
        (-0.0, None),
    ],
)
def test_what_a_json_round_trip_would_change_is_kept_exact_or_refused(description, value, refusal):
    """The C-speed copy is trusted only when it equals the original; anything else is judged exactly."""
    item = {"name": "count", "args": [["det1"]], "kwargs": {"md": {"value": value}}}
    if refusal:
        with pytest.raises(ItemInvalid, match=refusal):
            validate_item(item, description)
        return
    stored = validate_item(item, description)["kwargs"]["md"]["value"]
    assert stored == value and type(stored) is type(value) and repr(stored) == repr(value)
