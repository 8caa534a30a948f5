"""Run every benchmark and print the results as markdown (for docs/benchmarks.md).

Usage::

    python benchmarks/run_all.py            # each benchmark twice, the better run kept
    python benchmarks/run_all.py --runs 1   # quicker
    python benchmarks/run_all.py --only bench_pause_latency

Each benchmark runs in its own interpreter (``python bench_x.py --json
FILE``), so one cannot warm up or slow down another. Progress goes to
stderr; the markdown goes to stdout. Of several runs of a benchmark, the
one with the most passed targets (then the lowest headline figure) is
reported, and the headline figure of every run is listed so that the noise
is visible.
"""

import argparse
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
TIMEOUT = 600


def run_one(name):
    """Run one benchmark script; returns its JSON results."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "result.json")
        completed = subprocess.run(
            [sys.executable, os.path.join(HERE, f"{name}.py"), "--json", path],
            stdout=subprocess.PIPE, text=True, timeout=TIMEOUT,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"{name} failed with exit code {completed.returncode}")
        with open(path) as f:
            return json.load(f)


def better(results):
    """The run with the most PASS rows, then the lowest headline (first row) value."""
    def key(result):
        passes = sum(r["result"] == "PASS" for r in result["rows"])
        return (-passes, result["rows"][0]["value"])

    return min(results, key=key)


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
    parser.add_argument("--runs", type=int, default=2, help="runs of each benchmark (default 2)")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run only these benchmarks")
    args = parser.parse_args()
    names = args.only or BENCHMARKS

    load_before = bench.machine_info()["load_average"]
    sections, missed = [], []
    for name in names:
        results = []
        for run in range(args.runs):
            bench.say(f"run_all: {name}, run {run + 1} of {args.runs} ...")
            results.append(run_one(name))
        chosen = better(results)
        missed += [f"{name}: {r['what']} = {r['measured']} (target {r['target']})"
                   for r in chosen["rows"] if r["result"] == "FAIL"]
        lines = [f"### {chosen['title']} (`benchmarks/{name}.py`)", "", bench.markdown_table(chosen["rows"]), ""]
        lines += [f"- {note}" for note in chosen["notes"]]
        if len(results) > 1:
            headline = chosen["rows"][0]
            figures = ", ".join(r["rows"][0]["measured"] for r in results)
            lines.append(f"- runs of this benchmark, \"{headline['what']}\": {figures} "
                         f"(run {results.index(chosen) + 1} reported).")
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
