"""Helpers shared by queue-gui's tests and benchmarks (and usable by anyone driving a manager).

This module is public so that the tests, the benchmarks and a beamline's own
checks wait on the manager and build queue items the same way, as
bluesky-widgets and napari ship their testing helpers. It imports only the
standard library: the benchmarks start the worker with multiprocessing
*spawn*, which re-imports the main script in the child, and importing this
module there must not cost anything.

:class:`StatusWatch`
    Every ``status`` event a :class:`~queue_gui.manager.manager.Manager`
    pushes, time-stamped on arrival, with waits on predicates. Waiting is
    event driven (a ``threading.Condition``), never a sleep. Take a
    :meth:`StatusWatch.mark` *before* an action and wait with
    ``after=mark``: then only statuses pushed after the action can satisfy
    the wait, never one that already held before it::

        mark = watch.mark()
        manager.call("queue_start")
        watch.wait(lambda s: s["manager_state"] == "idle", after=mark)

:func:`plan`, :func:`count_item`, :func:`scan_item`, :func:`count_items`
    The everyday queue items (plans of the simulated profile's ``det1``,
    ``det2`` and ``motor``).
"""

import threading
import time

__all__ = ["StatusWatch", "WAIT_TIMEOUT", "plan", "count_item", "scan_item", "count_items"]

#: Generous limit for any single wait; one that hits it means something is broken.
WAIT_TIMEOUT = 60.0


class StatusWatch:
    """Every status event of a manager, time-stamped, with waits on predicates.

    Parameters
    ----------
    manager : queue_gui.manager.manager.Manager
        Running or not yet started: the watch begins with the manager's
        latest published status (``Manager.latest_status``, None before the
        first) and follows every status pushed after it.

    Attributes
    ----------
    history : list of dict
        The statuses pushed since the watch was made, oldest first.
    """

    def __init__(self, manager):
        self._condition = threading.Condition()
        self._manager = manager
        self._events = []  # (perf_counter stamp, status dict, pushed?)
        manager.subscribe(self._on_event)
        initial = manager.latest_status()
        with self._condition:
            # A status pushed meanwhile is at least as new as the one read.
            if initial is not None and not self._events:
                self._events.append((time.perf_counter(), initial, False))

    def _on_event(self, kind, payload):
        if kind != "status":
            return
        stamp = time.perf_counter()  # on the manager's thread, as the event happens
        with self._condition:
            self._events.append((stamp, payload, True))
            self._condition.notify_all()

    def close(self):
        """Stop following the manager's events."""
        self._manager.unsubscribe(self._on_event)

    def mark(self):
        """A position among the events: a wait ``after=`` it only looks at statuses pushed later."""
        with self._condition:
            return len(self._events)

    @property
    def status(self):
        """The latest status (None before the manager published any)."""
        with self._condition:
            return self._events[-1][1] if self._events else None

    @property
    def history(self):
        with self._condition:
            return [status for _, status, pushed in self._events if pushed]

    def wait_event(self, predicate, timeout=WAIT_TIMEOUT, what="the expected status", *, after=None):
        """Wait for a status satisfying ``predicate``; returns ``(stamp, status)``.

        ``stamp`` is the ``time.perf_counter()`` of the status's arrival, so
        a measured interval ends when the event happened, not when the
        waiter woke up. Each status is tested once, in the order pushed, so
        a short-lived state is not missed.

        With ``after`` (from :meth:`mark`), only statuses pushed after the
        mark count. Without it the latest status counts too: right only when
        nothing before the wait could already have made ``predicate`` true.

        Raises ``TimeoutError`` (with the last status) after ``timeout`` s.
        """
        found = []
        with self._condition:
            position = [max(len(self._events) - 1, 0) if after is None else after]

            def match():
                while position[0] < len(self._events):
                    event = self._events[position[0]]
                    position[0] += 1
                    if predicate(event[1]):
                        found.append(event)
                        return True
                return False

            if not self._condition.wait_for(match, timeout):
                raise TimeoutError(f"timed out after {timeout} s waiting for {what}; "
                                   f"last status: {_brief(self.status)}")
        return found[0][0], found[0][1]

    def wait(self, predicate, timeout=WAIT_TIMEOUT, what="the expected status", *, after=None):
        """As :meth:`wait_event`, returning only the status."""
        return self.wait_event(predicate, timeout, what, after=after)[1]

    def wait_state(self, state, timeout=WAIT_TIMEOUT, *, after=None, **fields):
        """Wait for ``manager_state == state`` with every other ``field == value``; returns the status."""
        def matches(status):
            return status["manager_state"] == state and all(status[k] == v for k, v in fields.items())

        return self.wait(matches, timeout, f"manager_state={state} {fields}", after=after)


def _brief(status):
    if status is None:
        return None
    keys = ("manager_state", "items_in_queue", "items_in_history", "running_item_uid", "worker_environment_exists",
            "worker_environment_state", "re_state", "pause_pending", "profile_state")
    return {key: status.get(key) for key in keys if key in status}


def plan(name, *args, **kwargs):
    """A plan submission, as ``queue_item_add`` takes it: ``{"item_type": "plan", "name", "args", "kwargs"}``."""
    return {"item_type": "plan", "name": name, "args": list(args), "kwargs": kwargs}


def count_item(detectors=("det1",), **kwargs):
    """``count(detectors, **kwargs)``; by default ``count([det1])``, one reading."""
    return plan("count", list(detectors), **kwargs)


def scan_item(detectors=("det1",), motor="motor", start=-1, stop=1, num=5, **kwargs):
    """``scan(detectors, motor, start, stop, num)``."""
    return plan("scan", list(detectors), motor, start, stop, num, **kwargs)


def count_items(n, detectors=("det1", "det2"), **kwargs):
    """``n`` submissions of ``count(detectors, **kwargs)``, for ``queue_item_add_batch``."""
    return [count_item(detectors, **kwargs) for _ in range(n)]
