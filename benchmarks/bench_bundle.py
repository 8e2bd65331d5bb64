"""Bundle benchmark: the frozen worker against the venv's worker, and the time to the window.

    .venv/bin/python benchmarks/bench_bundle.py [--events N] [--runs K] [--bundle DIR]

Needs a built bundle (``python packaging/build.py``). Generates (once, cached in the temp
folder, like bench_pipeline.py) a report download of N events (default 1,000,000), then runs
the real worker on it K times each way, alternating so that both see the same machine load:
``python -m moodlelogsmart_gui.worker JOB`` from this venv and ``moodlelogsmart-gui
--run-worker JOB`` from the bundle, each a fresh job folder and a stdin pipe kept open as
the app does. Prints wall seconds, CPU seconds and peak memory (max RSS from wait4) per
run, the best of each and their ratios (target: frozen <= 1.1 x venv). Then the time from
starting the program to "window opened" in the app's log (offscreen), K times each way. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_pipeline import bench_input  # noqa: E402
from moodlelogsmart_gui.paths import WORKER_FLAG  # noqa: E402


def job_folder(work: Path, src: Path, name: str) -> Path:
    folder = work / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.link(src, folder / "input.csv")  # the worker only reads it
    config = {
        "input": "input.csv",
        "original_name": src.name,
        "pseudonymize": False,
        "rules_file": None,
        "secret_file": str(work / "pseudonym.key"),
    }
    (folder / "job.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def run_worker(command: list[str], folder: Path) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS MB) of one worker run to its ``done`` line.

    CPU time (user + system, all threads) is the steadier figure on a shared machine."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    with open(folder / "job.log", "wb") as log:
        process = subprocess.Popen(
            [*command, str(folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=env,
        )
        assert process.stdout is not None
        lines = process.stdout.read().decode().splitlines()
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if process.stdin is not None:
        process.stdin.close()
    last = json.loads(lines[-1]) if lines else {}
    if os.waitstatus_to_exitcode(status) != 0 or last.get("event") != "done":
        raise SystemExit(f"worker failed: {command[0]} (see {folder / 'job.log'})")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def window_seconds(command: list[str], home: Path) -> float:
    """Seconds from starting the program to the app's "window opened" log line."""
    shutil.rmtree(home, ignore_errors=True)
    env = {**os.environ, "MOODLELOGSMART_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    env["PYTHONPATH"] = str(ROOT)
    app_log = home / "logs" / "moodlelogsmart.log"
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while time.perf_counter() - started < 60:
            if app_log.is_file() and "window opened" in app_log.read_text():
                return time.perf_counter() - started
            time.sleep(0.01)
        raise SystemExit(f"no window from {command[0]} within 60 s")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "MoodleLogSmart")
    args = parser.parse_args()
    frozen_exe = args.bundle.absolute() / "moodlelogsmart-gui"
    if not frozen_exe.is_file():
        raise SystemExit(f"no bundle at {args.bundle}; run: python packaging/build.py")
    src = bench_input(args.events)
    work = src.parent
    ways = {
        "venv": [sys.executable, "-m", "moodlelogsmart_gui.worker"],
        "frozen": [str(frozen_exe), WORKER_FLAG],
    }
    best: dict[str, float] = {}
    best_cpu: dict[str, float] = {}
    try:
        for run in range(args.runs):
            cells = []
            for way, command in ways.items():
                folder = job_folder(work, src, f"bundle-job-{way}")
                seconds, cpu, peak = run_worker(command, folder)
                best[way] = min(best.get(way, seconds), seconds)
                best_cpu[way] = min(best_cpu.get(way, cpu), cpu)
                cells.append(f"{way} {seconds:.2f} s, CPU {cpu:.2f} s (peak {peak:.0f} MB)")
                shutil.rmtree(folder, ignore_errors=True)
            print(f"worker run {run + 1}: " + " | ".join(cells))
        print(
            f"worker best of {args.runs}: venv {best['venv']:.2f} s, frozen"
            f" {best['frozen']:.2f} s, ratio {best['frozen'] / best['venv']:.3f} (target <= 1.1)"
        )
        print(
            f"worker CPU best of {args.runs}: venv {best_cpu['venv']:.2f} s, frozen"
            f" {best_cpu['frozen']:.2f} s, ratio {best_cpu['frozen'] / best_cpu['venv']:.3f}"
        )
        windows: dict[str, list[float]] = {"venv": [], "bundle": []}
        starts = {
            "venv": [sys.executable, "-m", "moodlelogsmart_gui"],
            "bundle": [str(frozen_exe)],
        }
        for _ in range(args.runs):
            for way, command in starts.items():
                windows[way].append(window_seconds(command, work / f"window-{way}"))
        for way, times in windows.items():
            shown = ", ".join(f"{t:.2f}" for t in times)
            print(f"window opened ({way}): {shown} s; best {min(times):.2f} s")
    finally:
        for name in ("window-venv", "window-bundle"):
            shutil.rmtree(work / name, ignore_errors=True)


if __name__ == "__main__":
    main()
