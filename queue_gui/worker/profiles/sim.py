"""Built-in startup profile: simulated ophyd devices and the standard plans.

This is what a scientist gets without a beamline: the scalar detectors and
motors of :mod:`ophyd.sim` (``det1`` follows a Gaussian of ``motor``, so a
``scan`` over ``motor`` draws a peak) and the everyday bluesky plans. Image
and registry devices are left out on purpose: they need a file store and
make every run heavy, and nothing in the queue GUI shows images.

The worker executes this file with :func:`runpy.run_path`, exactly like a
user's own profile, so it only uses absolute imports and has no side effect
beyond defining names. ``__all__`` lists what the queue may use; everything
else in the namespace (the modules imported here) stays private.
"""

from bluesky.plan_stubs import mv, mvr, sleep
from bluesky.plans import (
    count,
    grid_scan,
    list_scan,
    rel_grid_scan,
    rel_list_scan,
    rel_scan,
    scan,
)
from ophyd.sim import (
    det,
    det1,
    det2,
    det3,
    det4,
    jittery_motor1,
    jittery_motor2,
    motor,
    motor1,
    motor2,
    motor3,
    noisy_det,
)

__all__ = [
    # devices
    "det",
    "det1",
    "det2",
    "det3",
    "det4",
    "noisy_det",
    "motor",
    "motor1",
    "motor2",
    "motor3",
    "jittery_motor1",
    "jittery_motor2",
    # plans
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
]
