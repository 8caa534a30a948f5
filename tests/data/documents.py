"""Documents from a real RunEngine in the test process, shaped as the window receives them.

The worker packs consecutive events into event pages and sends JSON text
(:mod:`queue_gui.worker.outbox`); :func:`as_received` does the same to the
documents of an in-process RunEngine, so the model is tested on what it
really gets, numpy values turned into lists included.
"""

import json

from queue_gui.worker.outbox import encode_documents, pack_events


def as_received(documents, pack=True):
    """``(name, doc)`` pairs as the bridge delivers them: JSON types, events packed into pages."""
    pairs = pack_events(documents) if pack else documents
    return json.loads(encode_documents(pairs))


def recorder(run_engine):
    """``record(plan, *callbacks)``: run a plan, return its documents (callbacks subscribed meanwhile)."""

    def record(plan, *callbacks):
        documents = []
        tokens = [run_engine.subscribe(lambda name, doc: documents.append((name, doc)))]
        tokens += [run_engine.subscribe(callback) for callback in callbacks]
        try:
            run_engine(plan)
        finally:
            for token in tokens:
                run_engine.unsubscribe(token)
        return documents

    return record


def new_run_engine():
    from bluesky import RunEngine

    # No SIGINT handler: the RunEngine is not on its own in this process.
    return RunEngine(context_managers=[])
