"""Loading startup profiles: what a scientist's file exports to the queue."""

import inspect

import pytest
from ophyd.sim import SynAxis, SynGauss

from queue_gui.worker.profile import DEFAULT_PROFILE_PATH, PROFILE_HOOK, load_profile

SEED_PLANS = {
    "count",
    "scan",
    "rel_scan",
    "list_scan",
    "rel_list_scan",
    "grid_scan",
    "rel_grid_scan",
    "mv",
    "mvr",
    "sleep",
}


def test_default_profile_exports_seed_devices_and_plans():
    profile = load_profile(None)
    assert profile.path == str(DEFAULT_PROFILE_PATH)
    assert isinstance(profile.devices["det1"], SynGauss)
    assert isinstance(profile.devices["det2"], SynGauss)
    assert isinstance(profile.devices["motor"], SynAxis)
    assert set(profile.plans) == SEED_PLANS
    # __all__ is exact: the modules and helpers it imports are not exported.
    assert set(profile.plans) | set(profile.devices) == set(profile.namespace["__all__"])
    assert "img" not in profile.devices
    assert profile.run_engine_hook is None


def test_default_profile_path_loads_like_none():
    profile = load_profile(str(DEFAULT_PROFILE_PATH))
    assert "count" in profile.plans and "motor" in profile.devices


def test_profile_without_all_exports_public_plans_and_devices(tmp_path):
    path = tmp_path / "beamline.py"
    path.write_text(
        "from bluesky.plans import count\n"
        "from bluesky.plan_stubs import mv\n"
        "from ophyd.sim import SynAxis, det1\n"
        "import numpy as np\n"
        "theta = SynAxis(name='theta')\n"
        "_hidden = SynAxis(name='hidden')\n"
        "EXPOSURE = 0.1\n"
        "def helper(x):\n"
        "    return x\n"
        "def my_plan(detectors, num=2):\n"
        "    '''Count twice.'''\n"
        "    yield from count(detectors, num)\n"
        "def configure_run_engine(RE):\n"
        "    RE.md['beamline'] = 'test'\n"
    )
    profile = load_profile(str(path))
    assert set(profile.plans) == {"count", "mv", "my_plan"}
    assert set(profile.devices) == {"theta", "det1"}
    # classes, modules, constants and plain functions are not exported
    assert "SynAxis" not in profile.devices and "np" not in profile.devices
    assert inspect.isgeneratorfunction(profile.plans["my_plan"])
    assert profile.run_engine_hook is profile.namespace[PROFILE_HOOK]


def test_all_naming_a_non_plan_is_ignored_with_a_warning(tmp_path, caplog):
    path = tmp_path / "p.py"
    path.write_text(
        "from ophyd.sim import det1\nEXPOSURE = 0.1\n__all__ = ['det1', 'EXPOSURE']\n"
    )
    profile = load_profile(str(path))
    assert set(profile.devices) == {"det1"} and profile.plans == {}
    assert "EXPOSURE" in caplog.text


def test_profile_does_not_run_main_block(tmp_path):
    path = tmp_path / "p.py"
    path.write_text("if __name__ == '__main__':\n    raise SystemExit('ran as main')\n")
    assert load_profile(str(path)).plans == {}


def test_profile_that_raises_propagates_the_error(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("from ophyd.sim import det1\nraise RuntimeError('no beam today')\n")
    with pytest.raises(RuntimeError, match="no beam today"):
        load_profile(str(path))


def test_profile_calling_sys_exit_becomes_an_error(tmp_path):
    path = tmp_path / "exits.py"
    path.write_text("import sys\nsys.exit(3)\n")
    with pytest.raises(RuntimeError, match="sys.exit"):
        load_profile(str(path))


def test_missing_profile_file_names_the_path(tmp_path):
    missing = tmp_path / "nope.py"
    with pytest.raises(FileNotFoundError, match="nope.py"):
        load_profile(str(missing))
