"""Writes its result past a file-size limit (RLIMIT_FSIZE): the disk-full case."""

import os
import resource

from _common import job_folder, say

folder = job_folder()
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
say(event="progress", percent=95, stage="package")
with open(folder / "result.zip.part", "wb") as part:
    for _ in range(64):
        part.write(os.urandom(16 * 1024))
os.replace(folder / "result.zip.part", folder / "result.zip")
say(event="done", summary={"rows_in": 1, "rows_out": 1})
