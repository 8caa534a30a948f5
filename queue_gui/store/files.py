"""Writing runs: one suitcase-jsonl file per run, routed by ``event_model.RunRouter``.

The router gives every run its own :class:`RunRecorder` (through the
factory), which writes the run's file and keeps what its index row needs.
A recorder that fails (a full disk, a document that cannot be encoded)
stops writing its own run and says why; other runs and the scan go on.

Documents are written as they arrive, with suitcase-jsonl's own encoder
(event-model's ``NumpyEncoder``, so numpy values are safe) and a flush after
each line: a run cut short is readable up to its last received document.
"""

import logging
import os

import event_model
import suitcase.jsonl

logger = logging.getLogger(__name__)

RUNS_DIRECTORY = "runs"


class _AsReceived(event_model.DocumentRouter):
    """The router's "filler", which fills nothing: documents are stored as they came.

    ``RunRouter``'s default ``Filler`` unpacks and repacks every event page
    to look for external data it has no handler for; the store keeps
    references to external files as references.
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def descriptor(self, doc):
        return doc

    def event_page(self, doc):
        return doc

    def datum_page(self, doc):
        return doc

    def resource(self, doc):
        return doc

    def stream_resource(self, doc):
        return doc

    def stream_datum(self, doc):
        return doc


class RunRecorder:
    """One open run: its file and the counts its index row shows.

    Parameters
    ----------
    directory : str
        Where ``<start uid>.jsonl`` is created.
    start : dict
        The run's start document.
    changed : set
        The recorder adds itself to it after every document, so that the
        store updates the index once per batch, not once per document.
    flush : bool
        Flush the file after each document (suitcase-jsonl's ``flush``).
    """

    def __init__(self, directory, start, changed, flush=True):
        self.uid = start["uid"]
        self.start = start
        self.item_uid = start.get("item_uid")
        self.path = os.path.join(directory, f"{self.uid}.jsonl")
        self.stream_counts = {}
        self.time_last = start.get("time")
        self.stop = None
        self.error = None
        self.closed = False
        self.indexed = False  # set by the store once the run has its index row
        self._streams = {}  # descriptor uid -> stream name
        self._changed = changed
        self._serializer = suitcase.jsonl.Serializer(directory, file_prefix="{start[uid]}", flush=flush)

    @property
    def num_events(self):
        return self.stream_counts.get("primary", 0)

    def __call__(self, name, doc):
        if self.closed:
            return
        if self.error is None:
            try:
                self._serializer(name, doc)
            except Exception as error:
                self.error = f"writing the run's file failed at a '{name}' document: {type(error).__name__}: {error}"
                logger.exception("run %s: %s", self.uid, self.error)
                self._close_file()
        if self.error is not None:
            # The counts stay those of the file; the stop still ends the run.
            if name == "stop":
                self.stop = doc
                self.closed = True
            self._changed.add(self)
            return
        if name == "descriptor":
            stream = doc.get("name", "primary")
            self._streams[doc["uid"]] = stream
            self.stream_counts.setdefault(stream, 0)
        elif name == "event_page":
            self._count(doc["descriptor"], len(doc["seq_num"]), max(doc["time"], default=None))
        elif name == "event":
            self._count(doc["descriptor"], 1, doc["time"])
        elif name == "stop":
            self.stop = doc
            self.time_last = doc.get("time", self.time_last)
            self.closed = True  # suitcase closes the file on the stop document
        self._changed.add(self)

    def _count(self, descriptor_uid, count, time):
        stream = self._streams.get(descriptor_uid, "primary")
        self.stream_counts[stream] = self.stream_counts.get(stream, 0) + count
        if time is not None:
            self.time_last = time

    def close(self):
        """Close the file of a run that will get no stop document (nothing is added to it)."""
        self.closed = True
        self._close_file()

    def _close_file(self):
        try:
            self._serializer.close()
        except Exception:
            logger.exception("run %s: closing its file failed", self.uid)


class RunFiles:
    """Routes documents to one :class:`RunRecorder` per run.

    Parameters
    ----------
    directory : str
        The ``runs`` directory (created when missing).
    flush : bool
        Passed to every recorder.

    Attributes
    ----------
    open_runs : dict
        Start uid -> recorder of every run that has no stop yet.
    changed : set
        Recorders that received documents since the caller last cleared it.
    """

    def __init__(self, directory, flush=True):
        os.makedirs(directory, exist_ok=True)
        self.directory = directory
        self._flush = flush
        self.open_runs = {}
        self.changed = set()
        self._router = self._new_router()

    def _new_router(self):
        return event_model.RunRouter([self._factory], filler_class=_AsReceived)

    def _factory(self, name, start):
        recorder = RunRecorder(self.directory, start, self.changed, flush=self._flush)
        self.open_runs[recorder.uid] = recorder
        return [recorder], []

    def write(self, name, doc):
        """Route one document; an error in it is logged, never raised."""
        try:
            self._router(name, doc)
        except Exception:
            logger.exception("a '%s' document could not be stored", name)
        if name == "stop":
            self.open_runs.pop(doc.get("run_start"), None)

    def cut(self, recorder):
        """Close a run that will get no stop: its file ends at its last document."""
        recorder.close()
        self.open_runs.pop(recorder.uid, None)
        if not self.open_runs:
            # The router still holds the cut runs (only a stop document makes
            # it forget one): start a fresh one once no run is open.
            self._router = self._new_router()
