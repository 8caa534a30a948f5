"""Run every benchmark and print the results as markdown (for docs/benchmarks.md).

Usage::

    python benchmarks/run_all.py            # each benchmark 3 times, the median run reported
    python benchmarks/run_all.py --runs 1   # quicker
    python benchmarks/run_all.py --only bench_pause_latency bench_gui_per_plan
    python benchmarks/run_all.py --no-gui   # leave out the bench_gui_*.py benchmarks

Each benchmark runs in its own interpreter (``python bench_x.py --json
FILE``), so one cannot warm up or slow down another; the GUI benchmarks
(every ``bench_gui_*.py``, and ``bench_remote.py``) run offscreen unless ``QT_QPA_PLATFORM`` says
otherwise. Progress goes to stderr; the markdown goes to stdout. Of several
runs of a benchmark, the run whose headline figure (its first row) is the
median is reported, the lower middle one for an even number of runs: the
best of N would report the luck of a quiet moment on a shared machine. The
headline figure of every run is listed so that the noise is visible.
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import _common as bench

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARKS = [
    "bench_plan_overhead",
    "bench_environment_open",
    "bench_pause_latency",
    "bench_queue_requests",
    "bench_api",
    "bench_run_store",
]
#: The GUI benchmarks: every bench_gui_*.py but the helpers' module, and the remote windows' (bench_remote.py).
GUI_BENCHMARKS = sorted(
    os.path.splitext(os.path.basename(path))[0] for path in glob.glob(os.path.join(HERE, "bench_gui_*.py"))
    if not path.endswith("bench_gui_common.py")
) + ["bench_remote"]
TIMEOUT = 1200


def run_one(name):
    """Run one benchmark script; returns its JSON results."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "result.json")
        env = dict(os.environ)
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        completed = subprocess.run(
            [sys.executable, os.path.join(HERE, f"{name}.py"), "--json", path],
            stdout=subprocess.PIPE, text=True, timeout=TIMEOUT, env=env,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"{name} failed with exit code {completed.returncode}")
        with open(path) as f:
            return json.load(f)


def median_run(results):
    """The run whose headline (first row) value is the median; the lower middle one of an even number."""
    ordered = sorted(results, key=lambda result: result["rows"][0]["value"])
    return ordered[(len(ordered) - 1) // 2]


def machine_section(info, load_before, load_after):
    return "\n".join([
        "| | |",
        "|---|---|",
        f"| date | {info['date']} |",
        f"| CPU | {info['cpu_count']} x {info['cpu_model']} |",
        f"| OS | {info['platform']} |",
        f"| Python | {info['python']} |",
        f"| bluesky / ophyd | {info['bluesky']} / {info['ophyd']} |",
        f"| fastapi / uvicorn / httpx | {info['fastapi']} / {info['uvicorn']} / {info['httpx']} |",
        f"| load average (1, 5, 15 min) before / after | {load_before} / {load_after} |",
    ])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each benchmark (default 3)")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS + GUI_BENCHMARKS, help="run only these benchmarks")
    parser.add_argument("--no-gui", action="store_true", help="leave out the GUI benchmarks")
    args = parser.parse_args()
    names = args.only or (BENCHMARKS if args.no_gui else BENCHMARKS + GUI_BENCHMARKS)

    load_before = bench.machine_info()["load_average"]
    sections, missed = [], []
    for name in names:
        results = []
        for run in range(args.runs):
            bench.say(f"run_all: {name}, run {run + 1} of {args.runs} ...")
            results.append(run_one(name))
        chosen = median_run(results)
        missed += [f"{name}: {r['what']} = {r['measured']} (target {r['target']})"
                   for r in chosen["rows"] if r["result"] == "FAIL"]
        lines = [f"### {chosen['title']} (`benchmarks/{name}.py`)", "", bench.markdown_table(chosen["rows"]), ""]
        lines += [f"- {note}" for note in chosen["notes"]]
        if len(results) > 1:
            headline = chosen["rows"][0]
            figures = ", ".join(r["rows"][0]["measured"] for r in results)
            lines.append(f"- runs of this benchmark, \"{headline['what']}\": {figures} "
                         f"(run {results.index(chosen) + 1}, the median, reported).")
        sections.append("\n".join(lines))
    info = bench.machine_info()

    print("## Machine\n")
    print(machine_section(info, load_before, info["load_average"]))
    print()
    for section in sections:
        print(section)
        print()
    bench.say("run_all: targets missed:" + "".join(f"\n  {m}" for m in missed) if missed else "run_all: every target met")


if __name__ == "__main__":
    main()
