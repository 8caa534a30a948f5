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
        # What the plan editor computes, shared with the manager: plain Python.
        ("queue_gui.plan_parameters", ("qtpy", "PyQt5", "bluesky", "ophyd")),
        ("queue_gui.queue_file", ("qtpy", "PyQt5", "bluesky", "ophyd")),
        # The run store lives in the manager's process; tiled is imported only once a run is sent.
        ("queue_gui.store", ("qtpy", "PyQt5", "bluesky", "ophyd", "tiled", "bluesky_tiled_plugins", "pandas", "dask")),
        # The plot model: no Qt, no bluesky, and none of what bluesky-widgets' live views pull in.
        ("queue_gui.data.builder", ("qtpy", "PyQt5", "bluesky", "ophyd", "matplotlib", "dask", "pandas", "xarray", "scipy")),
        # The window plots with pyqtgraph; scipy only comes with the first fit.
        ("queue_gui.qt.main_window", ("bluesky", "ophyd", "matplotlib", "dask", "pandas", "xarray", "scipy")),
    ],
)
def test_layers_do_not_import_what_they_must_not(module, forbidden):
    extra = ""
    if module == "queue_gui.qt.main_window":
        # Importing is not enough: the docks import their modules when the window is built.
        extra = (
            "import os; os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')\n"
            "from qtpy.QtWidgets import QApplication; app = QApplication([])\n"
            "import queue_gui.data.runs, queue_gui.data.peaks, queue_gui.qt.plots.plots_dock, queue_gui.qt.live_table\n"
            "dock = queue_gui.qt.plots.plots_dock.PlotsDock(queue_gui.data.runs.LiveData())\n"
            "queue_gui.data.peaks.peak_stats([0, 1, 2], [0, 1, 0])"
        )
    if module == "queue_gui.manager.manager":
        # Starting a worker must not pull bluesky into the manager's process.
        extra = "import queue_gui.worker.main, queue_gui.manager.worker_client"
    code = CHECK.format(module=module, forbidden=forbidden, extra=extra)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
