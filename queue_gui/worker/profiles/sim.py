"""Built-in startup profile: simulated ophyd devices and the standard plans.

This is what a scientist gets without a beamline: the scalar detectors and
motors of :mod:`ophyd.sim` and the everyday bluesky plans. Each detector
reads a Gaussian of one motor: ``det`` of ``motor``, ``det1`` of ``motor1``
(peak at 0), ``det2`` of ``motor2`` (peak at 1), ``det3`` of ``motor3``
(peak at -1); ``det4`` is a 2-D Gaussian of ``motor1`` and ``motor2``. So
``scan([det1], motor1, -1, 1, 11)`` draws a peak, and ``grid_scan([det4],
motor1, -1, 1, 11, motor2, -1, 1, 11)`` an image of one. Registry devices
(``img``) are left out on purpose: they need a file store.

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
