"""Batch benchmark: many small course logs in one ``moodlelogsmart process`` call.

    .venv/bin/python benchmarks/bench_batch.py [--logs 300] [--events 2000]
        [--old /tmp/old/.venv/bin/moodlelogsmart] [--jobs 1 2] [--rounds 1]

Generates ``--logs`` course logs (report CSV, English, ``--events`` events each, a different
seed each) into a temporary folder, then runs one ``process`` call over all of them for each
command and each "jobs at the same time" value, alternating the commands round by round so
both see the same machine load (side by side in one run). Each call gets its own fresh data
folder (MOODLELOGSMART_HOME) and output folder, is timed with a wall clock and runs under
``/usr/bin/time -v`` for the peak memory (largest max RSS of the process tree's members that
GNU time reports: the ``process`` command itself; workers are reported as children).
The old code is an export of an earlier commit with its own venv, e.g.
``git worktree add /tmp/old14 c7c220a`` and ``pip install -e /tmp/old14`` in a venv there.
Everything generated is deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_logs(folder: Path, count: int, events: int) -> list[Path]:
    from tests.fixtures.moodle_logs import make_report_log, write_report_csv

    folder.mkdir(parents=True)
    return [
        write_report_csv(
            folder / f"course_{n:03}.csv", make_report_log(events, seed=n).rows, lang="en"
        )
        for n in range(count)
    ]


def run_once(command: str, logs: Path, home: Path, jobs: int) -> tuple[float, float, int, float]:
    """Wall seconds, max RSS (MB) of the whole tree as GNU time sees it, result ZIPs made,
    CPU seconds (user + system) of the whole tree: every process waited for, workers forked
    by the fork server included. On a shared machine CPU seconds move less than wall time."""
    home.mkdir(parents=True)
    env = dict(
        os.environ,
        MOODLELOGSMART_HOME=str(home),
        MOODLELOGSMART_CONCURRENT_JOBS=str(jobs),  # the administrator's preset for the setting
        QT_QPA_PLATFORM="offscreen",
    )
    out = home / "out"
    out.mkdir()
    argv = ["/usr/bin/time", "-v", command, "process", str(logs), "--out", str(out)]
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: some job failed; counted below, not fatal
        sys.stderr.write(done.stdout[-2000:] + done.stderr[-2000:])
        raise SystemExit(f"{command} exited with {done.returncode}")
    for line in done.stdout.splitlines():
        if not line.startswith("completed"):
            print(f"  not completed: {line[:300]}", flush=True)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    made = len(list(out.glob("*.zip")))
    cpu = sum(
        float(m.group(1))
        for m in re.finditer(r"(?:User|System) time \(seconds\): ([\d.]+)", done.stderr)
    )
    return elapsed, int(rss.group(1)) / 1024 if rss else float("nan"), made, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", type=int, default=300)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--old", help="the old code's moodlelogsmart command")
    parser.add_argument("--new", default=str(Path(sys.executable).with_name("moodlelogsmart")))
    parser.add_argument("--jobs", type=int, nargs="+", default=[1])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="mls-bench-batch-"))
    try:
        logs = make_logs(base / "logs", args.logs, args.events)
        size = sum(p.stat().st_size for p in logs) / len(logs) / 1024
        print(f"{len(logs)} logs of {args.events} events ({size:.0f} KB each) in {base}")
        commands = [("new", args.new)] + ([("old", args.old)] if args.old else [])
        results: dict[tuple[str, int], list[float]] = {}
        for round_no in range(args.rounds):
            for jobs in args.jobs:
                order = commands if round_no % 2 == 0 else commands[::-1]
                for label, command in order:
                    home = base / f"home-{label}-{jobs}-{round_no}"
                    load_before = os.getloadavg()[0]
                    elapsed, rss, made, cpu = run_once(command, base / "logs", home, jobs)
                    load = f"load {load_before:.1f} -> {os.getloadavg()[0]:.1f}"
                    results.setdefault((label, jobs), []).append(elapsed)
                    print(
                        f"round {round_no + 1} {label:3} jobs={jobs}: {elapsed:7.1f} s "
                        f"({elapsed / len(logs):.3f} s a log), {made} ZIPs, "
                        f"max RSS {rss:.0f} MB, CPU {cpu:.1f} s ({cpu / len(logs):.3f} s a log), "
                        f"{load}",
                        flush=True,
                    )
                    shutil.rmtree(home, ignore_errors=True)
        for jobs in args.jobs:
            new = min(results[("new", jobs)])
            line = f"jobs={jobs}: new best {new:.1f} s"
            if ("old", jobs) in results:
                old = min(results[("old", jobs)])
                line += f", old best {old:.1f} s, new/old = {new / old:.2f}"
            print(line)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
