"""Progress of the running plan and the queue's expected end, for the status bar and the running row.

The figures come from :mod:`queue_gui.data.progress` (plain Python); this
object only feeds it what the bridge pushes (documents, queue, history,
status) and tells the window when to show new figures: at most
:data:`UPDATES_PER_SECOND` times a second however fast points arrive, and
once a second while a plan runs, so the elapsed time keeps moving during a
long count with no new point.
"""

import time

from qtpy.QtCore import QObject, QTimer, Signal, Slot

from ..data.progress import DurationEstimator, QueueTally, RunProgress

UPDATES_PER_SECOND = 10


def format_seconds(seconds):
    """``0:07``, ``12:30``, ``1:02:03``: how long, to the second."""
    seconds = int(round(max(seconds, 0)))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class ProgressTracker(QObject):
    """Follows the bridge; :meth:`summary` says how far the plan is and when the queue ends.

    Parameters
    ----------
    bridge : queue_gui.qt.bridge.ManagerBridge
    clock : callable
        Seconds since the epoch (the documents' clock); tests may pass their own.
    """

    #: The figures of :meth:`summary` changed.
    changed = Signal()

    def __init__(self, bridge, parent=None, clock=time.time):
        super().__init__(parent)
        self._clock = clock
        self.run = RunProgress()
        self._estimator = DurationEstimator()
        self._queue = QueueTally()
        self._running_uid = None
        self._paused = False
        self._executing = False
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(1000 // UPDATES_PER_SECOND)
        self._throttle.timeout.connect(self._slot_cooldown_over)
        self._pending = False
        self._clock_tick = QTimer(self)
        self._clock_tick.setInterval(1000)
        self._clock_tick.timeout.connect(self.changed)
        bridge.documents_received.connect(self._slot_documents)
        bridge.queue_changed.connect(self._slot_queue)
        bridge.history_changed.connect(self._slot_history)
        bridge.status_changed.connect(self._slot_status)

    # ------------------------------------------------------------ bridge slots
    @Slot(object)
    def _slot_documents(self, documents):
        if self.run.add_documents(documents):
            self._soon()

    @Slot(object)
    def _slot_queue(self, event):
        self._queue.follow(event)
        if any(change[0] in ("reset", "clear") for change in event["changes"]):
            self._estimator.forget_items_except(self._queue.items)
        self._soon()

    @Slot(object)
    def _slot_history(self, event):
        changes = event["changes"]
        if all(change[0] == "append" for change in changes):
            for change in changes:
                self._estimator.add(change[1])
        else:  # records dropped or a reset: learn again from what is left
            self._estimator = DurationEstimator(event["items"])
        self._soon()

    @Slot(object)
    def _slot_status(self, status):
        state = status.get("manager_state")
        paused, executing = state == "paused", state in ("starting_queue", "executing_queue", "paused")
        if (paused, executing) != (self._paused, self._executing):
            self._paused, self._executing = paused, executing
            self._soon()
        running_uid = status.get("running_item_uid")
        if running_uid != self._running_uid:
            self._running_uid = running_uid
            if running_uid:
                self._clock_tick.start()
            else:
                self._clock_tick.stop()
            self._soon()

    def _soon(self):
        """Say so now, unless it was said less than a tenth of a second ago; then at the end of that."""
        if self._throttle.isActive():
            self._pending = True
            return
        self._pending = False
        self.changed.emit()
        self._throttle.start()

    def _slot_cooldown_over(self):
        if self._pending:
            self._pending = False
            self.changed.emit()
            self._throttle.start()

    # ------------------------------------------------------------ figures
    def summary(self):
        """What the window shows, as a dict (values None where unknown).

        ``item_uid`` (the running item the point count belongs to, or None),
        ``points``, ``total``, ``fraction``, ``elapsed``, ``remaining``,
        ``queue_end`` (seconds since the epoch) and ``unknown`` (plans in
        the queue without an estimate).
        """
        now = self._clock()
        run = self.run
        current = self._running_uid is not None and run.item_uid == self._running_uid and not run.finished
        remaining = run.remaining(now, paused=self._paused) if current else None
        if self._running_uid is not None and not current:
            remaining = None  # between two runs of a plan, or before its first
        queue_end, unknown = self._estimator.queue_end(
            self._queue, now, running_left=remaining, running=self._running_uid is not None
        )
        return {
            "item_uid": self._running_uid if current else None,
            "points": run.points if current else None,
            "total": run.total if current else None,
            "fraction": run.fraction if current else None,
            "elapsed": run.elapsed(now) if current else None,
            "remaining": remaining,
            "queue_end": queue_end,
            "unknown": unknown,
            "executing": self._executing,
            "now": now,
        }


def progress_text(summary):
    """``0:12 elapsed, ~0:14 left`` (the bar beside it says point n of N), or '' when nothing runs.

    A plan that does not say how many points it takes gets ``Point 5 ·
    0:12 elapsed`` instead, with no bar.
    """
    if summary["item_uid"] is None:
        return ""
    parts = []
    if not summary["total"] and summary["points"] is not None:
        parts.append(f"Point {summary['points']}")
    if summary["elapsed"] is not None:
        elapsed = f"{format_seconds(summary['elapsed'])} elapsed"
        if summary["remaining"] is not None:
            elapsed += f", ~{format_seconds(summary['remaining'])} left"
        parts.append(elapsed)
    return " · ".join(parts)


def queue_end_text(summary, now=None):
    """``Queue ends ~14:32`` while it runs, ``Queue: ~12:30 of plans`` while it waits; ``+2 unknown`` for plans without an estimate."""
    end, unknown = summary["queue_end"], summary["unknown"]
    if end is None:
        return f"Queue: {unknown} without estimate" if unknown else ""
    now = summary.get("now", time.time()) if now is None else now
    if not summary.get("executing", True):
        # Nothing runs: an end time would read as if something were under way.
        text = f"Queue: ~{format_seconds(end - now)} of plans"
    else:
        fmt = "%H:%M" if end - now < 20 * 3600 else "%a %H:%M"
        text = f"Queue ends ~{time.strftime(fmt, time.localtime(end))}"
    return text + f" (+{unknown} unknown)" if unknown else text


def queue_end_tooltip(summary):
    unknown = summary["unknown"]
    text = "Estimated from how long the same plans took before (else points × delay)."
    if unknown:
        text += f"\n{unknown} plan{'s' if unknown != 1 else ''} in the queue ha{'ve' if unknown != 1 else 's'} no estimate."
    return text
