"""Floods stdout with garbage, binary and a 10 MB line, then finishes properly."""

import os
import sys

from _common import job_folder, say, write_result

out = sys.stdout.buffer
for number in range(20000):
    out.write(b"garbage line %d \x00\xff not json\n" % number)
out.write(b"{" + b"x" * (10 * 1024 * 1024) + b"\n")
out.write(b'{"event": "progress", "percent": "lots"}\n')
out.write(b'["event", "done"]\n')
out.write(os.urandom(100000).replace(b"\n", b" ") + b"\n")
out.flush()
say(event="progress", percent=50, stage="classify")
write_result(job_folder())
say(event="done", summary={"rows_in": 5, "rows_out": 4})
