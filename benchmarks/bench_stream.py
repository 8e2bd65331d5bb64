"""Streaming benchmark: big logs through the real command line, under GNU time.

    .venv/bin/python benchmarks/bench_stream.py [--events 1000000 10000000] [--logstore 10000000]
        [--memory 1024 256] [--old /tmp/old-worktree] [--keep]

Generates each log into the temp folder (a report download of N events, and a headerless
``mdl_logstore_standard_log`` export with ``\\N`` nulls and epoch times), runs
``moodlelogsmart process FILE --out DIR --json`` under ``/usr/bin/time -v`` with a fresh data
folder and ``MOODLELOGSMART_JOB_MEMORY_MB`` set, and prints per run: wall seconds, events per
second, GNU time's maximum resident set size (the largest process of the tree: command
line or worker), the sum of the tree's RSS sampled every 0.2 s from /proc, and the peak spill
from summary.json. A failed run keeps its data folder (with job.log) and GNU time's output in
``<temp>/moodlelogsmart-stream-bench/failed-*``. ``--old`` runs the same command from
another checkout (the code before the streaming pipeline) beside the new one, on the 1M
report only. Big files are deleted at the end unless ``--keep``. Not a test; the machine
may be shared, so timings are noisy.
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
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures.big_logs import write_big_logstore, write_big_report  # noqa: E402


def tree_rss(pid: int) -> int:
    """Sum of the RSS (bytes) of ``pid`` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo += children.get(current, [])
    return total


def run(src: Path, memory_mb: int, code: Path, work: Path) -> dict[str, float]:
    home, out = work / "home", work / "out"
    shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(code),
        "MOODLELOGSMART_HOME": str(home),
        "MOODLELOGSMART_JOB_MEMORY_MB": str(memory_mb),
        "MOODLELOGSMART_JOB_TIMEOUT_SECONDS": "86400",
    }
    command = ["/usr/bin/time", "-v", sys.executable, "-m", "moodlelogsmart_gui.cli"]
    command += ["process", str(src), "--out", str(out), "--json"]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=code, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak_tree = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            peak_tree[0] = max(peak_tree[0], tree_rss(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    lines = stdout.strip().splitlines()
    record = json.loads(lines[-1]) if lines else {}
    if record.get("state") != "completed":
        kept = work / f"failed-{src.stem}-{memory_mb}mb-{int(time.time())}"
        home.rename(kept)  # the data folder with the job's job.log, for the post-mortem
        (kept / "stderr.txt").write_text(stderr, encoding="utf-8")
        raise SystemExit(f"{src.name} at {memory_mb} MB failed: {record}; kept {kept}")
    summary = json.loads(zipfile.ZipFile(str(record["output"])).read("summary.json"))
    maxrss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr).group(1))
    cpu = sum(
        float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", stderr).group(1))
        for kind in ("User", "System")
    )
    shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    return {
        "seconds": wall,
        "cpu": cpu,
        "events": summary["rows_in"],
        "maxrss_mb": maxrss / 1024,
        "tree_mb": peak_tree[0] / 2**20,
        "spill_mb": summary.get("spill_peak_bytes", 0) / 2**20,
    }


def show(label: str, result: dict[str, float]) -> None:
    print(
        f"{label:<34} {result['seconds']:8.1f} s  cpu {result['cpu']:7.1f} s  "
        f"{result['events'] / result['seconds']:9,.0f} ev/s  GNU time max RSS "
        f"{result['maxrss_mb']:6.0f} MB  tree {result['tree_mb']:6.0f} MB  "
        f"spill {result['spill_mb']:6.0f} MB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="*", default=[1_000_000, 10_000_000])
    parser.add_argument("--logstore", type=int, nargs="*", default=[10_000_000])
    parser.add_argument("--memory", type=int, nargs="*", default=[1024, 256])
    parser.add_argument("--old", type=Path, help="checkout of the code to compare with")
    parser.add_argument("--runs", type=int, default=1, help="repeats of the 1M comparison")
    parser.add_argument("--keep", action="store_true", help="keep the generated logs")
    args = parser.parse_args()
    work = Path(tempfile.gettempdir()) / "moodlelogsmart-stream-bench"
    work.mkdir(exist_ok=True)
    inputs: list[tuple[str, Path]] = []
    try:
        for events in args.events:
            src = work / f"logs_report_{events}_20240628-1800.csv"
            if not src.exists():
                write_big_report(src, events)
            inputs.append((f"report {events:,}", src))
        for events in args.logstore:
            src = work / f"mdl_logstore_{events}.tsv"
            if not src.exists():
                write_big_logstore(src, events)
            inputs.append((f"logstore {events:,}", src))
        for label, src in inputs:
            print(f"{label}: {src.stat().st_size / 1e9:.2f} GB", flush=True)
        if args.old is not None:
            label, src = inputs[0]
            for attempt in range(args.runs):
                show(f"{label} old code #{attempt + 1}", run(src, 1024, args.old, work))
                show(f"{label} new 1024 MB #{attempt + 1}", run(src, 1024, ROOT, work))
        for label, src in inputs:
            for memory in args.memory:
                show(f"{label} new {memory} MB", run(src, memory, ROOT, work))
    finally:
        if not args.keep:
            for _, src in inputs:
                src.unlink(missing_ok=True)
        shutil.rmtree(work / "home", ignore_errors=True)
        shutil.rmtree(work / "out", ignore_errors=True)


if __name__ == "__main__":
    main()
