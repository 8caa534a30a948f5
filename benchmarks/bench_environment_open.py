"""Opening the RunEngine environment: request to a usable environment.

Method
------
A real ``Service`` is started; it starts a *standby* worker that imports
bluesky and loads the profile before anything is asked of it, so opening the
environment only has to create the RunEngine.

* open (standby ready): time from just before ``POST /create_environment``
  to the status event with ``worker_environment_exists`` true and
  ``manager_state`` idle. Then ``POST /close_environment``, wait for the
  status event with the environment closed and the manager idle, and wait
  for the new standby worker to report its loaded profile (no status field
  shows that, so the benchmark wraps the manager's ``profile_loaded`` report
  handler on the instance to be told; the engine is not changed). Five
  times; median and max are reported.
* open right after close: the same request sent as soon as the status says
  closed and idle, which is what a user clicking Close then Open gets; the
  standby is still loading then. Three times.
* close: ``POST /close_environment`` to closed and idle; standby ready again:
  from the close request to the new standby's ``profile_loaded`` report.

Bare RunEngine: ``RunEngine({}, context_managers=[])`` in this process, with
bluesky and ophyd.sim already imported as in the standby worker (the first
one of the process, then the median of five more), and a fresh
interpreter importing bluesky and ophyd.sim and creating a RunEngine (the
floor of a cold open). Target: open <= 1.0 s; bluesky-queueserver 0.0.25
takes about 1.5 s.
"""

import subprocess
import sys
import time

import _common as bench

OPENS = 5
COLD_OPENS = 3
TARGET_OPEN = 1.0
QUEUESERVER_OPEN = 1.5

_COLD_SCRIPT = (
    "import time; t = time.perf_counter(); import bluesky, ophyd.sim; "
    "from bluesky import RunEngine; RunEngine({}, context_managers=[]); print(time.perf_counter() - t)"
)


def _env_open(s):
    return s["worker_environment_exists"] and s["manager_state"] == "idle"


def _env_closed(s):
    return (not s["worker_environment_exists"] and s["manager_state"] == "idle"
            and s["worker_environment_state"] == "closed")


def open_environment(client, watcher):
    mark = watcher.mark()
    start = time.perf_counter()
    bench.check(client.post("/create_environment"), "create_environment")
    stamp, _ = watcher.wait_event(_env_open, after=mark, what="the environment to open")
    return stamp - start


def close_environment(client, watcher, probe):
    """Returns (seconds to closed and idle, start stamp, profiles loaded before)."""
    loaded_before = probe.count
    mark = watcher.mark()
    start = time.perf_counter()
    bench.check(client.post("/close_environment"), "close_environment")
    stamp, _ = watcher.wait_event(_env_closed, after=mark, what="the environment to close")
    return stamp - start, start, loaded_before


def measure_service():
    opens, cold_opens, closes, standby = [], [], [], []
    with bench.running_service() as service:
        watcher = bench.StatusWatch(service.manager)
        probe = bench.ProfileLoadedProbe(service.manager)
        service.start(wait=True)
        probe.wait_beyond(0)
        with bench.http_client(service) as client:
            for i in range(OPENS):
                bench.say(f"bench_environment_open: open {i + 1} of {OPENS} (standby ready) ...")
                opens.append(open_environment(client, watcher))
                closed, start, loaded = close_environment(client, watcher, probe)
                closes.append(closed)
                standby.append(probe.wait_beyond(loaded) - start)
            open_environment(client, watcher)
            for i in range(COLD_OPENS):
                bench.say(f"bench_environment_open: open {i + 1} of {COLD_OPENS} right after close ...")
                close_environment(client, watcher, probe)
                cold_opens.append(open_environment(client, watcher))
            close_environment(client, watcher, probe)
    return opens, cold_opens, closes, standby


def measure_bare():
    """In-process RunEngine creation, after the imports the worker's profile does."""
    import ophyd.sim  # noqa: F401  (the profile's devices; RunEngine() would import ophyd otherwise)
    from bluesky import RunEngine

    start = time.perf_counter()
    RunEngine({}, context_managers=[])
    first = time.perf_counter() - start
    later = []
    for _ in range(5):
        start = time.perf_counter()
        RunEngine({}, context_managers=[])
        later.append(time.perf_counter() - start)
    cold = []
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", _COLD_SCRIPT], capture_output=True, text=True, check=True)
        cold.append(float(out.stdout.strip().splitlines()[-1]))
    return first, bench.median(later), min(cold)


def main():
    args = bench.parse_args(__doc__.splitlines()[0])
    opens, cold_opens, closes, standby = measure_service()
    bench.say("bench_environment_open: bare RunEngine ...")
    first, later, cold = measure_bare()
    bare = f"bare RunEngine(): first {bench.fmt_ms(first, 1)}, then {bench.fmt_ms(later, 1)}"
    rows = [
        bench.row(f"open, standby ready: median of {OPENS}", bench.fmt_ms(bench.median(opens), 1), "<= 1.0 s",
                  f"{bare}; bluesky-queueserver 0.0.25: ~{QUEUESERVER_OPEN:.1f} s",
                  bench.median(opens) <= TARGET_OPEN, bench.median(opens)),
        bench.row(f"open, standby ready: max of {OPENS}", bench.fmt_ms(max(opens), 1), "<= 1.0 s", "-",
                  max(opens) <= TARGET_OPEN, max(opens)),
        bench.row(f"open right after close (standby still loading): median of {COLD_OPENS}",
                  bench.fmt_ms(bench.median(cold_opens), 1), "<= 1.0 s",
                  f"fresh interpreter: import bluesky + ophyd.sim + RunEngine(): {bench.fmt_ms(cold, 0)}",
                  bench.median(cold_opens) <= TARGET_OPEN, bench.median(cold_opens)),
        bench.row(f"close: request to closed and idle, median of {OPENS}", bench.fmt_ms(bench.median(closes), 1),
                  "-", "-", None, bench.median(closes)),
        bench.row(f"close request to standby ready again, median of {OPENS}",
                  bench.fmt_ms(bench.median(standby), 0), "-", "-", None, bench.median(standby)),
    ]
    notes = [
        "opens, standby ready (ms): " + ", ".join(f"{x * 1000:.1f}" for x in opens) + ".",
        "opens right after close (ms): " + ", ".join(f"{x * 1000:.0f}" for x in cold_opens) + ".",
    ]
    bench.report("Environment open", rows, notes, args.json)


if __name__ == "__main__":
    main()
