"""Peak statistics and a Gaussian fit of one line, computed when asked for.

:func:`peak_stats` computes what ``bluesky.callbacks.fitting.PeakStats``
computes at the end of a run (``min``, ``max``, ``com``, ``cen``,
``crossings``, ``fwhm``, optionally after a linear background from the
edges), with numpy alone, so the window can show it for a running scan.
Points that are not finite (a failed reading) are left out first; bluesky's
version would return NaN for everything instead.

:func:`fit_gaussian` fits ``offset + amplitude * exp(-(x - center)² / 2σ²)``
with ``scipy.optimize.curve_fit``, imported only when a fit is asked for.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np

#: FWHM of a Gaussian in units of its sigma: 2 sqrt(2 ln 2).
FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))


@dataclass(frozen=True)
class PeakStats:
    """Peak statistics of one line (the fields of bluesky's ``PeakStats``).

    Attributes
    ----------
    min, max : (float, float)
        x and y of the lowest and highest point (y before background subtraction).
    com : float
        x of the centre of mass, interpolated between points.
    cen : float or None
        Mean of the x where y crosses half way between its min and max.
    crossings : numpy.ndarray
        Those x positions, in order.
    fwhm : float or None
        Distance between the first and the last crossing (two crossings needed).
    lin_bkg : dict or None
        ``{"m": slope, "b": intercept}`` of the subtracted background.
    """

    min: tuple
    max: tuple
    com: float
    cen: float | None
    crossings: np.ndarray
    fwhm: float | None
    lin_bkg: dict | None = None


def peak_stats(x, y, edge_count=None):
    """Peak statistics of ``y`` against ``x``, or None when there is no finite point.

    Parameters
    ----------
    x, y : array-like
    edge_count : int or None
        Points at each end whose mean defines a linear background to subtract.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if not len(x):
        return None
    y_original = y
    lin_bkg = None
    if edge_count is not None:
        left_x, left_y = np.mean(x[:edge_count]), np.mean(y[:edge_count])
        right_x, right_y = np.mean(x[-edge_count:]), np.mean(y[-edge_count:])
        slope = (right_y - left_y) / (right_x - left_x)
        intercept = left_y - slope * left_x
        y = y - (slope * x + intercept)
        lin_bkg = {"m": slope, "b": intercept}
    lowest, highest = int(np.argmin(y)), int(np.argmax(y))
    # Centre of mass in index space, then mapped to x as bluesky does.
    index_com = np.sum(y * np.arange(len(y), dtype=float)) / np.sum(y)
    com = float(np.interp(index_com, np.arange(len(x)), x))
    middle = (np.max(y) + np.min(y)) / 2
    crossing_indices = np.where(np.diff((y > middle).astype(int)))[0]
    crossings = []
    for i in crossing_indices:
        x0, x1 = x[i], x[i + 1]
        y0, y1 = y[i] - middle, y[i + 1] - middle
        slope = (y1 - y0) / (x1 - x0)
        crossings.append(x0 - y0 / slope)
    crossings = np.array(crossings, dtype=float)
    cen = float(np.mean(crossings)) if len(crossings) else None
    fwhm = float(abs(crossings[-1] - crossings[0])) if len(crossings) >= 2 else None
    return PeakStats(
        min=(float(x[lowest]), float(y_original[lowest])),
        max=(float(x[highest]), float(y_original[highest])),
        com=com,
        cen=cen,
        crossings=crossings,
        fwhm=fwhm,
        lin_bkg=lin_bkg,
    )


class FitError(ValueError):
    """A fit that cannot be made; the message says why, for the scientist."""


@dataclass(frozen=True)
class GaussianFit:
    """A fitted Gaussian on a constant offset.

    Attributes
    ----------
    amplitude, center, sigma, offset : float
        The parameters; ``sigma`` is positive.
    errors : dict
        One-standard-deviation uncertainty of each parameter (NaN when unknown).
    """

    amplitude: float
    center: float
    sigma: float
    offset: float
    errors: dict

    @property
    def fwhm(self):
        return FWHM_PER_SIGMA * self.sigma

    def curve(self, x):
        """The fitted function at ``x``."""
        return gaussian(np.asarray(x, dtype=float), self.amplitude, self.center, self.sigma, self.offset)


def gaussian(x, amplitude, center, sigma, offset):
    return offset + amplitude * np.exp(-((x - center) ** 2) / (2.0 * sigma**2))


def fit_gaussian(x, y):
    """Least-squares Gaussian fit of ``y`` against ``x``; raises :class:`FitError`.

    The starting point comes from :func:`peak_stats` (height, position and
    width of the highest peak), which is what makes a single-peak scan
    converge without the scientist giving a guess.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if len(x) < 4:
        raise FitError(f"a Gaussian fit needs at least 4 points, there are {len(x)}")
    if np.ptp(x) == 0:
        raise FitError("all points are at the same x")
    if np.ptp(y) == 0:
        raise FitError("the line is flat: no peak to fit")
    stats = peak_stats(x, y)
    offset = float(np.min(y))
    amplitude = float(np.max(y)) - offset
    center = stats.cen if stats.cen is not None else stats.max[0]
    width = stats.fwhm if stats.fwhm else np.ptp(x) / 4
    sigma = max(width / FWHM_PER_SIGMA, np.ptp(x) / (10 * len(x)))
    from scipy.optimize import OptimizeWarning, curve_fit  # only when a fit is asked for: scipy is large

    try:
        with warnings.catch_warnings():
            # A perfect fit (simulated data) has no covariance: the errors become NaN, no warning needed.
            warnings.simplefilter("ignore", OptimizeWarning)
            parameters, covariance = curve_fit(gaussian, x, y, p0=(amplitude, center, sigma, offset), maxfev=5000)
    except (RuntimeError, ValueError) as error:  # no convergence, or NaN on the way
        raise FitError(f"the Gaussian fit did not converge: {error}") from error
    amplitude, center, sigma, offset = (float(p) for p in parameters)
    with np.errstate(invalid="ignore"):
        deviations = np.sqrt(np.diag(covariance)) if np.all(np.isfinite(covariance)) else np.full(4, np.nan)
    errors = dict(zip(("amplitude", "center", "sigma", "offset"), (float(d) for d in deviations)))
    return GaussianFit(amplitude=amplitude, center=center, sigma=abs(sigma), offset=offset, errors=errors)
