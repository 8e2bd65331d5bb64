"""How long the purge takes for many expired jobs (not a test; prints the figures).

    python benchmarks/bench_purge.py [--jobs 10000] [--keep]

Creates a history of completed jobs that finished two days ago, each with a job folder
(result.zip, job.log, job.json), then plans and executes the purge as the queue does.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from moodlelogsmart_gui.jobs.retention import (
    RetentionPolicy,
    execute_purge,
    list_job_folders,
    plan_purge,
)
from moodlelogsmart_gui.jobs.store import Job, JobState, JobStore


def build(root: Path, count: int, now: float) -> JobStore:
    jobs_dir = root / "jobs"
    jobs_dir.mkdir(parents=True)
    store = JobStore(root / "history.sqlite3")
    result = b"PK" + b"\0" * 20_000
    rows = []
    for _ in range(count):
        job_id = uuid.uuid4().hex
        folder = jobs_dir / job_id
        folder.mkdir()
        (folder / "result.zip").write_bytes(result)
        (folder / "job.log").write_text("worker: done\n")
        (folder / "job.json").write_text('{"input": "input.csv"}')
        rows.append(
            Job(
                id=job_id,
                input_name="log.csv",
                input_size=1,
                source_path="/x/log.csv",
                state=JobState.COMPLETED,
                reason=None,
                message="Done.",
                queued_at=now - 2 * 86400 - 60,
                started_at=now - 2 * 86400 - 30,
                finished_at=now - 2 * 86400,
                percent=100,
                stage="",
                rows_in=1,
                rows_out=1,
                summary=None,
                result_path=str(folder / "result.zip"),
                expired=False,
                expires_at=None,
                pseudonymize=False,
                rules_file="",
            )
        )
    for job in rows:
        store.add(job)
    return store


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="mls-bench-purge-"))
    now = time.time()
    started = time.perf_counter()
    store = build(root, args.jobs, now)
    print(f"created {args.jobs} expired job folders in {time.perf_counter() - started:.1f} s")
    policy = RetentionPolicy(86400.0, 3600.0, 600.0)
    started = time.perf_counter()
    plan = plan_purge(store.list_jobs(), list_job_folders(root / "jobs"), now, policy)
    planned = time.perf_counter() - started
    report = execute_purge(plan, root / "jobs")
    store.update_many(report.expired_ids, expired=True, result_path=None)
    total = time.perf_counter() - started
    print(
        f"purged {report.jobs_purged} jobs ({report.folders_removed} folders, "
        f"{report.bytes_freed / 1e6:.1f} MB) in {total:.2f} s "
        f"(plan {planned:.2f} s, delete {report.seconds:.2f} s, record "
        f"{total - planned - report.seconds:.2f} s); errors: {len(report.errors)}"
    )
    store.close()
    if not args.keep:
        shutil.rmtree(root)
    return 0 if total < 10 and not report.errors else 1


if __name__ == "__main__":
    sys.exit(main())
