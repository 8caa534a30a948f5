"""The shared tiled store: closed runs sent to a tiled server from a thread of their own.

Why not subscribe ``bluesky_tiled_plugins.TiledWriter`` to the documents as
they come (measured, ``docs/data.md``): its constructor already needs the
server; while the server is down each write retries for tens of seconds and
then aborts the run unless ``backup_directory`` is set; ``batch_size=1``
costs 45-75 ms per event. So the local file is the record, and a run goes to
tiled once it is closed here, by replaying its JSONL file into a fresh
``TiledWriter``: one pass, the default batch size, and a server that is down
only delays the copy. The runs waiting are the index's (``tiled_state =
waiting``), so a restart loses none of them.

A run half sent by an earlier attempt (the server went away in the middle,
the application stopped) may already exist on the server: a node with a stop
document for a run that has one is taken as sent; any other node of that uid
is deleted and the run sent again.

Nothing of tiled is imported until the first run is sent: the client and the
writer cost the process about 170 MB (pandas, dask, xarray, pyarrow).
"""

import collections
import importlib.util
import logging
import math
import queue
import threading
import time

from ..wire import TiledState
from .reading import read_documents

logger = logging.getLogger(__name__)

#: What the shared store needs, as ``pip`` spells it (setup.cfg's ``tiled`` extra).
REQUIREMENTS = ("tiled[minimal-client]", "bluesky-tiled-plugins", "pyarrow")
INSTALL_HINT = "pip install 'queue-gui[tiled]'   (or: pip install 'tiled[minimal-client]' bluesky-tiled-plugins pyarrow)"
#: A run the server fails on this many times in a row (5xx) is set aside as failed,
#: so that one bad run does not hold back every later one.
MAX_RUN_ATTEMPTS = 5

_STOP, _RETRY = object(), object()


def missing_requirements():
    """The requirements of the shared store that are not installed (without importing them)."""
    modules = {"tiled[minimal-client]": "tiled", "bluesky-tiled-plugins": "bluesky_tiled_plugins", "pyarrow": "pyarrow"}
    return [requirement for requirement in REQUIREMENTS if importlib.util.find_spec(modules[requirement]) is None]


class ServerUnreachable(Exception):
    """The server did not answer (or answered 5xx): the run waits and the sync backs off."""


class ServerRefused(Exception):
    """The server answered but will not take anything from us (401/403): every run waits."""


class TiledSync:
    """Sends closed runs to a tiled server, oldest first, retrying while it is away.

    Parameters
    ----------
    uri : str
        The tiled server (``http://host:port``, or a path below it).
    api_key : str or None
    report : callable
        ``report(kind, payload)``, called on the sync's thread: ``("state",
        {"tiled_state", "tiled_error"})``, ``("sent", {"uid"})``, ``("failed",
        {"uid", "error"})``. The run store puts these into its own queue.
    backoff : (float, float)
        The first and the longest wait between attempts on an unreachable
        server; each failed attempt doubles the wait.

    Notes
    -----
    :meth:`send`, :meth:`retry_now`, :meth:`start` and :meth:`stop` may be
    called from any thread. A run is a dict ``{"uid", "path", "complete",
    "stream_counts"}``; ``complete`` is False for an interrupted run.
    """

    def __init__(self, uri, api_key=None, report=None, backoff=(1.0, 60.0)):
        self.uri = uri
        self._api_key = api_key
        self._report = report or (lambda kind, payload: None)
        self._backoff_initial, self._backoff_max = backoff
        self._inbox = queue.SimpleQueue()
        self._pending = collections.OrderedDict()  # uid -> run, oldest first
        self._attempts = collections.Counter()  # uid -> failed attempts in a row (5xx)
        self._client = None
        self._state = None
        self._next_attempt = 0.0  # time.monotonic() of the next attempt on an unreachable server
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="queue-gui-tiled-sync", daemon=True)

    # ------------------------------------------------------------ any thread
    def start(self):
        self._thread.start()

    def send(self, run):
        """Queue one closed run (again, if it is queued already: it is sent once)."""
        self._inbox.put(dict(run))

    def retry_now(self):
        """End a back-off wait at once (the server is back, says a person)."""
        self._inbox.put(_RETRY)

    def stop(self, timeout=10):
        """Stop after the run being sent (a run cut off here is sent again next time)."""
        self._stopping = True
        self._inbox.put(_STOP)
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    # ------------------------------------------------------------ sync thread
    def _run(self):
        backoff = 0.0
        # Connect at once, and keep trying while the server is away even with
        # no run waiting: the status then tells whether it is there.
        reachable = False
        while True:
            if not self._take_queued():
                return
            if (self._pending or not reachable) and time.monotonic() >= self._next_attempt:
                reachable = self._send_pending()
                if reachable:
                    backoff, self._next_attempt = 0.0, 0.0
                else:
                    backoff = min(max(backoff * 2, self._backoff_initial), self._backoff_max)
                    self._next_attempt = time.monotonic() + backoff
                continue
            # Nothing to do before the next attempt (or at all, when up to date): wait.
            timeout = None if reachable and not self._pending else max(self._next_attempt - time.monotonic(), 0.0)
            try:
                if not self._take(self._inbox.get(timeout=timeout)):
                    return
            except queue.Empty:
                pass

    def _take_queued(self):
        """Take every queued entry without waiting; False on stop."""
        while True:
            try:
                entry = self._inbox.get_nowait()
            except queue.Empty:
                return True
            if not self._take(entry):
                return False

    def _take(self, entry):
        if entry is _STOP:
            return False
        if entry is _RETRY:
            self._next_attempt = 0.0
        else:
            self._pending[entry["uid"]] = entry
        return True

    def _set_state(self, state, error=None):
        if (state, error) != self._state:
            self._state = (state, error)
            self._report("state", {"tiled_state": state.value, "tiled_error": error})

    def _send_pending(self):
        """Send every pending run; False when the server is unreachable or refuses us."""
        try:
            client = self._connect()
        except ServerUnreachable as error:
            self._set_state(TiledState.UNREACHABLE, str(error))
            return False
        except ServerRefused as error:
            self._set_state(TiledState.ERROR, str(error))
            return False
        while self._pending and not self._stopping:
            uid, run = next(iter(self._pending.items()))
            self._set_state(TiledState.SENDING)
            try:
                self._send_run(client, run)
            except Exception as error:
                kind = _classify(error)
                if kind is ServerUnreachable and not _answered(error):
                    self._client = None
                    self._set_state(TiledState.UNREACHABLE, _describe(error))
                    return False
                if kind is ServerRefused:
                    self._set_state(TiledState.ERROR, _describe(error))
                    return False
                self._attempts[uid] += 1
                if kind is ServerUnreachable and self._attempts[uid] < MAX_RUN_ATTEMPTS:
                    self._set_state(TiledState.UNREACHABLE, _describe(error))
                    return False
                logger.exception("tiled refused run %s", uid)
                del self._pending[uid]
                self._attempts.pop(uid, None)
                self._report("failed", {"uid": uid, "error": _describe(error)})
                continue
            del self._pending[uid]
            self._attempts.pop(uid, None)
            self._report("sent", {"uid": uid})
        self._set_state(TiledState.UP_TO_DATE)
        return True

    def _connect(self):
        if self._client is not None:
            return self._client
        missing = missing_requirements()
        if missing:
            raise ServerRefused(f"the tiled client is not installed ({', '.join(missing)}): {INSTALL_HINT}")
        if self._state is None:
            self._set_state(TiledState.CONNECTING)
        _probe(self.uri)
        from tiled.client import from_uri

        try:
            self._client = from_uri(self.uri, api_key=self._api_key)
        except Exception as error:
            kind = _classify(error)
            raise (kind or ServerRefused)(f"cannot connect to {self.uri}: {_describe(error)}") from error
        return self._client

    def _send_run(self, client, run):
        from bluesky_tiled_plugins import TiledWriter

        uid = run["uid"]
        if uid in client:
            if run["complete"] and client[uid].metadata.get("stop") is not None:
                logger.info("run %s is on the tiled server already", uid)
                return
            logger.info("run %s was half sent earlier: sending it again", uid)
            client.delete_contents([uid], recursive=True, external_only=False)
        documents = read_documents(run["path"])
        writer = TiledWriter(client, **_batching(run))
        for name, doc in documents:
            writer(name, doc)


#: Seconds a probe waits for the server to answer at all.
PROBE_TIMEOUT = 3.0


def _probe(uri):
    """Raise :class:`ServerUnreachable` at once when nothing answers at the server's address.

    tiled's client retries a connection that finds no server for up to 45 s
    by default; the probe lets the status say "unreachable" within seconds,
    and the back-off then decides when to try again.
    """
    import urllib.parse

    import httpx

    parts = urllib.parse.urlsplit(uri)
    try:
        httpx.get(f"{parts.scheme}://{parts.netloc}/api/v1/", timeout=PROBE_TIMEOUT)
    except httpx.TransportError as error:
        raise ServerUnreachable(f"cannot connect to {uri}: {_describe(error)}") from error


def _batching(run):
    """TiledWriter's batch size for one run.

    The writer sends a stream's rows every ``batch_size`` events and the
    rest at the stop document. An interrupted run has no stop: a batch size
    that divides every stream's count (their greatest common divisor) sends
    the last rows with the last event, and nothing stays behind.
    """
    if run["complete"]:
        return {}
    divisor = 0
    for count in run.get("stream_counts", {}).values():
        divisor = math.gcd(divisor, int(count))
    return {"batch_size": divisor} if divisor else {}


def _classify(error):
    """``ServerUnreachable``, ``ServerRefused`` or None (a problem with this run)."""
    import httpx

    if isinstance(error, (ServerUnreachable, ServerRefused)):
        return type(error)
    if isinstance(error, httpx.TransportError):
        return ServerUnreachable
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    if status is None:
        return None
    if status in (401, 403):
        return ServerRefused
    if status >= 500 or status == 429:
        return ServerUnreachable
    return None


def _answered(error):
    """Whether the server sent an HTTP answer (5xx) rather than nothing at all."""
    return getattr(getattr(error, "response", None), "status_code", None) is not None


def _describe(error):
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")
