"""Killed by SIGKILL mid-run (what the out-of-memory killer does)."""

import os
import signal
import sys

from _common import say

say(event="progress", percent=30, stage="classify")
print("worker: allocating a lot", file=sys.stderr, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
