"""The cluster run: decisions, partitions, sessions per case group, one XES per course.

``run_on_cluster(...)`` takes every file's whole-file decisions once and makes them agree,
then submits one task per partition (``reading``: byte ranges of the files, their events
grouped by a hash of the case into a staging dataset), then one task per case
group (``sessions.write_group``: session numbers, the ``events/`` dataset by course), then
one task per course (``courses.write_course_xes``), each round within the run's time
limit; adds the figures up into ``summary.json`` and renames the staging folder
``DIR/.<name>.part`` to ``DIR/<stem>_enriched_<YYYYMMDD_HHMMSS>/``. Any failure (a bad
file, the time limit, Ctrl+C, a worker lost too often) cancels what is still running and
removes the staging folder: nothing is left in DIR.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import shutil
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from moodlelogsmart_gui.cluster.address import ClusterAddress, ClusterError, open_client
from moodlelogsmart_gui.cluster.courses import write_course_xes, xes_file_names
from moodlelogsmart_gui.cluster.inputs import Input, local_inputs
from moodlelogsmart_gui.cluster.partition import PartitionResult, RunSpec
from moodlelogsmart_gui.cluster.reading import read_inputs
from moodlelogsmart_gui.cluster.sessions import GroupResult, write_group
from moodlelogsmart_gui.pipeline.classify import BLOOM_LEVELS
from moodlelogsmart_gui.pipeline.clean import describe_nothing_left
from moodlelogsmart_gui.pipeline.errors import BadInputError
from moodlelogsmart_gui.pipeline.run import LOCAL_TIME_WARNING

ADDED = ("rows_in", "rows_out", "logged_in_as_events", "bloom_only_events")
# Input bytes per case group of the sessions round (one group is read whole by one task):
# about 600,000 events of a log report. Larger groups cost more CPU per event and memory
# (10M events on local:2: 512 MB groups, sessions 58 CPU s and a 2.9 GB largest process;
# 128 MB groups, 36 CPU s and 1.2 GB).
GROUP_BYTES = 128 << 20
COUNTED = ("dropped", "events_per_activity_type", "events_per_activity_category")


class RunTimeout(Exception):
    """The run passed its time limit."""


class RunCrashed(Exception):
    """Workers were lost more often than the scheduler retries; ``str()`` is a sentence."""


@dataclass
class ClusterOutcome:
    output: Path
    summary: dict[str, Any]
    partitions: int
    workers: int
    courses: dict[str, str] = field(default_factory=dict)


def output_name(inputs: list[Input], now: dt.datetime) -> str:
    stem = PurePosixPath(inputs[0].name).stem
    return f"{stem}_enriched_{now:%Y%m%d_%H%M%S}"


def _add(into: dict[str, int], more: dict[str, int]) -> None:
    for key, value in more.items():
        into[key] = into.get(key, 0) + int(value)


def group_count(workers: int, input_bytes: int) -> int:
    """Case groups for the sessions round: two per worker, more for a large input."""
    return max(2 * max(workers, 1), -(-input_bytes // GROUP_BYTES))


def combine(
    results: list[PartitionResult], groups: list[GroupResult], rules_source: dict[str, Any]
) -> dict[str, Any]:
    """The single-machine summary keys, counts added up over the partitions and groups."""
    first = results[0].figures
    summary: dict[str, Any] = {"schema": 1, "input": {}, "detected": first["detected"]}
    for key in ADDED:
        summary[key] = sum(int(r.figures[key]) for r in results)
    for key in COUNTED:
        total: dict[str, int] = {}
        for r in results:
            _add(total, r.figures[key])
        summary[key] = {k: v for k, v in total.items() if v or key == "dropped"}
    levels: dict[str, int] = {}
    for r in results:
        _add(levels, r.figures["events_per_bloom_level"])
    summary["events_per_bloom_level"] = {level: levels.get(level, 0) for level in BLOOM_LEVELS}
    summary["cases"] = sum(g.cases for g in groups)  # a case is in exactly one group
    summary["sessions"] = sum(g.sessions for g in groups)
    summary["rules"] = rules_source
    summary["warnings"] = list(
        dict.fromkeys(
            f"{r.figures['input']['name']}: {w}" for r in results for w in r.figures["warnings"]
        )
    )
    if not results[0].utc:  # every file alike: agree() refuses UTC and local times together
        summary["warnings"].append(LOCAL_TIME_WARNING)
    files = [r.figures["input"] for r in results]
    summary["input"] = {
        "name": files[0]["name"] if len(files) == 1 else f"{len(files)} files",
        "bytes": sum(int(f["bytes"]) for f in files),
        "files": files,
    }
    summary["detected_per_file"] = {
        r.figures["input"]["name"]: r.figures["detected"] for r in results
    }
    return summary


def _remove_own_folder(folder: Path) -> None:
    """Delete the run's staging folder: a real folder this run made, never through a link."""
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISDIR(os.lstat(folder).st_mode):
            shutil.rmtree(folder)


def _wait(futures: list[Any], deadline: float, clock: Callable[[], float]) -> list[Any]:
    """Gather ``futures`` before ``deadline``; errors and the time limit become exceptions."""
    from distributed import wait
    from distributed.scheduler import KilledWorker

    try:
        wait(futures, timeout=max(0.0, deadline - clock()))  # type: ignore[no-untyped-call]
    except TimeoutError:
        raise RunTimeout from None
    try:
        return [f.result() for f in futures]
    except KilledWorker as err:
        raise RunCrashed(
            f"A worker process was lost while running {err.task!r} more often than Dask "
            "retries a task, so the run stopped."
        ) from None


def run_on_cluster(
    inputs: list[Path] | list[Input],
    address: ClusterAddress,
    out_dir: Path,
    spec_options: dict[str, Any],
    timeout_seconds: float,
    *,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], dt.datetime] = dt.datetime.now,
    on_client: Callable[[Any], None] | None = None,
) -> ClusterOutcome:
    """Process ``inputs`` on the cluster into a new folder in ``out_dir``.

    ``spec_options``: ``rules_file`` (str or None), ``pseudonymize`` (bool), ``secret``
    (bytes), ``rules_source`` (the summary's ``rules`` entry), ``session_gap_minutes``,
    ``range_bytes`` (the size of a partition). Raises ``BadInputError``,
    ``ClusterError``, ``RunTimeout``, ``RunCrashed`` or ``KeyboardInterrupt`` after
    cancelling the futures and removing the staging folder.
    """
    started = time.perf_counter()
    deadline = clock() + timeout_seconds
    inputs = [i for i in inputs if isinstance(i, Input)] + local_inputs(
        [i for i in inputs if isinstance(i, Path)]
    )
    final = out_dir / output_name(inputs, now())
    if final.exists():
        raise ClusterError(f"The output folder {final} exists already; wait a second and retry.")
    staging = out_dir / f".{final.name}.part"
    staging.mkdir()  # fails if it exists: never reuse (or delete) a folder we did not make
    spec = RunSpec(
        str(staging.absolute()),
        spec_options.get("rules_file"),
        bool(spec_options.get("pseudonymize")),
        spec_options.get("secret"),
        session_gap_minutes=float(spec_options.get("session_gap_minutes") or 30.0),
        range_bytes=int(spec_options.get("range_bytes") or RunSpec.range_bytes),
    )
    try:
        with open_client(address) as client:
            if on_client is not None:
                on_client(client)
            run = _Run(client, spec, staging, final.name, deadline, clock)
            run.timings["start_cluster"] = round(time.perf_counter() - started, 3)
            try:
                summary, names = run.execute(inputs, spec_options.get("rules_source") or {})
            except BaseException:
                run.cancel()
                raise
        summary["seconds"] = round(time.perf_counter() - started, 3)
        text = json.dumps(summary, indent=2, ensure_ascii=False, default=str)
        (staging / "summary.json").write_text(text, encoding="utf-8")
        os.replace(staging, final)
    except BaseException:
        _remove_own_folder(staging)
        raise
    return ClusterOutcome(final, summary, summary["partitions"], summary["workers"], names)


class _Run:
    """The two rounds of tasks of one run, and the futures still to cancel on failure."""

    def __init__(
        self,
        client: Any,
        spec: RunSpec,
        staging: Path,
        name: str,
        deadline: float,
        clock: Callable[[], float],
    ) -> None:
        self.client, self.spec, self.staging, self.name = client, spec, staging, name
        self.deadline, self.clock = deadline, clock
        self.futures: list[Any] = []
        self.timings: dict[str, float] = {}

    def cancel(self) -> None:
        with contextlib.suppress(Exception):
            self.client.cancel(self.futures, force=True)

    def _gather(self, futures: list[Any]) -> list[Any]:
        self.futures = futures
        results = _wait(futures, self.deadline, self.clock)
        self.futures = []
        return results

    def execute(
        self, inputs: list[Input], rules_source: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        client, staging = self.client, self.staging
        workers = len(client.scheduler_info().get("workers", {}))
        size = sum(item.size for item in inputs)
        spec = dataclasses.replace(self.spec, buckets=group_count(workers, size))
        read = read_inputs(client, self._gather, inputs, spec, self.name)
        self.timings.update(read.timings)
        results: list[PartitionResult] = read.files
        if not sum(r.rows_out for r in results):
            dropped: dict[str, int] = {}
            for r in results:
                _add(dropped, r.figures["dropped"])
            rows_in = sum(int(r.figures["rows_in"]) for r in results)
            raise BadInputError(describe_nothing_left(rows_in, dropped))
        began = time.perf_counter()
        groups: list[GroupResult] = self._gather(
            [
                client.submit(
                    write_group,
                    spec.staging,
                    b,
                    spec.session_gap_minutes,
                    key=f"sessions-{b}-{self.name}",
                )
                for b in range(spec.buckets)
            ]
        )
        shutil.rmtree(staging / "stage")
        self._timed("sessions", began, [g.cpu_seconds for g in groups])
        began = time.perf_counter()
        summary = combine(results, groups, rules_source)
        events: dict[str, int] = {}
        for g in groups:
            _add(events, g.courses)
        courses = sorted(events)
        names = xes_file_names(courses)
        (staging / "xes").mkdir()
        utc = results[0].utc
        attributes = {
            "concept:name": "MoodleLogSmart enriched log",
            "moodle:timezone": "UTC" if utc else "local (no offset)",
            "bloom:rules": str(rules_source.get("source", "")),
        }
        written = self._gather(
            [
                client.submit(
                    write_course_xes,
                    str(_course_folder(staging, course)),
                    str(staging / "xes" / names[course]),
                    {**attributes, "moodle:course": course},
                    utc,
                    key=f"xes-{i}-{self.name}",
                )
                for i, course in enumerate(courses)
            ]
        )
        self._timed("xes", began, [cpu for _, _, cpu in written])
        summary.update(
            timings=self.timings,
            pseudonymized=spec.pseudonymize,
            partitions=read.partitions,
            workers=workers,
            courses={
                course: {"xes": f"xes/{names[course]}", "events": n}
                for course, (_, n, _) in zip(courses, written, strict=True)
            },
        )
        return summary, names

    def _timed(self, stage: str, began: float, cpu: list[float]) -> None:
        self.timings[stage] = round(time.perf_counter() - began, 3)
        self.timings[f"{stage}_cpu"] = round(sum(cpu), 3)


def _course_folder(staging: Path, course: str) -> Path:
    """The Parquet folder pyarrow wrote for ``course`` (hive partitioning, URI-encoded)."""
    from urllib.parse import quote

    events = staging / "events"
    for candidate in (f"course={quote(course, safe='')}", f"course={course}"):
        if (events / candidate).is_dir():
            return events / candidate
    for folder in events.iterdir():
        from urllib.parse import unquote

        if unquote(folder.name.partition("=")[2]) == course:
            return folder
    raise ClusterError(f"The events of course {course} were not found in {events}.")
