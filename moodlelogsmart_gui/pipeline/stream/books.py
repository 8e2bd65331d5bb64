"""What the sequential driver keeps across batches: small dictionaries, never rows.

``CaseBook``: case keys numbered in order of first appearance over the file, the first
name of each case (its label) and which cases kept events. ``TemplateBook``: the XES
event openings numbered over the file. ``Totals``: the summary's counts added up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moodlelogsmart_gui.pipeline.cases import label_of, unique_labels
from moodlelogsmart_gui.pipeline.stream.enrich import EnrichedBatch


@dataclass
class Cases:
    """Per global case code (in order of first appearance): id and label ("" if unused)."""

    ids: list[str]
    labels: list[str]
    used: int  # cases with at least one kept event


class CaseBook:
    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.names: dict[int, str] = {}
        self.used: set[int] = set()

    def add(self, batch: EnrichedBatch) -> np.ndarray:
        """Global codes for the batch's local case codes (first appearance keeps its code)."""
        codes = self.codes
        mapping = np.array([codes.setdefault(k, len(codes)) for k in batch.case_keys], np.int32)
        for local, name in batch.case_names.items():
            self.names.setdefault(int(mapping[local]), name)
        local = batch.events.column("case_local").to_numpy()
        self.used.update(mapping[np.unique(local)].tolist())
        return mapping

    def finish(self) -> Cases:
        keys = list(self.codes)
        used = sorted(self.used)
        ids = [keys[c] for c in used]
        labels = unique_labels([label_of(keys[c], self.names.get(c)) for c in used], ids)
        all_labels = [""] * len(keys)
        for code, label in zip(used, labels, strict=True):
            all_labels[code] = label
        return Cases(keys, all_labels, len(used))


class TemplateBook:
    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def add(self, templates: list[str]) -> np.ndarray:
        ids = self.ids
        return np.array([ids.setdefault(t, len(ids)) for t in templates], np.int32)

    def texts(self) -> list[str]:
        return list(self.ids)


@dataclass
class Totals:
    """Counts for summary.json, added up batch by batch."""

    dropped: dict[str, int] = field(default_factory=dict)
    logged_in_as: int = 0
    per_type: dict[str, int] = field(default_factory=dict)
    per_category: dict[str, int] = field(default_factory=dict)
    per_level: dict[str, int] = field(default_factory=dict)
    bloom_rows: int = 0
    rows_out: int = 0
    first_ts: int | None = None
    last_ts: int | None = None

    def add(self, batch: EnrichedBatch) -> None:
        for target, found in (
            (self.dropped, batch.dropped),
            (self.per_type, batch.per_type),
            (self.per_category, batch.per_category),
            (self.per_level, batch.per_level),
        ):
            for key, n in found.items():
                target[key] = target.get(key, 0) + n
        self.logged_in_as += batch.logged_in_as
        self.bloom_rows += batch.bloom_rows
        self.rows_out += batch.events.num_rows
        if batch.events.num_rows:
            low, high = pc.min_max(batch.events.column("ts")).values()
            first, last = int(low.as_py()), int(high.as_py())
            self.first_ts = first if self.first_ts is None else min(self.first_ts, first)
            self.last_ts = last if self.last_ts is None else max(self.last_ts, last)


def spilled(batch: EnrichedBatch, cases: np.ndarray, templates: np.ndarray) -> pa.Table:
    """The batch's events with global case and template codes, as they are spilled."""
    events = batch.events
    case = cases[events.column("case_local").to_numpy()] if len(cases) else np.zeros(0, np.int32)
    template = templates[events.column("template_local").to_numpy()] if len(templates) else case
    columns = {
        "row": events.column("row"),
        "ts": events.column("ts"),
        "case": pa.array(case, pa.int32()),
        "bloom": events.column("bloom"),
        "rule": events.column("rule"),
        "template": pa.array(template, pa.int32()),
    }
    local = {"case_local", "template_local"}
    columns.update((n, events.column(n)) for n in events.column_names if n not in local)
    return pa.table(columns)
