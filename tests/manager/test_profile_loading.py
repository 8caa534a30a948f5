"""The profile while it loads: plans checked or held, never refused for being early; a hung profile bounded.

Hardening #3 and #10. A profile that hangs at import (``time.sleep`` at top
level, hardware that does not answer) used to leave the manager
``initializing`` for good; plans added in the second or so before the
standby described the profile were refused.
"""

import textwrap
import threading

from queue_gui.manager.manager import Manager
from queue_gui.testing import StatusWatch
from tests.conftest import RunningManager
from queue_gui.wire import CommandName

HANGING = "import time\ntime.sleep(600)\n"
SMALL = textwrap.dedent(
    """
    from bluesky.plans import count
    from ophyd.sim import det1
    """
)


class Started:
    """A manager on its thread, not waited for: what a window or a script sees at once."""

    def __init__(self, data_dir, profile, **options):
        self.manager = Manager(data_dir, str(profile), **options)
        self.thread = threading.Thread(target=self.manager.run, daemon=True)
        self.thread.start()
        self.watch = StatusWatch(self.manager)

    def stop(self):
        assert self.manager.shutdown(60)
        self.thread.join(10)


def test_a_plan_added_before_the_first_description_is_held_and_then_accepted(tmp_path):
    profile = tmp_path / "profile.py"
    profile.write_text(SMALL)
    started = Started(str(tmp_path / "data"), profile)
    try:
        reply = started.manager.submit(CommandName.QUEUE_ITEM_ADD, {"item": {"name": "count", "args": [["det1"]]}}).result(60)
        assert reply["success"], reply["msg"]
        assert started.manager.call(CommandName.STATUS)["profile_state"] == "loaded"
        unknown = started.manager.call(CommandName.QUEUE_ITEM_ADD, {"item": {"name": "count", "args": [["det9"]]}})
        assert unknown["success"] is False and "unknown device 'det9'" in unknown["msg"]
    finally:
        started.stop()


def test_an_unchanged_profile_is_checked_against_the_kept_description_at_once(tmp_path):
    profile = tmp_path / "profile.py"
    profile.write_text(SMALL + "import time\ntime.sleep(3)  # a beamline profile that takes its time\n")
    first = RunningManager(str(tmp_path / "data"), str(profile))
    first.stop()
    started = Started(str(tmp_path / "data"), profile)
    try:
        status = started.manager.call(CommandName.STATUS)
        reply = started.manager.call(CommandName.QUEUE_ITEM_ADD, {"item": {"name": "count", "args": [["det1"]]}})
        assert reply["success"], reply["msg"]
        assert status["profile_state"] == "loading", "answered before the standby described the profile"
    finally:
        started.stop()


def test_an_edited_profile_is_not_checked_against_the_old_description(tmp_path):
    profile = tmp_path / "profile.py"
    profile.write_text(SMALL)
    RunningManager(str(tmp_path / "data"), str(profile)).stop()
    profile.write_text(SMALL.replace("det1", "det2"))
    started = Started(str(tmp_path / "data"), profile)
    try:
        old = started.manager.call(CommandName.QUEUE_ITEM_ADD, {"item": {"name": "count", "args": [["det1"]]}}, timeout=60)
        assert old["success"] is False and "unknown device 'det1'" in old["msg"], "held, then checked anew"
    finally:
        started.stop()


def test_a_hanging_profile_is_reported_and_stopped_and_held_requests_answered(tmp_path):
    profile = tmp_path / "hangs.py"
    profile.write_text(HANGING)
    started = Started(str(tmp_path / "data"), profile, profile_timeout=3)
    try:
        status = started.manager.call(CommandName.STATUS, timeout=5)
        assert status["manager_state"] == "initializing" and status["profile_state"] == "loading"
        held = started.manager.submit(CommandName.QUEUE_ITEM_ADD, {"item": {"name": "count", "args": [["det1"]]}})
        reply = held.result(30)
        assert reply["success"] is False and "did not finish loading within 3 s" in reply["msg"]
        status = started.watch.wait(lambda s: s["profile_state"] == "failed", 30)
        assert status["manager_state"] == "idle" and "did not finish loading" in status["profile_error"]
        # Fixed, it loads: opening re-reads the profile.
        profile.write_text(SMALL)
        assert started.manager.call(CommandName.ENVIRONMENT_OPEN)["success"]
        started.watch.wait(lambda s: s["worker_environment_exists"] and s["manager_state"] == "idle", 60)
        assert started.manager.call(CommandName.QUEUE_ITEM_ADD, {"item": {"name": "count", "args": [["det1"]]}})["success"]
    finally:
        started.stop()


def test_destroy_or_reload_replaces_a_standby_stuck_loading(tmp_path):
    profile = tmp_path / "hangs.py"
    profile.write_text(HANGING)
    started = Started(str(tmp_path / "data"), profile, profile_timeout=600)
    try:
        assert started.manager.call(CommandName.STATUS)["profile_state"] == "loading"
        profile.write_text(SMALL)
        reply = started.manager.call(CommandName.ENVIRONMENT_DESTROY)
        assert reply["success"], reply["msg"]
        status = started.watch.wait(lambda s: s["profile_state"] == "loaded", 60, "the fixed profile to load")
        assert status["manager_state"] == "idle"
        profile.write_text(HANGING)
        assert started.manager.call(CommandName.PROFILE_RELOAD)["success"]
        started.watch.wait(lambda s: s["profile_state"] == "loading", 30)
        profile.write_text(SMALL)
        assert started.manager.call(CommandName.PROFILE_RELOAD)["success"], "a stuck reload is replaced by another"
        started.watch.wait(lambda s: s["profile_state"] == "loaded", 60)
    finally:
        started.stop()


def test_opening_while_a_hung_profile_is_reread_fails_with_a_clear_message(tmp_path):
    profile = tmp_path / "profile.py"
    profile.write_text(SMALL)
    started = Started(str(tmp_path / "data"), profile, profile_timeout=3)
    try:
        started.watch.wait(lambda s: s["profile_state"] == "loaded", 60)
        profile.write_text(HANGING + "# edited\n")
        assert started.manager.call(CommandName.ENVIRONMENT_OPEN)["success"]
        status = started.watch.wait(lambda s: s["worker_environment_state"] == "failed", 30, "the open to fail")
        assert status["manager_state"] == "idle"
        assert "did not finish loading within 3 s" in started.manager.call(CommandName.CONSOLE_OUTPUT)["text"]
    finally:
        started.stop()
