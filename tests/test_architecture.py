"""The layering the design relies on: no Qt below the GUI, no bluesky in the manager.

The import contracts (setup.cfg, ``[importlinter:contract:...]``) say who may
import whom, indirectly and inside functions too. What they cannot see is
checked here by importing for real: imports deferred to the moment they are
needed must stay deferred, and third-party packages must not pull in what
our own code does not import.
"""

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    # The checkout under test (cwd first on sys.path), not an installed copy.
    done = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()", "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout, done.stdout


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
        # The contract ignores the one import of worker_main, the worker process's target.
        ("queue_gui.manager.manager", ("qtpy", "PyQt5", "bluesky", "ophyd")),
        ("queue_gui.app", ("qtpy", "PyQt5", "bluesky", "ophyd")),
        # The desktop (and with it Qt) is imported only when there is a window to show.
        ("queue_gui.cli", ("qtpy", "PyQt5", "bluesky", "ophyd")),
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
def test_deferred_imports_stay_deferred(module, forbidden):
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
