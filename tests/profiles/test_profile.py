"""Startup profile for the tests: the built-in simulated profile plus plans
that fail, print, or run long enough to be paused and killed."""

import time

import bluesky.plan_stubs as bps
import bluesky.plans as bp
import bluesky.preprocessors as bpp
from queue_gui.worker.profiles.sim import *  # noqa: F401,F403
from queue_gui.worker.profiles.sim import __all__ as _sim_all


def failing_plan(message="the sample holder is jammed"):
    """A plan that fails half way, after opening a run."""
    yield from bps.open_run()
    yield from bps.checkpoint()
    raise RuntimeError(message)


def chatty_plan(text="hello from the plan"):
    """A plan that prints, for console forwarding."""
    print(text)
    yield from bps.null()


def long_count(detectors, num=200, delay=0.05):
    """``count`` that takes num * delay seconds and pauses at each reading."""
    return (yield from bp.count(detectors, num=num, delay=delay))


def count_then_wait(detectors, wait=3.0):
    """A run of one reading, then a wait outside any run with no checkpoint in between."""
    yield from bps.open_run()
    yield from bps.checkpoint()
    yield from bps.trigger_and_read(detectors)
    yield from bps.close_run()
    yield from bps.sleep(wait)


class _SlowToUnstage:
    """A device whose unstage blocks, as a slow put to real hardware does."""

    parent = None

    def __init__(self, seconds):
        self.seconds = seconds

    def stage(self):
        return [self]

    def unstage(self):
        time.sleep(self.seconds)
        return [self]


def count_slow_unstage(detectors, unstage_time=1.0):
    """``count`` with a device staged around it whose unstage takes ``unstage_time`` s.

    The unstage is the plan's last message and blocks the RunEngine's loop
    after the run has closed: a pause asked for meanwhile is taken only as
    the plan has already returned.
    """
    return (yield from bpp.stage_wrapper(bp.count(detectors), [_SlowToUnstage(unstage_time)]))


def wait_without_checkpoint(detectors, wait=3.0):
    """A run with a reading and a wait in which the plan allows no pause (``clear_checkpoint``).

    Asked to pause, bluesky aborts it instead.
    """
    yield from bps.open_run()
    yield from bps.clear_checkpoint()
    yield from bps.trigger_and_read(detectors)
    yield from bps.sleep(wait)
    yield from bps.close_run()


__all__ = list(_sim_all) + [
    "failing_plan", "chatty_plan", "long_count", "count_then_wait", "count_slow_unstage", "wait_without_checkpoint",
]
