"""Reports once, then stops itself with SIGSTOP (a frozen process)."""

import os
import signal

from _common import job_folder, record_pid, say

record_pid(job_folder())
say(event="progress", percent=10, stage="read")
os.kill(os.getpid(), signal.SIGSTOP)
