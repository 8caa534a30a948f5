"""One bluesky-widgets ``Axes`` spec painted as a pyqtgraph ``PlotItem``.

Lines become ``PlotDataItem``s with a legend entry per run, images
``ImageItem``s with a colour bar. Drawing an artist calls its ``update()``
(a view of the stream's columns) and hands the arrays to pyqtgraph; the
:class:`~queue_gui.qt.plots.painter.Painter` decides when.

Peak statistics and the Gaussian fit are drawn for the newest line only,
recomputed when that line is drawn, so their cost follows the throttled
redraws, not the events.
"""

import logging
import math

import numpy as np
import pyqtgraph as pg
from bluesky_widgets.models.plot_specs import Image, Line
from qtpy.QtCore import QRectF, Qt
from qtpy.QtGui import QColor

from queue_gui.data.peaks import FitError, fit_gaussian, peak_stats

logger = logging.getLogger(__name__)

#: Below this many points a line shows its points as symbols.
SYMBOL_POINTS = 200
FIT_COLOR = "#111111"
MARK_COLOR = "#555555"


class AxesView:
    """Paints one ``Axes`` spec and its artists into ``plot`` (a ``pg.PlotItem``)."""

    def __init__(self, axes, plot, legend=True):
        self.axes = axes
        self.wants_legend = legend
        self.plot = plot
        self.items = {}
        self.show_stats = False
        self.show_fit = False
        self.analysis_text = ""
        self.stats = None
        self.fit = None
        self._colorbar = None
        plot.showGrid(x=True, y=True, alpha=0.15)
        self.legend = None
        self._cen_mark = pg.InfiniteLine(angle=90, pen=pg.mkPen(MARK_COLOR, width=1, style=Qt.DashLine))
        self._fit_curve = pg.PlotDataItem(pen=pg.mkPen(FIT_COLOR, width=1.5, style=Qt.DashLine))
        for item in (self._cen_mark, self._fit_curve):
            item.setVisible(False)
            item.setZValue(100)  # above every run's line
            plot.addItem(item, ignoreBounds=True)
        self.update_labels()

    # ------------------------------------------------------------ labels
    def update_labels(self):
        self.plot.setTitle(self.axes.title or "", size="10pt")
        self.plot.setLabel("bottom", self.axes.x_label or "")
        self.plot.setLabel("left", self.axes.y_label or "")

    # ------------------------------------------------------------ artists
    def add_artist(self, artist):
        if isinstance(artist, Line):
            if self.legend is None and self.wants_legend:  # legends name runs: only plots of lines have one
                self.legend = self.plot.addLegend(offset=(-8, 8), labelTextSize="8pt", verSpacing=-6)
                self.legend.setBrush(pg.mkBrush(255, 255, 255, 200))
            item = pg.PlotDataItem(name=artist.label)
            item.setClipToView(True)
            item.setDownsampling(auto=True, method="peak")
            self.plot.addItem(item)
        elif isinstance(artist, Image):
            item = pg.ImageItem(axisOrder="row-major")
            item.setColorMap(pg.colormap.get(artist.style.get("colormap", "viridis")))
            self.plot.addItem(item)
            self.plot.showGrid(x=False, y=False)  # grid lines would cut through the pixels
            self.plot.setAspectLocked(artist.axes.aspect == "equal")
        else:
            return
        self.items[artist.uuid] = item
        self.restyle(artist)

    def remove_artist(self, artist):
        item = self.items.pop(artist.uuid, None)
        if item is not None:
            self.plot.removeItem(item)
            if self.legend is not None:
                self.legend.removeItem(item)

    def restyle(self, artist):
        item = self.items.get(artist.uuid)
        if item is None or not isinstance(artist, Line):
            return
        style = artist.style
        color = QColor(style.get("color", "#1f77b4"))
        color.setAlphaF(float(style.get("alpha", 1.0)))
        item.setPen(pg.mkPen(color, width=float(style.get("width", 1.5))))
        item.setZValue(float(style.get("z", 0)))
        self._style_symbols(artist, item)

    def _style_symbols(self, artist, item, points=None):
        if points is None:
            points = len(item.xData) if item.xData is not None else 0
        if artist.style.get("symbol") and points <= SYMBOL_POINTS:
            color = QColor(artist.style.get("color", "#1f77b4"))
            item.setSymbol("o")
            item.setSymbolSize(5)
            item.setSymbolPen(pg.mkPen(color))
            item.setSymbolBrush(pg.mkBrush(color))
        else:
            item.setSymbol(None)

    def draw(self, artist):
        """Give pyqtgraph the artist's current data."""
        item = self.items.get(artist.uuid)
        if item is None:
            return
        data = artist.update()
        if isinstance(artist, Line):
            x, y = data["x"], data["y"]
            if item.opts.get("symbol") is not None and len(x) > SYMBOL_POINTS:
                self._style_symbols(artist, item, len(x))
            item.setData(x, y)
        else:
            self._draw_image(artist, item, data.get("array"))

    def _draw_image(self, artist, item, array):
        if array is None:
            item.clear()
            return
        finite = array[np.isfinite(array)]
        if not finite.size:
            return
        low, high = float(finite.min()), float(finite.max())
        if low == high:
            low, high = low - 0.5, high + 0.5
        item.setImage(array, levels=(low, high), autoLevels=False)
        extent = artist.style.get("extent")
        rows, columns = array.shape
        if extent is None:
            extent = (-0.5, columns - 0.5, -0.5, rows - 0.5)
        left, right, bottom, top = extent
        item.setRect(QRectF(min(left, right), min(bottom, top), abs(right - left), abs(top - bottom)))
        # A grid whose motor ran from high to low: show positions increasing to the right/up.
        self.plot.invertX(right < left)
        self.plot.invertY(top < bottom)
        if self._colorbar is None:
            self._colorbar = pg.ColorBarItem(
                values=(low, high), colorMap=item.getColorMap(), interactive=False, width=12, pen="#444444"
            )
            self._colorbar.setImageItem(item, insert_in=self.plot)
        self._colorbar.setLevels((low, high))

    # ------------------------------------------------------------ analysis
    def newest_line(self):
        lines = [a for a in self.axes.artists if isinstance(a, Line)]
        return max(lines, key=lambda a: a.style.get("z", 0)) if lines else None

    def set_analysis(self, stats=None, fit=None):
        """Turn peak statistics / the fit on or off (None leaves a setting as it is)."""
        if stats is not None:
            self.show_stats = stats
        if fit is not None:
            self.show_fit = fit
        self.refresh_analysis()

    def refresh_analysis(self):
        """Recompute what is shown for the newest line (after it was drawn)."""
        self.stats = self.fit = None
        lines = []
        line = self.newest_line() if (self.show_stats or self.show_fit) else None
        if line is not None:
            data = line.update()
            x, y = data["x"], data["y"]
            scale = _span(x)
            if self.show_stats:
                self.stats = peak_stats(x, y)
                lines.append(_stats_text(self.stats, scale, _span(y)))
            if self.show_fit:
                lines.append(self._fit_text(x, y, scale, _span(y)))
        self._show_marks()
        self.analysis_text = "\n".join(lines)

    def _fit_text(self, x, y, x_scale, y_scale):
        try:
            self.fit = fit_gaussian(x, y)
        except FitError as error:
            return f"fit: {error}"
        except Exception as error:  # scipy missing or a numerical surprise: say it, keep plotting
            logger.exception("the Gaussian fit failed")
            return f"fit failed: {error}"
        f = self.fit
        return (
            f"Gaussian fit: center {_number(f.center, x_scale)}  σ {_number(f.sigma, x_scale)}  "
            f"FWHM {_number(f.fwhm, x_scale)}  amplitude {_number(f.amplitude, y_scale)}  offset {_number(f.offset, y_scale)}"
        )

    def _show_marks(self):
        cen = self.stats.cen if self.stats is not None else None
        log_x = _log_modes(self.plot)[0]
        if cen is not None and (not log_x or cen > 0):
            self._cen_mark.setPos(math.log10(cen) if log_x else cen)
            self._cen_mark.setVisible(True)
        else:
            self._cen_mark.setVisible(False)
        if self.fit is not None:
            line = self.newest_line()
            x = line.update()["x"] if line is not None else np.array([])
            finite = x[np.isfinite(x)]
            if finite.size:
                dense = np.linspace(finite.min(), finite.max(), 400)
                self._fit_curve.setData(dense, self.fit.curve(dense))
                self._fit_curve.setVisible(True)
                return
        self._fit_curve.setVisible(False)

    # ------------------------------------------------------------ cursor
    def read_out(self, scene_position):
        """'x = …, y = …' (and the pixel's value for an image) under a scene position, or None."""
        if not self.plot.sceneBoundingRect().contains(scene_position):
            return None
        point = self.plot.vb.mapSceneToView(scene_position)
        x, y = point.x(), point.y()
        log_x, log_y = _log_modes(self.plot)
        if log_x:
            x = 10**x
        if log_y:
            y = 10**y
        text = f"{self.axes.x_label or 'x'} = {x:.6g},  {self.axes.y_label or 'y'} = {y:.6g}"
        value = self._pixel_value(point)
        if value is not None:
            text += f",  {self.axes.title.split(' — ')[0] if self.axes.title else 'value'} = {value:.6g}"
        return text

    def _pixel_value(self, point):
        for item in self.items.values():
            if isinstance(item, pg.ImageItem) and item.image is not None:
                local = item.mapFromView(point)
                row, column = int(math.floor(local.y())), int(math.floor(local.x()))
                rows, columns = item.image.shape[:2]
                if 0 <= row < rows and 0 <= column < columns:
                    value = float(item.image[row, column])
                    return value if math.isfinite(value) else None
        return None


def _log_modes(plot):
    """(log x, log y) as the view box has them, whoever set them (our toggles or pyqtgraph's menu)."""
    modes = plot.vb.state.get("logMode", (False, False))
    return bool(modes[0]), bool(modes[1])


def _span(values):
    """The extent of the finite values, the scale below which a number shows as 0."""
    finite = values[np.isfinite(values)] if len(values) else values
    return float(np.ptp(finite)) if len(finite) else 0.0


def _number(value, scale=0.0):
    """Four significant digits, and 0 for what is rounding noise at the data's scale (1e-16)."""
    if value is None or not math.isfinite(value):
        return "—"
    if scale > 0 and abs(value) < scale * 1e-9:
        return "0"
    return f"{value:.4g}"


def _stats_text(stats, x_scale=0.0, y_scale=0.0):
    if stats is None:
        return "peak stats: no points"
    return (
        f"cen {_number(stats.cen, x_scale)}  com {_number(stats.com, x_scale)}  fwhm {_number(stats.fwhm, x_scale)}  "
        f"max {_number(stats.max[1], y_scale)} at {_number(stats.max[0], x_scale)}  "
        f"min {_number(stats.min[1], y_scale)} at {_number(stats.min[0], x_scale)}"
    )
