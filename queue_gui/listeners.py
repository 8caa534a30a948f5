"""Listeners of the manager's and the run store's events: added and removed from any thread, each isolated.

Both publish events on their own thread to whoever subscribed (the Qt
bridge, the WebSocket hub, the store, tests). A listener that raises is
logged and the others still get the event: no consumer can stop another,
nor the thread that publishes. The list is replaced, never changed in
place, so a subscription from another thread never races a publication.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

#: ``listener(kind, payload)``: the kind is an ``EventKind`` or ``StoreEventKind``.
Listener = Callable[[str, Any], None]


class Listeners:
    """``listener(kind, payload)`` callables, called in subscription order."""

    def __init__(self, owner: str) -> None:
        self._owner = owner
        self._lock = threading.Lock()
        self._listeners: tuple[Listener, ...] = ()

    def add(self, listener: Listener) -> None:
        with self._lock:
            self._listeners = self._listeners + (listener,)

    def remove(self, listener: Listener) -> None:
        with self._lock:
            listeners = list(self._listeners)
            if listener in listeners:
                listeners.remove(listener)
            self._listeners = tuple(listeners)

    def emit(self, kind: str, payload: Any) -> None:
        for listener in self._listeners:
            try:
                listener(kind, payload)
            except Exception:
                logger.exception("a listener of the %s failed on a %r event", self._owner, kind)
