"""``process_file``: the whole pipeline, from a Moodle log file to the result ZIP.

read -> detect -> normalise (ingest) -> clean -> [pseudonymise] -> classify -> cases ->
export (CSV and XES, full and Bloom-only, from the same prepared pieces) -> package.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from moodlelogsmart_gui.pipeline.analysis import COLUMNS, CaseStream
from moodlelogsmart_gui.pipeline.cases import assign_cases
from moodlelogsmart_gui.pipeline.classify import (
    BLOOM_LEVELS,
    RuleSet,
    classify,
    is_bloom,
    load_rules,
)
from moodlelogsmart_gui.pipeline.clean import clean, describe_nothing_left
from moodlelogsmart_gui.pipeline.errors import BadInputError
from moodlelogsmart_gui.pipeline.export_csv import (
    CLASSIFICATION,
    ENRICHMENT,
    SESSION,
    csv_chunk_pairs,
    prepare_csv,
)
from moodlelogsmart_gui.pipeline.export_xes import prepare_events, xes_chunk_pairs
from moodlelogsmart_gui.pipeline.options import ALL_OUTPUTS, PipelineOptions
from moodlelogsmart_gui.pipeline.package import Member, write_zip
from moodlelogsmart_gui.pipeline.pseudonymise import collect_names, pseudonymise

Progress = Callable[[int, str], None]
MEMBERS = ALL_OUTPUTS
BATCH_ROWS = 262_144
# Canonical columns that never hold a person's name (left as they are when pseudonymising).
NAME_FREE = {"timestamp", "description", "event_key", "module", "cmid", "edulevel", "crud"}
NAME_FREE |= {"origin", "ip", "user_id", "event_name", "component", "time"}


def _no_progress(percent: int, stage: str) -> None:
    """Default progress callback: ignore."""


def process_file(
    src: Path,
    dest_zip: Path,
    options: PipelineOptions,
    progress: Progress = _no_progress,
    *,
    input_name: str | None = None,
    events_read: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Turn one log file into the result ZIP at ``dest_zip``; return the summary.

    Raises ``BadInputError`` (one sentence for the user) when the input cannot be used.
    ``input_name`` is the name to report (the user's file name when ``src`` is a copy).
    ``events_read`` is told how many log events have been read, once that is known.
    """
    started = time.perf_counter()
    src = Path(src)
    rules = load_rules(options.rules_file)  # a broken rules file fails before the long read
    from moodlelogsmart_gui.pipeline.ingest import ingest

    ingested = ingest(src, progress, original_name=input_name)
    if events_read is not None:
        events_read(ingested.rows_in)
    source = {"name": input_name or src.name, "bytes": src.stat().st_size}
    return process_ingested(ingested, Path(dest_zip), options, rules, progress, source, started)


def process_ingested(
    ingested: Any,
    dest_zip: Path,
    options: PipelineOptions,
    rules: RuleSet,
    progress: Progress,
    source: dict[str, Any],
    started: float,
) -> dict[str, Any]:
    """Everything after ingest: clean, classify, cases, export, package; returns the summary."""
    frame = ingested.frame
    warnings = list(ingested.warnings)
    dropped = dict(ingested.dropped)
    names = collect_names(frame) if options.pseudonymize else []

    progress(51, "clean")
    cleaned = clean(frame)  # rows are selected by mask below, never copied
    dropped.update(cleaned.dropped)
    keep = cleaned.keep
    undated = frame["timestamp"].isna().to_numpy() & keep
    if undated.any():
        dropped["unreadable_date"] = dropped.get("unreadable_date", 0) + int(undated.sum())
        keep = keep & ~undated
    rows = np.flatnonzero(keep)
    if not len(rows):
        raise BadInputError(describe_nothing_left(ingested.rows_in, dropped))
    if options.pseudonymize:
        secret = options.secret
        if not secret:
            secret = os.urandom(32)
            warnings.append("No pseudonym key was given: pseudonyms hold for this file only.")
        text, ips = _name_columns(frame, ingested.original_columns, ingested.detection)
        frame = pseudonymise(frame, names, secret, text, ips)

    progress(55, "classify")
    frame = assign_cases(classify(frame, rules), keep)
    stamps = frame["timestamp"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    order = rows[np.argsort(stamps[rows], kind="stable")]  # time order; ties keep input order
    bloom = is_bloom(frame, rules)
    case_codes = frame["case_id"].cat.codes.to_numpy()
    by_case = order[np.argsort(case_codes[order], kind="stable")]
    stream = CaseStream(rules, options.session_gap_minutes)
    frame["session_id"] = _sessions(stream, frame, by_case)
    utc = ingested.detection.get("timezone") == "UTC"
    offset = "+00:00" if utc else ""
    timezone = "UTC" if utc else None
    if not utc:
        warnings.append(
            "Times are the local time of whoever downloaded the log (the file has no time "
            "zone); the outputs write them without an offset."
        )

    progress(65, "export")
    counted = frame[["activity_type", "activity_category", "bloom_level", "rule_id", "case_id"]]
    counted = counted.iloc[rows]
    summary = _summary(ingested, counted, dropped, cleaned.logged_in_as_events, rules)
    summary.update(stream.summary())
    summary.update(
        input=source,
        pseudonymized=bool(options.pseudonymize),
        warnings=warnings,
    )
    columns = prepare_csv(frame, ingested.original_columns, offset)
    events = prepare_events(frame, offset)
    attributes = {
        "concept:name": "MoodleLogSmart enriched log",
        "moodle:timezone": "UTC" if utc else "local (no offset)",
        "bloom:rules": summary["rules"]["source"],
    }
    bloom_attributes = {**attributes, "concept:name": "MoodleLogSmart enriched log (Bloom only)"}

    def summary_bytes() -> Iterable[bytes]:
        summary["seconds"] = round(time.perf_counter() - started, 3)
        return [json.dumps(summary, indent=2, ensure_ascii=False, default=str).encode("utf-8")]

    members: list[Member] = []
    _pair(members, options, MEMBERS[0:2], lambda: csv_chunk_pairs(columns, order, bloom[order]))
    _pair(
        members,
        options,
        MEMBERS[2:4],
        lambda: xes_chunk_pairs(events, by_case, bloom[by_case], attributes, bloom_attributes),
    )
    if options.wants("students.csv"):
        members.append(("students.csv", lambda: [stream.students_csv(offset)]))
    if options.wants("enriched_log.parquet"):
        from moodlelogsmart_gui.pipeline.export_parquet import ParquetColumns, parquet_chunks

        table = ParquetColumns(frame, _csv_columns(frame, ingested.original_columns), timezone)
        members.append(("enriched_log.parquet", lambda: parquet_chunks(table, frame, order)))
    if options.wants("enriched_log.ocel.json"):
        from moodlelogsmart_gui.pipeline.export_ocel import OcelWriter, ocel_chunks

        ocel = OcelWriter(stream.activities, offset)
        members.append(("enriched_log.ocel.json", lambda: ocel_chunks(ocel, frame, order)))
    if options.wants("process_map.svg"):
        from moodlelogsmart_gui.pipeline.export_svg import process_map_svg

        members.append(("process_map.svg", lambda: [process_map_svg(summary).encode("utf-8")]))
    members.append((MEMBERS[-1], summary_bytes))
    steps = len(members)
    percents = iter(65 + 35 * (done + 1) // steps for done in range(steps))
    write_zip(dest_zip, members, lambda name: progress(next(percents), "package"))
    return summary


def _sessions(stream: CaseStream, frame: pd.DataFrame, by_case: np.ndarray) -> pd.Categorical:
    """Session numbers from the per-case stream, as a column (text categories "1", "2", ...;
    missing on rows set aside by cleaning)."""
    numbers = np.zeros(len(frame), dtype=np.int64)
    columns = frame[list(COLUMNS)]
    for start in range(0, len(by_case), BATCH_ROWS):
        rows = by_case[start : start + BATCH_ROWS]
        numbers[rows] = stream.add(columns.iloc[rows])
    most = int(numbers.max()) if len(numbers) else 0
    return pd.Categorical.from_codes(numbers - 1, [str(n) for n in range(1, most + 1)])


def _csv_columns(frame: pd.DataFrame, original: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(header, frame column) of enriched_log.csv, in its order."""
    enrichment = [(name, name) for name in ENRICHMENT + CLASSIFICATION + SESSION if name in frame]
    return [*original, *enrichment]


def _pair(
    members: list[Member],
    options: PipelineOptions,
    names: tuple[str, ...],
    make: Callable[[], Iterable[tuple[Any, Any]]],
) -> None:
    """Add a full/Bloom-only pair written in one pass, or the one of them that is wanted."""
    wanted = [i for i, name in enumerate(names) if options.wants(name)]
    if len(wanted) == 2:
        members.append((names, make))
    elif wanted:
        pick = wanted[0]
        members.append(((names[pick],), lambda: ((pair[pick],) for pair in make())))


def _name_columns(
    frame: pd.DataFrame, original: list[tuple[str, str]], detection: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """Columns that may hold names (to pseudonymise) and that hold IP addresses (to empty).

    Every original column is scanned unless its header is known to hold no names (time,
    description, ...); duplicate headers are each handled.
    """
    headers = {str(k): str(h) for k, h in (detection.get("columns") or {}).items()}
    named = {h for k, h in headers.items() if k not in NAME_FREE}
    free = {h for k, h in headers.items() if k in NAME_FREE} - named
    ip_headers = {h for k, h in headers.items() if k == "ip"}
    text = ["context", "affected_user", "course"]
    text += [column for header, column in original if header not in free]
    ips = ["ip", *(column for header, column in original if header in ip_headers)]
    keep_out = NAME_FREE | set(ips)
    return (
        [c for c in dict.fromkeys(text) if c in frame and c not in keep_out],
        [c for c in dict.fromkeys(ips) if c in frame],
    )


def _summary(
    ingested: Any,
    frame: pd.DataFrame,
    dropped: dict[str, int],
    logged_in_as: int,
    rules: RuleSet,
) -> dict[str, Any]:
    """The summary.json keys of architecture.md section 4 (input, warnings, seconds added later).

    ``frame`` holds the kept rows' classification and case columns.
    """
    per_type = frame["activity_type"].value_counts(sort=False)
    per_category = frame["activity_category"].value_counts(sort=False)
    per_level = frame["bloom_level"].value_counts(sort=False)
    bloom = frame["rule_id"] != rules.fallback.id
    return {
        "schema": 1,
        "input": {},
        "detected": ingested.detection,
        "rows_in": int(ingested.rows_in),
        "rows_out": len(frame),
        "dropped": {reason: int(n) for reason, n in dropped.items()},
        "logged_in_as_events": int(logged_in_as),
        "events_per_activity_type": {str(k): int(v) for k, v in per_type.items() if int(v) > 0},
        "events_per_activity_category": {
            str(k): int(v) for k, v in per_category.items() if int(v) > 0
        },
        "events_per_bloom_level": {level: int(per_level.get(level, 0)) for level in BLOOM_LEVELS},
        "bloom_only_events": int(bloom.sum()),
        "cases": int(frame["case_id"].nunique()),
        "pseudonymized": False,
        "rules": {"source": rules.source, "count": len(rules.all_rules)},
        "warnings": [],
        "seconds": 0.0,
    }
