"""Says how many events it has read on its progress lines (the optional field), with one
malformed count among them, then stays a while and finishes."""

import sys
import time

from _common import exit_on_stdin_eof, job_folder, say, write_result

exit_on_stdin_eof()
folder = job_folder()
say(event="progress", percent=5, stage="read")
say(event="progress", percent=50, stage="normalise", events=1234)
say(event="progress", percent=55, stage="classify", events="lots")
say(event="progress", percent=60, stage="classify", events=-1)
time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 2.0)
write_result(folder)
say(event="done", summary={"rows_in": 1234, "rows_out": 1234})
