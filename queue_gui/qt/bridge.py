"""The only place where the Qt window meets the manager.

The manager calls its listeners on the manager thread; here such a call only
emits a signal (``_on_<event>``), and a slot on the GUI thread
(``_slot_<event>``) does the rest. Requests from the GUI become manager
commands whose Futures resolve on the manager thread; their replies come
back the same way. Nothing on the GUI thread ever waits for the manager.

The queue and the history are reloaded only when their ``*_uid`` in the
pushed status changes, and at most one reload of each is in flight: a burst
of a thousand additions over HTTP costs the GUI a handful of reloads.
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
    queue_changed = Signal(object, object)  # queued items (list), running item ({} when none)
    history_changed = Signal(object)  # list, oldest first
    description_changed = Signal(object, object)  # plans, devices
    metadata_changed = Signal(object)  # the run metadata (dict)
    console_received = Signal(object)  # dict
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
    _documents_pushed = Signal()
    _store_event = Signal(str, object)
    _reply_ready = Signal(str, object, object)

    def __init__(self, manager, store=None, parent=None):
        super().__init__(parent)
        self._manager = manager
        self._store = store
        self.store_status = {}
        self.status = {}
        #: Sent with every command when set (see :mod:`queue_gui.qt.lock_key`).
        self.lock_key = None
        self._seen = {}
        self._in_flight = set()
        self._dirty = set()
        self._documents_lock = threading.Lock()
        self._pending_documents = []
        self._status_pushed.connect(self._slot_status)
        # Queued even if the manager ever ran on the GUI thread: the slot
        # must not run inside the manager's listener call.
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
        elif kind == EventKind.CONSOLE:
            self.console_received.emit(payload)
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
            future.set_result({"success": False, "msg": "no run store: runs are not saved in this session"})
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
        self._reload_if_changed(("plan_queue_uid",), CommandName.QUEUE_GET, self._slot_queue_loaded)
        self._reload_if_changed(("plan_history_uid",), CommandName.HISTORY_GET, self._slot_history_loaded)
        # The editor needs both lists: a profile that only gained a device
        # changes devices_allowed_uid alone.
        self._reload_if_changed(("plans_allowed_uid", "devices_allowed_uid"), CommandName.PLANS_ALLOWED, self._slot_plans_loaded)
        self._reload_if_changed(("run_metadata_uid",), CommandName.METADATA_GET, self._slot_metadata_loaded)

    def refresh(self):
        """Ask for the status; everything else follows from its uids."""
        self.request(CommandName.STATUS, on_reply=lambda reply: self._slot_status({k: v for k, v in reply.items() if k != "success"}))

    def _reload_if_changed(self, uid_keys, command, on_reply):
        uids = tuple(self.status.get(key) for key in uid_keys)
        if None in uids or self._seen.get(command) == uids:
            return
        self._seen[command] = uids
        if command in self._in_flight:
            self._dirty.add(command)
            return
        self._in_flight.add(command)
        self.request(command, on_reply=lambda reply: self._finish_reload(command, reply, on_reply))

    def _finish_reload(self, command, reply, on_reply):
        self._in_flight.discard(command)
        if reply.get("success"):
            on_reply(reply)
        if command in self._dirty:
            self._dirty.discard(command)
            self._in_flight.add(command)
            self.request(command, on_reply=lambda again: self._finish_reload(command, again, on_reply))

    def _slot_queue_loaded(self, reply):
        self.queue_changed.emit(reply["items"], reply.get("running_item") or {})

    def _slot_history_loaded(self, reply):
        self.history_changed.emit(reply["items"])

    def _slot_metadata_loaded(self, reply):
        self.metadata_changed.emit(reply["metadata"])

    def _slot_plans_loaded(self, reply):
        self.request(
            CommandName.DEVICES_ALLOWED,
            on_reply=lambda devices: self.description_changed.emit(reply["plans_allowed"], devices.get("devices_allowed", {})),
        )


def _result(future):
    try:
        return future.result()
    except Exception as error:  # the manager stopped before answering
        return {"success": False, "msg": f"no answer from the manager: {error}"}
