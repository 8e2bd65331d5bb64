"""Hangs forever, ignores SIGTERM, and leaves a grandchild in its process group."""

import signal
import subprocess
import sys
import time

from _common import job_folder, record_pid, say

folder = job_folder()
signal.signal(signal.SIGTERM, signal.SIG_IGN)
record_pid(folder)
child = subprocess.Popen(
    [sys.executable, "-c", "import time\nwhile True: time.sleep(1)", str(folder)]
)
with open(folder / "pids.txt", "a", encoding="ascii") as handle:
    handle.write(f"{child.pid}\n")
say(event="progress", percent=5, stage="read")
while True:
    time.sleep(0.05)
    say(event="progress", percent=5, stage="read")
