"""One input file's figures from its partitions' (on the driver), in the shape the summary
adds up: the first pass's counts (rows, malformed rows) with the parts' findings, as the
single-machine pipeline builds them from its batches."""

from __future__ import annotations

from typing import Any

from moodlelogsmart_gui.cluster.decide import Decided
from moodlelogsmart_gui.cluster.inputs import Input
from moodlelogsmart_gui.cluster.partition import COUNTS, PartitionResult


class PartsDisagree(Exception):
    """The parts of a file read other rows than its first pass: read it whole instead."""


def _add(into: dict[str, int], more: dict[str, int]) -> None:
    for key, value in more.items():
        into[key] = into.get(key, 0) + int(value)


def file_figures(item: Input, decided: Decided, parts: list[PartitionResult]) -> dict[str, Any]:
    """The figures of one file, as ``partition.enrich_partition`` gives them for a file."""
    from moodlelogsmart_gui.pipeline.ingest.batch import merge_detection
    from moodlelogsmart_gui.pipeline.ingest.first_pass import refuse_unreadable_times

    decisions = decided.decisions
    parts = sorted(parts, key=lambda r: int(r.figures["part"]))
    read = sum(int(r.figures["rows"]) + int(r.figures["malformed"]) for r in parts)
    if read != decisions.rows_in:
        raise PartsDisagree(item.name)
    rows = decisions.rows_in - decisions.malformed
    unreadable = sum(int(r.figures["unreadable"]) for r in parts)
    first_bad = next(
        (r.figures["first_unreadable"] for r in parts if r.figures["first_unreadable"]), None
    )
    refuse_unreadable_times(unreadable, rows, first_bad)
    found: dict[str, Any] = {}
    for r in parts:
        merge_detection(found, r.figures["found"])
    detected = dict(decisions.detection)
    detected["date_confidence"] = round((rows - unreadable) / rows, 4) if rows else 0.0
    detected.update(found)
    if decisions.layout.dropped:
        detected["dropped_index_column"] = True
    dropped = {"unreadable_date": unreadable, "malformed_row": int(decisions.malformed)}
    for r in parts:
        _add(dropped, r.figures["dropped"])
    figures: dict[str, Any] = {
        "input": {"name": item.name, "bytes": item.size, "parts": len(parts)},
        "detected": detected,
        "rows_in": int(decisions.rows_in),
        "rows_out": sum(int(r.figures["rows_out"]) for r in parts),
        "dropped": dropped,
        "logged_in_as_events": sum(int(r.figures["logged_in_as_events"]) for r in parts),
        "bloom_only_events": sum(int(r.figures["bloom_only_events"]) for r in parts),
        "warnings": [*decisions.warnings, *decided.warnings],
    }
    for key in COUNTS:
        total: dict[str, int] = {}
        for r in parts:
            _add(total, r.figures.get(key, {}))
        figures[key] = total
    return figures
