"""Plan description parameters and the placing of values into a call (queue_gui.plan_parameters: no Qt)."""

import inspect

import pytest

from queue_gui.plan_parameters import (
    ArgumentProblem,
    annotation_text,
    arrange_arguments,
    default_value,
    described_kind,
    field_kind,
    param_kind,
)

P = inspect.Parameter


def param(name, kind=P.POSITIONAL_OR_KEYWORD, **more):
    return {"name": name, "kind": {"name": kind.name, "value": int(kind)}, **more}


def test_the_kind_is_the_described_one_and_positional_or_keyword_when_undescribed():
    assert param_kind(param("x", P.KEYWORD_ONLY)) == P.KEYWORD_ONLY
    assert described_kind(param("x", P.VAR_POSITIONAL)) == P.VAR_POSITIONAL
    for undescribed in ({"name": "x"}, {"name": "x", "kind": None}, {"name": "x", "kind": {"value": 9}}):
        assert described_kind(undescribed) is None
        assert param_kind(undescribed) == P.POSITIONAL_OR_KEYWORD


def test_the_manager_binds_with_the_same_kinds():
    from queue_gui.manager.validation import signature_from_description

    params = [param("a", P.POSITIONAL_ONLY), {"name": "u"}, param("args", P.VAR_POSITIONAL), param("k", P.KEYWORD_ONLY)]
    signature = signature_from_description({"parameters": params})
    assert [p.kind for p in signature.parameters.values()] == [param_kind(p) for p in params]


def test_annotation_text_reads_both_shapes():
    assert annotation_text({"annotation": {"type": "int"}}) == "int"
    assert annotation_text({"annotation": "float"}) == "float"
    assert annotation_text({}) == ""


@pytest.mark.parametrize(
    "description, kind",
    [
        (param("per_step", annotation={"type": "Callable"}), "skip"),
        (param("md", default="None"), "advanced"),
        (param("kwargs", P.VAR_KEYWORD), "advanced"),
        (param("args", P.VAR_POSITIONAL), "args"),
        (param("detectors", convert_device_names=True), "devices"),
        (param("motor", convert_device_names=True), "device"),
        (param("num", annotation={"type": "int"}), "number"),
        (param("delay", default="0.5"), "number"),
        (param("positions", annotation={"type": "list[float]"}), "literal"),
        (param("note"), "literal"),
    ],
)
def test_field_kind_picks_the_editor_for_a_parameter(description, kind):
    assert field_kind(description) == kind


COUNT = [param("detectors"), param("num", default="1"), param("delay", default="None"), param("md", default="None")]
SCAN = [
    param("detectors"),
    param("args", P.VAR_POSITIONAL),
    param("num", P.KEYWORD_ONLY, default="None"),
    param("md", P.KEYWORD_ONLY, default="None"),
]


def test_what_has_a_default_is_given_by_name():
    assert arrange_arguments(COUNT, {"detectors": ["det1"], "num": 5}) == ([["det1"]], {"num": 5})


def test_after_an_empty_required_slot_values_go_by_name():
    params = [param("a"), param("b"), param("c")]
    assert arrange_arguments(params, {"a": 1, "c": 3}) == ([1], {"c": 3})


def test_star_args_extend_args_and_fill_earlier_slots_with_their_defaults():
    values = {"detectors": ["det1"], "args": ["motor", -1, 1]}
    assert arrange_arguments(SCAN, values) == ([["det1"], "motor", -1, 1], {})
    params = [param("x", default="2"), param("args", P.VAR_POSITIONAL)]
    assert arrange_arguments(params, {"args": [7]}) == ([2, 7], {})


def test_a_slot_before_star_args_without_a_default_names_itself():
    params = [param("x"), param("args", P.VAR_POSITIONAL)]
    with pytest.raises(ArgumentProblem) as problem:
        arrange_arguments(params, {"args": [1]})
    assert problem.value.name == "x" and "comes before *args" in str(problem.value)


def test_a_positional_only_value_after_a_gap_cannot_be_placed():
    params = [param("a", P.POSITIONAL_ONLY), param("b", P.POSITIONAL_ONLY)]
    with pytest.raises(ArgumentProblem) as problem:
        arrange_arguments(params, {"b": 2})
    assert problem.value.name == "b"


def test_kwargs_and_keyword_only_go_to_kwargs():
    params = [param("k", P.KEYWORD_ONLY), param("kwargs", P.VAR_KEYWORD)]
    assert arrange_arguments(params, {"k": 1, "kwargs": {"extra": 2}}) == ([], {"k": 1, "extra": 2})


def test_default_value_is_the_default_as_json():
    assert default_value(param("x", default="(1, 2)")) == [1, 2]
    with pytest.raises(ValueError, match="fill this in: 'x'"):
        default_value(param("x"))
