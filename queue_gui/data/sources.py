"""The data behind one artist: read from a stream's columns when the painter asks.

Each source is the ``update`` callable of a bluesky-widgets ``Line`` or
``Image`` spec: it returns the artist's data as it is now, without
recomputing the stream. New rows only cost the raster image its new cells.
"""

import numpy as np

from .hints import TIME


class LineSource:
    """``{"x": ..., "y": ...}`` of one field against another in one stream.

    ``time`` is given in seconds since the run started, as
    BestEffortCallback's ``LivePlot(epoch="run")`` does.
    """

    def __init__(self, run, stream, x, y):
        self.run = run
        self.stream = stream
        self.x = x
        self.y = y

    def __call__(self):
        x = self.stream.values(self.x)
        if self.x == TIME:
            start = self.run.time if np.isfinite(self.run.time) else (x[0] if len(x) else 0.0)
            x = x - start
        return {"x": x, "y": self.stream.values(self.y)}

    def rows_added(self, first):
        """Nothing to do: the columns are the data."""


class RasterSource:
    """``{"array": ...}`` of a grid scan's field, a cell filled per point.

    The array is (rows, columns) = (slow motor, fast motor), NaN where no
    point has arrived yet; point ``i`` of the stream goes to the cell
    :meth:`RasterGeometry.cells` gives, as bluesky-widgets'
    ``RasteredImages`` places it.
    """

    def __init__(self, run, stream, field, geometry):
        self.run = run
        self.stream = stream
        self.field = field
        self.geometry = geometry
        self.array = np.full(geometry.shape, np.nan)
        self._filled = 0

    def __call__(self):
        return {"array": self.array}

    def rows_added(self, first):
        size = self.array.size
        end = min(len(self.stream), size)
        if end <= self._filled:
            return
        indices = np.arange(self._filled, end)
        rows, columns = self.geometry.cells(indices)
        self.array[rows, columns] = self.stream.values(self.field)[self._filled : end]
        self._filled = end

    def extent(self):
        """(left, right, bottom, top) of the pixel edges in motor positions.

        Pixel centres sit on the grid's positions; a relative scan
        (``rel_grid_scan``) records positions relative to where the motors
        were, so the first point's readback, when the stream records it,
        shifts the extents to absolute positions.
        """
        (y0, y1), (x0, x1) = self.geometry.extents
        rows, columns = self.geometry.shape
        if self.run.plan_name.startswith("rel_") and len(self.stream):
            slow, fast = self.geometry.motors
            y_shift = _first(self.stream, slow, y0)
            x_shift = _first(self.stream, fast, x0)
            y0, y1, x0, x1 = y0 + y_shift, y1 + y_shift, x0 + x_shift, x1 + x_shift
        x_step = (x1 - x0) / (columns - 1) if columns > 1 else 1.0
        y_step = (y1 - y0) / (rows - 1) if rows > 1 else 1.0
        return (x0 - x_step / 2, x1 + x_step / 2, y0 - y_step / 2, y1 + y_step / 2)


def _first(stream, field, planned):
    """How far the first recorded position of ``field`` is from the planned start."""
    if field not in stream.columns:
        return 0.0
    first = stream.values(field)[0]
    return float(first - planned) if np.isfinite(first) else 0.0


class FrameSource:
    """``{"array": ...}``: the latest frame of a 2-D detector field."""

    def __init__(self, run, stream, field):
        self.run = run
        self.stream = stream
        self.field = field

    def __call__(self):
        return {"array": self.stream.frames.get(self.field)}

    def rows_added(self, first):
        """Nothing to do: the stream keeps the latest frame."""

