"""Peak statistics equal bluesky's PeakStats; the Gaussian fit finds the simulated peak."""

import sys

import numpy as np
import pytest
from bluesky import plans as bp
from bluesky.callbacks.fitting import PeakStats as BlueskyPeakStats
from ophyd.sim import det1, motor1

from queue_gui.data.builder import PlotBuilder
from queue_gui.data.peaks import FitError, fit_gaussian, peak_stats
from queue_gui.data.runs import LiveData

from .documents import as_received


def scanned_line(record, *callbacks, start=-2, stop=2, num=41):
    documents = record(bp.scan([det1], motor1, start, stop, num), *callbacks)
    live = LiveData()
    builder = PlotBuilder(live)
    live.consume(as_received(documents))
    (line,) = builder.figures[0].axes[0].artists
    data = line.update()
    return data["x"], data["y"]


@pytest.mark.parametrize("edge_count", [None, 3])
@pytest.mark.parametrize("start, stop, num", [(-2, 2, 41), (-1, 3, 17), (2, -2, 30)])
def test_peak_stats_equal_bluesky_peak_stats(record, edge_count, start, stop, num):
    reference = BlueskyPeakStats("motor1", "det1", edge_count=edge_count)
    x, y = scanned_line(record, reference, start=start, stop=stop, num=num)
    ours = peak_stats(x, y, edge_count=edge_count)
    assert ours.min == pytest.approx(tuple(reference.min))
    assert ours.max == pytest.approx(tuple(reference.max))
    assert ours.com == pytest.approx(reference.com)
    assert ours.cen == pytest.approx(reference.cen)
    assert ours.fwhm == pytest.approx(reference.fwhm)
    assert ours.crossings.tolist() == pytest.approx(reference.crossings.tolist())
    if edge_count is not None:
        assert ours.lin_bkg["m"] == pytest.approx(reference.lin_bkg["m"])


def test_peak_stats_skip_failed_readings_and_say_nothing_for_no_point():
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    y = np.array([0.0, 1.0, np.nan, 1.0, 0.0])
    stats = peak_stats(x, y)
    assert stats.max == (1.0, 1.0) and stats.fwhm == pytest.approx(3.0)  # crossings at 0.5 and 3.5
    assert peak_stats([], []) is None
    assert peak_stats([1.0], [np.nan]) is None


def test_gaussian_fit_finds_the_simulated_peak(record):
    x, y = scanned_line(record)
    fit = fit_gaussian(x, y)
    # ophyd.sim's det1: Imax 5, centre 0, sigma 0.5, no noise.
    assert fit.amplitude == pytest.approx(5, rel=1e-3)
    assert fit.center == pytest.approx(0, abs=1e-3)
    assert fit.sigma == pytest.approx(0.5, rel=1e-3)
    assert fit.fwhm == pytest.approx(0.5 * 2.3548, rel=1e-3)
    assert fit.curve(x) == pytest.approx(y, abs=1e-3)


def test_a_fit_that_cannot_be_made_says_why():
    with pytest.raises(FitError, match="at least 4 points"):
        fit_gaussian([0, 1, 2], [1, 2, 1])
    with pytest.raises(FitError, match="same x"):
        fit_gaussian([1, 1, 1, 1], [1, 2, 3, 4])
    with pytest.raises(FitError, match="flat"):
        fit_gaussian([1, 2, 3, 4], [2, 2, 2, 2])


def test_scipy_is_imported_only_for_a_fit():
    import subprocess

    code = (
        "import sys; import queue_gui.data.peaks as p; import queue_gui.data.builder;"
        "p.peak_stats([0, 1, 2], [0, 1, 0]); assert 'scipy' not in sys.modules;"
        "p.fit_gaussian([0, 1, 2, 3, 4], [0, 1, 3, 1, 0]); assert 'scipy' in sys.modules"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
