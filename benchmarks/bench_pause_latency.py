"""Pause latency: ``POST /re_pause option=immediate`` until the manager reports paused.

Method
------
A real ``Service`` opens the environment and runs
``count([det1], num=1000, delay=0.01)`` (about 10 s of plan). Once the
status shows ``manager_state == "executing_queue"`` and ``re_state ==
"running"``, time from just before ``POST /re_pause {"option":
"immediate"}`` to the status event with ``manager_state == "paused"``.
Then ``POST /re_continue {"option": "resume"}`` and wait for
``executing_queue`` with ``re_state == "running"`` again (timed too, for
information). Ten pauses; after the last one the plan is aborted (it goes
back to the front of the queue and is popped; an abort recorded as anything
but ``aborted`` is reported in the notes).

Bare RunEngine: the same plan on ``RunEngine({}, context_managers=[])`` in
this process; another thread waits for the state ``running`` (through
``RE.state_hook``), calls ``RE.request_pause(False)`` and times until the
hook reports ``paused``; the main thread resumes, ten times, then aborts (bluesky
1.15 sometimes raises ``IllegalMessageSequence`` from that abort; it is
reported in the notes and does not affect the pauses measured).

Target <= 50 ms; bluesky-queueserver 0.0.25 takes about 0.9 s.
"""

import contextlib
import io
import logging
import threading
import time

import _common as bench
from queue_gui.wire import CommandName

PAUSES = 10
TARGET = 0.050
QUEUESERVER_PAUSE = 0.9
PLAN = {"name": "count", "args": [["det1"]], "kwargs": {"num": 1000, "delay": 0.01}}


def _running(s):
    return s["manager_state"] == "executing_queue" and s["re_state"] == "running"


def measure_service():
    """Returns (pause latencies, re_pause reply times, resume latencies)."""
    pauses, replies, resumes = [], [], []
    with bench.running_service() as service:
        watcher = bench.StatusWatch(service.manager)
        service.start(wait=True)
        with bench.http_client(service) as client:
            mark = watcher.mark()
            bench.check(client.post("/create_environment"), "create_environment")
            watcher.wait(lambda s: s["worker_environment_exists"] and s["manager_state"] == "idle",
                         after=mark, what="the environment to open")
            bench.check(client.post("/add_to_queue", json={"plan": PLAN}), "add_to_queue")
            mark = watcher.mark()
            bench.check(client.post("/process_queue"), "process_queue")
            watcher.wait(_running, after=mark, what="the plan to run")

            for i in range(PAUSES):
                mark = watcher.mark()
                start = time.perf_counter()
                reply = client.post("/re_pause", json={"option": "immediate"})
                replied = time.perf_counter()
                bench.check(reply, "re_pause")
                stamp, _ = watcher.wait_event(lambda s: s["manager_state"] == "paused", after=mark,
                                              what=f"pause {i + 1}")
                pauses.append(stamp - start)
                replies.append(replied - start)
                if i == PAUSES - 1:
                    break
                mark = watcher.mark()
                start = time.perf_counter()
                bench.check(client.post("/re_continue", json={"option": "resume"}), "re_continue resume")
                stamp, _ = watcher.wait_event(_running, after=mark, what=f"resume {i + 1}")
                resumes.append(stamp - start)

            mark = watcher.mark()
            bench.check(client.post("/re_continue", json={"option": "abort"}), "re_continue abort")
            watcher.wait(lambda s: s["manager_state"] == "idle" and s["items_in_queue"] == 1, after=mark,
                         what="the aborted plan to return to the queue")
            result = service.manager.call(CommandName.HISTORY_GET)["items"][-1]["result"]
            bench.check(client.post("/pop_from_queue"), "pop_from_queue")
    return pauses, replies, resumes, result


class _StateLog:
    """RunEngine states from ``state_hook``, stamped on arrival, with waits."""

    def __init__(self):
        self._condition = threading.Condition()
        self.events = []

    def hook(self, new, old):
        stamp = time.perf_counter()
        with self._condition:
            self.events.append((stamp, str(new)))
            self._condition.notify_all()

    def wait(self, state, after):
        """Index and stamp of the first ``state`` at index >= ``after``."""
        found = []

        def match():
            for index in range(after, len(self.events)):
                if self.events[index][1] == state:
                    found.append((index, self.events[index][0]))
                    return True
            return False

        with self._condition:
            if not self._condition.wait_for(match, bench.WAIT_TIMEOUT):
                raise TimeoutError(f"the bare RunEngine never became {state}")
        return found[0]


@contextlib.contextmanager
def _quiet(logger_name):
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def measure_bare():
    """Pause latencies of a bare RunEngine, paused from a second thread."""
    from bluesky import RunEngine
    from bluesky.plans import count
    from bluesky.utils import RunEngineInterrupted
    from ophyd.sim import det1

    RE = RunEngine({}, context_managers=[])
    log = _StateLog()
    RE.state_hook = log.hook
    latencies = []
    errors = []

    def pauser():
        try:
            position = 0
            for _ in range(PAUSES):
                index, _ = log.wait("running", position)
                start = time.perf_counter()
                RE.request_pause(False)
                index, stamp = log.wait("paused", index + 1)
                latencies.append(stamp - start)
                position = index + 1
        except Exception as error:  # reported by the main thread
            errors.append(error)

    thread = threading.Thread(target=pauser, name="bench-pauser", daemon=True)
    thread.start()
    interruptions = 0
    # The RunEngine prints "Pausing..." and logs the abort's traceback: keep
    # them out of the table.
    with contextlib.redirect_stdout(io.StringIO()), _quiet("bluesky"):
        try:
            RE(count([det1], num=PLAN["kwargs"]["num"], delay=PLAN["kwargs"]["delay"]))
        except RunEngineInterrupted:
            interruptions += 1
        while interruptions < PAUSES:
            try:
                RE.resume()
            except RunEngineInterrupted:
                interruptions += 1
            else:
                break  # the plan ended: the pauser failed
        thread.join(bench.WAIT_TIMEOUT)
        abort_error = None
        if RE.state == "paused":
            try:
                RE.abort()
            except Exception as error:
                # bluesky 1.15 sometimes fails to abort right after an
                # immediate pause (IllegalMessageSequence from the 'drop' in
                # trigger_and_read's exception path); the pauses are measured.
                abort_error = f"{type(error).__name__}: {error}"
    if errors or len(latencies) != PAUSES:
        raise RuntimeError(f"bare RunEngine pauses failed: {errors or latencies}")
    return latencies, abort_error


def main():
    args = bench.parse_args(__doc__.splitlines()[0])
    bench.say("bench_pause_latency: queue ...")
    pauses, replies, resumes, result = measure_service()
    bench.say("bench_pause_latency: bare RunEngine ...")
    bare, bare_abort_error = measure_bare()
    bare_text = f"bare RE: median {bench.fmt_ms(bench.median(bare))}, max {bench.fmt_ms(max(bare))}"
    rows = [
        bench.row(f"pause immediate: request to paused, median of {PAUSES}", bench.fmt_ms(bench.median(pauses)),
                  "<= 50 ms", f"{bare_text}; bluesky-queueserver 0.0.25: ~{QUEUESERVER_PAUSE:.1f} s",
                  bench.median(pauses) <= TARGET, bench.median(pauses)),
        bench.row(f"pause immediate: request to paused, max of {PAUSES}", bench.fmt_ms(max(pauses)), "<= 50 ms",
                  "-", max(pauses) <= TARGET, max(pauses)),
        bench.row("re_pause HTTP reply (median)", bench.fmt_ms(bench.median(replies)), "-", "-", None,
                  bench.median(replies)),
        bench.row(f"resume: request to running, median of {len(resumes)}", bench.fmt_ms(bench.median(resumes)),
                  "-", "-", None, bench.median(resumes)),
    ]
    notes = [
        "pauses (ms): " + ", ".join(f"{x * 1000:.1f}" for x in pauses)
        + f"; without the first (the first plan since the service started): median "
        f"{bench.fmt_ms(bench.median(pauses[1:]), 1)}, max {bench.fmt_ms(max(pauses[1:]), 1)}.",
        "bare RunEngine pauses (ms): " + ", ".join(f"{x * 1000:.1f}" for x in bare) + ".",
    ]
    if result["exit_status"] != "aborted":
        notes.append(f"the queued plan's abort was recorded as {result['exit_status']}: {result['msg']}")
    if bare_abort_error:
        notes.append(f"the bare RunEngine's abort raised {bare_abort_error}")
    bench.report("Pause latency", rows, notes, args.json)


if __name__ == "__main__":
    main()
