"""What the manager publishes after each inbox entry: what changed, then the status.

Listeners used to learn only *that* something changed (a new ``*_uid`` in
the status) and then asked for the whole queue or history through the
inbox, diffing it against what they showed: two full reloads and diffs per
plan for a 10,000-item queue. Now each change is published with its
content, in the order it happened:

``queue``
    ``{"serial", "changes", "items", "running_item", "plan_queue_uid"}``:
    the store's changes since the last event (see
    :meth:`~queue_gui.manager.queue_store.QueueStore.take_changes`), the
    queue after them and the running item (``{}`` when none).
``history``
    ``{"serial", "changes", "items", "plan_history_uid"}``, oldest first.
``description``
    ``{"serial", "plans_allowed", "devices_allowed", "plans_allowed_uid",
    "devices_allowed_uid"}``: plans and devices together, one event.
``metadata``
    ``{"serial", "metadata", "last_scan_id", "run_metadata_uid"}``.

``serial`` counts the events of each kind from 1: a listener that saw
serial *n* and then gets *n + 1* may follow the changes; otherwise it takes
the content whole. Every event of the manager goes out before the reply to
the command that caused it, so :meth:`latest_event` is never older than an
answer a client already holds (the HTTP reads are served from it).
Payloads are shared: read them, never change them.
"""

from ..wire import EventKind


class ChangePublisher:
    """Mixin of :class:`~queue_gui.manager.manager.Manager`: the typed change events."""

    def _init_publisher(self):
        self._latest_events = {}  # kind -> the last payload published
        self._published_marks = {}  # kind -> the change marker it was published for

    def latest_event(self, kind):
        """The last ``queue``/``history``/``description``/``metadata`` event published, or None; any thread."""
        return self._latest_events.get(kind)

    def _publish_changes(self, everything=False):
        """Publish each kind whose content changed since its last event (all of them when ``everything``)."""
        queue_changes, history_changes = self._store.take_changes()
        if queue_changes or everything:
            running = self._store.running
            self._publish_event(EventKind.QUEUE, {
                "changes": queue_changes if not everything else [("reset",)],
                "items": list(self._store.items()),
                "running_item": running or {},
                "plan_queue_uid": self._store.queue_uid,
            })
        if history_changes or everything:
            self._publish_event(EventKind.HISTORY, {
                "changes": history_changes if not everything else [("reset",)],
                "items": list(self._store.history()),
                "plan_history_uid": self._store.history_uid,
            })
        marks = (self._uids["plans"], self._uids["devices"])
        if everything or marks != self._published_marks.get(EventKind.DESCRIPTION):
            self._published_marks[EventKind.DESCRIPTION] = marks
            description = self._description or {}
            self._publish_event(EventKind.DESCRIPTION, {
                "plans_allowed": description.get("plans", {}),
                "devices_allowed": description.get("devices", {}),
                "plans_allowed_uid": marks[0],
                "devices_allowed_uid": marks[1],
            })
        mark = (self._uids["metadata"], self._last_scan_id)
        if everything or mark != self._published_marks.get(EventKind.METADATA):
            self._published_marks[EventKind.METADATA] = mark
            self._publish_event(EventKind.METADATA, {
                "metadata": dict(self._run_metadata),
                "last_scan_id": self._last_scan_id,
                "run_metadata_uid": mark[0],
            })

    def _publish_event(self, kind, payload):
        previous = self._latest_events.get(kind)
        payload["serial"] = previous["serial"] + 1 if previous else 1
        self._latest_events[kind] = payload
        self._emit(kind, payload)
