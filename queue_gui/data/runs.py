"""Documents routed to runs, readings appended to columns, consumers told what is new.

The bridge hands over ``[name, doc]`` pairs in RunEngine order, several runs
possibly in one list, events as ``event`` or packed as ``event_page``.
:class:`LiveData` finds each document's run (by ``run_start`` or by its
descriptor), keeps the readings of each stream in growable columns, and
tells its listeners (:class:`RunListener`) what changed: a run started, a
stream appeared, rows were added, a run stopped. Listeners read the columns
themselves, so nothing is copied per event.

Failures stay with their run: a malformed document, or a listener that
raises, turns into one short problem message (``on_problem``) and that run
(for that listener) is left alone from then on; other runs and later runs
go on. Nothing raises into the caller, which is a Qt slot of the bridge.
"""

import collections
import logging
import time

import numpy as np

from .columns import Column, as_floats

logger = logging.getLogger(__name__)

#: Data key dtypes kept as float columns (booleans and integers plot too).
NUMERIC_DTYPES = frozenset({"number", "integer", "boolean"})
#: Runs kept for routing and reading; older ones are forgotten.
MAX_RUNS = 5


class RunListener:
    """What :class:`LiveData` calls; override what you need. Calls run on the GUI thread."""

    def run_started(self, run):
        """A start document arrived (``run.live`` tells whether it is running now)."""

    def stream_added(self, run, stream):
        """The first descriptor of a stream arrived; ``stream`` has no rows yet."""

    def rows_added(self, run, stream, first):
        """Rows ``first`` to ``len(stream) - 1`` of ``stream`` are new."""

    def run_stopped(self, run):
        """The stop document arrived (``run.stop``)."""


class Stream:
    """The readings of one event stream of a run, as float columns.

    Columns: ``time``, ``seq_num`` and every scalar numeric data key.
    Two-dimensional data keys carried in the events themselves (not
    ``external``) keep their latest frame in :attr:`frames`.

    Parameters
    ----------
    descriptor : dict
        The stream's first event descriptor.
    """

    def __init__(self, descriptor):
        self.name = descriptor.get("name", "primary")
        self.descriptor = descriptor
        self.data_keys = {}
        self.scalar_fields = []
        self.frame_fields = []
        self.columns = {"time": Column(), "seq_num": Column()}
        self.frames = {}
        self._size = 0
        self.add_descriptor(descriptor)

    def __len__(self):
        return self._size

    def add_descriptor(self, descriptor):
        """Take the data keys of a (possibly later) descriptor of this stream."""
        for field, key in descriptor["data_keys"].items():
            if field in self.data_keys:
                continue
            self.data_keys[field] = key
            shape = key.get("shape") or []
            if key.get("dtype") in NUMERIC_DTYPES and not shape:
                self.scalar_fields.append(field)
                column = self.columns[field] = Column()
                column.extend(np.full(self._size, np.nan))  # earlier rows had no reading
            elif len(shape) == 2 and not key.get("external"):
                self.frame_fields.append(field)

    def add_page(self, page):
        """Append an event page (``time``, ``seq_num`` and ``data`` as lists)."""
        count = len(page["time"])
        if count == 0:
            return
        self.columns["time"].extend(as_floats(page["time"], count))
        seq_num = page.get("seq_num")
        self.columns["seq_num"].extend(as_floats(seq_num, count) if seq_num is not None else np.full(count, np.nan))
        data = page["data"]
        for field in self.scalar_fields:
            values = data.get(field)
            self.columns[field].extend(as_floats(values, count) if values is not None else np.full(count, np.nan))
        for field in self.frame_fields:
            values = data.get(field)
            if values:
                self.frames[field] = as_frame(values[-1])
        self._size += count

    def add_event(self, event):
        """Append one event."""
        data = event["data"]
        self.columns["time"].append(_number(event["time"]))
        self.columns["seq_num"].append(_number(event.get("seq_num")))
        for field in self.scalar_fields:
            self.columns[field].append(_number(data.get(field)))
        for field in self.frame_fields:
            if field in data:
                self.frames[field] = as_frame(data[field])
        self._size += 1

    def values(self, field):
        """The column of ``field`` (a view)."""
        return self.columns[field].values


class Run:
    """One run: its start document, streams and stop document.

    Attributes
    ----------
    uid, scan_id, plan_name : from the start document
    live : bool
        True when its documents arrive as it runs; False for a saved run shown again.
    serial : int
        Order of arrival in its :class:`LiveData` (colours follow it).
    problem : str or None
        Why this run is no longer followed, if it is not.
    """

    def __init__(self, start, live, serial):
        self.start = start
        self.uid = start["uid"]
        self.scan_id = start.get("scan_id")
        self.plan_name = start.get("plan_name") or "?"
        self.time = _number(start.get("time"))
        self.live = live
        self.serial = serial
        self.streams = {}
        self.stop = None
        self.problem = None
        self._streams_by_descriptor = {}
        self._failed_listeners = set()

    @property
    def label(self):
        """How legends and messages name the run: scan id and plan name."""
        scan = f"scan {self.scan_id}" if self.scan_id is not None else f"run {self.uid[:8]}"
        return f"{scan} · {self.plan_name}"

    def stream_of(self, descriptor_uid):
        return self._streams_by_descriptor[descriptor_uid]

    def add_descriptor(self, descriptor):
        """Register a descriptor; returns its stream and whether the stream is new."""
        name = descriptor.get("name", "primary")
        stream = self.streams.get(name)
        created = stream is None
        if created:
            stream = self.streams[name] = Stream(descriptor)
        else:
            stream.add_descriptor(descriptor)
        self._streams_by_descriptor[descriptor["uid"]] = stream
        return stream, created


class LiveData:
    """Routes documents to runs and tells listeners; never raises into its caller.

    Parameters
    ----------
    max_runs : int
        Runs kept for routing; listeners that keep data longer hold their own references.

    Attributes
    ----------
    runs : OrderedDict
        Run uid to :class:`Run`, oldest first.
    problems : collections.deque
        The latest problem messages, newest last.
    """

    def __init__(self, max_runs=MAX_RUNS):
        self.max_runs = max_runs
        self.runs = collections.OrderedDict()
        self.problems = collections.deque(maxlen=50)
        self._listeners = []
        self._problem_callbacks = []
        self._runs_by_descriptor = {}
        self._serial = 0

    def subscribe(self, listener):
        """Add a :class:`RunListener`; listeners are called in subscription order."""
        self._listeners.append(listener)

    def on_problem(self, callback):
        """``callback(message)`` for each problem, on the caller's thread."""
        self._problem_callbacks.append(callback)

    def run(self, uid):
        return self.runs.get(uid)

    # ------------------------------------------------------------ documents
    def consume(self, documents, live=True):
        """Handle ``[name, doc]`` pairs in order (the bridge's ``documents_received``).

        Parameters
        ----------
        documents : list
        live : bool
            False for the documents of a saved run shown again.
        """
        try:
            for pair in documents:
                self._consume_one(pair, live)
        except Exception as error:  # a bug here must not reach the bridge's slot
            logger.exception("documents could not be handled")
            self._report(f"documents could not be handled: {_describe(error)}")

    def forget(self, uid):
        """Drop a run (to show it again from its saved documents)."""
        run = self.runs.pop(uid, None)
        if run is not None:
            for descriptor_uid in list(run._streams_by_descriptor):
                self._runs_by_descriptor.pop(descriptor_uid, None)

    def _consume_one(self, pair, live):
        try:
            name, doc = pair
        except (TypeError, ValueError):
            self._report(f"a document that is not a [name, doc] pair was ignored: {str(pair)[:80]}")
            return
        if not isinstance(doc, dict):
            self._report(f"a {name} document that is not an object was ignored")
            return
        if name == "start":
            self._start(doc, live)
            return
        if name in ("event", "event_page"):
            run = self._runs_by_descriptor.get(doc.get("descriptor"))
        elif name in ("descriptor", "stop"):
            run = self.runs.get(doc.get("run_start"))
        else:
            return  # resource, datum, stream_resource, stream_datum: nothing to plot
        if run is None or run.problem is not None:
            return  # a run that started before the window, or one given up
        try:
            if name == "descriptor":
                stream, created = run.add_descriptor(doc)
                self._runs_by_descriptor[doc["uid"]] = run
                if created:
                    self._notify("stream_added", run, stream)
            elif name == "stop":
                run.stop = doc
                self._notify("run_stopped", run)
            else:
                stream = run.stream_of(doc["descriptor"])
                first = len(stream)
                if name == "event":
                    stream.add_event(doc)
                else:
                    stream.add_page(doc)
                self._notify("rows_added", run, stream, first)
        except Exception as error:
            logger.exception("a %s document of %s could not be read", name, run.label)
            run.problem = f"a {name} document could not be read ({_describe(error)})"
            self._report(f"{run.label}: not plotted further: {run.problem}")

    def _start(self, doc, live):
        uid = doc.get("uid")
        if not isinstance(uid, str):
            self._report("a start document without uid was ignored")
            return
        if uid in self.runs:
            # The run's documents come again (a saved run shown anew): start
            # over, or its events would be appended a second time.
            self.forget(uid)
        self._serial += 1
        run = self.runs[uid] = Run(doc, live, self._serial)
        while len(self.runs) > self.max_runs:
            self.forget(next(iter(self.runs)))
        self._notify("run_started", run)

    def _notify(self, method, run, *args):
        for listener in self._listeners:
            if id(listener) in run._failed_listeners:
                continue
            try:
                getattr(listener, method)(run, *args)
            except Exception as error:
                logger.exception("%s.%s failed for %s", type(listener).__name__, method, run.label)
                run._failed_listeners.add(id(listener))
                self._report(f"{run.label}: {_listener_name(listener)} stopped for this run: {_describe(error)}")

    def _report(self, message):
        self.problems.append((time.time(), message))
        for callback in self._problem_callbacks:
            try:
                callback(message)
            except Exception:
                logger.exception("a problem callback failed")


def as_frame(value):
    """A 2-D reading as a float array (None when it is no 2-D array)."""
    try:
        frame = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return frame if frame.ndim == 2 else None


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _describe(error):
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _listener_name(listener):
    return getattr(listener, "display_name", type(listener).__name__)
