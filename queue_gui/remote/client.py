"""RemoteManager: the manager's interface, served over HTTP by another machine.

The window talks to a manager through ``submit`` (a command, answered by a
Future) and the events it publishes (see :mod:`queue_gui.manager.events`);
this class offers exactly that for a server elsewhere, so the window cannot
tell a remote queue from its own:

- a headless **queue-gui** pushes its status, queue and history notices,
  console lines and documents over WebSockets (``/api/info/ws``,
  ``/api/console_output/ws``, ``/api/documents/ws``);
- **bluesky-httpserver** in front of bluesky-queueserver is asked for its
  status every ``poll_period`` seconds, and its console through
  ``console_output_update``.

Either way the queue, the history, the plans and devices and the run
metadata are fetched when their ``*_uid`` changes and published whole (as a
``reset``), then the status.

One thread (:meth:`run`, hosted like the embedded manager) does every
request, with a timeout, and emits every event, in order; WebSocket readers
only hand what they read to its inbox. Nothing waits on the server but that
thread: while the server is unreachable, commands are answered at once with
the reason, and the connection is tried again with a growing delay (the
inbox is waited on with that delay as its timeout; nothing sleeps). An
attempt to connect asks for the status on a thread of its own, which hands
the answer to the inbox: a server that accepts connections but never
answers holds only that thread, for the request's timeout, and commands sent
meanwhile are still answered at once.
"""

import concurrent.futures
import json
import logging
import queue
import threading
import time

import httpx

from ..inbox import answer, refuse_queued
from ..listeners import Listeners
from ..wire import CommandName, ConnectionState, EventKind, ServerKind, StoreCommand, StoreEventKind
from .paths import PATHS, store_request

logger = logging.getLogger(__name__)

_COMMAND, _PUSHED, _PUSH_ENDED, _PROBED, _RECONNECT, _STOP = "command", "pushed", "push_ended", "probed", "reconnect", "stop"

#: Where a queue-gui server pushes what the window shows.
PUSH_CHANNELS = {"info": "/api/info/ws", "console": "/api/console_output/ws", "documents": "/api/documents/ws"}


class RemoteManager:
    """A client of a server's ``/api`` routes that looks like :class:`~queue_gui.manager.manager.Manager`.

    Parameters
    ----------
    url : str
        The server, e.g. ``http://control-pc:60610``.
    api_key : str or None
        Sent as ``Authorization: ApiKey <key>`` with every request.
    timeout : float
        Seconds any one request may take.
    poll_period : float
        Seconds between status requests to a server that pushes nothing.
    backoff : (float, float)
        First and longest delay between attempts to reach the server.
    """

    def __init__(self, url, api_key=None, timeout=5.0, poll_period=1.0, backoff=(0.5, 10.0)):
        self.url = url.rstrip("/")
        self._api_key = api_key
        self._timeout = timeout
        self._poll_period = poll_period
        self._backoff = backoff
        self._inbox = queue.SimpleQueue()
        self._listeners = Listeners("remote")
        self._finished = threading.Event()
        self._ready = threading.Event()
        self._latest_events = {}
        self._last_status = None
        self._marks = {}
        self._http = None
        self._pushers = {}  # channel -> (thread, websocket or None)
        self._pushing = False
        self._console_uid = None
        self._delay = backoff[0]
        self._probing = False  # an attempt to connect is waiting for the server's status
        self._next_try = 0.0
        self._next_poll = 0.0
        self._connection = {"state": ConnectionState.CONNECTING.value, "url": self.url, "server": None, "msg": ""}

    # ------------------------------------------------------------ any thread
    def submit(self, name, params=None):
        future = concurrent.futures.Future()
        if self._finished.is_set():
            future.set_result({"success": False, "msg": self.stopped_reason()})
            return future
        self._inbox.put((_COMMAND, name, params, future))
        return future

    def call(self, name, params=None, timeout=30):
        return self.submit(name, params).result(timeout)

    def subscribe(self, listener):
        self._listeners.add(listener)

    def unsubscribe(self, listener):
        self._listeners.remove(listener)

    def latest_event(self, kind):
        return self._latest_events.get(kind)

    def latest_status(self):
        return self._last_status

    @property
    def connection(self):
        """``{"state", "url", "server", "msg"}``: the state as last published."""
        return self._connection

    @property
    def stopped(self):
        return self._finished.is_set()

    @property
    def failure(self):
        return None

    def stopped_reason(self):
        return f"the connection to {self.url} is closed"

    @property
    def worker_pid(self):
        return None  # the worker runs on the server's machine

    def wait_ready(self, timeout=None):
        """Block until the first attempt to reach the server is over (reached or not)."""
        return self._ready.wait(timeout)

    def wait_finished(self, timeout=None):
        return self._finished.wait(timeout)

    def set_api_key(self, api_key):
        """Use another key from now on and try again at once (after a refusal of the key)."""
        self._inbox.put((_RECONNECT, api_key))

    def shutdown(self, timeout=30):
        self._inbox.put((_STOP,))
        return self._finished.wait(timeout)

    # ------------------------------------------------------------ client thread
    def run(self):
        """The client thread: reach the server, then serve the inbox until :meth:`shutdown`."""
        self._open_http()
        try:
            self._connect()
            while True:
                try:
                    entry = self._inbox.get(timeout=self._wait_time())
                except queue.Empty:
                    entry = (None,)
                kind = entry[0]
                if kind == _STOP:
                    return
                if kind == _COMMAND:
                    self._handle_command(*entry[1:])
                elif kind == _PUSHED:
                    self._handle_pushed(entry[1], entry[2])
                elif kind == _PUSH_ENDED:
                    self._push_ended(entry[1], entry[2])
                elif kind == _PROBED:
                    self._probed(*entry[1:])
                elif kind == _RECONNECT:
                    self._api_key = entry[1]
                    self._open_http()
                    self._lost(ConnectionState.CONNECTING, "trying the new key")
                    self._next_try = 0.0
                self._due()
        except BaseException:
            logger.exception("the remote client's thread failed")
            raise
        finally:
            self._stop_pushers()
            if self._http is not None:
                self._http.close()
            self._set_connection(ConnectionState.CLOSED, "closed")
            self._ready.set()
            self._finished.set()
            refuse_queued(self._inbox, _COMMAND, {"success": False, "msg": self.stopped_reason()})

    def _headers(self):
        return {"Authorization": f"ApiKey {self._api_key}"} if self._api_key else {}

    def _open_http(self):
        if self._http is not None:
            self._http.close()
        self._http = httpx.Client(base_url=self.url, timeout=self._timeout, headers=self._headers())

    def _wait_time(self):
        now = time.monotonic()
        if self._probing:
            return None  # the attempt's answer comes through the inbox
        if self._connection["state"] != ConnectionState.CONNECTED.value:
            return max(self._next_try - now, 0.0)
        if not self._pushing:
            return max(self._next_poll - now, 0.0)
        return None

    def _due(self):
        now = time.monotonic()
        if self._connection["state"] != ConnectionState.CONNECTED.value:
            if not self._probing and now >= self._next_try:
                self._connect()
        elif not self._pushing and now >= self._next_poll:
            self._poll()

    # ------------------------------------------------------------ connection
    def _connect(self):
        """Start an attempt: the status is asked on a thread of its own; :meth:`_probed` takes the answer."""
        self._set_connection(ConnectionState.CONNECTING, f"connecting to {self.url}")
        self._probing = True
        threading.Thread(target=self._probe, args=(self._http,), name="queue-gui-remote-connect", daemon=True).start()

    def _probe(self, http):
        """The attempt's thread: one status request, its outcome handed to the client thread."""
        try:
            self._inbox.put((_PROBED, http, self._get_status(http), None))
        except (_Unreachable, _Unauthorized) as error:
            self._inbox.put((_PROBED, http, None, error))
        except Exception as error:  # the client was closed under it (a new key): tried again anyway
            self._inbox.put((_PROBED, http, None, _Unreachable(f"cannot reach {self.url}: {error}")))

    def _probed(self, http, status, error):
        self._probing = False
        if http is not self._http:
            return  # asked with a key replaced since: the next attempt is due at once
        try:
            self._connected(status, error)
        finally:
            self._ready.set()

    def _connected(self, status, error):
        if isinstance(error, _Unauthorized):
            self._lost(ConnectionState.UNAUTHORIZED, str(error))
            return
        if error is not None:
            self._lost(ConnectionState.UNREACHABLE, str(error))
            return
        server = ServerKind.QUEUE_GUI if str(status.get("msg", "")).startswith("queue-gui") else ServerKind.HTTPSERVER
        self._delay = self._backoff[0]
        self._marks = {}
        self._connection = {**self._connection, "server": server.value}
        self._set_connection(ConnectionState.CONNECTED, f"connected to {server.value} at {self.url}")
        if server is ServerKind.QUEUE_GUI:
            self._start_pushers()
        self._take_status(status)
        self._next_poll = time.monotonic() + self._poll_period

    def _lost(self, state, msg):
        """Not connected any more (or not yet): say why, and when the next attempt is."""
        self._stop_pushers()
        was = self._connection["state"]
        self._next_try = time.monotonic() + self._delay
        retry = f"; trying again in {self._delay:.2g} s" if state is not ConnectionState.CONNECTING else ""
        self._delay = min(self._delay * 2, self._backoff[1])
        self._set_connection(state, msg + retry)
        if was == ConnectionState.CONNECTED.value:
            logger.warning("lost the connection to %s: %s", self.url, msg)

    def _set_connection(self, state, msg):
        connection = {**self._connection, "state": state.value, "msg": msg}
        if connection != self._connection:
            self._connection = connection
            self._listeners.emit(EventKind.CONNECTION, connection)

    # ------------------------------------------------------------ requests
    def _send(self, name, params=None, http=None):
        """One request for command ``name`` (with ``http``, by default the client's); its reply dict.

        Raises _Unreachable or _Unauthorized.
        """
        query, body = None, params or {}
        if name in _STORE_COMMANDS:
            found = store_request(name, params)
            route = ("GET", found[0]) if found is not None else None
            query, body = (found[1] if found is not None else None), None
        else:
            route = PATHS.get(name)
        if route is None:
            server = self._connection.get("server") or "the server"
            return {"success": False, "msg": f"'{name}' is not available on {server} at {self.url}"}
        method, path = route
        try:
            response = (http or self._http).request(method, path, json=body, params=query)
        except httpx.TimeoutException:
            raise _Unreachable(f"{self.url} did not answer '{name}' within {self._timeout:g} s") from None
        except httpx.HTTPError as error:
            raise _Unreachable(f"cannot reach {self.url}: {error}") from None
        if response.status_code in (401, 403):
            raise _Unauthorized(_refusal_of_key(response, self._api_key))
        if response.status_code in (404, 405):
            server = self._connection.get("server") or "the server"
            return {"success": False, "msg": f"'{name}' is not available on {server} at {self.url} (no {method} {path})"}
        if response.status_code == 200 and response.headers.get("content-type", "").startswith("text/csv"):
            return {"success": True, "msg": "", "uid": (params or {}).get("uid"), "stream": (params or {}).get("stream") or "primary",
                    "csv": response.text}
        try:
            reply = response.json()
        except ValueError:
            return {"success": False, "msg": f"{self.url} answered '{name}' with HTTP {response.status_code}, not JSON"}
        if not isinstance(reply, dict):
            return {"success": False, "msg": f"{self.url} answered '{name}' with {type(reply).__name__}, not an object"}
        if response.status_code >= 400 and "success" not in reply:
            detail = reply.get("detail")
            reply = {"success": False, "msg": detail if isinstance(detail, str) else json.dumps(detail)[:500]}
        reply.setdefault("success", response.status_code < 400)
        reply.setdefault("msg", "")
        return reply

    def _get_status(self, http=None):
        reply = self._send(CommandName.STATUS, http=http)
        if not reply.get("success", True) or "manager_state" not in reply:
            raise _Unreachable(f"{self.url} is not a queue server: {reply.get('msg') or 'no manager_state in its status'}")
        return reply

    def _handle_command(self, name, params, future):
        if self._connection["state"] != ConnectionState.CONNECTED.value:
            answer(future, {"success": False, "msg": f"not connected to {self.url}: {self._connection['msg']}"})
            return
        try:
            reply = self._send(name, params)
        except _Unreachable as error:
            answer(future, {"success": False, "msg": str(error)})
            self._lost(ConnectionState.UNREACHABLE, str(error))
            return
        except _Unauthorized as error:
            answer(future, {"success": False, "msg": str(error)})
            self._lost(ConnectionState.UNAUTHORIZED, str(error))
            return
        if not self._pushing:
            self._poll()  # the change shows at once, not at the next poll
        answer(future, reply)

    def _poll(self):
        self._next_poll = time.monotonic() + self._poll_period
        try:
            self._take_status(self._get_status())
            self._read_console()
        except _Unreachable as error:
            self._lost(ConnectionState.UNREACHABLE, str(error))
        except _Unauthorized as error:
            self._lost(ConnectionState.UNAUTHORIZED, str(error))

    # ------------------------------------------------------------ what changed
    def _take_status(self, status):
        """Fetch what the status says changed, publish it, then the status."""
        status = {key: value for key, value in status.items() if key != "success"}
        self._fetch_if_changed(EventKind.QUEUE, (status.get("plan_queue_uid"),), self._fetch_queue)
        self._fetch_if_changed(EventKind.HISTORY, (status.get("plan_history_uid"),), self._fetch_history)
        self._fetch_if_changed(
            EventKind.DESCRIPTION, (status.get("plans_allowed_uid"), status.get("devices_allowed_uid")), self._fetch_description
        )
        if "run_metadata_uid" in status:
            uid = status.get("run_metadata_uid")
            self._fetch_if_changed(EventKind.METADATA, (uid,), lambda: self._fetch_metadata(uid))
        if status != self._last_status:
            self._last_status = status
            self._listeners.emit(EventKind.STATUS, status)

    def _fetch_if_changed(self, kind, mark, fetch):
        if None in mark or self._marks.get(kind) == mark:
            return
        payload = fetch()
        if payload is not None:
            self._marks[kind] = mark
            self._publish(kind, payload)

    def _fetch(self, name):
        reply = self._send(name)
        if not reply.get("success"):
            logger.warning("%s: %s", name, reply.get("msg"))
            return None
        return reply

    def _fetch_queue(self):
        reply = self._fetch(CommandName.QUEUE_GET)
        if reply is None:
            return None
        return {"changes": [("reset",)], "items": reply.get("items", []), "running_item": reply.get("running_item") or {},
                "plan_queue_uid": reply.get("plan_queue_uid")}

    def _fetch_history(self):
        reply = self._fetch(CommandName.HISTORY_GET)
        if reply is None:
            return None
        return {"changes": [("reset",)], "items": reply.get("items", []), "plan_history_uid": reply.get("plan_history_uid")}

    def _fetch_description(self):
        plans, devices = self._fetch(CommandName.PLANS_ALLOWED), self._fetch(CommandName.DEVICES_ALLOWED)
        if plans is None or devices is None:
            return None
        return {"plans_allowed": plans.get("plans_allowed", {}), "devices_allowed": devices.get("devices_allowed", {}),
                "plans_allowed_uid": plans.get("plans_allowed_uid"), "devices_allowed_uid": devices.get("devices_allowed_uid")}

    def _fetch_metadata(self, run_metadata_uid):
        """The metadata event, marked with the uid of the status that announced it (not the status before)."""
        reply = self._fetch(CommandName.METADATA_GET)
        if reply is None:
            return None
        return {"metadata": reply.get("metadata", {}), "last_scan_id": reply.get("last_scan_id"),
                "run_metadata_uid": run_metadata_uid}

    def _publish(self, kind, payload):
        previous = self._latest_events.get(kind)
        payload["serial"] = previous["serial"] + 1 if previous else 1
        self._latest_events[kind] = payload
        self._listeners.emit(kind, payload)

    def _read_console(self):
        """bluesky-httpserver's console, for a server that does not push it."""
        params = {"last_msg_uid": self._console_uid or "ALL"}
        reply = self._send(CommandName.CONSOLE_OUTPUT_UPDATE, params)
        if not reply.get("success"):
            return
        first = self._console_uid is None
        self._console_uid = reply.get("last_msg_uid") or self._console_uid
        if first:
            return  # what was said before this window connected stays on the server
        for line in reply.get("console_output_msgs") or []:
            self._listeners.emit(EventKind.CONSOLE, {"time": line.get("time"), "msg": line.get("msg", "")})

    # ------------------------------------------------------------ pushed updates
    def _start_pushers(self):
        self._stop_pushers()
        self._pushing = True
        for channel, path in PUSH_CHANNELS.items():
            thread = threading.Thread(target=self._read_pushed, args=(channel, path), name=f"queue-gui-remote-{channel}",
                                      daemon=True)
            self._pushers[channel] = [thread, None]
            thread.start()

    def _stop_pushers(self):
        self._pushing = False
        pushers, self._pushers = self._pushers, {}
        for _thread, websocket in pushers.values():
            if websocket is not None:
                websocket.close()

    def _read_pushed(self, channel, path):
        """A WebSocket reader's thread: hands every message to the client thread, and the end."""
        from websockets.sync.client import connect

        url = "ws" + self.url[len("http"):] + path
        entry = self._pushers.get(channel)
        try:
            with connect(url, additional_headers=self._headers(), open_timeout=self._timeout) as websocket:
                if entry is not None:
                    entry[1] = websocket
                if self._pushers.get(channel) is not entry:
                    return  # stopped while connecting
                for text in websocket:
                    self._inbox.put((_PUSHED, channel, json.loads(text)))
            self._inbox.put((_PUSH_ENDED, channel, "the server closed the connection"))
        except Exception as error:
            self._inbox.put((_PUSH_ENDED, channel, f"{type(error).__name__}: {error}"))

    def _handle_pushed(self, channel, message):
        if channel == "console":
            self._listeners.emit(EventKind.CONSOLE, {"time": message.get("time"), "msg": message.get("msg", "")})
        elif channel == "documents":
            self._listeners.emit(EventKind.DOCUMENTS, [[message["name"], message["doc"]]])
        else:
            self._handle_info(message.get("msg") or {})

    def _handle_info(self, msg):
        try:
            if "status" in msg:
                self._take_status(msg["status"])
            elif "plan_queue" in msg:
                self._fetch_if_changed(EventKind.QUEUE, (msg["plan_queue"].get("plan_queue_uid"),), self._fetch_queue)
            elif "plan_history" in msg:
                self._fetch_if_changed(EventKind.HISTORY, (msg["plan_history"].get("plan_history_uid"),), self._fetch_history)
        except _Unreachable as error:
            self._lost(ConnectionState.UNREACHABLE, str(error))
        except _Unauthorized as error:
            self._lost(ConnectionState.UNAUTHORIZED, str(error))

    def _push_ended(self, channel, reason):
        if not self._pushing or channel not in self._pushers:
            return  # a reader stopped on purpose
        self._lost(ConnectionState.UNREACHABLE, f"the server stopped pushing updates ({reason})")


_STORE_COMMANDS = frozenset(command.value for command in StoreCommand)


class RemoteStore:
    """The run store's interface for a window on a remote queue-gui: its saved runs, over ``/api/runs``.

    Commands go through the remote client's thread like any other. The
    server pushes no word of its run index, so the runs are said to have
    changed whenever its history did (a plan ended, so its runs are saved).
    """

    def __init__(self, manager):
        self._manager = manager
        self._listeners = Listeners("remote-store")
        manager.subscribe(self._on_event)

    def submit(self, name, params=None):
        return self._manager.submit(name, params)

    def subscribe(self, listener):
        self._listeners.add(listener)

    def unsubscribe(self, listener):
        self._listeners.remove(listener)

    def _on_event(self, kind, payload):
        if kind == EventKind.HISTORY:
            self._listeners.emit(StoreEventKind.RUNS, {"change": "history", "runs_uid": payload.get("plan_history_uid"), "run": None})


class _Unreachable(Exception):
    """The server did not answer (refused, timed out, gone)."""


class _Unauthorized(Exception):
    """The server refused the key."""


def _refusal_of_key(response, api_key):
    try:
        detail = response.json().get("msg") or response.json().get("detail")
    except ValueError:
        detail = None
    said = f" ({detail})" if detail else ""
    if not api_key:
        return f"the server asks for an API key{said}: give --api-key or set QSERVER_HTTP_SERVER_API_KEY"
    return f"the server refused the API key{said}"
