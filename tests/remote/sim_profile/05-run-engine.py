# Replaces 05-run-engine.py of bluesky-queueserver's profile_collection_sim in
# the stack's copy of it (tests/remote/queueserver_stack.py): the same
# RunEngine, but a LiveTable per run instead of the BestEffortCallback, whose
# module imports matplotlib, which the test environment does not install.
from bluesky import RunEngine
from bluesky.callbacks.core import LiveTable

print(f"Loading file {__file__!r}")

RE = RunEngine({"metadata_key": "metadata_value"})


class _TablePerRun:
    """A LiveTable of each run's detectors and motors, printed to the console."""

    def __init__(self):
        self._table = None

    def __call__(self, name, doc):
        if name == "start":
            self._table = LiveTable(list(doc.get("detectors", [])) + list(doc.get("motors", [])))
        if self._table is not None:
            self._table(name, doc)
        if name == "stop":
            self._table = None


RE.subscribe(_TablePerRun())
