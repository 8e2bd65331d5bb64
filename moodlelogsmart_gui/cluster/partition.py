"""What one Dask task does with one partition: the single-machine stages, then Parquet.

A partition is one input file. The task runs the pipeline's own stages on it (ingest,
clean, pseudonymise with the run's key, classify, cases) exactly as ``process_file``
does, and writes the kept events, in time order, into the run's staging folder as Parquet
files partitioned by course (``events/course=<value>/part-<partition>-<n>.parquet``).
It returns only counts and keys (the summary's figures, the case ids, the courses): the
events never travel through the scheduler. Rerunning a task (a lost worker) rewrites the
same files, so a retry leaves no duplicates.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from moodlelogsmart_gui.pipeline.cases import assign_cases
from moodlelogsmart_gui.pipeline.classify import classify, load_rules
from moodlelogsmart_gui.pipeline.clean import clean
from moodlelogsmart_gui.pipeline.export_csv import CLASSIFICATION
from moodlelogsmart_gui.pipeline.pseudonymise import collect_names, pseudonymise
from moodlelogsmart_gui.pipeline.run import _name_columns

UNKNOWN_COURSE = "unknown"
# The XES attributes that are not CSV columns, and where the events came from (ties in time
# keep input order, as on one machine).
XES_EXTRA = {"event_name": "moodle_event_name", "component": "moodle_component"}
XES_EXTRA |= {"context": "moodle_context"}
ORDER_COLUMNS = ("input_file", "input_row")
RESERVED = {"course", *XES_EXTRA.values(), *ORDER_COLUMNS}
COUNTS = {
    "events_per_activity_type": "activity_type",
    "events_per_activity_category": "activity_category",
    "events_per_bloom_level": "bloom_level",
}


@dataclass(frozen=True)
class RunSpec:
    """What every task of one run shares (picklable, small)."""

    staging: str  # the run's folder, readable and writable by every worker
    rules_file: str | None
    pseudonymize: bool
    secret: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Partition:
    index: int
    path: str  # a path every worker can read
    name: str  # the user's name for it (summary, file-name dates)


@dataclass
class PartitionResult:
    index: int
    figures: dict[str, Any]  # the single-machine summary of this partition
    cases: list[str]
    courses: list[str]
    rows_out: int = 0
    utc: bool = False
    cpu_seconds: float = 0.0  # the task's process CPU time (all its threads)


def _unique_names(headers: list[str]) -> list[str]:
    """Parquet column names for the original headers: unique, and clear of ours."""
    taken = {"case_id", "case_label", "timestamp", "event_key", *CLASSIFICATION, *RESERVED}
    names: list[str] = []
    for header in headers:
        name, n = header, 1
        while name in taken or name in names:
            n += 1
            name = f"{header} ({n})" if header not in taken else f"{header} (original {n})"
        names.append(name)
    return names


def events_table(
    frame: pd.DataFrame,
    order: np.ndarray,
    original: list[tuple[str, str]],
    utc: bool,
    index: int,
) -> pa.Table:
    """The kept rows in time order: the CSV's columns with real types, plus ``course``,
    the XES-only attributes and the input position."""
    headers = _unique_names([h for h, _ in original])
    rows = frame.iloc[order]
    out = pd.DataFrame(
        {
            name: rows[column].astype("string")
            for name, (_, column) in zip(headers, original, strict=True)
        }
    )
    for column in ("case_id", "case_label", "event_key", *CLASSIFICATION):
        out[column] = rows[column].to_numpy() if column == "is_active" else rows[column]
    stamps = rows["timestamp"]
    out["timestamp"] = stamps.dt.tz_localize("UTC") if utc else stamps
    columns = [*headers, "case_id", "case_label", "timestamp", "event_key", *CLASSIFICATION]
    out = out[columns]
    for source, name in XES_EXTRA.items():
        out[name] = rows[source].astype("string")
    out["input_file"] = np.full(len(rows), index, dtype=np.int32)
    out["input_row"] = order.astype(np.int64)
    course = rows["course"].astype("string").str.strip()
    out["course"] = course.mask(course.isna() | (course == ""), UNKNOWN_COURSE)
    return pa.Table.from_pandas(out.reset_index(drop=True), preserve_index=False)


def enrich_partition(part: Partition, spec: RunSpec) -> PartitionResult:
    """The single-machine stages on one partition; its events into the staging dataset."""
    from moodlelogsmart_gui.pipeline.ingest import ingest

    cpu = time.process_time()
    rules = load_rules(Path(spec.rules_file) if spec.rules_file else None)
    ingested = ingest(Path(part.path), original_name=part.name)
    frame = ingested.frame
    dropped = dict(ingested.dropped)
    names = collect_names(frame) if spec.pseudonymize else []
    cleaned = clean(frame)
    dropped.update(cleaned.dropped)
    keep = cleaned.keep
    undated = frame["timestamp"].isna().to_numpy() & keep
    if undated.any():
        dropped["unreadable_date"] = dropped.get("unreadable_date", 0) + int(undated.sum())
        keep = keep & ~undated
    rows = np.flatnonzero(keep)
    if spec.pseudonymize:
        assert spec.secret, "the driver gives every task the run's key"
        text, ips = _name_columns(frame, ingested.original_columns, ingested.detection)
        frame = pseudonymise(frame, names, spec.secret, text, ips)
    frame = assign_cases(classify(frame, rules), keep)
    stamps = frame["timestamp"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    order = rows[np.argsort(stamps[rows], kind="stable")]  # time order; ties keep input order
    counted = frame.iloc[rows]
    figures = {
        "input": {"name": part.name, "bytes": Path(part.path).stat().st_size},
        "detected": ingested.detection,
        "rows_in": int(ingested.rows_in),
        "rows_out": len(rows),
        "dropped": {reason: int(n) for reason, n in dropped.items()},
        "logged_in_as_events": int(cleaned.logged_in_as_events),
        "bloom_only_events": int((counted["rule_id"] != rules.fallback.id).sum()),
        "warnings": list(ingested.warnings),
    }
    for key, column in COUNTS.items():
        figures[key] = {str(k): int(v) for k, v in counted[column].value_counts().items()}
    utc = ingested.detection.get("timezone") == "UTC"
    table = events_table(frame, order, ingested.original_columns, utc, part.index)
    courses: list[str] = []
    if table.num_rows:
        pq.write_to_dataset(
            table,
            str(Path(spec.staging) / "events"),
            partition_cols=["course"],
            basename_template=f"part-{part.index:05d}-{{i}}.parquet",
            existing_data_behavior="overwrite_or_ignore",
        )
        courses = sorted(set(table.column("course").to_pylist()))
    cases = sorted({str(c) for c in counted["case_id"].dropna().unique()})
    spent = time.process_time() - cpu
    return PartitionResult(part.index, figures, cases, courses, len(rows), utc, spent)
