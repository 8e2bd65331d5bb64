"""The single-machine stages on a partition's canonical rows, then staging Parquet.

``enrich_rows`` runs clean, pseudonymise (with the run's key), classify and cases exactly
as the single-machine pipeline does, and ``write_stage`` writes the kept events into the
run's staging folder as Parquet files grouped by a hash of the case
(``stage/bucket=<b>/part-<file>-<part>-<n>.parquet``), so that the sessions round finds
each student's events from every file in one group. The events never travel through the
scheduler; a retried task (a lost worker) rewrites the same files, never duplicates them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from moodlelogsmart_gui.pipeline.cases import assign_cases
from moodlelogsmart_gui.pipeline.classify import RuleSet, classify, load_rules
from moodlelogsmart_gui.pipeline.clean import clean
from moodlelogsmart_gui.pipeline.export_csv import CLASSIFICATION
from moodlelogsmart_gui.pipeline.pseudonymise import pseudonymise
from moodlelogsmart_gui.pipeline.stream.enrich import name_columns as _name_columns

UNKNOWN_COURSE = "unknown"
# The XES attributes that are not CSV columns, and where the events came from (ties in time
# keep input order, as on one machine).
XES_EXTRA = {"event_name": "moodle_event_name", "component": "moodle_component"}
XES_EXTRA |= {"context": "moodle_context"}
ORDER_COLUMNS = ("input_file", "input_part", "input_row")
RESERVED = {"course", "session_id", "bucket", *XES_EXTRA.values(), *ORDER_COLUMNS}
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
    buckets: int = 1  # case groups of the sessions round
    session_gap_minutes: float = 30.0
    range_bytes: int = 64 << 20  # about this many bytes of a file per partition


@dataclass
class PartitionResult:
    index: int
    figures: dict[str, Any]  # the single-machine summary of this partition
    rows_out: int = 0
    utc: bool = False
    cpu_seconds: float = 0.0  # the task's process CPU time (all its threads)


def _unique_names(headers: list[str]) -> list[str]:
    """Parquet column names for the original headers: unique, and clear of ours."""
    taken = {"case_id", "case_label", "timestamp", "event_key", *CLASSIFICATION, *RESERVED}
    taken |= {"session_id"}
    names: list[str] = []
    for header in headers:
        name, n = header, 1
        while name in taken or name in names:
            n += 1
            name = f"{header} ({n})" if header not in taken else f"{header} (original {n})"
        names.append(name)
    return names


def case_buckets(case_ids: pd.Series, buckets: int) -> np.ndarray:
    """Each row's case group: a hash of the case key that every process computes alike."""
    codes, keys = pd.factorize(case_ids.astype("string").fillna(""), sort=False)
    hashed = pd.util.hash_array(np.asarray(keys, dtype=object)) % np.uint64(buckets)
    return hashed.astype(np.int32)[codes] if len(keys) else np.zeros(len(codes), np.int32)


def events_table(
    frame: pd.DataFrame,
    rows: np.ndarray,
    original: list[tuple[str, str]],
    utc: bool,
    index: tuple[int, int],
    buckets: int,
) -> tuple[pa.Table, np.ndarray]:
    """The kept ``rows`` grouped by case group (input order within a group): the CSV's
    columns with real types, plus ``course``, the XES-only attributes and the input
    position (file, part, row); and the number of rows of each group.

    The columns are converted whole and the kept rows taken once, in group order, so that
    each group is a slice (the sessions round orders them by case and time).
    """
    headers = _unique_names([h for h, _ in original])
    out = pd.DataFrame(
        {
            name: frame[column].astype("string")
            for name, (_, column) in zip(headers, original, strict=True)
        }
    )
    for column in ("case_id", "case_label", "event_key", *CLASSIFICATION):
        out[column] = frame[column].to_numpy() if column == "is_active" else frame[column]
    stamps = frame["timestamp"]
    out["timestamp"] = stamps.dt.tz_localize("UTC") if utc else stamps
    columns = [*headers, "case_id", "case_label", "timestamp", "event_key", *CLASSIFICATION]
    out = out[columns]
    for source, name in XES_EXTRA.items():
        out[name] = frame[source].astype("string")
    out["input_file"] = np.full(len(frame), index[0], dtype=np.int32)
    out["input_part"] = np.full(len(frame), index[1], dtype=np.int32)
    out["input_row"] = np.arange(len(frame), dtype=np.int64)
    course = frame["course"].astype("string").str.strip()
    out["course"] = course.mask(course.isna() | (course == ""), UNKNOWN_COURSE)
    group = case_buckets(frame["case_id"], buckets)[rows]
    order = rows[np.argsort(group, kind="stable")]
    table = pa.Table.from_pandas(out.reset_index(drop=True), preserve_index=False)
    # categories with 32-bit codes in every file (pandas picks 8 or 16 bits by their number,
    # and a dataset's files must agree)
    wide = pa.dictionary(pa.int32(), pa.string())
    schema = pa.schema(
        [f.with_type(wide) if pa.types.is_dictionary(f.type) else f for f in table.schema]
    )
    table = table.cast(schema).take(pa.array(order))
    return table, np.bincount(group, minlength=buckets)


def enrich_rows(
    frame: pd.DataFrame,
    original: list[tuple[str, str]],
    detection: dict[str, Any],
    names: list[str] | tuple[str, ...],
    spec: RunSpec,
    index: tuple[int, int],
) -> tuple[dict[str, Any], tuple[pa.Table, np.ndarray]]:
    """Clean, pseudonymise, classify and key the cases of canonical rows (a file or a part
    of one); their counts and their kept events as the staging table."""
    rules = _rules(spec.rules_file)
    cleaned = clean(frame)
    dropped = {reason: int(n) for reason, n in cleaned.dropped.items()}
    keep = cleaned.keep
    undated = frame["timestamp"].isna().to_numpy() & keep
    if undated.any():
        dropped["unreadable_date"] = dropped.get("unreadable_date", 0) + int(undated.sum())
        keep = keep & ~undated
    rows = np.flatnonzero(keep)
    if spec.pseudonymize:
        assert spec.secret, "the driver gives every task the run's key"
        text, ips = _name_columns(frame, original, detection)
        frame = pseudonymise(frame, list(names), spec.secret, text, ips)
    frame = assign_cases(classify(frame, rules), keep)
    counted = frame[[*COUNTS.values(), "rule_id"]].iloc[rows]
    figures: dict[str, Any] = {
        "rows_out": len(rows),
        "dropped": dropped,
        "logged_in_as_events": int(cleaned.logged_in_as_events),
        "bloom_only_events": int((counted["rule_id"] != rules.fallback.id).sum()),
    }
    for key, column in COUNTS.items():
        figures[key] = {str(k): int(v) for k, v in counted[column].value_counts().items()}
    utc = detection.get("timezone") == "UTC"
    return figures, events_table(frame, rows, original, utc, index, spec.buckets)


@functools.lru_cache(maxsize=4)
def _rules(path: str | None) -> RuleSet:
    return load_rules(Path(path) if path else None)


def write_stage(staged: tuple[pa.Table, np.ndarray], staging: str, name: str) -> None:
    """A partition's events into the staging dataset, one file per case group
    (``stage/bucket=<b>/part-<name>-0.parquet``; a retried task overwrites it)."""
    table, sizes = staged
    start = 0
    for bucket, size in enumerate(sizes.tolist()):
        if size:
            folder = Path(staging) / "stage" / f"bucket={bucket}"
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"part-{name}-0.parquet"
            pq.write_table(table.slice(start, size), str(target), compression="lz4")
        start += size
