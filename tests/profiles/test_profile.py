"""Startup profile for the tests: the built-in simulated profile plus plans
that fail, print, or run long enough to be paused and killed."""

import bluesky.plan_stubs as bps
import bluesky.plans as bp
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


__all__ = list(_sim_all) + ["failing_plan", "chatty_plan", "long_count", "count_then_wait"]
