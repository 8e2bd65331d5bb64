"""Claims success but writes only a partial result."""

from _common import job_folder, say

(job_folder() / "result.zip.part").write_bytes(b"PK partial")
say(event="done", summary={"rows_in": 1, "rows_out": 1})
