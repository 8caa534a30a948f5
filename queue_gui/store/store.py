"""The local run store: every run saved to a file and listed in an index, off the manager's thread.

The store is a manager listener. The manager calls :meth:`RunStore.on_manager_event`
on its own thread, which only puts the event into the store's queue; the
store's thread writes the files, keeps the index, answers reads and hands
closed runs to the shared tiled store (:class:`~.tiled_sync.TiledSync`), so
no scan ever waits on a disk or a network.

A run ends in one of two ways. Its stop document arrives: the file ends with
it and the index records the stop's ``exit_status``. Or the manager's status
shows that the queue item the run belongs to is no longer running (its
worker died, the environment was destroyed) while the run has no stop: the
file is closed as it is, and the index says ``interrupted``. No stop
document is ever made up. A run left open by an application that was killed
is marked ``interrupted`` when the store starts again.
"""

import concurrent.futures
import logging
import os
import queue
import threading
import time
import uuid

from ..inbox import refuse_queued
from ..listeners import Listeners
from ..wire import EventKind, RunExitStatus, StoreCommand, StoreEventKind, TiledRunState, TiledState
from .commands import NOT_FOUND, STOPPED, StoreRefusal, check_count, check_text, check_time, command, dispatch, refusal
from .files import RUNS_DIRECTORY, RunFiles
from .index import RunIndex
from .reading import read_documents, stream_table, table_csv

logger = logging.getLogger(__name__)

_DOCUMENTS, _STATUS, _COMMAND, _TILED, _STOP = "documents", "status", "command", "tiled", "stop"

RESTART_REASON = "queue-gui stopped while the run was open; the run got no stop document"
SHUTDOWN_REASON = "queue-gui was shut down before the run ended; the run got no stop document"
NO_ENVIRONMENT_REASON = "the RunEngine environment ended (worker died or destroyed) before the run's stop document"
ITEM_ENDED_REASON = "the queue item of the run ended before the run's stop document"


class RunStore:
    """Saves every run in ``<data_dir>/runs/<start uid>.jsonl`` and indexes it in ``runs.sqlite``.

    Parameters
    ----------
    data_dir : str
        The application's data directory.
    tiled_uri : str or None
        A tiled server that also receives every run once it is closed here.
    tiled_api_key : str or None
        The key for that server.
    tiled_backoff : (float, float)
        First and longest wait, in seconds, between attempts to reach an
        unreachable tiled server.
    flush : bool
        Flush each run's file after every document (a run cut short is
        readable up to its last document; see ``docs/benchmarks.md``).

    Notes
    -----
    Any thread may call :meth:`on_manager_event`, :meth:`submit`,
    :meth:`call`, :meth:`subscribe`, :meth:`latest_status`, :meth:`start`
    and :meth:`stop`. Listeners are called on the store's thread and must
    return at once.
    """

    def __init__(self, data_dir, tiled_uri=None, tiled_api_key=None, tiled_backoff=(1.0, 60.0), flush=True):
        self.data_dir = data_dir
        self.runs_directory = os.path.join(data_dir, RUNS_DIRECTORY)
        self.tiled_uri = tiled_uri
        self._tiled_api_key = tiled_api_key
        self._tiled_backoff = tiled_backoff
        self._flush = flush
        self._queue = queue.SimpleQueue()
        self._listeners = Listeners("run store")
        self._closing = threading.Lock()
        self._closed = False
        self._started = threading.Event()
        self._finished = threading.Event()
        self._thread = threading.Thread(target=self._run, name="queue-gui-run-store", daemon=True)
        self._index = None
        self._files = None
        self._tiled = None
        self._tiled_state = TiledState.OFF if tiled_uri is None else TiledState.CONNECTING
        self._tiled_error = None
        self._runs_uid = _new_uid()
        self._last_status = None

    # ------------------------------------------------------------ any thread
    def on_manager_event(self, kind, payload):
        """The manager listener: queues documents and status, returns at once."""
        if kind == EventKind.DOCUMENTS:
            self._queue.put((_DOCUMENTS, payload))
        elif kind == EventKind.STATUS:
            self._queue.put((_STATUS, payload))

    def submit(self, name, params=None):
        """Queue a read command; returns a Future resolving to the reply dict."""
        future = concurrent.futures.Future()
        with self._closing:
            if not self._closed:
                self._queue.put((_COMMAND, name, params, future))
                return future
        future.set_result(refusal("the run store is stopped", STOPPED))
        return future

    def call(self, name, params=None, timeout=30):
        """Submit and wait for the reply (for scripts and tests, not for GUIs)."""
        return self.submit(name, params).result(timeout)

    def subscribe(self, listener):
        """``listener(kind, payload)`` on the store's thread for each event.

        Kinds: ``runs`` (``{"runs_uid", "change", "run"}``: a run was
        ``added``, ``updated`` or ``closed`` in the index; ``run`` is its row)
        and ``store_status`` (``{"tiled_uri", "tiled_state", "runs_waiting",
        "runs_failed", "tiled_error"}``, whenever it changed).
        """
        self._listeners.add(listener)

    def unsubscribe(self, listener):
        self._listeners.remove(listener)

    def latest_status(self):
        """The ``store_status`` payload last published (None before the store started)."""
        return self._last_status

    def start(self, timeout=30):
        """Start the store's thread; returns once the index is open and recovered."""
        self._thread.start()
        return self._started.wait(timeout)

    def stop(self, timeout=30):
        """Close the open runs (as interrupted) and every file and database; True when done."""
        if not self._thread.is_alive():
            self._close_queue()
            return True
        self._queue.put((_STOP,))
        return self._finished.wait(timeout)

    # ------------------------------------------------------------ store thread
    def _run(self):
        try:
            self._open()
            self._started.set()
            self._serve()
        except Exception:
            logger.exception("the run store failed")
        finally:
            self._close()
            self._close_queue()
            self._started.set()
            self._finished.set()

    def _open(self):
        os.makedirs(self.data_dir, exist_ok=True)
        self._index = RunIndex(self.data_dir)
        self._files = RunFiles(self.runs_directory, flush=self._flush)
        for uid in self._index.interrupt_open_runs(RESTART_REASON, tiled=self.tiled_uri is not None):
            logger.warning("run %s was left open by an earlier queue-gui; marked interrupted", uid)
        self._start_tiled()
        self._publish_status()

    def _start_tiled(self):
        """A TiledSync for ``tiled_uri`` (none without one), handed the runs still waiting."""
        if self.tiled_uri is None:
            return
        from .tiled_sync import TiledSync

        self._tiled = TiledSync(
            self.tiled_uri, self._tiled_api_key, report=self._on_tiled_report, backoff=self._tiled_backoff
        )
        for row in self._index.with_tiled_state(TiledRunState.WAITING):
            self._tiled.send(_tiled_job(row))
        self._tiled.start()

    def _serve(self):
        while True:
            entry = self._queue.get()
            kind = entry[0]
            if kind == _STOP:
                return
            try:
                if kind == _DOCUMENTS:
                    self._on_documents(entry[1])
                elif kind == _STATUS:
                    self._on_status(entry[1])
                elif kind == _TILED:
                    self._on_tiled(entry[1], entry[2])
                elif kind == _COMMAND:
                    _, name, params, future = entry
                    if future.set_running_or_notify_cancel():  # a cancelled command is not run
                        future.set_result(dispatch(self, name, params))
            except Exception:
                # One bad entry (a full disk, a broken index) must not end the
                # store: later runs may well be saved.
                logger.exception("the run store could not handle a '%s' entry", kind)

    def _close(self):
        if self._files is not None:
            for recorder in list(self._files.open_runs.values()):
                try:
                    self._cut(recorder, SHUTDOWN_REASON)
                except Exception:
                    logger.exception("run %s could not be closed", recorder.uid)
        if self._tiled is not None:
            self._tiled.stop()
        if self._index is not None:
            self._index.close()

    def _close_queue(self):
        """Refuse every command still queued, and every later one."""
        with self._closing:
            self._closed = True
        refuse_queued(self._queue, _COMMAND, refusal("the run store is stopped", STOPPED))

    def _emit(self, kind, payload):
        self._listeners.emit(kind, payload)

    # ------------------------------------------------------------ documents
    def _on_documents(self, pairs):
        files = self._files
        for name, doc in pairs:
            files.write(name, doc)
        changed = list(files.changed)
        files.changed.clear()
        for recorder in changed:
            self._record(recorder)

    def _record(self, recorder):
        """Bring a run's index row up to date with its recorder; a stopped run goes to tiled."""
        change = "updated"
        if not recorder.indexed:
            self._index.add(recorder.start, recorder.path)
            recorder.indexed = True
            change = "added"
        fields = {
            "num_events": recorder.num_events,
            "stream_counts": recorder.stream_counts,
            "time_last": recorder.time_last,
            "error": recorder.error,
        }
        if recorder.stop is not None:
            stop = recorder.stop
            fields.update(exit_status=stop.get("exit_status"), reason=stop.get("reason") or None,
                          time_stop=stop.get("time"), **self._tiled_fields(recorder))
            change = "closed"
        self._index.update(recorder.uid, **fields)
        self._run_changed(recorder.uid, change)

    def _on_status(self, status):
        running = status.get("running_item_uid")
        environment = status.get("worker_environment_exists")
        for recorder in list(self._files.open_runs.values()):
            if not environment:
                self._cut(recorder, NO_ENVIRONMENT_REASON)
            elif running is None or (recorder.item_uid is not None and running != recorder.item_uid):
                self._cut(recorder, ITEM_ENDED_REASON)

    def _cut(self, recorder, reason):
        """A run that will get no stop: its file is closed as it is, its row says interrupted."""
        if not recorder.indexed:
            self._record(recorder)
        self._files.cut(recorder)
        logger.warning("run %s interrupted after %d events: %s", recorder.uid, recorder.num_events, reason)
        self._index.update(
            recorder.uid,
            exit_status=RunExitStatus.INTERRUPTED.value,
            reason=reason,
            time_stop=recorder.time_last,
            num_events=recorder.num_events,
            stream_counts=recorder.stream_counts,
            time_last=recorder.time_last,
            **self._tiled_fields(recorder),
        )
        self._run_changed(recorder.uid, "closed")

    def _tiled_fields(self, recorder):
        """The tiled columns of a run closed now; the run is handed to TiledSync."""
        if self._tiled is None:
            return {}
        if recorder.error is not None:
            return {"tiled_state": TiledRunState.FAILED.value, "tiled_error": "its local file is incomplete"}
        complete = recorder.stop is not None
        self._tiled.send({"uid": recorder.uid, "path": recorder.path, "complete": complete,
                          "stream_counts": dict(recorder.stream_counts)})
        return {"tiled_state": TiledRunState.WAITING.value}

    def _run_changed(self, uid, change):
        self._runs_uid = _new_uid()
        self._emit(StoreEventKind.RUNS, {"runs_uid": self._runs_uid, "change": change, "run": self._index.get(uid)})
        if change == "closed":
            self._publish_status()

    # ------------------------------------------------------------ tiled
    def _on_tiled_report(self, kind, payload):
        """TiledSync's reports (on its thread): into the queue, handled on the store's."""
        self._queue.put((_TILED, kind, payload))

    def _on_tiled(self, kind, payload):
        if kind == "state":
            self._tiled_state = TiledState(payload["tiled_state"])
            self._tiled_error = payload.get("tiled_error")
        elif kind == "sent":
            self._index.update(payload["uid"], tiled_state=TiledRunState.SENT.value, tiled_error=None,
                               tiled_time=time.time())
            self._run_changed(payload["uid"], "updated")
        elif kind == "failed":
            self._index.update(payload["uid"], tiled_state=TiledRunState.FAILED.value, tiled_error=payload["error"])
            self._run_changed(payload["uid"], "updated")
        self._publish_status()

    def _status(self):
        waiting = failed = 0
        if self._index is not None and self.tiled_uri is not None:
            waiting = self._index.count_tiled_state(TiledRunState.WAITING)
            failed = self._index.count_tiled_state(TiledRunState.FAILED)
        return {
            "tiled_uri": self.tiled_uri,
            "tiled_state": self._tiled_state.value,
            "runs_waiting": waiting,
            "runs_failed": failed,
            "tiled_error": self._tiled_error,
        }

    def _publish_status(self):
        status = self._status()
        if status != self._last_status:
            self._last_status = status
            self._emit(StoreEventKind.STORE_STATUS, status)

    # ------------------------------------------------------------ commands
    def _row(self, uid):
        uid = check_text("uid", uid, required=True)
        row = self._index.get(uid)
        if row is None:
            raise StoreRefusal(f"no saved run has the uid '{uid}'", NOT_FOUND)
        return row

    def _documents(self, row):
        try:
            return read_documents(row["file"])
        except FileNotFoundError:
            raise StoreRefusal(f"the file of run '{row['uid']}' is missing: {row['file']}", NOT_FOUND) from None

    @command(StoreCommand.RUNS_LIST, params=("limit", "offset", "text", "since", "until"))
    def _cmd_runs_list(self, limit=None, offset=None, text=None, since=None, until=None):
        rows, total = self._index.list(
            limit=check_count("limit", limit, 100),
            offset=check_count("offset", offset, 0),
            text=check_text("text", text),
            since=check_time("since", since),
            until=check_time("until", until),
        )
        return {"runs": rows, "total": total, "runs_uid": self._runs_uid}

    @command(StoreCommand.RUN_GET, params=("uid",))
    def _cmd_run_get(self, uid=None):
        return {"run": self._row(uid)}

    @command(StoreCommand.RUN_DOCUMENTS, params=("uid",))
    def _cmd_run_documents(self, uid=None):
        row = self._row(uid)
        return {"run": row, "documents": self._documents(row)}

    @command(StoreCommand.RUN_TABLE, params=("uid", "stream", "format"))
    def _cmd_run_table(self, uid=None, stream="primary", format="json"):
        row = self._row(uid)
        stream = check_text("stream", stream, required=True)
        if format not in ("json", "csv"):
            raise StoreRefusal("'format' must be 'json' or 'csv'")
        try:
            table = stream_table(self._documents(row), stream)
        except KeyError as error:
            raise StoreRefusal(f"run '{row['uid']}': {error.args[0]}", NOT_FOUND) from None
        if format == "csv":
            return {"uid": row["uid"], "stream": stream, "csv": table_csv(table)}
        return {"uid": row["uid"], "stream": stream, **table}

    @command(StoreCommand.STORE_STATUS)
    def _cmd_store_status(self):
        return self._status()

    @command(StoreCommand.TILED_CONFIGURE, params=("uri", "api_key"))
    def _cmd_tiled_configure(self, uri=None, api_key=None):
        """Send runs to another tiled server from now on, or to none (``uri`` empty or null).

        Runs that close from now on go to the new server; runs still waiting
        for the old one wait for the new one. The window's settings use it,
        so a lab can point queue-gui at its server without a restart.
        """
        uri = (check_text("uri", uri) or "").strip() or None
        api_key = check_text("api_key", api_key) or None
        if uri is not None:
            from .tiled_sync import INSTALL_HINT, missing_requirements

            if not uri.startswith(("http://", "https://")):
                raise StoreRefusal(f"the tiled server must be an http:// or https:// address, not {uri!r}")
            missing = missing_requirements()
            if missing:
                raise StoreRefusal(f"the shared tiled store needs {', '.join(missing)}, which are not installed: "
                                   f"{INSTALL_HINT}")
        if self._tiled is not None:
            self._tiled.stop()
            self._tiled = None
        self.tiled_uri, self._tiled_api_key = uri, api_key
        self._tiled_state = TiledState.OFF if uri is None else TiledState.CONNECTING
        self._tiled_error = None
        self._start_tiled()
        self._publish_status()
        return self._status()

    @command(StoreCommand.TILED_RETRY)
    def _cmd_tiled_retry(self):
        """Send again the runs the tiled server refused, and try an unreachable server now."""
        if self._tiled is None:
            raise StoreRefusal("no tiled server is configured (--tiled-uri)")
        for uid in self._index.requeue_failed():
            self._tiled.send(_tiled_job(self._index.get(uid)))
            self._run_changed(uid, "updated")
        self._tiled.retry_now()
        self._publish_status()
        return self._status()


def _tiled_job(row):
    return {
        "uid": row["uid"],
        "path": row["file"],
        "complete": row["exit_status"] != RunExitStatus.INTERRUPTED.value,
        "stream_counts": row["stream_counts"],
    }


def _new_uid():
    return str(uuid.uuid4())
