"""Pipeline benchmark: 1,000,000 events end to end against the pyarrow read+write floor.

    .venv/bin/python benchmarks/bench_pipeline.py [--events N] [--runs K] [--keep]

Generates (once, cached in the temp folder) a realistic English log report download of N
events, then times, each in its own process: (a) the floor, pyarrow reading that CSV and
writing it back once; (b) ``process_file`` writing the result ZIP. Prints seconds, the
ratio and each process's peak memory (max RSS from wait4). Targets: ratio <= 6, peak <= 1.5 GB.
Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures.big_logs import write_big_report as generate  # noqa: E402


def bench_input(events: int) -> Path:
    """The benchmarks' shared input: a report download of ``events`` events, generated once
    into the temp folder and reused by every benchmark that asks for the same size."""
    src = Path(tempfile.gettempdir()) / "moodlelogsmart-bench"
    src = src / f"logs_bench_{events}_v1_20240628-1800.csv"
    if not src.exists():
        started = time.perf_counter()
        generate(src, events)
        print(f"generated {src} in {time.perf_counter() - started:.1f} s")
    print(f"input: {src.stat().st_size / 1e6:.0f} MB, {events:,} events")
    return src


def child(mode: str, src: Path, dest: Path) -> None:
    """Runs in the measured process; prints its own timing as JSON on the last line."""
    if mode == "floor":
        import pyarrow.csv as pcsv

        started = time.perf_counter()
        table = pcsv.read_csv(src)
        pcsv.write_csv(table, dest)
        seconds = time.perf_counter() - started
        print(json.dumps({"seconds": seconds, "rows": table.num_rows}))
        return
    if os.environ.get("BENCH_WITHOUT_ISAL"):
        sys.modules["isal"] = None  # type: ignore[assignment]  # measure the zlib fallback
    from moodlelogsmart_gui.pipeline import PipelineOptions, process_file

    started = time.perf_counter()
    summary = process_file(src, dest, PipelineOptions())
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rows": summary["rows_out"]}))


def run_child(
    script: str, args: list[str], env: dict[str, str]
) -> tuple[dict[str, Any], os.struct_rusage]:
    """Runs ``script --child ARGS`` in its own process: its last JSON line and its rusage."""
    process = subprocess.Popen(
        [sys.executable, script, "--child", *args], stdout=subprocess.PIPE, cwd=ROOT, env=env
    )
    assert process.stdout is not None
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{args[0]} run failed")
    return json.loads(out.decode().strip().splitlines()[-1]), usage


def measure(mode: str, src: Path, dest: Path, zlib_only: bool) -> tuple[float, float, float]:
    """(seconds inside the child, wall seconds of the child, peak RSS in MB)."""
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if zlib_only:
        env["BENCH_WITHOUT_ISAL"] = "1"
    result, usage = run_child(__file__, [mode, str(src), str(dest)], env)
    wall = time.perf_counter() - started
    return result["seconds"], wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--zlib", action="store_true", help="deflate with zlib even if isal is there"
    )
    parser.add_argument("--child", nargs=3, metavar=("MODE", "SRC", "DEST"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    src = bench_input(args.events)
    work = src.parent
    try:
        import isal  # noqa: F401

        codec = "zlib (forced)" if args.zlib else "isal"
    except ImportError:
        codec = "zlib (isal not installed)"
    print(f"deflate: {codec}")
    floors, pipes, peaks = [], [], []
    for run in range(args.runs):
        floor, floor_wall, floor_mb = measure("floor", src, work / "floor.csv", args.zlib)
        pipe, pipe_wall, pipe_mb = measure("pipeline", src, work / "result.zip", args.zlib)
        floors.append(floor)
        pipes.append(pipe)
        peaks.append(pipe_mb)
        print(
            f"run {run + 1}: floor {floor:.2f} s (process {floor_wall:.2f} s,"
            f" peak {floor_mb:.0f} MB)"
            f" | pipeline {pipe:.2f} s (process {pipe_wall:.2f} s, peak {pipe_mb:.0f} MB)"
            f" | ratio {pipe / floor:.2f}"
        )
    zipped = (work / "result.zip").stat().st_size / 1e6
    print(
        f"best of {args.runs}: floor {min(floors):.2f} s, pipeline {min(pipes):.2f} s,"
        f" ratio {min(pipes) / min(floors):.2f}; pipeline peak {max(peaks):.0f} MB;"
        f" result.zip {zipped:.0f} MB"
    )


if __name__ == "__main__":
    main()
