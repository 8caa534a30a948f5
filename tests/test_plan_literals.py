"""Typed literals to JSON values and back (queue_gui.plan_literals: no Qt)."""

import pytest

from queue_gui.plan_literals import format_literal, parse_literal, to_json

DEVICES = {"motor": {}, "det1": {}, "det2": {}}


@pytest.mark.parametrize(
    "text, value",
    [
        ("3", 3),
        ("-1.5e3", -1500.0),
        ("'text'", "text"),
        ("None", None),
        ("True", True),
        ("[1, (2, 3)]", [1, (2, 3)]),
        ("{'a': [1]}", {"a": [1]}),
        ("  42  ", 42),
    ],
)
def test_literals_evaluate_as_python_does(text, value):
    assert parse_literal(text) == value


def test_bare_device_names_become_their_names_and_other_names_are_refused():
    assert parse_literal("[det1, det2]", DEVICES) == ["det1", "det2"]
    assert parse_literal("motor.velocity", DEVICES) == "motor.velocity"
    with pytest.raises(ValueError, match="'sample' is not a device; write text in quotes"):
        parse_literal("sample", DEVICES)
    with pytest.raises(ValueError, match="sample is not a literal"):
        parse_literal("sample")


@pytest.mark.parametrize("text", ["1 +", "[1, 2", "f(1)", "__import__('os')", "1 if True else 2"])
def test_what_is_not_a_literal_is_refused_with_a_message(text):
    with pytest.raises(ValueError, match="not a"):
        parse_literal(text)


def test_to_json_turns_tuples_into_lists_and_refuses_what_json_cannot_carry():
    assert to_json((1, (2, {"a": (3,)}))) == [1, [2, {"a": [3]}]]
    with pytest.raises(ValueError, match="keys must be 'quoted text'"):
        to_json({1: "a"})
    with pytest.raises(ValueError, match="set values cannot be sent"):
        to_json({1, 2})
    with pytest.raises(ValueError, match="bytes values"):
        to_json(parse_literal("b'x'"))


@pytest.mark.parametrize("value", [["det1", "det2"], "motor", {"k": ["det1", 2]}, "not a device", 1.5, None])
def test_a_written_literal_reads_back_as_the_same_value(value):
    text = format_literal(value, DEVICES)
    assert to_json(parse_literal(text, DEVICES)) == value


def test_devices_are_written_bare_and_other_text_quoted():
    assert format_literal(["det1", "x"], DEVICES) == "[det1, 'x']"
    assert format_literal("det1") == "'det1'"  # not a device without the profile's names
