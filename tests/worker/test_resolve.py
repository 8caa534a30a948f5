"""Building plans from names and running them on a real RunEngine."""

import pytest
from bluesky import RunEngine

from queue_gui.worker.describe import describe_profile
from queue_gui.worker.profile import load_profile
from queue_gui.worker.resolve import PlanBuildError, build_plan


@pytest.fixture(scope="module")
def profile():
    return load_profile(None)


@pytest.fixture
def run():
    """Run a plan on a fresh RunEngine and return its documents."""
    RE = RunEngine(context_managers=[])
    documents = []
    RE.subscribe(lambda name, doc: documents.append((name, doc)))

    def _run(plan):
        RE(plan)
        return documents

    return _run


def test_count_from_names_records_the_detectors(profile, run):
    plan = build_plan(profile, None, "count", [["det1", "det2"]], {"num": 2})
    documents = run(plan)
    start = next(doc for name, doc in documents if name == "start")
    assert start["detectors"] == ["det1", "det2"]
    assert start["num_points"] == 2
    assert [name for name, _ in documents].count("event") == 2


def test_scan_with_motor_name_moves_the_motor(profile, run):
    description = describe_profile(profile)
    plan = build_plan(profile, description, "scan", [["det1"], "motor", -1, 2.5, 4], {})
    documents = run(plan)
    start = next(doc for name, doc in documents if name == "start")
    assert list(start["motors"]) == ["motor"]
    positions = [doc["data"]["motor"] for name, doc in documents if name == "event"]
    assert positions == pytest.approx([-1, 0.1666666, 1.3333333, 2.5], abs=1e-6)
    assert profile.devices["motor"].position == pytest.approx(2.5)


def test_mv_with_dotted_and_plain_names(profile, run):
    velocity = profile.devices["motor"].velocity.get()
    run(build_plan(profile, None, "mv", ["motor1", 0.75, "motor.velocity", 3], {}))
    try:
        assert profile.devices["motor1"].position == pytest.approx(0.75)
        assert profile.devices["motor"].velocity.get() == 3
    finally:
        profile.devices["motor"].velocity.put(velocity)


def test_strings_outside_device_parameters_are_kept(profile, run):
    plan = build_plan(profile, None, "count", [["det"]], {"md": {"sample": "det1"}})
    start = next(doc for name, doc in run(plan) if name == "start")
    assert start["sample"] == "det1"


def test_unknown_names_raise_clear_errors(profile):
    with pytest.raises(PlanBuildError, match="unknown plan 'cout'"):
        build_plan(profile, None, "cout", [], {})
    with pytest.raises(PlanBuildError, match="unknown device 'det9'.*'detectors'"):
        build_plan(profile, None, "count", [["det9"]], {})
    with pytest.raises(PlanBuildError, match="no attribute 'velocty'"):
        build_plan(profile, None, "mv", ["motor.velocty", 1], {})
    with pytest.raises(PlanBuildError, match="plan 'count': missing a required argument"):
        build_plan(profile, None, "count", [], {})
