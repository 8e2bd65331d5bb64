"""Says something on stderr, then dies of SIGSEGV."""

import os
import signal
import sys

from _common import job_folder, say

(job_folder() / "result.zip.part").write_bytes(b"half a zip")
say(event="progress", percent=30, stage="normalise")
print("worker: about to touch a bad pointer", file=sys.stderr, flush=True)
os.kill(os.getpid(), signal.SIGSEGV)
