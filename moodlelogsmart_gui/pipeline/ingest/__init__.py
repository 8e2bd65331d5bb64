"""Ingest: any Moodle log export in, one canonical pandas frame out.

``ingest(path, progress)`` reads the log report download (CSV in any supported language,
.xlsx, .ods, JSON), a raw ``mdl_logstore_standard_log`` export, or a pre-2.7 log (old
download, ``mdl_log``) and returns :class:`Ingested` (architecture.md section 3, "Ingest ->
enrich seam"). Decisions (dates, encodings, "X as Y") are in this package's README.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from moodlelogsmart_gui.pipeline.ingest.normalise import CANONICAL_COLUMNS, LOGSTORE_DIRECT

__all__ = ["CANONICAL_COLUMNS", "Ingested", "column_sources", "ingest"]
# canonical column -> the input column it is taken from as is (for summary["detected"])
_LOGSTORE_SOURCES = {
    "timestamp": "timecreated",
    **LOGSTORE_DIRECT,
    "edulevel": "edulevel",
    "crud": "crud",
}
_LEGACY_SOURCES = {
    "timestamp": "time",
    "user_id": "userid",
    "user_name": "user_name",
    "ip": "ip",
    "course": "course",
    "context": "legacy_info",
}
_REPORT_SOURCES = {
    "timestamp": "time",
    "user_name": "user_name",
    "affected_user": "affected_user",
    "context": "context",
    "component": "component",
    "event_name": "event_name",
    "description": "description",
    "origin": "origin",
    "ip": "ip",
    "course": "course",
}


@dataclass
class Ingested:
    """The canonical frame plus what was detected, dropped and worth a warning."""

    frame: pd.DataFrame
    original_columns: list[tuple[str, str]]
    detection: dict[str, Any]
    rows_in: int
    dropped: dict[str, int]
    warnings: list[str] = field(default_factory=list)


def _noop(_percent: int, _stage: str) -> None:
    return None


def column_sources(layout: str) -> dict[str, str]:
    """Canonical column -> the input column it is taken from as is (for summary["detected"])."""
    if layout == "logstore":
        return _LOGSTORE_SOURCES
    if layout.startswith("legacy"):
        return _LEGACY_SOURCES
    return _REPORT_SOURCES


def ingest(
    path: Path,
    progress: Callable[[int, str], None] = _noop,
    *,
    original_name: str | None = None,
) -> Ingested:
    """Read any supported Moodle log export at ``path`` into one canonical frame.

    The streaming pipeline's first pass and batches, collected into one frame (for tests
    and small tools; the pipeline itself never holds the whole file). Raises
    :class:`BadInputError` (one sentence) when the file cannot be used.
    ``original_name`` (the user's file name) helps date year-less Moodle 2.7 logs.
    """
    from moodlelogsmart_gui.pipeline.ingest.stream import retrying_encodings

    def attempt(tried: frozenset[str]) -> Ingested:
        return _ingest(Path(path), progress, original_name, tried)

    return retrying_encodings(attempt)


def _ingest(
    path: Path,
    progress: Callable[[int, str], None],
    original_name: str | None,
    tried: frozenset[str],
) -> Ingested:
    from moodlelogsmart_gui.pipeline.ingest.batch import ingest_batch
    from moodlelogsmart_gui.pipeline.ingest.first_pass import first_pass

    decisions = first_pass(path, progress, original_name=original_name, tried_encodings=tried)
    collector = IngestTotals(decisions)
    frames = []
    progress(35, "normalise")
    for raw in decisions.batches():
        part = ingest_batch(raw, decisions)
        collector.add(part)
        frames.append(part.frame)
    collector.check()
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    pa.default_memory_pool().release_unused()
    progress(50, "normalise")
    return collector.ingested(frame)


class IngestTotals:
    """What the batches found, added up: detection, unreadable times, warnings."""

    def __init__(self, decisions: Any) -> None:
        self.decisions = decisions
        self.found: dict[str, Any] = {}
        self.unreadable = 0
        self.first_unreadable: str | None = None
        self.original_columns: list[tuple[str, str]] = []

    def add(self, part: Any) -> None:
        """One ``BatchFrame``'s findings."""
        self.add_findings(
            part.detection, part.unreadable, part.first_unreadable, part.original_columns
        )

    def add_findings(
        self,
        detection: dict[str, Any],
        unreadable: int,
        first_unreadable: str | None,
        original_columns: list[tuple[str, str]],
    ) -> None:
        from moodlelogsmart_gui.pipeline.ingest.batch import merge_detection

        merge_detection(self.found, detection)
        self.unreadable += unreadable
        if self.first_unreadable is None:
            self.first_unreadable = first_unreadable
        if not self.original_columns:
            self.original_columns = original_columns

    def check(self) -> None:
        """The refusal when most times cannot be read (if the first pass could not tell)."""
        from moodlelogsmart_gui.pipeline.ingest.first_pass import refuse_unreadable_times

        rows = self.decisions.rows_in - self.decisions.malformed
        refuse_unreadable_times(self.unreadable, rows, self.first_unreadable)

    def detection(self) -> dict[str, Any]:
        decisions = self.decisions
        rows = decisions.rows_in - decisions.malformed
        detection = dict(decisions.detection)
        detection["date_confidence"] = round((rows - self.unreadable) / rows, 4) if rows else 0.0
        detection.update(self.found)
        if decisions.layout.dropped:
            detection["dropped_index_column"] = True
        return detection

    def ingested(self, frame: pd.DataFrame) -> Ingested:
        return Ingested(
            frame=frame,
            original_columns=self.original_columns,
            detection=self.detection(),
            rows_in=self.decisions.rows_in,
            dropped=self.dropped(),
            warnings=list(self.decisions.warnings),
        )

    def dropped(self) -> dict[str, int]:
        return {"unreadable_date": self.unreadable, "malformed_row": self.decisions.malformed}
