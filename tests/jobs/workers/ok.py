"""A well-behaved worker: progress, result.zip.part -> result.zip, done, exit 0.

An optional second argument is a delay in seconds before finishing."""

import sys
import time

from _common import exit_on_stdin_eof, job_folder, say, write_result

exit_on_stdin_eof()
folder = job_folder()
delay = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
config = (folder / "job.json").read_text(encoding="utf-8")
inputs = [p for p in folder.iterdir() if p.name.startswith("input.")]
print(f"worker: config {config!r}, inputs {[p.name for p in inputs]}", file=sys.stderr)
for percent, stage in ((0, "read"), (40, "classify"), (90, "export")):
    say(event="progress", percent=percent, stage=stage)
    time.sleep(delay / 3)
write_result(folder, rows=3)
say(event="done", summary={"rows_in": 3, "rows_out": 3, "schema": 1})
sys.exit(0)
