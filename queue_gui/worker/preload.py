"""What every worker needs, imported once by the fork server its processes are forked from.

Importing bluesky and ophyd takes most of a worker's start (about a
second here). The manager starts its workers from a ``forkserver`` that
has imported this module, so a worker begins with them loaded and only
has to run the profile: an environment opened right after a close does
not wait for a whole new interpreter to import bluesky. Nothing here may
start a thread (forking a process with threads is unsafe): importing
these modules starts none (checked in the tests).
"""

import bluesky  # noqa: F401
import bluesky.callbacks  # noqa: F401
import bluesky.plan_stubs  # noqa: F401
import bluesky.plans  # noqa: F401
import bluesky.preprocessors  # noqa: F401
import event_model  # noqa: F401
import numpy  # noqa: F401
import ophyd  # noqa: F401
import ophyd.sim  # noqa: F401

from . import describe, executor, main, outbox, profile  # noqa: F401
