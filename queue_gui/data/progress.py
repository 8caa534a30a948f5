"""How far the running plan has got, and when the queue will be done.

Plain Python, no Qt: the desktop window shows these figures, and the tests
check them without a widget. Progress is read from the documents alone,
as bluesky's own callbacks would: the start document's ``num_points``
gives N, each event of the ``primary`` stream is one point. The queue's
end is estimated from the history: what the same plan with the same
arguments took before (the median of its last runs), else the time per
point of the same plan times the points this one has, but never less
than ``num_points × delay`` when the plan sleeps between points. Items
without any of these are counted, not guessed: the window says "(+2
unknown)" rather than a time that would be wrong.
"""

import statistics

from ..wire import QUEUE_STOP_INSTRUCTION, ExitStatus, ItemType

#: How many earlier runs of the same call the estimate takes the median of.
RECENT_RUNS = 5


class RunProgress:
    """Point n of N of the run being taken, from its documents.

    Attributes
    ----------
    run_uid, item_uid, plan_name : str or None
        Of the current (or last) run.
    points : int
        Events of its primary stream so far.
    total : int or None
        ``num_points`` of its start document, when the plan says.
    time_start : float or None
        The start document's time.
    time_last_point : float or None
        Time of the newest primary event.
    finished : bool
        Its stop document has arrived.
    """

    def __init__(self):
        self.run_uid = None
        self.item_uid = None
        self.plan_name = None
        self.points = 0
        self.total = None
        self.time_start = None
        self.time_last_point = None
        self.finished = False
        self._primary = None

    def add_documents(self, documents):
        """Follow ``[name, doc]`` pairs (events or event pages); True when anything shown changed."""
        changed = False
        for name, doc in documents:
            if name == "start":
                self._start(doc)
                changed = True
            elif name == "descriptor":
                if doc.get("run_start") == self.run_uid and doc.get("name", "primary") == "primary":
                    self._primary = doc.get("uid")
            elif name in ("event", "event_page") and self._primary is not None and doc.get("descriptor") == self._primary:
                seq = doc.get("seq_num")
                self.points += len(seq) if name == "event_page" and isinstance(seq, list) else 1
                times = doc.get("time")
                self.time_last_point = times[-1] if isinstance(times, list) and times else times
                changed = True
            elif name == "stop" and doc.get("run_start") == self.run_uid:
                self.finished = True
                changed = True
        return changed

    def _start(self, doc):
        self.__init__()
        self.run_uid = doc.get("uid")
        self.item_uid = doc.get("item_uid")
        self.plan_name = doc.get("plan_name")
        total = doc.get("num_points")
        self.total = total if isinstance(total, int) and not isinstance(total, bool) and total > 0 else None
        self.time_start = doc.get("time")

    @property
    def fraction(self):
        """Share of points done (0 to 1), or None when N is unknown."""
        if self.total is None:
            return None
        return min(self.points / self.total, 1.0)

    def elapsed(self, now):
        """Seconds since the run started (to its last point once it has finished)."""
        if self.time_start is None:
            return None
        end = self.time_last_point if self.finished and self.time_last_point else now
        return max(end - self.time_start, 0.0)

    def remaining(self, now, paused=False):
        """Seconds left at the pace so far, or None before the first point or without N.

        While paused, the time since the last point is not work done: the
        estimate holds still instead of running down to zero.
        """
        if self.finished:
            return 0.0
        if self.total is None or not self.points or self.time_start is None or self.time_last_point is None:
            return None
        per_point = max(self.time_last_point - self.time_start, 0.0) / self.points
        since_last = 0.0 if paused else max(now - self.time_last_point, 0.0)
        return max(per_point * (self.total - self.points) - min(since_last, per_point), 0.0)


def expected_points(item):
    """How many points a plan of the scan family takes, read from its arguments, or None.

    ``count(dets, num)``, ``scan(dets, motor, start, stop, num)`` (and the
    ``rel_`` variants), ``list_scan(dets, motor, [points])`` and
    ``grid_scan(dets, m1, start, stop, n1, m2, start, stop, n2, ...)``.
    """
    name, args, kwargs = item.get("name"), item.get("args") or [], item.get("kwargs") or {}
    num = kwargs.get("num")
    if name == "count":
        num = num if num is not None else (args[1] if len(args) > 1 else 1)
    elif name in ("scan", "rel_scan") and num is None and len(args) >= 5 and (len(args) - 1) % 3 == 1:
        num = args[-1]
    elif name in ("list_scan", "rel_list_scan") and len(args) >= 3 and isinstance(args[2], list):
        num = len(args[2])
    elif name in ("grid_scan", "rel_grid_scan") and len(args) >= 5 and (len(args) - 1) % 4 == 0:
        num = 1
        for count in args[4::4]:
            num = num * count if _is_count(count) else None
            if num is None:
                break
    return num if _is_count(num) else None


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _duration(record):
    result = record.get("result") or {}
    start, stop = result.get("time_start"), result.get("time_stop")
    if not isinstance(start, (int, float)) or not isinstance(stop, (int, float)) or stop < start:
        return None
    return stop - start


def _call_key(item):
    """What makes two calls the same plan with the same arguments, as one hashable value."""
    return (item.get("name"), repr(item.get("args") or []), repr(sorted((item.get("kwargs") or {}).items(), key=repr)))


class DurationEstimator:
    """Expected durations of queue items, learnt from the history (oldest first).

    The completed records are indexed by call and by plan name as they
    are added, and each call's estimate is kept once made: the window asks
    for the whole queue's end ten times a second, and a scan of the
    history per queue item made that cost queue length times history
    length.
    """

    def __init__(self, history=()):
        self._durations = {}  # call key -> durations of its completed runs, oldest first
        self._rates = {}  # plan name -> seconds per point of its completed runs
        self._estimates = {}  # call key -> estimate (None: unknown), made since the last add
        self._keys = {}  # item_uid -> (item, its call key)
        self._sum = (None, 0.0, 0)  # (the queue list it was made for, total, unknown)
        self.add(history)

    def add(self, records):
        """Learn from more finished attempts (appended to the history)."""
        for record in records:
            if (record.get("result") or {}).get("exit_status") != ExitStatus.COMPLETED.value:
                continue
            took = _duration(record)
            if took is None:
                continue
            self._durations.setdefault(_call_key(record), []).append(took)
            done = expected_points(record)
            if done:
                self._rates.setdefault(record.get("name"), []).append(took / done)
        self._estimates.clear()
        self._sum = (None, 0.0, 0)

    def duration(self, item):
        """Seconds ``item`` is expected to take, or None when nothing says."""
        key = self._key_of(item)
        if key not in self._estimates:
            self._estimates[key] = self._estimate(key, item)
        return self._estimates[key]

    def _key_of(self, item):
        uid = item.get("item_uid")
        cached = self._keys.get(uid) if uid is not None else None
        if cached is not None and cached[0] is item:
            return cached[1]
        key = _call_key(item)
        if uid is not None:
            self._keys[uid] = (item, key)
        return key

    def _estimate(self, key, item):
        same = self._durations.get(key)
        if same:
            return statistics.median(same[-RECENT_RUNS:])
        points = expected_points(item)
        if points is None:
            return None
        rates = self._rates.get(item.get("name"))
        by_rate = statistics.median(rates[-RECENT_RUNS:]) * points if rates else None
        delay = (item.get("kwargs") or {}).get("delay")
        by_delay = points * delay if isinstance(delay, (int, float)) and not isinstance(delay, bool) and delay > 0 else None
        # A plan waits its delay between points however fast the same plan ran without one.
        known = [estimate for estimate in (by_rate, by_delay) if estimate is not None]
        return max(known) if known else None

    def _queued_sum(self, queue_items):
        if isinstance(queue_items, QueueTally):
            if not queue_items.has_stop:
                return queue_items.sum(self)
            queue_items = queue_items.items
        made_for, total, unknown = self._sum
        if made_for is queue_items:
            return total, unknown
        total, unknown = 0.0, 0
        for item in queue_items:
            if item.get("item_type") == ItemType.INSTRUCTION.value:
                if item.get("name") == QUEUE_STOP_INSTRUCTION:
                    break
                continue
            expected = self.duration(item)
            if expected is None:
                unknown += 1
            else:
                total += expected
        self._sum = (queue_items, total, unknown)
        return total, unknown

    def estimate_of_key(self, key, item):
        """The estimate of the call ``key`` (``item`` is one queue item making that call)."""
        if key not in self._estimates:
            self._estimates[key] = self._estimate(key, item)
        return self._estimates[key]

    def forget_items_except(self, items):
        """Drop the call keys kept for items no longer queued (keeps the cache as large as the queue)."""
        uids = {item.get("item_uid") for item in items}
        self._keys = {uid: cached for uid, cached in self._keys.items() if uid in uids}

    def queue_end(self, queue_items, now, running_left=None, running=False):
        """When the queue is done: ``(end time or None, number of plans without an estimate)``.

        Counting stops at a ``queue_stop`` instruction, where the queue will
        stop. ``running_left`` is the running plan's own estimate of the
        seconds it still needs (None: unknown, counted as one plan without
        an estimate). The queued plans' sum is kept while the same
        ``queue_items`` list (the manager hands out a new one per change)
        and the same history are asked about.
        """
        total, unknown = self._queued_sum(queue_items)
        if running:
            if running_left is None:
                unknown += 1
            else:
                total += running_left
        if unknown and not total:
            return None, unknown
        return (now + total if total or running else None), unknown


class QueueTally:
    """The queued plans counted by call, kept up to date from the manager's queue changes.

    The queue's end is the sum over its plans; with thousands of plans that
    loop cost milliseconds every time the queue changed (twice per plan).
    Counted by call, a plan starting or ending costs the items it touches,
    and the sum costs the number of distinct calls. A queue holding a
    ``queue_stop`` instruction (the count stops there) is summed item by
    item, as before.
    """

    def __init__(self, items=(), running_item=None):
        self.reset(list(items), running_item)

    def reset(self, items, running_item=None):
        self.items = items
        self._running = running_item or None
        self._counts = {}  # call key -> [count, one item making that call]
        self._stops = 0
        self._add(items)

    @property
    def has_stop(self):
        return self._stops > 0

    def follow(self, event):
        """Take the manager's ``queue`` event (see ``queue_gui.manager.events``)."""
        before, running = self.items, self._running
        try:
            for change in event["changes"]:
                before, running = self._apply(change, before, running)
        except (LookupError, TypeError, ValueError):
            self.reset(list(event["items"]), event["running_item"])
            return
        self.items, self._running = event["items"], event["running_item"] or None

    def sum(self, estimator):
        """``(seconds of the plans with an estimate, number without one)``."""
        total, unknown = 0.0, 0
        for key, (count, item) in self._counts.items():
            expected = estimator.estimate_of_key(key, item)
            if expected is None:
                unknown += count
            else:
                total += expected * count
        return total, unknown

    def _apply(self, change, items, running):
        op = change[0]
        if op == "insert":
            index, added = change[1], list(change[2])
            self._add(added)
            return items[:index] + added + items[index:], running
        if op == "remove":
            self._remove([items[i] for i in change[1]])
            rest = list(items)
            for index in sorted(change[1], reverse=True):
                del rest[index]
            return rest, running
        if op == "replace":
            self._remove([items[change[1]]])
            self._add([change[2]])
            return items[: change[1]] + [change[2]] + items[change[1] + 1:], running
        if op == "start":
            self._remove([items[0]])
            return items[1:], items[0]
        if op == "run":
            return items, change[1]
        if op == "finish":
            if change[1]:
                self._add([running])
                return [running] + items, None
            return items, None
        raise ValueError(f"not followed: {op}")  # clear, move, reset: counted again

    def _add(self, items):
        for item in items:
            if item.get("item_type") == ItemType.INSTRUCTION.value:
                self._stops += item.get("name") == QUEUE_STOP_INSTRUCTION
                continue
            key = _call_key(item)
            entry = self._counts.get(key)
            if entry is None:
                self._counts[key] = [1, item]
            else:
                entry[0] += 1

    def _remove(self, items):
        for item in items:
            if item.get("item_type") == ItemType.INSTRUCTION.value:
                self._stops -= item.get("name") == QUEUE_STOP_INSTRUCTION
                continue
            key = _call_key(item)
            entry = self._counts[key]
            entry[0] -= 1
            if entry[0] == 0:
                del self._counts[key]
