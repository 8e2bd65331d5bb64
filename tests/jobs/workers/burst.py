"""Reports five stages in one burst, then stays on the last one for a while and finishes."""

import sys
import time

from _common import exit_on_stdin_eof, job_folder, record_pid, say, write_result

exit_on_stdin_eof()
folder = job_folder()
record_pid(folder)
for percent, stage in ((5, "read"), (30, "detect"), (45, "normalise"), (55, "classify")):
    say(event="progress", percent=percent, stage=stage)
say(event="progress", percent=70, stage="export")
time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 2.0)
write_result(folder)
say(event="done", summary={"rows_in": 1, "rows_out": 1})
