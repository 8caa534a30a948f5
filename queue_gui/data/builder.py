"""Figures built from the hints of each run, as bluesky-widgets' ``AutoLines`` builds them.

:class:`PlotBuilder` listens to a :class:`~queue_gui.data.runs.LiveData` and
keeps a bluesky-widgets ``FigureList``:

- **lines**: one figure per (stream, x, ys) — per dependent field an axes
  with one line per run against the x the hints choose
  (:func:`~queue_gui.data.hints.plan_stream`). The last ``max_runs`` runs
  with the same (stream, x, ys) share the figure for comparison, the
  newest drawn strongest, older ones fainter; older lines leave the figure.
- **raster**: a grid scan (two dimensions with ``shape`` and ``extents``)
  gets one figure per grid with an image per field, filled point by point;
  the next run on the same grid replaces it.
- **frames**: a 2-D detector field carried in the events gets an image of
  its latest frame.

The specs' ``update`` callables read the stream's columns (see
:mod:`queue_gui.data.sources`), and each new page of rows only emits
``new_data`` on the run's artists: a painter redraws when it likes.
"""

import collections
import logging

from bluesky_widgets.models.plot_specs import Axes, Figure, FigureList, Image, Line

from .hints import SEQ_NUM, TIME, plan_stream
from .runs import RunListener
from .sources import FrameSource, LineSource, RasterSource

logger = logging.getLogger(__name__)

#: Runs drawn together in one figure of lines.
MAX_RUNS = 5
#: Figures kept; the oldest goes when a new one would make more.
MAX_FIGURES = 20
#: One colour per run, in order of arrival (matplotlib's "tab10").
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
)  # fmt: skip
#: Opacity of the newest line, the one before, and so on.
FADING = (1.0, 0.7, 0.55, 0.45, 0.35)
SHORT_TITLE = 24


class _Group:
    """A figure and the runs drawn in it, oldest first: ``[(run, stream name, [(artist, source)])]``."""

    def __init__(self, kind, figure, limit):
        self.kind = kind
        self.figure = figure
        self.limit = limit
        self.runs = []


class PlotBuilder(RunListener):
    """Makes and fills figures for every run a :class:`LiveData` routes.

    Parameters
    ----------
    live_data : queue_gui.data.runs.LiveData
    max_runs : int
        Runs compared in one figure of lines.
    max_figures : int
        Figures kept (memory stays bounded however many scans run).

    Attributes
    ----------
    figures : bluesky_widgets.models.plot_specs.FigureList
        The model a painter draws; ``figures.active_index`` is set to the
        figure of a run that just started, so a view can raise it.
    """

    display_name = "plots"

    def __init__(self, live_data, max_runs=MAX_RUNS, max_figures=MAX_FIGURES):
        self.max_runs = max_runs
        self.max_figures = max_figures
        self.figures = FigureList()
        self._groups = {}
        self._sources = collections.defaultdict(list)
        self.figures.events.removed.connect(self._on_figure_removed)
        live_data.subscribe(self)

    # ------------------------------------------------------------ queries
    def figures_of(self, run_uid):
        """The figures in which a run is drawn, in the order they were made."""
        found = {id(g.figure) for g in self._groups.values() for run, _, _ in g.runs if run.uid == run_uid}
        return [figure for figure in self.figures if id(figure) in found]

    def artists_of(self, run_uid, figure=None):
        """The run's artists (``Line`` or ``Image`` specs), of one figure or all."""
        artists = []
        for group in self._groups.values():
            if figure is not None and group.figure is not figure:
                continue
            for run, _, pairs in group.runs:
                if run.uid == run_uid:
                    artists.extend(artist for artist, _ in pairs)
        return artists

    # ------------------------------------------------------------ listener
    def stream_added(self, run, stream):
        plan = plan_stream(run.start, stream.descriptor, stream.scalar_fields)
        figures = []
        if plan is not None and plan.ys:
            if plan.raster is not None:
                figures.append(self._add_raster(run, stream, plan))
            elif not (run.start.get("num_points") == 1 and stream.name == "primary"):
                # One point is no line (BestEffortCallback omits it too); the table shows it.
                figures.append(self._add_lines(run, stream, plan))
        if plan is not None:
            for field in stream.frame_fields:
                figures.append(self._add_frame(run, stream, field))
        if run.live and figures and stream.name == "primary":
            self.figures.active_index = next(i for i, f in enumerate(self.figures) if f is figures[0])

    def rows_added(self, run, stream, first):
        for artist, source in self._sources.get((run.uid, stream.name), ()):
            source.rows_added(first)
            if first == 0 and isinstance(source, RasterSource):
                artist.style.update({"extent": source.extent()})  # a relative scan now knows where it is
            artist.events.new_data()

    def run_stopped(self, run):
        for name in run.streams:
            for artist, _ in self._sources.get((run.uid, name), ()):
                artist.events.completed()

    # ------------------------------------------------------------ building
    def _add_lines(self, run, stream, plan):
        key = ("lines", stream.name, plan.x, plan.ys)
        group = self._groups.get(key)
        if group is None:
            x_label = _axis_label(plan.x)
            axes = [Axes(title=y, x_label=x_label, y_label=y) for y in plan.ys]
            title = f"{', '.join(plan.ys)} vs {x_label}" + ("" if stream.name == "primary" else f" [{stream.name}]")
            group = self._new_group(key, "lines", Figure(axes, title=title, short_title=_short(title)), self.max_runs)
        pairs = []
        for axes, y in zip(group.figure.axes, plan.ys):
            source = LineSource(run, stream, plan.x, y)
            pairs.append((self._artist(Line, source, run, axes, line_style(run.serial, 0)), source))
        self._attach(group, run, stream, pairs)
        return group.figure

    def _add_raster(self, run, stream, plan):
        geometry = plan.raster
        key = ("raster", stream.name, geometry.motors, geometry.shape, plan.ys)
        group = self._groups.get(key)
        slow, fast = geometry.motors
        if group is None:
            axes = [Axes(title=y, x_label=fast, y_label=slow, aspect="auto") for y in plan.ys]
            title = f"{', '.join(plan.ys)} on {slow} × {fast}"
            group = self._new_group(key, "raster", Figure(axes, title=title, short_title=_short(f"{', '.join(plan.ys)} grid")), 1)
        pairs = []
        for axes, y in zip(group.figure.axes, plan.ys):
            source = RasterSource(run, stream, y, geometry)
            axes.title = f"{y} — {run.label}"
            style = {"colormap": "viridis", "extent": source.extent()}
            pairs.append((self._artist(Image, source, run, axes, style), source))
        self._attach(group, run, stream, pairs)
        return group.figure

    def _add_frame(self, run, stream, field):
        key = ("frame", stream.name, field)
        group = self._groups.get(key)
        if group is None:
            axes = Axes(title=field, x_label="column", y_label="row", aspect="equal")
            title = f"{field} (latest frame)"
            group = self._new_group(key, "frame", Figure([axes], title=title, short_title=_short(title)), 1)
        axes = group.figure.axes[0]
        axes.title = f"{field} — {run.label}"
        source = FrameSource(run, stream, field)
        self._attach(group, run, stream, [(self._artist(Image, source, run, axes, {"colormap": "viridis"}), source)])
        return group.figure

    def _new_group(self, key, kind, figure, limit):
        group = self._groups[key] = _Group(kind, figure, limit)
        self.figures.append(figure)
        while len(self.figures) > self.max_figures:
            self.figures.remove(self.figures[0])
        return group

    def _artist(self, kind, source, run, axes, style=None):
        artist = kind(source, label=run.label, style=style or {}, live=run.live)
        artist.events.completed.connect(artist.on_completed)
        axes.artists.append(artist)
        return artist

    def _attach(self, group, run, stream, pairs):
        group.runs.append((run, stream.name, pairs))
        self._sources[(run.uid, stream.name)].extend(pairs)
        while len(group.runs) > group.limit:
            self._detach(group.runs.pop(0))
        if group.kind == "lines":
            for rank, (older, _, older_pairs) in enumerate(reversed(group.runs)):
                style = line_style(older.serial, rank)
                for artist, _ in older_pairs:
                    artist.style.update(style)

    def _detach(self, entry, remove_artists=True):
        run, stream_name, pairs = entry
        key = (run.uid, stream_name)
        kept = [pair for pair in self._sources.get(key, ()) if pair not in pairs]
        if kept:
            self._sources[key] = kept
        else:
            self._sources.pop(key, None)
        if remove_artists:
            for artist, _ in pairs:
                artist.axes.discard(artist)

    def _on_figure_removed(self, event):
        figure = event.item
        for key, group in list(self._groups.items()):
            if group.figure is figure:
                for entry in group.runs:
                    self._detach(entry, remove_artists=False)
                del self._groups[key]


def line_style(serial, rank):
    """Style of a run's line: its own colour; ``rank`` 0 is the newest run, drawn strongest."""
    return {
        "color": PALETTE[(serial - 1) % len(PALETTE)],
        "alpha": FADING[min(rank, len(FADING) - 1)],
        "width": 2.0 if rank == 0 else 1.5,
        "symbol": rank == 0,
        "z": -rank,
    }


def _axis_label(x):
    if x == TIME:
        return "time (s)"
    if x == SEQ_NUM:
        return "point"
    return x


def _short(title):
    return title if len(title) <= SHORT_TITLE else title[: SHORT_TITLE - 1] + "…"
