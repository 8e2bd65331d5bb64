"""``process_file``: the whole pipeline, from a Moodle log file to the result ZIP.

One path for every size (architecture.md, "Streaming pipeline"): a first pass takes the
whole-file decisions; each batch then goes through ingest, clean, [pseudonymise],
classify and case keys (``stream.enrich``); the enriched batches are spilled as Arrow IPC
parts in the job folder; DuckDB gives the two global orders (time; case then time) in
the memory the job is allowed; the writers (``stream.members``) stream them into the ZIP.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from moodlelogsmart_gui.pipeline.classify import BLOOM_LEVELS, RuleSet, load_rules
from moodlelogsmart_gui.pipeline.clean import describe_nothing_left
from moodlelogsmart_gui.pipeline.errors import BadInputError
from moodlelogsmart_gui.pipeline.options import ALL_OUTPUTS, PipelineOptions
from moodlelogsmart_gui.pipeline.package import write_zip
from moodlelogsmart_gui.pipeline.pseudonymise import collect_names
from moodlelogsmart_gui.pipeline.stream.analyst import TextBooks, WholeNumbers
from moodlelogsmart_gui.pipeline.stream.books import CaseBook, TemplateBook, Totals, spilled
from moodlelogsmart_gui.pipeline.stream.enrich import (
    EnrichedBatch,
    enrich_batch,
    enrich_frame,
    name_columns,
)
from moodlelogsmart_gui.pipeline.stream.members import Layout, result_members
from moodlelogsmart_gui.pipeline.stream.parts import time_bounds
from moodlelogsmart_gui.pipeline.stream.spill import (
    Heartbeat,
    Spill,
    check_free_space,
    fits_in_memory,
    spool_memory,
    time_buckets,
)
from moodlelogsmart_gui.pipeline.warning_codes import TEMPLATES, warning_codes

Progress = Callable[[int, str], None]
_name_columns = name_columns  # the cluster path's stages use it under this name
MEMBERS = ALL_OUTPUTS
KEY_WARNING = TEMPLATES["no_pseudonym_key"]
LOCAL_TIME_WARNING = TEMPLATES["local_time"]
# Percent ranges of the stages after the first pass (read 0-25, detect 25).
ENRICH = (30, 60)
# A file up to this share of the job's memory is read once: the first pass keeps its batches.
HOLD_SHARE = 4


def _no_progress(percent: int, stage: str) -> None:
    """Default progress callback: ignore."""


def _with_secret(options: PipelineOptions) -> tuple[PipelineOptions, list[str]]:
    """Every batch must pseudonymise with the same key: draw one for the job if none."""
    if options.pseudonymize and not options.secret:
        return dataclasses.replace(options, secret=os.urandom(32)), [KEY_WARNING]
    return options, []


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
    Spill files live in ``dest_zip``'s folder (the job folder) and are gone on return.
    """
    started = time.perf_counter()
    src, dest_zip = Path(src), Path(dest_zip)
    rules = load_rules(options.rules_file)  # a broken rules file fails before the long read
    from moodlelogsmart_gui.pipeline.ingest import IngestTotals
    from moodlelogsmart_gui.pipeline.ingest.batch import spread_times
    from moodlelogsmart_gui.pipeline.ingest.first_pass import first_pass
    from moodlelogsmart_gui.pipeline.ingest.stream import retrying_encodings

    if src.is_file():
        check_free_space(dest_zip.parent, src.stat().st_size)
    options, key_warnings = _with_secret(options)

    def attempt(tried: frozenset[str]) -> dict[str, Any]:
        decisions = first_pass(
            src,
            progress,
            original_name=input_name,
            names=options.pseudonymize,
            tried_encodings=tried,
            hold_up_to=(options.memory_mb << 20) // HOLD_SHARE,
        )
        source = {"name": input_name or src.name, "bytes": src.stat().st_size}
        found = IngestTotals(decisions)

        def batches(beat: Heartbeat) -> Iterator[EnrichedBatch]:
            first_row = done = 0
            for raw, stamps in decisions.timed_batches():
                batch = enrich_batch(
                    raw, decisions, options, rules=rules, first_row=first_row, timestamps=stamps
                )
                extra = batch.extra
                found.add_findings(
                    extra["detection"],
                    extra["unreadable"],
                    extra["first_unreadable"],
                    extra["original_columns"],
                )
                first_row += extra["rows"]
                done += extra["rows"]
                if events_read is not None:
                    events_read(done)
                yield batch
                low, high = ENRICH
                rows = max(1, decisions.rows_in - decisions.malformed)
                beat.set(low + (high - low) * done // rows, "classify")
            found.check()

        in_memory = fits_in_memory(src.stat().st_size, options.memory_mb)
        # events kept in memory are merged in one piece: no time buckets to split them into
        buckets = 1 if in_memory else time_buckets(src.stat().st_size, options.memory_mb)
        bounds = time_bounds(spread_times(decisions), buckets) if buckets > 1 else None
        job = _Job(dest_zip, options, rules, progress, source, started, bounds)
        job.in_memory = in_memory
        return job.run(
            batches,
            lambda: found.detection(),
            decisions.rows_in,
            lambda: found.dropped(),
            lambda: found.original_columns,
            [*decisions.warnings, *key_warnings],
        )

    return retrying_encodings(attempt)


def process_ingested(
    ingested: Any,
    dest_zip: Path,
    options: PipelineOptions,
    rules: RuleSet,
    progress: Progress,
    source: dict[str, Any],
    started: float,
) -> dict[str, Any]:
    """Everything after ingest for a frame already in memory (one batch)."""
    options, key_warnings = _with_secret(options)
    frame = ingested.frame
    names = collect_names(frame) if options.pseudonymize else []

    def batches(beat: Heartbeat) -> Iterator[EnrichedBatch]:
        beat.set(ENRICH[0], "classify")
        yield enrich_frame(
            frame, ingested.original_columns, ingested.detection, options, rules, names
        )

    job = _Job(Path(dest_zip), options, rules, progress, source, started)
    return job.run(
        batches,
        lambda: ingested.detection,
        ingested.rows_in,
        lambda: dict(ingested.dropped),
        lambda: ingested.original_columns,
        [*ingested.warnings, *key_warnings],
    )


@dataclasses.dataclass
class _Job:
    dest_zip: Path
    options: PipelineOptions
    rules: RuleSet
    progress: Progress
    source: dict[str, Any]
    started: float
    bounds: np.ndarray | None = None  # time buckets of the spill (``stream.parts``)
    in_memory: bool = False  # the events are kept in memory, not spilled

    def run(
        self,
        batches: Callable[[Heartbeat], Iterable[EnrichedBatch]],
        detection: Callable[[], dict[str, Any]],
        rows_in: int,
        dropped_before: Callable[[], dict[str, int]],
        original: Callable[[], list[tuple[str, str]]],
        warnings: list[str],
    ) -> dict[str, Any]:
        with (
            Spill(
                self.dest_zip.parent, self.options.memory_mb, self.bounds, self.in_memory
            ) as spill,
            Heartbeat(self.progress, spill) as beat,
        ):
            cases, templates, totals = CaseBook(), TemplateBook(), Totals()
            whole, texts = WholeNumbers(), TextBooks()
            for batch in batches(beat):
                events = spilled(batch, cases.add(batch), templates.add(batch.templates))
                for table in texts.code(events):  # held until the columns' kinds are known
                    spill.add(table)
                totals.add(batch)
                whole.add(batch.whole)
            for table in texts.rest():
                spill.add(table)
            dropped = dropped_before()
            for reason, n in totals.dropped.items():
                dropped[reason] = dropped.get(reason, 0) + n
            if not totals.rows_out:
                raise BadInputError(describe_nothing_left(rows_in, dropped))
            found = detection()
            utc = found.get("timezone") == "UTC"
            if not utc:
                warnings = [*warnings, LOCAL_TIME_WARNING]
            book = cases.finish()
            summary = _summary(found, rows_in, totals, dropped, book.used, self.rules)
            summary.update(
                input=self.source,
                pseudonymized=bool(self.options.pseudonymize),
                warnings=warnings,
                warning_codes=warning_codes(warnings),
            )
            attributes = {
                "concept:name": "MoodleLogSmart enriched log",
                "moodle:timezone": "UTC" if utc else "local (no offset)",
                "bloom:rules": summary["rules"]["source"],
            }
            bloom = {**attributes, "concept:name": "MoodleLogSmart enriched log (Bloom only)"}
            assert totals.first_ts is not None and totals.last_ts is not None
            layout = Layout(
                cases=book,
                templates=templates.texts(),
                time_range=(totals.first_ts, totals.last_ts),
                original=original(),
                integers=whole.integers(),
                utc=utc,
                attributes=(attributes, bloom),
                texts=texts.dictionaries(),
            )

            def summary_bytes() -> Iterable[bytes]:
                summary["seconds"] = round(time.perf_counter() - self.started, 3)
                summary["spill_peak_bytes"] = spill.peak
                text = json.dumps(summary, indent=2, ensure_ascii=False, default=str)
                return [text.encode("utf-8")]

            members, order = result_members(
                self.options,
                self.rules,
                layout,
                spill,
                beat,
                totals.rows_out,
                summary,
                summary_bytes,
            )
            write_zip(
                self.dest_zip,
                members,
                spool_dir=spill.folder,
                order=order,
                spool_memory=spool_memory(self.options.memory_mb),
            )
            beat.set(100, "package")
            return summary


def _summary(
    detection: dict[str, Any],
    rows_in: int,
    totals: Totals,
    dropped: dict[str, int],
    cases: int,
    rules: RuleSet,
) -> dict[str, Any]:
    """The summary.json keys of architecture.md section 4 (input, warnings, seconds later)."""
    return {
        "schema": 1,
        "input": {},
        "detected": detection,
        "rows_in": int(rows_in),
        "rows_out": totals.rows_out,
        "dropped": {reason: int(n) for reason, n in dropped.items()},
        "logged_in_as_events": int(totals.logged_in_as),
        "events_per_activity_type": {k: v for k, v in totals.per_type.items() if v > 0},
        "events_per_activity_category": {k: v for k, v in totals.per_category.items() if v > 0},
        "events_per_bloom_level": {lvl: totals.per_level.get(lvl, 0) for lvl in BLOOM_LEVELS},
        "bloom_only_events": totals.bloom_rows,
        "cases": cases,
        "pseudonymized": False,
        "rules": {"source": rules.source, "count": len(rules.all_rules)},
        "warnings": [],
        "seconds": 0.0,
    }
