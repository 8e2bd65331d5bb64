"""The row-local stages for one batch: clean, pseudonymise, classify, case keys, output text.

``enrich_batch(raw, decisions, options) -> EnrichedBatch`` is a pure function of one raw
batch and the first pass's decisions (picklable in, picklable out): the Dask path can map
it over batches. Everything that needs more than one batch (case labels and case order,
the global template numbering, the sorts) is left to the sequential driver (``books.py``,
``spill.py``), which keeps only small dictionaries.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from moodlelogsmart_gui.pipeline.cases import case_keys, first_names
from moodlelogsmart_gui.pipeline.classify import RuleSet, classify, is_bloom, load_rules
from moodlelogsmart_gui.pipeline.clean import clean
from moodlelogsmart_gui.pipeline.export_csv import (
    CLASSIFICATION,
    CsvTable,
    TextColumn,
    csv_field,
    encode_text,
    encode_timestamps,
)
from moodlelogsmart_gui.pipeline.export_xes import _templates
from moodlelogsmart_gui.pipeline.options import PipelineOptions
from moodlelogsmart_gui.pipeline.pseudonymise import pseudonymise
from moodlelogsmart_gui.pipeline.stream.analyst import analyst_columns

# Canonical columns that never hold a person's name (left as they are when pseudonymising).
NAME_FREE = {"timestamp", "description", "event_key", "module", "cmid", "edulevel", "crud"}
NAME_FREE |= {"origin", "ip", "user_id", "event_name", "component", "time"}
# One row per kept event; writers read these columns back in sorted order.
EVENT_SCHEMA = pa.schema(
    [
        ("row", pa.int64()),  # input position: the last sort key (SQL sorts are not stable)
        ("ts", pa.int64()),  # event time, nanoseconds (naive: as the file gives it)
        ("case_local", pa.int32()),  # code into EnrichedBatch.case_keys
        ("bloom", pa.bool_()),  # classified by a real rule (bloom-only outputs)
        ("rule", pa.int16()),  # index into the rules (the fallback last)
        ("template_local", pa.int32()),  # code into EnrichedBatch.templates
        ("csv_head", pa.string()),  # CSV fields before case_label (originals, case_id)
        ("csv_tail", pa.string()),  # CSV fields after case_label up to rule_id
    ]
)
# followed by the analyst members' columns (``analyst.analyst_columns``), when wanted


@dataclass
class EnrichedBatch:
    """A batch's kept events plus what the driver folds into whole-file totals."""

    events: pa.Table  # EVENT_SCHEMA
    case_keys: list[str]  # every case key of the batch, in order of first appearance
    case_names: dict[int, str]  # local case code -> first name among kept rows
    templates: list[str]  # XES event openings, indexed by template_local
    dropped: dict[str, int]
    logged_in_as: int
    per_type: dict[str, int]
    per_category: dict[str, int]
    per_level: dict[str, int]
    bloom_rows: int
    whole: dict[str, tuple[bool, bool]] = field(default_factory=dict)  # Parquet's int check
    extra: dict[str, Any] = field(default_factory=dict)  # ingest findings of the batch


def name_columns(
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


def _counts(series: pd.Series, rows: np.ndarray) -> dict[str, int]:
    """Kept rows per category of a categorical column, in category order."""
    counts = np.bincount(
        series.cat.codes.to_numpy()[rows] + 1, minlength=len(series.cat.categories) + 1
    )
    return {str(c): int(n) for c, n in zip(series.cat.categories, counts[1:], strict=True)}


def _joined(columns: list[tuple[str, TextColumn]], rows: np.ndarray, suffix: str = "") -> pa.Array:
    return CsvTable.build(columns).lines(rows, suffix)


def enrich_frame(
    frame: pd.DataFrame,
    original: list[tuple[str, str]],
    detection: dict[str, Any],
    options: PipelineOptions,
    rules: RuleSet,
    names: list[str] | tuple[str, ...],
    first_row: int = 0,
) -> EnrichedBatch:
    """Clean, pseudonymise, classify and key the cases of one canonical frame."""
    cleaned = clean(frame)
    dropped = dict(cleaned.dropped)
    keep = cleaned.keep
    undated = frame["timestamp"].isna().to_numpy() & keep
    if undated.any():
        dropped["unreadable_date"] = int(undated.sum())
        keep = keep & ~undated
    if options.pseudonymize:
        assert options.secret, "the driver gives every batch the same key"
        text, ips = name_columns(frame, original, detection)
        frame = pseudonymise(frame, names, options.secret, text, ips)
    frame = classify(frame, rules)
    codes, keys, name_codes, people = case_keys(frame)
    case_names = first_names(np.where(keep, codes, -1), len(keys), name_codes, people)
    rows = np.flatnonzero(keep)  # kept rows are taken by position: the frame is not copied
    categories = pd.Index([str(k) for k in keys], dtype=object)
    frame = frame.assign(case_id=pd.Categorical.from_codes(codes.astype(np.int64), categories))
    offset = "+00:00" if detection.get("timezone") == "UTC" else ""
    head = [(h, encode_text(frame[name], csv_field)) for h, name in original]
    head.append(("case_id", encode_text(frame["case_id"], csv_field)))
    tail: list[tuple[str, TextColumn]] = [
        ("timestamp", encode_timestamps(frame["timestamp"], offset)),
        ("event_key", encode_text(frame["event_key"], csv_field)),
    ]
    tail += [(c, encode_text(frame[c], csv_field)) for c in CLASSIFICATION]
    template_codes, templates = _templates(frame) if len(frame) else (np.zeros(0, np.int32), [])
    bloom = is_bloom(frame, rules)[rows]
    stamps = frame["timestamp"].to_numpy(dtype="datetime64[ns]").view(np.int64)[rows]
    local = codes[rows].astype(np.int32)
    rule = frame["rule_id"].cat.codes.to_numpy()[rows].astype(np.int16)  # ids are distinct
    analyst, whole = analyst_columns(frame, rows, original, options)
    events = pa.table(
        {
            "row": pa.array(rows.astype(np.int64) + first_row),
            "ts": pa.array(stamps),
            "case_local": pa.array(local),
            "bloom": pa.array(bloom),
            "rule": pa.array(rule),
            "template_local": pa.array(template_codes[rows].astype(np.int32)),
            "csv_head": _joined(head, rows).cast(pa.string()),
            "csv_tail": _joined(tail, rows).cast(pa.string()),
        },
        schema=EVENT_SCHEMA,
    )
    for name, values in analyst.items():
        events = events.append_column(name, values)
    per_type = _counts(frame["activity_type"], rows)
    per_category = _counts(frame["activity_category"], rows)
    per_level = _counts(frame["bloom_level"], rows)
    return EnrichedBatch(
        events=events,
        case_keys=[str(k) for k in keys],
        case_names=case_names,
        templates=templates,
        dropped=dropped,
        logged_in_as=cleaned.logged_in_as_events,
        per_type=per_type,
        per_category=per_category,
        per_level=per_level,
        bloom_rows=int(bloom.sum()),
        whole=whole,
    )


@functools.lru_cache(maxsize=4)
def _rules(path: Path | None) -> RuleSet:
    return load_rules(path)


def enrich_batch(
    raw: pa.Table,
    decisions: Any,
    options: PipelineOptions,
    *,
    rules: RuleSet | None = None,
    first_row: int = 0,
    timestamps: np.ndarray | None = None,
) -> EnrichedBatch:
    """One raw batch (text columns ``c<i>`` as ``Decisions.batches()`` yields them) through
    every row-local stage. ``options.secret`` must be set when pseudonymising (the same key
    for every batch); ``first_row`` numbers the rows (ties in time keep input order);
    ``timestamps``: the batch's times if the first pass read them (``timed_batches``)."""
    from moodlelogsmart_gui.pipeline.ingest.batch import ingest_batch

    part = ingest_batch(raw, decisions, timestamps)
    enriched = enrich_frame(
        part.frame,
        part.original_columns,
        decisions.detection,
        options,
        rules or _rules(options.rules_file),
        decisions.names,
        first_row,
    )
    enriched.extra = {
        "rows": part.rows,
        "unreadable": part.unreadable,
        "first_unreadable": part.first_unreadable,
        "detection": part.detection,
        "original_columns": part.original_columns,
    }
    return enriched
