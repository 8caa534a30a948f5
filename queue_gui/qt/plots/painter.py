"""Paints a bluesky-widgets ``FigureList`` with pyqtgraph, at most 10 times a second.

Per event the model only emits ``new_data`` on the run's artists; here that
marks the artist dirty (a dict insert) and, if no redraw is scheduled,
starts a single-shot ``QTimer`` for the time left until
:data:`MIN_INTERVAL_MS` after the previous redraw. The redraw then hands
every dirty artist's data to pyqtgraph once, however many events arrived
in between. So the GUI thread's cost per event is O(1), and drawing costs
at most one pass over the data per 100 ms.

Why 10 and not 20 redraws a second: on a machine of two cores, whatever
the window does on the second core slows the RunEngine on the first
(measured: a busy loop there slowed a bare RunEngine by 10 to 25 %). At
20 Hz the plots took about 340 µs of the GUI thread per point of a fast
scan, at 10 Hz about 200 µs; a point still appears within about 70 ms.
"""

import logging
import time

from qtpy.QtCore import QObject, QTimer, Signal

from .figure_view import FigureView

logger = logging.getLogger(__name__)

#: Redraws are at least this far apart (10 Hz).
MIN_INTERVAL_MS = 100


class Painter(QObject):
    """One :class:`FigureView` per figure of the list, and the throttled redraws.

    Parameters
    ----------
    figures : bluesky_widgets.models.plot_specs.FigureList

    Attributes
    ----------
    views : dict
        Figure uuid to :class:`FigureView`, in the list's order.
    redraws : int
        Redraws so far (a redraw draws every dirty artist of the visible views).
    redraw_seconds, longest_redraw : float
        Time spent handing data to pyqtgraph, in all and at most once (for
        benchmarks; Qt paints later, in its paint events).
    """

    figure_added = Signal(object)  # FigureView
    figure_removed = Signal(object)  # FigureView
    figure_activated = Signal(object)  # FigureView: the model asks for it to be shown
    redrawn = Signal(int)  # artists drawn

    def __init__(self, figures, parent=None):
        super().__init__(parent)
        self.figures = figures
        self.views = {}
        self.redraws = 0
        self.redraw_seconds = 0.0
        self.longest_redraw = 0.0
        self._dirty = {}
        self._last_redraw = float("-inf")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._redraw)
        figures.events.added.connect(self._on_figure_added)
        figures.events.removed.connect(self._on_figure_removed)
        figures.events.active_index.connect(self._on_active_index)
        for figure in figures:
            self._add_view(figure)

    def view_of(self, figure):
        return self.views.get(figure.uuid)

    # ------------------------------------------------------------ model events
    def _on_figure_added(self, event):
        self._add_view(event.item)

    def _add_view(self, figure):
        view = FigureView(figure, self.mark_dirty)
        self.views[figure.uuid] = view
        self.figure_added.emit(view)

    def _on_figure_removed(self, event):
        view = self.views.pop(event.item.uuid, None)
        if view is not None:
            view.close_model()
            self._dirty = {key: entry for key, entry in self._dirty.items() if entry[0] is not view}
            self.figure_removed.emit(view)
            view.deleteLater()

    def _on_active_index(self, event):
        index = event.value
        if index is not None and 0 <= index < len(self.figures):
            view = self.views.get(self.figures[index].uuid)
            if view is not None:
                self.figure_activated.emit(view)

    # ------------------------------------------------------------ throttle
    def mark_dirty(self, view, artist):
        """Note that ``artist`` of ``view`` has new data; redraw soon, not now."""
        self._dirty[artist.uuid] = (view, artist)
        if not self._timer.isActive():
            elapsed_ms = (time.monotonic() - self._last_redraw) * 1000
            self._timer.start(int(max(0, MIN_INTERVAL_MS - elapsed_ms)))

    def _redraw(self):
        started = time.perf_counter()
        self._last_redraw = time.monotonic()
        dirty, self._dirty = self._dirty, {}
        by_view = {}
        for view, artist in dirty.values():
            by_view.setdefault(view, []).append(artist)
        drawn = 0
        for view, artists in by_view.items():
            if view.isVisible():
                view.draw(artists)
                drawn += len(artists)
            else:
                for artist in artists:
                    view.draw_later(artist)
        self.redraws += 1
        spent = time.perf_counter() - started
        self.redraw_seconds += spent
        self.longest_redraw = max(self.longest_redraw, spent)
        self.redrawn.emit(drawn)
