"""Reliability figures: concurrent clients while plans run, and a soak of a thousand plans.

Method
------
A real headless ``Service`` (manager, worker, run store, HTTP on 127.0.0.1).

* Concurrency: the queue runs ``count`` plans (each re-queued by loop mode,
  so it never drains) while 8 client threads, each with its own keep-alive
  ``httpx.Client``, send 500 mixed operations: add, add a batch, move,
  remove by uid, get an item, read the queue, the history and the status.
  Each client remembers the uids it was told were added and removed. At the
  end every added uid is either in the queue, running, or was removed by a
  client (or by the history: completed loop items are copies with new uids),
  and no uid appears twice: 0 lost, 0 duplicated.
* Soak: 1000 ``count([det1])`` plans through the queue (loop mode off), in
  rounds of 100, each run saved by the run store; RSS of the manager's
  process and of the worker, and the open file descriptors of both, after
  each round. The history is cleared after each round: it is state the
  scientist keeps (about 2.5 kB a record), not a leak. Growth from round 2
  to the last is reported (round 1 warms up caches and the run store).
* Hostile requests are counted by the test that sends them:
  ``HOSTILE_EXAMPLES=10000 python -m pytest tests/server/test_fuzz_hostile.py``
  (one hostile request and five reads per example; any 5xx fails it).
"""

import os
import random
import threading
import time

import _common as bench

CLIENTS = 8
OPERATIONS = 500
SOAK_PLANS = int(os.environ.get("SOAK_PLANS", "1000"))
SOAK_ROUND = 100


def plan(detector="det1"):
    return {"item_type": "plan", "name": "count", "args": [[detector]]}


def client_work(url, seed, added, removed, errors):
    import httpx

    rng = random.Random(seed)
    with httpx.Client(base_url=url, timeout=30) as client:
        mine = []
        for _ in range(OPERATIONS):
            choice = rng.random()
            try:
                if choice < 0.3:
                    reply = client.post("/api/queue/item/add", json={"item": plan(rng.choice(["det1", "det2"]))}).json()
                    if reply["success"]:
                        mine.append(reply["item"]["item_uid"])
                        added.append(reply["item"]["item_uid"])
                elif choice < 0.4:
                    reply = client.post("/api/queue/item/add/batch", json={"items": [plan(), plan("det2")]}).json()
                    if reply["success"]:
                        uids = [item["item_uid"] for item in reply["items"]]
                        mine.extend(uids)
                        added.extend(uids)
                elif choice < 0.55 and mine:
                    uid = mine.pop(rng.randrange(len(mine)))
                    reply = client.post("/api/queue/item/remove", json={"uid": uid}).json()
                    if reply["success"]:
                        removed.append(uid)
                elif choice < 0.7 and mine:
                    uid = rng.choice(mine)
                    client.post("/api/queue/item/move", json={"uid": uid, "pos_dest": rng.choice(["front", "back"])})
                elif choice < 0.8 and mine:
                    client.request("GET", "/api/queue/item/get", json={"uid": rng.choice(mine)})
                elif choice < 0.9:
                    client.get("/api/queue/get")
                else:
                    client.get("/api/status")
            except Exception as error:  # counted, never hidden
                errors.append(repr(error))


def measure_concurrency(service):
    import httpx

    with httpx.Client(base_url=service.url, timeout=30) as client:
        bench.check(client.post("/api/queue/mode/set", json={"mode": {"loop": True}}), "loop mode")
        for _ in range(5):
            bench.check(client.post("/api/queue/item/add", json={"item": plan()}), "seed items")
        bench.check(client.post("/api/environment/open"), "open")
        watcher = bench.StatusWatch(service.manager)
        watcher.wait(lambda s: s["worker_environment_exists"] and s["manager_state"] == "idle", what="open")
        bench.check(client.post("/api/queue/start"), "start")
        added, removed, errors = [], [], []
        threads = [threading.Thread(target=client_work, args=(service.url, seed, added, removed, errors))
                   for seed in range(CLIENTS)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        took = time.perf_counter() - start
        mark = watcher.mark()
        bench.check(client.post("/api/queue/stop"), "stop")
        watcher.wait(lambda s: s["manager_state"] == "idle", what="the queue to stop", timeout=120, after=mark)
        queue = client.get("/api/queue/get").json()
        history = client.get("/api/history/get").json()["items"]
    in_queue = [item["item_uid"] for item in queue["items"]]
    duplicated = len(in_queue) - len(set(in_queue))
    ran = {item["item_uid"] for item in history}
    present = set(in_queue) | ran | set(removed)
    lost = [uid for uid in added if uid not in present]
    return {"ops": CLIENTS * OPERATIONS, "added": len(added), "removed": len(removed), "lost": len(lost),
            "duplicated": duplicated, "errors": errors, "seconds": took, "plans_run": len(history)}


def process_figures(pid):
    import psutil

    process = psutil.Process(pid)
    return process.memory_info().rss, process.num_fds()


def measure_soak(service):
    import httpx

    rounds, completed = [], 0
    with httpx.Client(base_url=service.url, timeout=60) as client:
        bench.check(client.post("/api/queue/mode/set", json={"mode": "default"}), "default mode")
        bench.check(client.post("/api/queue/clear"), "clear")
        for index in range(SOAK_PLANS // SOAK_ROUND):
            # A watcher per round: one kept for the whole soak would hold every
            # status event and grow this process itself.
            watcher = bench.StatusWatch(service.manager)
            bench.check(client.post("/api/queue/item/add/batch", json={"items": [plan()] * SOAK_ROUND}), "batch")
            mark = watcher.mark()
            bench.check(client.post("/api/queue/start"), "start")
            watcher.wait(lambda s: s["manager_state"] == "idle" and s["items_in_queue"] == 0, after=mark,
                         timeout=300, what="a round of plans")
            watcher.close()
            completed += sum((h["result"] or {}).get("exit_status") == "completed"
                             for h in client.get("/api/history/get").json()["items"])
            # The history is kept state, not a leak (2.5 kB a record): cleared
            # each round, what is left to grow is what should not.
            bench.check(client.post("/api/history/clear"), "clear history")
            worker = service.manager.worker_pid
            app_rss, app_fds = process_figures(os.getpid())
            worker_rss, worker_fds = process_figures(worker)
            rounds.append({"plans": (index + 1) * SOAK_ROUND, "app_rss": app_rss, "app_fds": app_fds,
                           "worker_rss": worker_rss, "worker_fds": worker_fds})
            bench.say(f"soak: {rounds[-1]['plans']} plans, app {app_rss / 1e6:.1f} MB / {app_fds} fds, "
                      f"worker {worker_rss / 1e6:.1f} MB / {worker_fds} fds")
    return rounds, completed


def growth(rounds, key):
    first, last = rounds[1][key], rounds[-1][key]
    return (last - first) / first


def main():
    args = bench.parse_args(__doc__.splitlines()[0])
    with bench.running_service() as service:
        service.start(wait=True)
        bench.say("concurrency: 8 clients x 500 operations while plans run ...")
        concurrency = measure_concurrency(service)
    with bench.running_service() as service:
        service.start(wait=True)
        with __import__("httpx").Client(base_url=service.url, timeout=30) as client:
            bench.check(client.post("/api/environment/open"), "open")
        opened = bench.StatusWatch(service.manager)
        opened.wait(lambda s: s["worker_environment_exists"] and s["manager_state"] == "idle")
        opened.close()  # a watcher left subscribed keeps every status event: this process would grow
        soak, completed = measure_soak(service)
    rows = [
        bench.row(f"concurrency: {concurrency['ops']} operations by {CLIENTS} clients while plans ran: uids lost",
                  str(concurrency["lost"]), "0", f"{concurrency['added']} added, {concurrency['removed']} removed, "
                  f"{concurrency['plans_run']} plans run, {concurrency['seconds']:.1f} s", concurrency["lost"] == 0,
                  concurrency["lost"]),
        bench.row("concurrency: uids duplicated in the queue", str(concurrency["duplicated"]), "0", "-",
                  concurrency["duplicated"] == 0, concurrency["duplicated"]),
        bench.row("concurrency: client errors (exceptions)", str(len(concurrency["errors"])), "0", "-",
                  not concurrency["errors"], len(concurrency["errors"])),
        bench.row(f"soak: {SOAK_PLANS} plans, completed", str(completed), str(SOAK_PLANS), "-",
                  completed == SOAK_PLANS, completed),
        bench.row(f"soak: RSS growth of the app process (plans 100 to {SOAK_PLANS})",
                  f"{growth(soak, 'app_rss') * 100:+.1f} %", "< 5 %", f"{soak[1]['app_rss'] / 1e6:.1f} -> "
                  f"{soak[-1]['app_rss'] / 1e6:.1f} MB", growth(soak, "app_rss") < 0.05, growth(soak, "app_rss")),
        bench.row("soak: RSS growth of the worker", f"{growth(soak, 'worker_rss') * 100:+.1f} %", "< 5 %",
                  f"{soak[1]['worker_rss'] / 1e6:.1f} -> {soak[-1]['worker_rss'] / 1e6:.1f} MB",
                  growth(soak, "worker_rss") < 0.05, growth(soak, "worker_rss")),
        bench.row("soak: open file descriptors, app / worker (range over the rounds)",
                  f"{min(r['app_fds'] for r in soak)}-{max(r['app_fds'] for r in soak)} / "
                  f"{min(r['worker_fds'] for r in soak)}-{max(r['worker_fds'] for r in soak)}",
                  "no growth", "a keep-alive connection may be open or not at a given moment",
                  soak[-1]["app_fds"] <= soak[1]["app_fds"] and soak[-1]["worker_fds"] <= soak[1]["worker_fds"],
                  soak[-1]["app_fds"]),
    ]
    notes = [f"errors: {concurrency['errors'][:5]}"] if concurrency["errors"] else []
    bench.report("Reliability: concurrency and soak", rows, notes, args.json)


if __name__ == "__main__":
    main()
