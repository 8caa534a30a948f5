"""The profile description the manager validates against (no bluesky there)."""

import json

import pytest

from queue_gui.worker.describe import describe_profile
from queue_gui.worker.profile import load_profile


@pytest.fixture(scope="module")
def description():
    return describe_profile(load_profile(None))


def _params(description, plan):
    return {p["name"]: p for p in description["plans"][plan]["parameters"]}


def test_description_is_plain_json(description):
    assert json.loads(json.dumps(description)) == description
    assert set(description) == {"plans", "devices"}


def test_count_plan_description(description):
    count = description["plans"]["count"]
    assert count["name"] == "count"
    assert count["module"] == "bluesky.plans"
    assert count["description"] == "Take one or more readings from detectors."
    assert count["properties"] == {"is_generator": True}
    params = _params(description, "count")
    assert list(params) == ["detectors", "num", "delay", "per_shot", "md"]
    assert params["detectors"]["kind"] == {"name": "POSITIONAL_OR_KEYWORD", "value": 1}
    assert params["md"]["kind"] == {"name": "KEYWORD_ONLY", "value": 3}
    assert "default" not in params["detectors"]
    assert params["num"]["default"] == "1"
    assert params["delay"]["default"] == "0.0"
    assert params["md"]["default"] == "None"
    assert params["detectors"]["annotation"] == {
        "type": "collections.abc.Sequence[bluesky.protocols.Readable]"
    }
    assert params["num"]["description"].startswith("number of readings to take")


def test_device_parameters_are_marked(description):
    count = _params(description, "count")
    assert count["detectors"]["convert_device_names"] is True
    assert count["num"]["convert_device_names"] is False
    # per_shot's annotation mentions Readable only inside a Callable
    assert count["per_shot"]["convert_device_names"] is False
    assert count["md"]["convert_device_names"] is False
    for plan in ("scan", "rel_scan", "list_scan", "rel_list_scan", "grid_scan", "mv", "mvr"):
        args = _params(description, plan)["args"]
        assert args["kind"] == {"name": "VAR_POSITIONAL", "value": 2}
        assert args["convert_device_names"] is True, plan
    assert _params(description, "scan")["num"]["convert_device_names"] is False
    assert _params(description, "sleep")["time"]["convert_device_names"] is False


def test_mv_is_described_although_not_a_generator_function_itself(description):
    mv = description["plans"]["mv"]
    assert mv["description"].startswith("Move one or more devices")
    assert _params(description, "mv")["args"]["description"].startswith("device1, value1")


def test_device_descriptions(description):
    devices = description["devices"]
    motor = devices["motor"]
    assert motor["classname"] == "SynAxis" and motor["module"] == "ophyd.sim"
    assert motor["is_movable"] is True and motor["is_readable"] is True
    assert motor["is_flyable"] is False
    assert {"readback", "setpoint", "velocity"} <= set(motor["components"])
    assert motor["components"]["velocity"]["classname"] == "Signal"
    det1 = devices["det1"]
    assert det1["classname"] == "SynGauss"
    assert det1["is_readable"] is True and det1["is_movable"] is False
