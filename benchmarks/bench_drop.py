"""Window benchmark for a batch: many course logs dropped on the window at once.

    .venv/bin/python benchmarks/bench_drop.py [--logs 300] [--events 2000]
        [--old /tmp/old/.venv/bin/python] [--idle 62] [--cli] [--runs 1]

Generates ``--logs`` course logs of ``--events`` events (report CSV, a different seed each),
then, for this checkout's interpreter and (with ``--old``) the old code's interpreter, side by
side: opens the real window (offscreen, its own data folder, default settings), drops all the
files on it with one real QDropEvent and measures how late a 10 ms timer fires (the longest
event-loop stall), the time from the drop to the last result, and how many worker processes
are left ``--idle`` seconds after the last result (the warm spare must be gone after 60 s).
``--cli`` also times this checkout's ``moodlelogsmart process`` on the same files at the
default "jobs at the same time" (the rate the window's last result is compared with);
``--runs`` repeats the window run. Everything generated is deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, os, sys, time
from pathlib import Path
from PySide6.QtCore import QEventLoop, QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

app = QApplication([sys.argv[0]])
from moodlelogsmart_gui import app as app_module
from moodlelogsmart_gui.paths import AppPaths

files, idle = sorted(Path(sys.argv[1]).glob("*.csv")), float(sys.argv[2])
context = app_module.build([])
queue, window = context.queue, context.window
window.job_actions.ask_each.setChecked(False)
jobs_folder = str(AppPaths.resolve().jobs)

def workers():
    found = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes()
                state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[-1].split()[0]
            except OSError:
                continue
            mine = b"moodlelogsmart_gui.worker" in cmd and jobs_folder.encode() in cmd
            found += mine and state != "Z"
    return found

def spin(condition, limit):
    loop, poll = QEventLoop(), QTimer()
    poll.timeout.connect(lambda: loop.quit() if condition() else None)
    poll.start(20)
    QTimer.singleShot(int(limit * 1000), loop.quit)
    loop.exec()

spin(lambda: False, 0.5)
lateness, last, dropped = [], [time.perf_counter()], [0.0]
def probe():
    now = time.perf_counter()
    lateness.append(now - last[0] - 0.010)
    last[0] = now
timer = QTimer()
timer.setTimerType(Qt.TimerType.PreciseTimer)
timer.timeout.connect(probe)
timer.start(10)

def drop():
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in files])
    where = QPointF(window.width() / 2, window.height() / 2)
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    dropped[0] = time.perf_counter()
    copy = Qt.DropAction.CopyAction
    QApplication.sendEvent(window, QDragEnterEvent(where.toPoint(), copy, mime, buttons, keys))
    QApplication.sendEvent(window, QDropEvent(where, copy, mime, buttons, keys))

QTimer.singleShot(200, drop)
# Counted from the queue's signal: polling queue.jobs() (every job copied, 2 ms for 300) 50
# times a second took a tenth of the window thread and slowed the runs it measured.
ended = set()
queue.job_finished.connect(ended.add)
def all_done():
    return len(ended) >= len(files)
spin(all_done, 3600)
finished = time.perf_counter() - dropped[0]
timer.stop()
late = sorted(lateness[1:])
jobs = queue.jobs()
left_at_end = workers()
spin(lambda: False, idle)
result = {
    "seconds": finished,
    "completed": sum(1 for job in jobs if str(job.state) == "completed"),
    "longest_stall_ms": late[-1] * 1000,
    "p99_ms": late[int(len(late) * 0.99)] * 1000,
    "over_50": sum(1 for x in late if x > 0.05),
    "over_100": sum(1 for x in late if x > 0.1),
    "workers_at_end": left_at_end,
    "workers_after_idle": workers(),
}
app_module.teardown(context)
print(json.dumps(result))
"""


def run(python: str, logs: Path, home: Path, idle: float) -> dict[str, float]:
    env = dict(os.environ, MOODLELOGSMART_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    env.pop("MOODLELOGSMART_CONCURRENT_JOBS", None)  # the default, as a user gets it
    done = subprocess.run(
        [python, "-c", CHILD, str(logs), str(idle)],
        cwd=home.parent,  # not this checkout: ``-c`` puts the working folder on sys.path
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{python} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", type=int, default=300)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--old", help="the old code's python (its venv)")
    parser.add_argument("--idle", type=float, default=62.0)
    parser.add_argument("--cli", action="store_true", help="also time `process` on the files")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    from benchmarks.bench_batch import make_logs, run_once
    from moodlelogsmart_gui.settings import default_concurrent_jobs

    base = Path(tempfile.mkdtemp(prefix="mls-bench-drop-"))
    try:
        make_logs(base / "logs", args.logs, args.events)
        pythons = [("new", sys.executable)] + ([("old", args.old)] if args.old else [])
        for run_no in range(args.runs):
            for label, python in pythons:
                home = base / f"home-{label}-{run_no}"
                load = os.getloadavg()[0]
                r = run(python, base / "logs", home, args.idle)
                print(
                    f"{label}: {args.logs} logs dropped -> last result after "
                    f"{r['seconds']:.1f} s ({r['seconds'] / args.logs:.3f} s a log), "
                    f"{r['completed']:.0f} completed; longest stall "
                    f"{r['longest_stall_ms']:.0f} ms (p99 {r['p99_ms']:.0f} ms; "
                    f"{r['over_50']:.0f} over 50 ms, {r['over_100']:.0f} over 100 ms); "
                    f"worker processes at the end {r['workers_at_end']:.0f}, "
                    f"{args.idle:g} s later {r['workers_after_idle']:.0f}; "
                    f"load {load:.1f} -> {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
                shutil.rmtree(home, ignore_errors=True)
        if args.cli:
            command = str(Path(sys.executable).with_name("moodlelogsmart"))
            load = os.getloadavg()[0]
            jobs = default_concurrent_jobs()
            seconds, _rss, made, _cpu = run_once(command, base / "logs", base / "home-cli", jobs)
            print(
                f"command line: {args.logs} logs in {seconds:.1f} s "
                f"({seconds / args.logs:.3f} s a log, {jobs} at a time), {made} ZIPs; "
                f"load {load:.1f} -> {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
