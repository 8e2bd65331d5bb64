"""Cluster benchmark: N events in K site-wide files, ``--cluster local:W`` against one machine.

    .venv/bin/python benchmarks/bench_cluster.py [--events N] [--files K] [--workers W]

Generates (cached in the temp folder) K site-wide log report downloads (a Course column,
one course per file) of N/K events each with ``bench_pipeline.generate``, and the same rows
as one file. Then times, side by side in one run, each in its own process under
``/usr/bin/time -v``: (a) one machine, ``process_file`` on the one file (the result ZIP);
(b) ``moodlelogsmart process FILES --cluster local:W`` (Parquet by course, one XES per
course). Prints the seconds, the ratio, the load average around each run (the machine may
be shared), events per second per worker, and what 1e9 events would take on 32 workers at
that per-worker rate (on paper). Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_pipeline import generate  # noqa: E402


def site_files(work: Path, events: int, files: int) -> tuple[list[Path], Path]:
    """K site-wide downloads (course BENCH<k>) and the concatenation, made once."""
    per = events // files
    paths = [work / f"logs_site_part{k + 1}_{per}_20240628-1800.csv" for k in range(files)]
    whole = work / f"logs_site_all_{per * files}_20240628-1800.csv"
    if all(p.exists() for p in paths) and whole.exists():
        return paths, whole
    with open(whole, "wb") as joined:
        for k, path in enumerate(paths):
            course = work / f"course_{k}.csv"
            generate(course, per, seed=11 + k)
            with open(course, "rb") as src, open(path, "wb") as dest:
                header = src.readline().removeprefix(b"\xef\xbb\xbf")
                dest.write(b"\xef\xbb\xbfCourse," + header)
                if k == 0:
                    joined.write(b"\xef\xbb\xbfCourse," + header)
                prefix = f"BENCH{k + 1},".encode()
                for line in src:
                    dest.write(prefix + line)
                    joined.write(prefix + line)
            course.unlink()
    return paths, whole


def load() -> str:
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB, the largest process GNU time saw) and stdout."""
    print(f"  load average before: {load()}", flush=True)
    started = time.perf_counter()
    result = subprocess.run(
        ["/usr/bin/time", "-v", *command], capture_output=True, text=True, env=env, cwd=ROOT
    )
    wall = time.perf_counter() - started
    print(f"  load average after : {load()} ({wall:.0f} s)", flush=True)
    if result.returncode != 0:
        raise SystemExit(f"{command[:4]} failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    return wall, int(peak.group(1)) / 1024 if peak else 0.0, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()
    work = Path(tempfile.gettempdir()) / "moodlelogsmart-bench-cluster"
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    paths, whole = site_files(work, args.events, args.files)
    size = sum(p.stat().st_size for p in paths) / 1e6
    print(f"input: {len(paths)} files, {size:.0f} MB ({time.perf_counter() - started:.0f} s)")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MOODLELOGSMART_HOME": str(work / "home")}
    env["MOODLELOGSMART_JOB_TIMEOUT_SECONDS"] = "86400"
    single_code = (
        "import json,sys,time;from pathlib import Path;"
        "from moodlelogsmart_gui.pipeline import PipelineOptions, process_file;"
        "t=time.perf_counter();s=process_file(Path(sys.argv[1]),Path(sys.argv[2]),"
        "PipelineOptions());print(json.dumps({'rows_out':s['rows_out'],"
        "'seconds':time.perf_counter()-t}))"
    )
    print("one machine (process_file, the streaming pipeline):", flush=True)
    one_wall, one_peak, one_out = timed(
        [sys.executable, "-c", single_code, str(whole), str(work / "result.zip")], env
    )
    one = json.loads(one_out.strip().splitlines()[-1])
    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    cluster_cmd = [sys.executable, "-m", "moodlelogsmart_gui.cli", "process", *map(str, paths)]
    cluster_cmd += ["--cluster", f"local:{args.workers}", "--out", str(out), "--json"]
    print(f"cluster (--cluster local:{args.workers}):", flush=True)
    many_wall, many_peak, many_out = timed(cluster_cmd, env)
    record = json.loads(many_out.strip().splitlines()[-1])
    folder = Path(record["output"])
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    events = summary["rows_in"]
    rate = events / many_wall / args.workers
    print(f"one machine : {one_wall:8.1f} s  peak {one_peak:6.0f} MB  rows out {one['rows_out']:,}")
    print(
        f"local:{args.workers}     : {many_wall:8.1f} s  peak {many_peak:6.0f} MB (largest process)"
        f"  rows out {summary['rows_out']:,}  ratio {many_wall / one_wall:.2f}"
    )
    print(f"phases      : {summary.get('timings')} (seconds, inside the run)")
    print(f"partitions  : {summary.get('partitions')} on {summary.get('workers')} workers")
    print(f"per worker  : {rate:,.0f} events/s (rows in / wall / workers, start-up included)")
    timings = summary.get("timings") or {}
    cpu = sum(float(v) for k, v in timings.items() if k.endswith("_cpu"))
    core_rate = events / cpu if cpu else 0.0
    print(f"per core    : {core_rate:,.0f} events per CPU second of the tasks (no contention)")
    estimate = 1e9 / (rate * 32)
    print(f"on paper    : 1e9 events on 32 workers ≈ {estimate / 60:.0f} min at the measured rate,")
    if core_rate:
        ideal = 1e9 / (core_rate * 32)
        print(f"              ≈ {ideal / 60:.0f} min if each worker has its own core")
    shutil.rmtree(out, ignore_errors=True)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
