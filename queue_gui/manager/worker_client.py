"""The manager's handle on one worker process.

A reader thread blocks on the Pipe and hands every report to a callback the
moment it arrives; when the pipe closes (the worker exited, was killed or
crashed) it reaps the process and reports the exit code. The manager thus
learns of a dead worker at once, not after a polling interval.
"""

from __future__ import annotations

import enum
import json
import logging
import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import multiprocessing.process
import threading
from collections.abc import Callable
from typing import Any

from ..worker.protocol import Command, Report, message

logger = logging.getLogger(__name__)


def worker_context() -> multiprocessing.context.ForkServerContext:
    """The multiprocessing context workers start from (see :meth:`WorkerClient.start`)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["queue_gui.worker.preload"])
    return context


class ExpectedExit(str, enum.Enum):
    """Why the manager itself is ending a worker, so its exit is not reported as a crash."""

    CLOSE = "close"
    DESTROY = "destroy"
    PROFILE_TIMEOUT = "profile_timeout"


class WorkerClient:
    """Start one worker process and relay its reports.

    Parameters
    ----------
    profile_path : str or None
        Startup profile for the worker (None: the built-in simulated one).
    on_report : callable
        ``on_report(client, msg)``, called on the reader thread for each report.
    on_exit : callable
        ``on_exit(client, exitcode)``, called once on the reader thread after
        the process has ended (negative exit code: killed by that signal).
    """

    def __init__(
        self,
        profile_path: str | None,
        on_report: Callable[[WorkerClient, dict[str, Any]], None],
        on_exit: Callable[[WorkerClient, int | None], None],
        forward_documents: bool = True,
    ) -> None:
        self.profile_path = profile_path
        self._on_report = on_report
        self._on_exit = on_exit
        self._forward_documents = forward_documents
        self._conn: multiprocessing.connection.Connection | None = None
        self._process: multiprocessing.process.BaseProcess | None = None
        self._send_lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        # forkserver: each worker is forked from a server process that has
        # imported bluesky and ophyd once (queue_gui.worker.preload) and
        # has no threads and no Qt state, so a worker starts in a fraction
        # of a spawned interpreter's time.
        from ..worker.main import worker_main

        context = worker_context()
        parent_conn, child_conn = context.Pipe()
        self._process = context.Process(
            target=worker_main,
            args=(child_conn, self.profile_path, self._forward_documents),
            name="queue-gui-worker",
            daemon=True,
        )
        self._process.start()
        # Without closing our copy of the child's end, recv() would never see
        # EOF when the worker dies.
        child_conn.close()
        self._conn = parent_conn
        threading.Thread(target=self._read, name="queue-gui-worker-reader", daemon=True).start()

    def send(self, kind: Command, **fields: Any) -> bool:
        """Send a command; False when the worker can no longer be reached."""
        if self._conn is None:
            return False
        try:
            with self._send_lock:
                self._conn.send(message(kind, **fields))
        except (OSError, ValueError) as error:
            logger.warning("cannot reach the worker process: %s", error)
            return False
        return True

    def kill(self) -> None:
        """End the worker at once (SIGKILL); its reader reports the exit."""
        if self._process is not None and self._process.is_alive():
            self._process.kill()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the process to end; True when it has (or never started)."""
        if self._process is None or self._process.pid is None:
            return True
        self._process.join(timeout)
        return not self._process.is_alive()

    def _read(self):
        assert self._conn is not None and self._process is not None, "start() sets both before it starts this thread"
        conn = self._conn
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                break
            try:
                if msg.get("type") == Report.DOCUMENTS.value:
                    # Decoded here, not on the manager thread, which then
                    # only hands the documents on.
                    msg["docs"] = json.loads(msg["docs"])
                self._on_report(self, msg)
            except Exception:
                logger.exception("error while handling a worker report")
        self._process.join(10)
        if self._process.is_alive():
            # The pipe closed but the process lingers: make the end definite.
            self._process.kill()
            self._process.join()
        conn.close()
        self._on_exit(self, self._process.exitcode)
