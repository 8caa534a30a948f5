"""The only place where the Qt window meets the manager.

The manager calls its listeners on the manager thread; here such a call only
emits a signal (``_on_<event>``), and a slot on the GUI thread
(``_slot_<event>``) does the rest. Requests from the GUI become manager
commands whose Futures resolve on the manager thread; their replies come
back the same way. Nothing on the GUI thread ever waits for the manager.

The manager pushes what changed (see :mod:`queue_gui.manager.events`): the
queue, the history, the description and the run metadata come with their
content, so the window never asks for them. Each is handed on only if it
follows the last one handed on (its ``serial`` is the next); one that does
not (the first, or one after a burst joined while the GUI thread was busy)
is handed on as a ``reset``, which views take whole.
"""

import concurrent.futures
import logging
import threading

from qtpy.QtCore import QObject, Qt, Signal, Slot
from ..wire import CommandName, EventKind, StoreEventKind

logger = logging.getLogger(__name__)


class ManagerBridge(QObject):
    """Qt signals for manager events, and non-blocking requests to it.

    Parameters
    ----------
    manager : queue_gui.manager.manager.Manager
    store : queue_gui.store.RunStore or None
        The saved runs; asked through :meth:`request_store`, the same way.
    """

    # Typed ``object``, not ``list``/``dict``: PyQt converts typed containers
    # element by element for every connected slot (about 200 ms for 10,000
    # items). Passing the objects themselves is safe because the manager
    # never changes a dict it has handed out: it replaces items instead.
    status_changed = Signal(object)  # dict
    #: The manager's ``queue`` event: ``changes`` that follow the previous
    #: one exactly, or ``[("reset",)]``; ``items``, ``running_item`` ({} when none).
    queue_changed = Signal(object)
    #: The manager's ``history`` event, the same way (``items`` oldest first).
    history_changed = Signal(object)
    description_changed = Signal(object, object)  # plans, devices
    metadata_changed = Signal(object)  # the run metadata (dict)
    console_received = Signal(object)  # dict
    #: A remote server's connection: ``{"state", "url", "server", "msg"}`` (never for the embedded manager).
    connection_changed = Signal(object)
    #: ``[name, doc]`` pairs in the order the RunEngine emitted them (events
    #: packed into ``event_page`` documents); every batch that arrived while
    #: the GUI thread was busy comes as one list.
    documents_received = Signal(object)
    reply_received = Signal(str, object)  # command name, reply dict
    #: The run store's index changed (payload: the store's event).
    runs_changed = Signal(object)
    #: The run store's own state (tiled connection, runs waiting), as a dict.
    store_status_changed = Signal(object)

    _status_pushed = Signal(object)
    _console_pushed = Signal(object)
    _connection_pushed = Signal(object)
    _change_pushed = Signal(str, object)
    _documents_pushed = Signal()
    _store_event = Signal(str, object)
    _reply_ready = Signal(str, object, object)

    def __init__(self, manager, store=None, parent=None):
        super().__init__(parent)
        self._manager = manager
        self._store = store
        self.store_status = {}
        self.status = {}
        self.connection = getattr(manager, "connection", None)
        #: Sent with every command when set (see :mod:`queue_gui.qt.lock_key`).
        self.lock_key = None
        self._serials = {}  # event kind -> serial of the last event handed on
        self._documents_lock = threading.Lock()
        self._pending_documents = []
        # Queued even if the manager ever ran on the GUI thread: no slot may
        # run inside the manager's listener call.
        self._status_pushed.connect(self._slot_status, Qt.QueuedConnection)
        self._console_pushed.connect(self._slot_console, Qt.QueuedConnection)
        self._connection_pushed.connect(self._slot_connection, Qt.QueuedConnection)
        self._change_pushed.connect(self._slot_change, Qt.QueuedConnection)
        self._documents_pushed.connect(self._slot_documents, Qt.QueuedConnection)
        self._store_event.connect(self._slot_store_event, Qt.QueuedConnection)
        # Queued: a Future that is already done runs its callback at once,
        # inside request(); the reply must still come later, as promised.
        self._reply_ready.connect(self._slot_reply, Qt.QueuedConnection)
        manager.subscribe(self._on_manager_event)
        if store is not None:
            store.subscribe(self._on_store_event)

    def close(self):
        self._manager.unsubscribe(self._on_manager_event)
        if self._store is not None:
            self._store.unsubscribe(self._on_store_event)

    # ------------------------------------------------------------ any thread
    def _on_manager_event(self, kind, payload):
        if kind == EventKind.STATUS:
            self._status_pushed.emit(payload)
        elif kind in _CHANGE_KINDS:
            self._change_pushed.emit(kind, payload)
        elif kind == EventKind.CONSOLE:
            self._console_pushed.emit(payload)
        elif kind == EventKind.CONNECTION:
            self._connection_pushed.emit(payload)
        elif kind == EventKind.DOCUMENTS:
            # One signal per burst, not per batch: while the GUI thread is
            # busy, later batches join the pending list of the first.
            with self._documents_lock:
                first = not self._pending_documents
                self._pending_documents.extend(payload)
            if first:
                self._documents_pushed.emit()

    def _on_store_event(self, kind, payload):
        self._store_event.emit(kind, payload)

    def request(self, name, params=None, on_reply=None):
        """Send a command; ``on_reply(reply)`` runs later on the GUI thread."""
        if self.lock_key is not None and name not in (CommandName.LOCK, CommandName.UNLOCK):
            params = {"lock_key": self.lock_key, **(params or {})}
        return self._send(self._manager, name, params, on_reply)

    def request_store(self, name, params=None, on_reply=None):
        """Ask the run store (``runs_list``, ``run_documents``, ...); ``on_reply`` as for :meth:`request`."""
        if self._store is None:
            future = concurrent.futures.Future()
            msg = ("saved runs are kept on the server; a window connected to it does not list them yet" if self.remote
                   else "no run store: runs are not saved in this session")
            future.set_result({"success": False, "msg": msg})
            future.add_done_callback(lambda done: self._reply_ready.emit(name, _result(done), on_reply))
            return future
        return self._send(self._store, name, params, on_reply)

    def _send(self, target, name, params, on_reply):
        future = target.submit(name, params)
        future.add_done_callback(lambda done: self._reply_ready.emit(name, _result(done), on_reply))
        return future

    # ------------------------------------------------------------ GUI thread
    @Slot(str, object, object)
    def _slot_reply(self, name, reply, on_reply):
        if on_reply is not None:
            try:
                on_reply(reply)
            except Exception:
                logger.exception("handling the reply to %s failed", name)
        self.reply_received.emit(name, reply)

    @Slot(str, object)
    def _slot_store_event(self, kind, payload):
        if kind == StoreEventKind.STORE_STATUS:
            self.store_status = payload
            self.store_status_changed.emit(payload)
        elif kind == StoreEventKind.RUNS:
            self.runs_changed.emit(payload)

    @Slot()
    def _slot_documents(self):
        with self._documents_lock:
            documents, self._pending_documents = self._pending_documents, []
        if documents:
            self.documents_received.emit(documents)

    @Slot(object)
    def _slot_status(self, status):
        self.status = status
        self.status_changed.emit(status)

    @Slot(object)
    def _slot_console(self, entry):
        self.console_received.emit(entry)

    @Slot(object)
    def _slot_connection(self, connection):
        self.connection = connection
        self.connection_changed.emit(connection)

    @property
    def remote(self):
        """True when the manager is a server elsewhere (it has a connection of its own)."""
        return hasattr(self._manager, "set_api_key")

    def use_api_key(self, api_key):
        """Send ``api_key`` to the remote server from now on, and connect again with it."""
        self._manager.set_api_key(api_key)

    @Slot(str, object)
    def _slot_change(self, kind, event):
        seen = self._serials.get(kind, 0)
        if event["serial"] <= seen:
            return  # older than what was handed on already (see refresh)
        if event["serial"] != seen + 1:
            event = {**event, "changes": [("reset",)]}
        self._serials[kind] = event["serial"]
        if kind == EventKind.QUEUE:
            self.queue_changed.emit(event)
        elif kind == EventKind.HISTORY:
            self.history_changed.emit(event)
        elif kind == EventKind.DESCRIPTION:
            self.description_changed.emit(event["plans_allowed"], event["devices_allowed"])
        elif kind == EventKind.METADATA:
            self.metadata_changed.emit(event["metadata"])

    def refresh(self):
        """Hand on what the manager published last (as resets), and ask for its status.

        Events the manager pushes after this follow on from it; those
        already on their way, older, are dropped by their serial.
        """
        for kind in _CHANGE_KINDS:
            event = self._manager.latest_event(kind)
            if event is not None and event["serial"] > self._serials.get(kind, 0):
                self._serials[kind] = event["serial"] - 1  # so it is handed on, as a reset
                self._slot_change(kind, {**event, "changes": [("reset",)]})
        self.request(CommandName.STATUS, on_reply=lambda reply: self._slot_status({k: v for k, v in reply.items() if k != "success"}))


#: The manager's events that carry what changed, handed on in order.
_CHANGE_KINDS = (EventKind.QUEUE, EventKind.HISTORY, EventKind.DESCRIPTION, EventKind.METADATA)


def _result(future):
    try:
        return future.result()
    except Exception as error:  # the manager stopped before answering
        return {"success": False, "msg": f"no answer from the manager: {error}"}
