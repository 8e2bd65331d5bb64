"""Runs out of memory under an address-space limit it sets on itself (RLIMIT_AS)."""

import resource

from _common import job_folder, say

(job_folder() / "result.zip.part").write_bytes(b"PK partial")
limit = 300 * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
say(event="progress", percent=20, stage="read")
hog = [bytearray(50 * 1024 * 1024) for _ in range(100)]
