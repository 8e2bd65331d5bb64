"""``moodlelogsmart jobs`` and ``moodlelogsmart purge``: the history and its clean-up."""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import time
from typing import TYPE_CHECKING

from moodlelogsmart_gui.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    open_data_folder,
    qt_app,
)
from moodlelogsmart_gui.cli.printing import describe_purge, history_record
from moodlelogsmart_gui.terminal import listing

if TYPE_CHECKING:
    from moodlelogsmart_gui.jobs.retention import PurgeReport
    from moodlelogsmart_gui.jobs.store import Job


def run_jobs(args: argparse.Namespace) -> int:
    from moodlelogsmart_gui.jobs.retention import RetentionPolicy

    try:
        states = listing.parse_states(args.state)
    except ValueError as err:
        raise CliError(str(err), EXIT_USAGE) from None

    with open_data_folder(must_own=False) as ctx:
        jobs: list[Job]
        if ctx.owner:
            from moodlelogsmart_gui.jobs.queue import JobQueue

            qt_app()
            queue = JobQueue(ctx.paths, ctx.owned_store(), ctx.settings)
            queue.recover(resume_queued=False)
            jobs = queue.jobs()
        elif ctx.store is None:
            jobs = []
        else:
            policy = RetentionPolicy.from_settings(ctx.settings)
            jobs = [
                dataclasses.replace(job, expires_at=policy.expires_at(job))
                for job in ctx.store.list_jobs()
            ]
        every_id = [job.id for job in jobs]
        jobs = listing.choose_jobs(
            jobs, states=states, since_seconds=args.since, limit=args.limit, now=time.time()
        )
        short = listing.short_ids(every_id)
        width = shutil.get_terminal_size((80, 24)).columns
        for job in jobs:
            if args.json:
                print(json.dumps(history_record(job), ensure_ascii=False))
            else:
                first = short.get(job.retry_of or "")
                print("\n".join(listing.job_lines(job, short[job.id], width, first)))
        if not jobs and not args.json:
            print("No jobs match." if every_id else "No jobs yet.")
    return EXIT_OK


def run_purge(args: argparse.Namespace) -> int:
    from moodlelogsmart_gui.jobs.queue import JobQueue

    with open_data_folder(must_own=True) as ctx:
        app = qt_app()
        queue = JobQueue(ctx.paths, ctx.owned_store(), ctx.settings)
        if not args.dry_run:
            queue.recover(resume_queued=False)
        reports: list[PurgeReport] = []

        def finished(report: PurgeReport) -> None:
            reports.append(report)
            app.quit()

        queue.purge_finished.connect(finished)
        queue.purge_now(dry_run=args.dry_run)
        if not reports:
            app.exec()
        queue.shutdown()
    report = reports[0]
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        print(describe_purge(report))
    return EXIT_FAILED if report.errors else EXIT_OK
