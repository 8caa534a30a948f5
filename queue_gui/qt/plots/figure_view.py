"""One bluesky-widgets ``Figure`` spec as a widget: its controls and its plots.

The controls act on every plot of the figure: logarithmic x and y, peak
statistics (cen, com, fwhm, max; cen marked) and a Gaussian fit of the
newest line. The cursor's position is reported through
:attr:`FigureView.cursor_moved` for the dock's status line.

The view follows the model: artists added to or removed from an ``Axes``
appear and disappear here; ``new_data`` only tells the painter that an
artist is dirty (``on_dirty``), and the painter calls :meth:`draw` when its
throttle allows. Artists that become dirty while the view is hidden (another
tab, a closed dock) are drawn when it is shown again.
"""

import logging
import math

import pyqtgraph as pg
from bluesky_widgets.models.plot_specs import Line
from qtpy.QtCore import Signal
from qtpy.QtCore import Qt
from qtpy.QtWidgets import QAction, QLabel, QToolBar, QVBoxLayout, QWidget

from .axes_view import AxesView

logger = logging.getLogger(__name__)


class FigureView(QWidget):
    """Paints one ``Figure``.

    Parameters
    ----------
    figure : bluesky_widgets.models.plot_specs.Figure
    on_dirty : callable
        ``on_dirty(view, artist)`` when an artist has new data.
    """

    cursor_moved = Signal(str)

    def __init__(self, figure, on_dirty, parent=None):
        super().__init__(parent)
        self.figure = figure
        self._on_dirty = on_dirty
        self._pending = {}
        self._connections = []
        self._artist_connections = {}
        self.setObjectName("figure_view")
        self.setToolTip(figure.title)
        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("figure_toolbar")
        self.actions = {}
        for name, text, tip, slot in (
            ("log_x", "Log x", "Logarithmic x axis", self._slot_log),
            ("log_y", "Log y", "Logarithmic y axis", self._slot_log),
            ("stats", "Peak stats", "Centre, centre of mass, FWHM and maximum of the newest line", self._slot_analysis),
            ("fit", "Fit", "Gaussian fit of the newest line", self._slot_analysis),
        ):
            action = QAction(text, self)
            action.setObjectName(f"action_plot_{name}")
            action.setToolTip(tip)
            action.setCheckable(True)
            action.toggled.connect(slot)
            self.toolbar.addAction(action)
            self.actions[name] = action
        self.canvas = pg.GraphicsLayoutWidget(self)
        self.canvas.setBackground("w")
        self.axes_views = []
        self._build_plots()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.canvas, 1)
        self.analysis = QLabel(self)
        self.analysis.setObjectName("plot_analysis")
        self.analysis.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.analysis.setStyleSheet("padding: 2px 6px; font-family: monospace; font-size: 11px;")
        self.analysis.setVisible(False)
        layout.addWidget(self.analysis)
        self.canvas.scene().sigMouseMoved.connect(self._slot_mouse_moved)
        self._update_controls()

    # ------------------------------------------------------------ building
    def _build_plots(self):
        axes_list = self.figure.axes
        columns = 1 if len(axes_list) <= 3 else math.ceil(math.sqrt(len(axes_list)))
        first = None
        for index, axes in enumerate(axes_list):
            plot = self.canvas.addPlot(row=index // columns, col=index % columns)
            view = AxesView(axes, plot, legend=index == 0)  # the runs are the same in every plot: one legend
            self.axes_views.append(view)
            if first is None:
                first = plot
            else:
                plot.setXLink(first)  # the plots of one figure share their x (AutoLines' sharex)
            for name in ("title", "x_label", "y_label"):
                self._connect(getattr(axes.events, name), lambda event, v=view: v.update_labels())
            self._connect(axes.artists.events.added, lambda event, v=view: self._add_artist(v, event.item))
            self._connect(axes.artists.events.removed, lambda event, v=view: self._remove_artist(v, event.item))
            for artist in axes.artists:
                self._add_artist(view, artist)

    def _connect(self, emitter, callback):
        emitter.connect(callback)
        self._connections.append((emitter, callback))

    def _add_artist(self, view, artist):
        view.add_artist(artist)
        callbacks = (
            (artist.events.new_data, lambda event: self._on_dirty(self, artist)),
            (artist.events.completed, lambda event: self._on_dirty(self, artist)),
            (artist.events.style_updated, lambda event: self._restyle(view, artist)),
        )
        for emitter, callback in callbacks:
            emitter.connect(callback)
        self._artist_connections[artist.uuid] = callbacks
        self._update_controls()
        self._on_dirty(self, artist)

    def _remove_artist(self, view, artist):
        for emitter, callback in self._artist_connections.pop(artist.uuid, ()):
            emitter.disconnect(callback)
        self._pending.pop(artist.uuid, None)
        view.remove_artist(artist)
        view.refresh_analysis()

    def _restyle(self, view, artist):
        view.restyle(artist)
        self._on_dirty(self, artist)  # an image's extent is part of its style

    def close_model(self):
        """Stop following the model (the figure left the list)."""
        for emitter, callback in self._connections:
            emitter.disconnect(callback)
        self._connections.clear()
        for callbacks in self._artist_connections.values():
            for emitter, callback in callbacks:
                emitter.disconnect(callback)
        self._artist_connections.clear()
        self._pending.clear()

    def _update_controls(self):
        has_lines = any(isinstance(a, Line) for axes in self.figure.axes for a in axes.artists)
        has_lines = has_lines or not any(axes.artists for axes in self.figure.axes)
        for action in self.actions.values():
            action.setVisible(has_lines)

    # ------------------------------------------------------------ drawing
    def draw(self, artists):
        """Draw these artists now, then what depends on them (peak stats, fit)."""
        touched = set()
        for artist in artists:
            view = self._view_of(artist)
            if view is None:
                continue
            try:
                view.draw(artist)
            except Exception:
                logger.exception("drawing %s in %s failed", artist.label, self.figure.title)
            touched.add(id(view))
        # Let the view boxes take their new ranges now: done in the paint
        # event, pyqtgraph would ask for a second paint (measured: half the
        # paints, a quarter less GUI-thread time for a 10,000-point scan).
        self.canvas.scene().prepareForPaint()
        for view in self.axes_views:
            if id(view) in touched and (view.show_stats or view.show_fit):
                try:
                    view.refresh_analysis()
                except Exception:
                    logger.exception("peak stats or fit of %s failed", self.figure.title)
                self._show_analysis()

    def draw_later(self, artist):
        self._pending[artist.uuid] = artist

    def showEvent(self, event):  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._pending:
            pending, self._pending = list(self._pending.values()), {}
            self.draw(pending)

    def _view_of(self, artist):
        for view in self.axes_views:
            if view.axes is artist.axes:
                return view
        return None

    # ------------------------------------------------------------ controls
    def _slot_log(self, _checked=False):
        for view in self.axes_views:
            view.plot.setLogMode(x=self.actions["log_x"].isChecked(), y=self.actions["log_y"].isChecked())
            view.refresh_analysis()

    def _slot_analysis(self, _checked=False):
        for view in self.axes_views:
            view.set_analysis(stats=self.actions["stats"].isChecked(), fit=self.actions["fit"].isChecked())
        self._show_analysis()

    def _show_analysis(self):
        """Peak stats and fit below the plots, where they hide no data."""
        lines = [f"{view.axes.title}: {view.analysis_text}" for view in self.axes_views if view.analysis_text]
        text = "\n".join(line.replace("\n", "\n    ") for line in lines)
        self.analysis.setText(text)
        self.analysis.setVisible(bool(text))

    def _slot_mouse_moved(self, position):
        for view in self.axes_views:
            text = view.read_out(position)
            if text is not None:
                self.cursor_moved.emit(text)
                return
