"""``process --cluster``: one job in the history for the whole cluster run.

The job is recorded like any other (state, reason, message, seconds, rows), so
``moodlelogsmart jobs`` lists it; its result is the output folder, named in the message
(the app's purge never deletes it: it is the user's, outside the app's job folder).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from moodlelogsmart_gui.cluster.address import ClusterError, parse_address, require_distributed
from moodlelogsmart_gui.cluster.inputs import Input, local_inputs
from moodlelogsmart_gui.jobs.intake import ensure_secret, new_job, rules_for_job
from moodlelogsmart_gui.jobs.store import FailureReason, Job, JobState, JobStore
from moodlelogsmart_gui.paths import AppPaths
from moodlelogsmart_gui.pipeline.errors import BadInputError
from moodlelogsmart_gui.settings import Settings

log = logging.getLogger(__name__)


class Terminated(KeyboardInterrupt):
    """A termination signal (SIGTERM, SIGHUP), stopping the run as Ctrl+C does; ``args[0]``
    is the signal's name."""


def prepare(address_text: str) -> Any:
    """Check the address and that Dask is installed, before anything is recorded."""
    address = parse_address(address_text)
    require_distributed()
    return address


def run_cluster_job(
    paths: AppPaths,
    store: JobStore,
    settings: Settings,
    files: list[Path] | list[Input],
    out_dir: Path,
    address: Any,
    *,
    pseudonymize: bool | None,
    rules: str | None,
    clock: Callable[[], float] = time.time,
) -> tuple[Job, Path | None]:
    """Run ``files`` (paths, or inputs that may be URLs) on the cluster as one job; the
    finished job and the output folder.

    Ctrl+C (``KeyboardInterrupt``) or a termination signal (``Terminated``) cancels the run,
    records the job as cancelled and is raised again.
    """
    from moodlelogsmart_gui.cluster.run import RunCrashed, RunTimeout, run_on_cluster
    from moodlelogsmart_gui.pipeline.classify import load_rules

    rules_file = rules_for_job(rules, settings)
    pseudo = settings.pseudonymize if pseudonymize is None else pseudonymize
    timeout = int(settings.job_timeout_seconds)
    inputs = [f for f in files if isinstance(f, Input)]
    inputs += local_inputs([f for f in files if isinstance(f, Path)])
    first = inputs[0]
    name = first.name if len(inputs) == 1 else f"{first.name} and {len(inputs) - 1} more"
    job = new_job(
        Path(first.name),
        name,
        sum(i.size for i in inputs),
        now=clock(),
        pseudonymize=pseudo,
        rules_file=rules_file,
        timeout_seconds=timeout,
    )
    job = dataclasses.replace(
        job,
        source_path=first.location,
        state=JobState.RUNNING,
        started_at=clock(),
        stage="cluster",
    )
    store.add(job)
    secret = None
    if pseudo:
        ensure_secret(paths.secret_file)
        secret = paths.secret_file.read_bytes()
    changes: dict[str, Any] = {}
    output: Path | None = None
    try:
        ruleset = load_rules(Path(rules_file) if rules_file else None)
        options = {
            "rules_file": rules_file or None,
            "pseudonymize": pseudo,
            "secret": secret,
            "rules_source": {"source": ruleset.source, "count": len(ruleset.all_rules)},
            "session_gap_minutes": float(settings.session_gap_minutes),
        }
        outcome = run_on_cluster(inputs, address, out_dir, options, timeout)
        output = outcome.output
        summary = outcome.summary
        changes = {
            "state": JobState.COMPLETED,
            "message": f"Written to {output} ({outcome.partitions} partitions on "
            f"{outcome.workers} workers).",
            "rows_in": summary["rows_in"],
            "rows_out": summary["rows_out"],
            "summary": summary,
            "percent": 100,
        }
    except BadInputError as err:
        changes = _failed(FailureReason.BAD_INPUT, str(err))
    except RunTimeout:
        changes = _failed(
            FailureReason.TIMEOUT,
            f"The cluster run took longer than {timeout} s and was stopped; its tasks were "
            "cancelled (give a longer --timeout for a log this size).",
        )
    except (RunCrashed, ClusterError) as err:
        changes = _failed(FailureReason.CRASHED, str(err))
    except KeyboardInterrupt as err:
        changes = {"state": JobState.CANCELLED, "reason": FailureReason.CANCELLED}
        how = f"by {err.args[0]}" if isinstance(err, Terminated) and err.args else "with Ctrl+C"
        changes["message"] = f"Stopped {how}; the cluster's tasks were cancelled."
        raise
    except Exception:
        log.exception("cluster run failed")
        changes = _failed(
            FailureReason.INTERNAL,
            "The cluster run stopped because of an unexpected error; the details are in "
            "the app's log file.",
        )
    finally:
        store.update(job.id, finished_at=clock(), stage="", **changes)
    finished = store.get(job.id)
    assert finished is not None
    return finished, output


def _failed(reason: FailureReason, message: str) -> dict[str, Any]:
    return {"state": JobState.FAILED, "reason": reason, "message": message}
