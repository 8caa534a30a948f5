"""What to plot, read from the hints the plan and the devices give.

The same choice bluesky's ``BestEffortCallback`` and bluesky-widgets'
``AutoLines`` make, written for plain documents:

- the start document's ``hints["dimensions"]`` name the independent
  fields (``[[fields], stream], ...``); the first field of each dimension
  is plotted against. Without that hint, the ``motors`` of the start
  document are the dimensions (object names, resolved to fields through the
  descriptor's ``hints``, else its ``object_keys``), and without motors,
  ``time`` (a ``count``);
- the dependent fields are the descriptor's hinted fields (each object's
  ``hints["fields"]``, all its fields when it hints none), less the
  dimensions, numeric scalars only;
- a stream other than the dimensions' stream is plotted against time, and
  ``baseline`` is not plotted;
- two dimensions with the start document's ``shape`` and ``extents`` (a
  ``grid_scan``) make a rastered image instead of lines.
"""

from dataclasses import dataclass

#: Streams never plotted (BestEffortCallback's ``noplot_streams``).
NO_PLOT_STREAMS = frozenset({"baseline"})
TIME = "time"
SEQ_NUM = "seq_num"


@dataclass(frozen=True)
class RasterGeometry:
    """Where each point of a rectilinear grid goes (``grid_scan``'s start metadata).

    Attributes
    ----------
    shape : (int, int)
        Rows (the slow, first motor) and columns (the fast, second motor).
    extents : ((float, float), (float, float))
        Start and stop position of the slow and the fast motor.
    snaking : (bool, bool)
        Whether each axis reverses direction on alternate rows.
    motors : (str, str)
        Names of the slow and the fast motor.
    """

    shape: tuple
    extents: tuple
    snaking: tuple
    motors: tuple

    def cells(self, indices):
        """Row and column of the points with these indices (numpy arrays), snaking honoured."""
        rows, columns = divmod(indices, self.shape[1])
        if self.snaking[1]:
            odd = rows % 2 == 1
            columns[odd] = self.shape[1] - 1 - columns[odd]
        return rows, columns


@dataclass(frozen=True)
class StreamPlan:
    """The choice for one stream of one run.

    Attributes
    ----------
    x : str
        The field plotted against: a dimension field, ``time`` or ``seq_num``.
    ys : tuple of str
        The dependent fields, one axes each.
    dimensions : tuple of str
        Every dimension field of the stream (the live table shows them first).
    raster : RasterGeometry or None
        Set when the points form a grid to draw as an image.
    """

    x: str
    ys: tuple
    dimensions: tuple
    raster: RasterGeometry | None = None


def hinted_fields(descriptor):
    """The fields a descriptor's objects hint as worth showing, in order."""
    object_keys = descriptor.get("object_keys") or {}
    if not object_keys:
        return list(descriptor.get("data_keys") or {})  # not from a RunEngine: every field
    hints = descriptor.get("hints") or {}
    fields = []
    for name, all_fields in object_keys.items():
        hinted = (hints.get(name) or {}).get("fields")
        fields.extend(hinted if hinted is not None else all_fields)
    return fields


def plan_stream(start, descriptor, numeric_fields):
    """What to plot for a stream, or None when nothing.

    Parameters
    ----------
    start : dict
        The run's start document.
    descriptor : dict
        The stream's first descriptor.
    numeric_fields : collection of str
        The stream's scalar numeric fields (what can be drawn as a line).
    """
    stream_name = descriptor.get("name", "primary")
    if stream_name in NO_PLOT_STREAMS:
        return None
    dimension_stream, first_fields, all_fields = _dimensions(start, descriptor, stream_name)
    hinted = [f for f in hinted_fields(descriptor) if f not in all_fields]
    ys = tuple(f for f in hinted if f in numeric_fields)
    if stream_name != dimension_stream:
        return StreamPlan(x=TIME, ys=ys, dimensions=())
    dimensions = tuple(f for f in all_fields if f in numeric_fields)
    if len(first_fields) == 2:
        raster = raster_geometry(start)
        if raster is not None:
            return StreamPlan(x=first_fields[1], ys=ys, dimensions=dimensions, raster=raster)
    x = first_fields[0] if first_fields else TIME
    if x != TIME and x not in numeric_fields:
        x = SEQ_NUM  # a dimension the stream does not record: plot against the point number
    return StreamPlan(x=x, ys=ys, dimensions=dimensions)


def _dimensions(start, descriptor, stream_name):
    """(stream of the dimensions, first field of each, every dimension field)."""
    hints = start.get("hints") or {}
    dimensions = hints.get("dimensions")
    guessed = not _well_formed(dimensions) or len({stream for _, stream in dimensions}) != 1
    if guessed:
        motors = start.get("motors")
        if isinstance(motors, (list, tuple)) and motors:
            dimensions = [([str(motor)], "primary") for motor in motors]
        else:
            dimensions = [([TIME], "primary")]
    dimension_stream = dimensions[0][1]
    first_fields = [fields[0] for fields, _ in dimensions]
    all_fields = [field for fields, _ in dimensions for field in fields]
    if guessed and stream_name == "primary":
        # The guess names objects (motors); the descriptor knows their fields.
        object_hints = descriptor.get("hints") or {}
        object_keys = descriptor.get("object_keys") or {}
        resolved = []
        for name in first_fields:
            if name == TIME:
                resolved.append(TIME)
                continue
            fields = (object_hints.get(name) or {}).get("fields") or object_keys.get(name) or [name]
            resolved.extend(fields)
        first_fields = all_fields = resolved
    return dimension_stream, first_fields, all_fields


def _well_formed(dimensions):
    if not isinstance(dimensions, (list, tuple)) or not dimensions:
        return False
    for entry in dimensions:
        if not (isinstance(entry, (list, tuple)) and len(entry) == 2):
            return False
        fields, stream = entry
        if not (isinstance(fields, (list, tuple)) and fields and all(isinstance(f, str) for f in fields)):
            return False
        if not isinstance(stream, str):
            return False
    return True


def raster_geometry(start):
    """The grid of a ``grid_scan`` from its start document, or None when it has none.

    Needs ``shape`` (two positive integers) and ``extents`` (two pairs of
    numbers); ``snaking`` defaults to no snaking and ``motors`` to unnamed.
    """
    shape, extents = start.get("shape"), start.get("extents")
    try:
        rows, columns = (int(n) for n in shape)
        (y0, y1), (x0, x1) = ((float(a), float(b)) for a, b in extents)
    except (TypeError, ValueError):
        return None
    if rows < 1 or columns < 1:
        return None
    snaking = start.get("snaking") or (False, False)
    motors = start.get("motors") or ("", "")
    try:
        snaking = (bool(snaking[0]), bool(snaking[1]))
        motors = (str(motors[0]), str(motors[1]))
    except (TypeError, IndexError, KeyError):
        snaking, motors = (False, False), ("", "")
    return RasterGeometry(shape=(rows, columns), extents=((y0, y1), (x0, x1)), snaking=snaking, motors=motors)


def table_fields(start, descriptor, numeric_fields):
    """The columns of a live table, as bluesky's ``LiveTable`` under BestEffortCallback has them.

    ``seq_num`` and ``time``, then the dimension fields, then the hinted
    fields; every scalar numeric field when the hints choose none.
    """
    plan = plan_stream(start, descriptor, numeric_fields)
    fields = list(plan.dimensions + plan.ys) if plan is not None else []
    if not fields:
        fields = [f for f in hinted_fields(descriptor) if f in numeric_fields] or list(numeric_fields)
    return [SEQ_NUM, TIME] + [f for f in dict.fromkeys(fields) if f not in (SEQ_NUM, TIME)]
