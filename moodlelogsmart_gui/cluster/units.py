"""What one Dask task does with one partition (a byte range of a file, or a whole file):
its rows through the single-machine stages, with the file's decisions taken up front.

The rows are read with the file's read plan and made canonical batch by batch
(``ingest_batch``, the streaming pipeline's own step), then go through clean,
pseudonymise (with the run's key and every file's names), classify and cases
(``partition.enrich_rows``), and their kept events are written into the staging dataset
by case group. Only counts come back: the per-file figures are added up on the driver.
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd

from moodlelogsmart_gui.cluster.partition import PartitionResult, RunSpec, enrich_rows, write_stage
from moodlelogsmart_gui.cluster.ranges import Unit, unit_decisions
from moodlelogsmart_gui.pipeline.errors import BadInputError


def enrich_unit(unit: Unit, decisions: Any, spec: RunSpec) -> PartitionResult:
    """One partition through every stage; its events into ``stage/``; its figures.

    A part of a file that does not parse on its own (a cut inside a quoted cell the quote
    count could not see) comes back marked ``cut_failed``: the driver reads that file whole.
    """
    from moodlelogsmart_gui.pipeline.ingest.batch import ingest_batch, merge_detection
    from moodlelogsmart_gui.pipeline.ingest.stream import Counter, WrongEncoding

    cpu = time.process_time()
    frames: list[pd.DataFrame] = []
    found: dict[str, Any] = {}
    unreadable, first_bad = 0, None
    original: list[tuple[str, str]] = []
    counter = Counter()
    with unit_decisions(unit, decisions) as local:
        try:
            for raw in local.batches(counter):
                part = ingest_batch(raw, local)
                merge_detection(found, part.detection)
                unreadable += part.unreadable
                first_bad = first_bad if first_bad is not None else part.first_unreadable
                original = original or part.original_columns
                frames.append(part.frame)
        except BadInputError:
            if unit.whole:
                raise
            failed = {"file": unit.file, "part": unit.part, "cut_failed": True}
            return PartitionResult(unit.file, failed, 0, False, time.process_time() - cpu)
        except WrongEncoding:
            raise BadInputError(
                f"{unit.item.name}: the file's text encoding could not be read: save it again "
                "as UTF-8 CSV."
            ) from None
    figures: dict[str, Any] = {
        "file": unit.file,
        "part": unit.part,
        "rows": counter.rows,
        "malformed": counter.malformed,
        "unreadable": unreadable,
        "first_unreadable": first_bad,
        "found": found,
    }
    utc = decisions.detection.get("timezone") == "UTC"
    if not frames:
        empty: dict[str, Any] = {"rows_out": 0, "dropped": {}}
        figures.update(empty, logged_in_as_events=0, bloom_only_events=0)
        return PartitionResult(unit.file, figures, 0, utc, time.process_time() - cpu)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    counts, staged = enrich_rows(
        frame, original, decisions.detection, decisions.names, spec, (unit.file, unit.part)
    )
    figures.update(counts)
    write_stage(staged, spec.staging, f"{unit.file:05d}-{unit.part:05d}")
    kept = staged[0].num_rows
    return PartitionResult(unit.file, figures, kept, utc, time.process_time() - cpu)
