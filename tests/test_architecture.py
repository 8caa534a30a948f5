"""The layering the design relies on: no Qt below the GUI, no bluesky in the manager."""

import subprocess
import sys

import pytest

CHECK = """
import sys
import {module}
{extra}
forbidden = [name for name in sys.modules if name.split('.')[0] in {forbidden!r}]
assert not forbidden, forbidden
"""


@pytest.mark.parametrize(
    "module, forbidden",
    [
        ("queue_gui.manager.manager", ("qtpy", "PyQt5", "bluesky", "ophyd")),
        ("queue_gui.app", ("qtpy", "PyQt5", "bluesky", "ophyd")),
        ("queue_gui.cli", ("qtpy", "PyQt5", "bluesky", "ophyd")),
        ("queue_gui.worker.main", ("qtpy", "PyQt5")),
        # The run store lives in the manager's process; tiled is imported only once a run is sent.
        ("queue_gui.store", ("qtpy", "PyQt5", "bluesky", "ophyd", "tiled", "bluesky_tiled_plugins", "pandas", "dask")),
    ],
)
def test_layers_do_not_import_what_they_must_not(module, forbidden):
    extra = ""
    if module == "queue_gui.manager.manager":
        # Starting a worker must not pull bluesky into the manager's process.
        extra = "import queue_gui.worker.main, queue_gui.manager.worker_client"
    code = CHECK.format(module=module, forbidden=forbidden, extra=extra)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
