"""Send everything the worker prints to the manager, line by line.

Plans, the RunEngine and profiles talk to the scientist through ``print``
and logging; the worker has no terminal of its own that anyone watches, so
``sys.stdout`` and ``sys.stderr`` become streams that forward each complete
line over the Pipe as a ``console`` report.
"""

import io
import logging
import sys
import threading

from .protocol import Report, message


class ConsoleStream(io.TextIOBase):
    """A text stream that forwards complete lines through ``send``.

    Parameters
    ----------
    send : callable
        Thread-safe function taking one message dict.
    """

    def __init__(self, send):
        super().__init__()
        self._send = send
        self._partial = ""
        self._lock = threading.Lock()

    def writable(self):
        return True

    def write(self, text):
        with self._lock:
            text = self._partial + text
            head, sep, tail = text.rpartition("\n")
            self._partial = tail
        if sep:
            self._forward(head + sep)
        return len(text)

    def flush(self):
        with self._lock:
            pending, self._partial = self._partial, ""
        if pending:
            self._forward(pending)

    def _forward(self, text):
        try:
            self._send(message(Report.CONSOLE, text=text))
        except (OSError, ValueError):
            # The pipe is gone: the manager cannot hear us any more, and
            # printing the failure would only recurse into this stream.
            sys.__stderr__.write(text)


class AskedForEnds(logging.Filter):
    """Drops the traceback bluesky logs when a run ends because somebody asked (Abort, Halt).

    bluesky logs "Run aborted" with the ``RequestAbort`` traceback for every
    abort; in the console that reads like a crash after a normal action.
    The line stays, without the traceback; a plan that really fails keeps
    its traceback.
    """

    ASKED = ("RequestAbort", "PlanHalt", "RequestStop")

    def filter(self, record):
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and type(exc).__name__ in self.ASKED:
            record.exc_info = None
            record.exc_text = None
            record.msg = f"{record.getMessage()} (as asked: {type(exc).__name__})"
            record.args = ()
        return True
