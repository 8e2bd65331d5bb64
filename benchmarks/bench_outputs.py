"""Analyst outputs benchmark: the result ZIP with and without the analyst members.

    .venv/bin/python benchmarks/bench_outputs.py [--events N] [--runs K]

Uses the realistic log report of ``bench_pipeline.py`` (generated once into the temp folder)
and times ``process_file`` side by side, alternating, each run in its own process: (a) the
four CSV/XES members and summary.json only (``outputs``), (b) every member (adds
students.csv, enriched_log.parquet, enriched_log.ocel.json, process_map.svg; sessions and
directly-follows counts are computed in both). Prints seconds, the ratio b/a (target: at
most 1.30), each process's CPU seconds (user + system from wait4: less disturbed than the
wall time when other work shares the cores) and peak memory (max RSS). Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = "enriched_log.csv,enriched_log_bloom_only.csv,enriched_log.xes,enriched_log_bloom_only.xes"


def child(outputs: str, src: Path, dest: Path) -> None:
    """Runs in the measured process; prints its own timing as JSON on the last line."""
    from moodlelogsmart_gui.members import parse_outputs
    from moodlelogsmart_gui.pipeline import PipelineOptions, process_file

    options = PipelineOptions(outputs=parse_outputs("" if outputs == "all" else outputs))
    started = time.perf_counter()
    summary = process_file(src, dest, options)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rows": summary["rows_out"]}))


def measure(outputs: str, src: Path, dest: Path) -> tuple[float, float, float, int]:
    """(seconds inside the child, its CPU seconds, peak RSS in MB, ZIP bytes)."""
    from bench_pipeline import run_child

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result, usage = run_child(__file__, [outputs, str(src), str(dest)], env)
    cpu = usage.ru_utime + usage.ru_stime
    return result["seconds"], cpu, usage.ru_maxrss / 1024, dest.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("OUTPUTS", "SRC", "DEST"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_pipeline import bench_input

    src = bench_input(args.events)
    work = src.parent
    timings: dict[str, list[float]] = {"base": [], "all": []}
    cpus: dict[str, list[float]] = {"base": [], "all": []}
    try:
        for run in range(args.runs):
            for name, outputs in (("base", BASE), ("all", "all")):
                dest = work / f"result_{name}.zip"
                seconds, cpu, peak, size = measure(outputs, src, dest)
                timings[name].append(seconds)
                cpus[name].append(cpu)
                print(
                    f"run {run + 1} {name:4s}: {seconds:6.2f} s, CPU {cpu:6.2f} s, "
                    f"peak {peak:6.0f} MB, "
                    f"ZIP {size / 1e6:6.1f} MB",
                    flush=True,
                )
    finally:
        for name in timings:
            (work / f"result_{name}.zip").unlink(missing_ok=True)
    base, every = statistics.median(timings["base"]), statistics.median(timings["all"])
    print(
        f"median: without {base:.2f} s, with every member {every:.2f} s, ratio {every / base:.2f}"
    )
    base, every = statistics.median(cpus["base"]), statistics.median(cpus["all"])
    print(f"median CPU: without {base:.2f} s, with every member {every:.2f} s, ", end="")
    print(f"ratio {every / base:.2f}")
    print(f"load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
