"""Memory of the desktop application: GUI process + worker process, default profile.

Method
------
1. In this process, compose the desktop application as ``queue-gui`` does
   (``Service`` with the default simulated profile, ``ManagerThread``,
   ``ManagerBridge``, ``MainWindow`` shown, ``QT_QPA_PLATFORM=offscreen``).
   Wait until the manager is idle and the plan editor lists the profile's
   plans (the standby worker has described the profile), run the event loop
   one more second, then read the memory of this process ("idle, environment
   closed") and of the standby worker.
2. Open the environment, run 10 ``count([det1, det2])`` through the queue
   (``queue_start``), wait for 10 history items and ``idle``, run the event
   loop one more second, and read the memory of this process and of the
   worker (``service.manager.worker_pid``) again.
3. Cross-check with the real command: ``python -m queue_gui --port 0
   --data-dir TMP`` in a subprocess (offscreen; settings under a temporary
   ``XDG_CONFIG_HOME``), driven over HTTP (``/create_environment``, 10 x
   ``/add_to_queue``, ``/process_queue``), measured the same way. This one
   carries none of the benchmark's own modules (psutil, the harness).

Figures: RSS (``psutil``; the target, GUI + worker <= 200 MB), USS (pages
only that process uses) and PSS (shared pages split among their users; the
fairest sum). RSS double-counts the shared libraries both processes map.
Reference: bluesky-queueserver's manager, worker and watchdog take about
245 MB RSS together.
"""

import os
import subprocess
import sys
import tempfile
import time

import _common as bench
import bench_gui_common as gui
from queue_gui.wire import CommandName

N_PLANS = 10
TARGET_RSS = 200 * 2**20
QUEUESERVER_RSS = "bluesky-queueserver manager + worker + watchdog: ~245 MB RSS"


def memory(pid):
    """``{"rss", "uss", "pss"}`` in bytes (uss/pss None when unavailable)."""
    import psutil

    process = psutil.Process(pid)
    try:
        full = process.memory_full_info()
        return {"rss": full.rss, "uss": full.uss, "pss": getattr(full, "pss", None)}
    except psutil.AccessDenied:
        return {"rss": process.memory_info().rss, "uss": None, "pss": None}


def mb(value):
    return "-" if value is None else f"{value / 2**20:.1f} MB"


def settle(seconds=1.0):
    """Run the event loop a while so that pending repaints and deferred deletes happen."""
    end = time.perf_counter() + seconds
    gui.wait_until(lambda: time.perf_counter() > end, timeout=seconds + 5)


def other_children(known):
    """Descendant processes other than ``known`` pids (e.g. multiprocessing's resource tracker)."""
    import psutil

    return [(p.pid, " ".join(p.cmdline())[:80], memory(p.pid))
            for p in psutil.Process().children(recursive=True) if p.pid not in known]


def measure_in_process():
    desktop = gui.Desktop()
    try:
        desktop.wait_idle()
        gui.wait_until(lambda: desktop.window.plan_editor.plan_names() != [], what="the profile's plans")
        settle()
        idle = {"gui": memory(os.getpid()), "worker": memory(desktop.manager.worker_pid)}
        desktop.open_environment()
        history = desktop.status()["items_in_history"]
        desktop.call(CommandName.QUEUE_ITEM_ADD_BATCH, {"items": gui.count_items(N_PLANS)})
        desktop.call(CommandName.QUEUE_START)
        desktop.wait_status(lambda s: s["items_in_history"] >= history + N_PLANS and s["manager_state"] == "idle",
                            what=f"{N_PLANS} plans")
        gui.wait_until(lambda: desktop.window.history_model.rowCount() >= N_PLANS, what="the history view")
        settle()
        worker = desktop.manager.worker_pid
        after = {"gui": memory(os.getpid()), "worker": memory(worker)}
        others = other_children({worker})
    finally:
        desktop.close()
    return idle, after, others


def measure_command():
    """The real ``python -m queue_gui`` in a subprocess, driven over HTTP; returns memory by process."""
    import httpx
    import psutil

    with tempfile.TemporaryDirectory(prefix="queue-gui-bench-mem-") as tmp:
        env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
                   XDG_CONFIG_HOME=os.path.join(tmp, "config"), XDG_DATA_HOME=os.path.join(tmp, "share"))
        command = [sys.executable, "-m", "queue_gui", "--port", "0", "--data-dir", os.path.join(tmp, "data")]
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = process.stdout.readline()
            if "serving" not in line:
                raise RuntimeError(f"queue-gui did not start: {line!r}")
            url = line.split("serving", 1)[1].strip()
            with httpx.Client(base_url=url, timeout=30.0, trust_env=False) as client:
                wait_http(client, lambda s: s["manager_state"] == "idle" and s.get("plans_allowed_uid"))
                time.sleep(1.0)  # the window settles (another process: sleeping here stalls nothing)
                idle = tree_memory(process.pid)
                bench.check(client.post("/create_environment"), "create_environment")
                wait_http(client, lambda s: s["worker_environment_exists"] and s["manager_state"] == "idle")
                for _ in range(N_PLANS):
                    bench.check(client.post("/add_to_queue", json={"plan": {"name": "count", "args": [["det1", "det2"]]}}),
                                "add_to_queue")
                bench.check(client.post("/process_queue"), "process_queue")
                wait_http(client, lambda s: s["items_in_history"] >= N_PLANS and s["manager_state"] == "idle")
                time.sleep(1.0)
                after = tree_memory(process.pid)
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                for child in psutil.Process(process.pid).children(recursive=True):
                    child.kill()
                process.kill()
                process.wait()
    return idle, after


def wait_http(client, predicate, timeout=120):
    """Poll ``GET /`` (another process, so polling is the only way; 20 ms apart)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        status = client.get("/").json()
        if predicate(status):
            return status
        time.sleep(0.02)
    raise TimeoutError("queue-gui did not reach the expected state")


def tree_memory(pid):
    """Memory of the process ``pid`` ("gui") and of each descendant, by name ("worker" for spawn children)."""
    import psutil

    result = {"gui": memory(pid)}
    for child in psutil.Process(pid).children(recursive=True):
        result[_role(child)] = memory(child.pid)
    return result


def _role(process):
    """Workers are forked from a fork server (queue_gui.worker.preload): the server's children are the workers."""
    cmdline = " ".join(process.cmdline())
    if "forkserver" in cmdline:
        parent = " ".join(process.parent().cmdline())
        return "worker" if "forkserver" in parent else "forkserver"
    if "spawn_main" in cmdline:
        return "worker"
    return "resource_tracker" if "resource_tracker" in cmdline else cmdline[:40]


def total(parts, key):
    values = [part[key] for part in parts]
    return None if any(v is None for v in values) else sum(values)


def main():
    args = bench.parse_args(__doc__.splitlines()[0])
    bench.say("bench_gui_memory: the composition in this process ...")
    idle, after, others = measure_in_process()
    bench.say("bench_gui_memory: the queue-gui command in a subprocess ...")
    try:
        cmd_idle, cmd_after = measure_command()
    except Exception as error:  # the in-process figures still stand
        bench.say(f"bench_gui_memory: the command cross-check failed: {error!r}")
        cmd_idle = cmd_after = None

    both = [after["gui"], after["worker"]]
    rss = total(both, "rss")
    rows = [
        bench.row(f"GUI + worker, environment open, after {N_PLANS} plans: RSS", mb(rss), "<= 200 MB",
                  QUEUESERVER_RSS, rss <= TARGET_RSS, rss),
        bench.row("  the same: USS / PSS", f"{mb(total(both, 'uss'))} / {mb(total(both, 'pss'))}", "-", "-", None,
                  total(both, "pss")),
        bench.row("  GUI process (window, manager, HTTP server): RSS / USS / PSS",
                  f"{mb(after['gui']['rss'])} / {mb(after['gui']['uss'])} / {mb(after['gui']['pss'])}", "-",
                  "design estimate: GUI + FastAPI ~71 MB", None, after["gui"]["rss"]),
        bench.row("  worker process (RunEngine, default profile): RSS / USS / PSS",
                  f"{mb(after['worker']['rss'])} / {mb(after['worker']['uss'])} / {mb(after['worker']['pss'])}", "-",
                  "design estimate: ~76 MB", None, after["worker"]["rss"]),
        bench.row("idle GUI process, environment not open: RSS / USS / PSS",
                  f"{mb(idle['gui']['rss'])} / {mb(idle['gui']['uss'])} / {mb(idle['gui']['pss'])}", "-",
                  f"standby worker meanwhile: {mb(idle['worker']['rss'])} RSS", None, idle["gui"]["rss"]),
    ]
    if others:
        tree = both + [m for _, _, m in others]
        tree_rss = total(tree, "rss")
        rows.insert(4, bench.row("  whole process tree (also multiprocessing's resource tracker): RSS / PSS",
                              f"{mb(tree_rss)} / {mb(total(tree, 'pss'))}", "-", "-", None, tree_rss))
    if cmd_after is not None:
        parts = [cmd_after["gui"], cmd_after["worker"]]
        cmd_rss = total(parts, "rss")
        rows += [
            bench.row(f"cross-check, `python -m queue_gui` after {N_PLANS} plans: GUI + worker RSS", mb(cmd_rss),
                      "<= 200 MB", f"GUI {mb(cmd_after['gui']['rss'])}, worker {mb(cmd_after['worker']['rss'])}; "
                      f"PSS sum {mb(total(parts, 'pss'))}", cmd_rss <= TARGET_RSS, cmd_rss),
            bench.row("  the same, idle, environment not open: GUI RSS", mb(cmd_idle["gui"]["rss"]), "-",
                      f"standby worker {mb(cmd_idle.get('worker', {}).get('rss'))}", None, cmd_idle["gui"]["rss"]),
        ]
    notes = [
        "in-process figures include the benchmark's own modules in the GUI process (psutil and the harness); "
        "the cross-check has none of them.",
    ]
    if others:
        notes.append("other child processes (only in the process-tree row): "
                     + "; ".join(f"{cmd} ({mb(m['rss'])} RSS)" for _, cmd, m in others) + ".")
    if cmd_after is not None:
        extra = {k: v for k, v in cmd_after.items() if k not in ("gui", "worker")}
        if extra:
            notes.append("cross-check, other child processes (not counted): "
                         + ", ".join(f"{k} {mb(v['rss'])} RSS / {mb(v['pss'])} PSS" for k, v in extra.items()) + ".")
    info = bench.machine_info()
    notes.append(f"{info['date']}, {info['cpu_count']} x {info['cpu_model']}, Python {info['python']}.")
    bench.report("GUI + worker memory", rows, notes, args.json)


if __name__ == "__main__":
    main()
