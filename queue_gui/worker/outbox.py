"""The worker's end of the Pipe: every report leaves in order, and nothing waits on the Pipe.

The RunEngine calls its document callback on its own thread, between two
points of a scan. Sending on the Pipe from there would make every point
wait for the manager's process to read, and a 1000-point scan would cost a
thousand Pipe messages and a thousand wake-ups of the manager. So reports
and documents go into one queue, whose ``put`` never blocks, and a sender
thread sends them in the order they were put:

- documents that follow each other within :data:`BATCH_WINDOW` leave as one
  ``documents`` message, consecutive events of one descriptor packed into
  one event page (what ``event_model.pack_event_page`` makes);
- any other report ends the batch at once, so a state change or a failed
  pause is never held back, and it always arrives after the documents that
  were emitted before it (a run's stop document before ``plan_finished``).

Documents are encoded as JSON text here, off the RunEngine's thread, with
event-model's ``NumpyEncoder``; the standard library keeps NaN and
infinities, which detectors do report, where orjson would write ``null``.
"""

import json
import logging
import queue
import threading
import time

from .protocol import Report, message

logger = logging.getLogger(__name__)

#: Seconds documents wait for more to join their batch. Live plots redraw
#: at most 20 times a second, so 20 ms of batching is never seen, and a
#: fast scan (a point a millisecond) sends a message per 20 points.
BATCH_WINDOW = 0.02
#: A batch is sent once it holds this many documents, however fast they come.
MAX_BATCH = 2000

_DOCUMENT = object()
_REPORT = object()
_CLOSE = object()


class Outbox:
    """Ordered, non-blocking sending of reports and documents to the manager.

    Parameters
    ----------
    conn : multiprocessing.connection.Connection
        The worker's end of the Pipe.
    batch_window : float
        Seconds documents are held for more to join them.
    """

    def __init__(self, conn, batch_window=BATCH_WINDOW):
        self._conn = conn
        self._window = batch_window
        self._queue = queue.SimpleQueue()
        self.closed = False
        self._thread = threading.Thread(target=self._run, name="queue-gui-outbox", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ any thread
    def send(self, msg):
        """Queue one report; returns at once."""
        self._queue.put((_REPORT, msg))

    def document(self, name, doc):
        """Queue one bluesky document; returns at once (the RunEngine's callback)."""
        self._queue.put((_DOCUMENT, (name, doc)))

    def close(self, timeout=10):
        """Send everything queued so far, then stop the sender thread."""
        self._queue.put((_CLOSE, None))
        self._thread.join(timeout)

    # ------------------------------------------------------------ sender thread
    def _run(self):
        batch = []
        deadline = None
        while True:
            try:
                if not batch:
                    kind, payload = self._queue.get()
                else:
                    kind, payload = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                batch = self._flush(batch)
                continue
            if kind is _DOCUMENT:
                if not batch:
                    deadline = time.monotonic() + self._window
                batch.append(payload)
                if len(batch) >= MAX_BATCH:
                    batch = self._flush(batch)
                continue
            batch = self._flush(batch)
            if kind is _CLOSE:
                return
            self._send(payload)

    def _flush(self, batch):
        if batch:
            try:
                text = encode_documents(pack_events(batch))
            except Exception as error:  # a document no encoder can write must not end the sender
                logger.exception("cannot encode documents")
                self._send(message(Report.CONSOLE, text=f"queue-gui: {len(batch)} documents could not be sent: {error}\n"))
            else:
                self._send(message(Report.DOCUMENTS, docs=text))
        return []

    def _send(self, msg):
        if self.closed:
            return  # the manager is gone: nobody listens
        try:
            self._conn.send(msg)
        except (OSError, ValueError):
            self.closed = True


def pack_events(documents):
    """``(name, doc)`` pairs with each run of consecutive events of one descriptor packed into an event page.

    Every consumer handles event pages anyway (event-model's ``RunRouter``
    hands events on as one-row pages); a page of 20 events is one JSON
    object instead of 20 with the same keys repeated.
    """
    from event_model import pack_event_page

    packed, events = [], []

    def close_page():
        if len(events) == 1:
            packed.append(("event", events[0]))
        elif events:
            packed.append(("event_page", pack_event_page(*events)))
        events.clear()

    for name, doc in documents:
        if name == "event" and (not events or events[0]["descriptor"] == doc["descriptor"]):
            events.append(doc)
            continue
        close_page()
        if name == "event":
            events.append(doc)
        else:
            packed.append((name, doc))
    close_page()
    return packed


def encode_documents(documents):
    """JSON text of ``[[name, doc], ...]``, numpy values included."""
    from event_model import NumpyEncoder

    return json.dumps(documents, cls=NumpyEncoder)
