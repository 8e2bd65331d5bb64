"""``moodlelogsmart process --cluster``: all the files as one job on a Dask cluster."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from moodlelogsmart_gui.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    open_data_folder,
)
from moodlelogsmart_gui.cli.printing import describe_outcome, job_record


@contextlib.contextmanager
def _stop_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP stop the run as Ctrl+C does (the tasks cancelled, the cluster
    closed, the staging folder removed, the job recorded as cancelled). Once stopping, further
    signals (a second Ctrl+C included) are ignored so that the clean-up is not cut short."""
    from moodlelogsmart_gui.cluster.command import Terminated

    stopping: list[int] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        if stopping:
            return
        stopping.append(signum)
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(signal.Signals(signum).name)

    wanted = [signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)]
    previous = {s: signal.signal(s, stop) for s in wanted if s is not None}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run_cluster_process(args: argparse.Namespace, files: list[Path], out_dir: Path) -> int:
    """One job for every file (and fsspec URL among the arguments); one line (or JSON
    object) for it; exit 0 when it completed."""
    from moodlelogsmart_gui.cluster.address import ClusterError
    from moodlelogsmart_gui.cluster.command import prepare, run_cluster_job
    from moodlelogsmart_gui.cluster.inputs import is_url, local_inputs, url_inputs
    from moodlelogsmart_gui.jobs.intake import JobSubmitError
    from moodlelogsmart_gui.jobs.state import JobState
    from moodlelogsmart_gui.pipeline.errors import BadInputError

    try:
        address = prepare(args.cluster)
        inputs = local_inputs(files)
        for item in args.files:
            if is_url(item):
                inputs += url_inputs(item)
    except (BadInputError, ClusterError) as err:
        raise CliError(str(err), EXIT_USAGE) from None
    if not inputs:
        raise CliError("No log file was found in the inputs given.", EXIT_USAGE)
    with open_data_folder(must_own=True) as ctx:
        settings = ctx.settings
        if args.timeout is not None:
            settings = dataclasses.replace(settings, job_timeout_seconds=args.timeout)
        try:
            with _stop_signals():
                job, output = run_cluster_job(
                    ctx.paths,
                    ctx.owned_store(),
                    settings,
                    inputs,
                    out_dir,
                    address,
                    pseudonymize=args.pseudonymize or None,
                    rules=args.rules,
                )
        except JobSubmitError as err:
            raise CliError(str(err), EXIT_USAGE) from None
    if args.json:
        print(json.dumps(job_record(job, job.input_name, output), ensure_ascii=False), flush=True)
    elif not (args.quiet and output is not None):
        source = files[0] if len(files) == 1 and len(inputs) == 1 else out_dir
        print(describe_outcome(job, source, "", output), flush=True)
    return EXIT_OK if job.state == JobState.COMPLETED else EXIT_FAILED
