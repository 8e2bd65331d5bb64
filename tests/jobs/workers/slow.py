"""Reports progress every 0.1 s for a given number of seconds, then finishes."""

import sys
import time

from _common import exit_on_stdin_eof, job_folder, record_pid, say, write_result

exit_on_stdin_eof()
folder = job_folder()
record_pid(folder)
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
end = time.monotonic() + seconds
while time.monotonic() < end:
    say(event="progress", percent=10, stage="read")
    time.sleep(0.1)
write_result(folder)
say(event="done", summary={"rows_in": 1, "rows_out": 1})
