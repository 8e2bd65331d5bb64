"""The first pass: every decision that needs the whole file, taken once and cheaply.

``first_pass(path, ...) -> Decisions`` sniffs the file, detects the layout, chooses how
to read it (encoding, line splitting, bad rows), and streams only the columns it needs:
the Time column (its distinct values with their row counts decide the date pattern and
the day/month order), the component and event-name columns for a headerless report
(language), and, for a pseudonymised job, a second scan of the canonical name columns
(the list of names). ``Decisions`` is a plain picklable object: every later stage is a
function of one batch and the decisions (``ingest_batch`` here, ``enrich_batch`` in
``pipeline.stream.enrich``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moodlelogsmart_gui.pipeline.errors import BadInputError
from moodlelogsmart_gui.pipeline.ingest import dates, detect, download_name, read, stream
from moodlelogsmart_gui.pipeline.ingest.spread import SpreadSample
from moodlelogsmart_gui.pipeline.ingest.tables import (
    CatalogueEntry,
    LanguageTables,
    load_catalogue,
    load_languages,
    printable,
)
from moodlelogsmart_gui.pipeline.warning_codes import TEMPLATES

# Time values (distinct per batch) counted for the day/month decision; past this (a
# second-precision log of many weeks, or epoch times, which need no decision) the values
# already counted decide, and the unreadable count comes from the main pass.
DISTINCT_TIMES = 1_000_000
SPREAD_VALUES = 200_000  # time values kept, spread over the file, for the spill's time buckets


@dataclass(frozen=True)
class TimeDecision:
    """How every Time value is read: the pattern's sample, the order, what to report."""

    sample: pa.Array
    order: str | None
    date_format: str | None
    ambiguous: bool
    timezone: str
    warnings: tuple[str, ...]
    months: dict[str, int]
    default_year: int
    year_source: str
    downloaded: dt.datetime | None
    unreadable: int | None  # rows whose time cannot be read (None: known after the main pass)
    first_unreadable: str | None
    # Time values spread over the whole file (up to SPREAD_VALUES): the spill's time buckets
    spread: pa.Array = field(default_factory=lambda: pa.array([], pa.string()))

    def read(self, values: pa.Array | pa.ChunkedArray) -> dates.ParsedTimes:
        """``values`` (Time text or epoch numbers) read as decided for the whole file."""
        return dates.parse_times(
            values,
            self.months,
            self.default_year,
            self.year_source,
            self.downloaded,
            sample=self.sample,
            order=self.order,
        )


@dataclass(frozen=True)
class Decisions:
    """Whole-file decisions (architecture.md, "Streaming pipeline"); picklable."""

    source: read.Source
    layout: detect.Layout
    plan: stream.ReadPlan
    times: TimeDecision
    rows_in: int  # data rows found (malformed ones included)
    malformed: int
    detection: dict[str, Any]  # summary["detected"] without the per-batch findings
    warnings: tuple[str, ...]
    names: tuple[str, ...] = ()  # pseudonymisation: every name, longest first
    catalogue: tuple[CatalogueEntry, ...] = field(default=(), repr=False)
    tables: LanguageTables | None = field(default=None, repr=False)
    # A small file's batches, read whole by the first pass and handed over once (not read
    # again); never pickled along (the Dask path reads its own).
    held: list[pa.Table] | None = field(default=None, repr=False, compare=False)
    # The held batches' event times (ns, NaT where unreadable), looked up from the first
    # pass's reading of their distinct values: the times are parsed once, not twice.
    held_times: list[np.ndarray] | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["held"] = state["held_times"] = None
        return state

    def batches(self, counter: stream.Counter | None = None) -> Iterator[pa.Table]:
        """The raw data batches (text columns ``c<i>``), as the first pass read them."""
        for table, _ in self.timed_batches(counter):
            yield table

    def timed_batches(
        self, counter: stream.Counter | None = None
    ) -> Iterator[tuple[pa.Table, np.ndarray | None]]:
        """The raw batches, each with its event times when the first pass read them
        already (None: ``TimeDecision.read`` reads them)."""
        held, times = self.held, self.held_times
        if held is not None:
            object.__setattr__(self, "held", None)  # each batch is freed once it is used
            object.__setattr__(self, "held_times", None)
            while held:
                yield held.pop(0), times.pop(0) if times is not None else None
            return
        try:
            for table in stream.batches(self.source, self.plan, None, counter or stream.Counter()):
                yield table, None
        except stream.ParseFailure as exc:
            raise BadInputError(exc.sentence()) from exc


class _TimeStats:
    """Per batch: a spread sample and the distinct values with their row counts."""

    def __init__(self, time_index: int, language_columns: list[int], hold: bool) -> None:
        self.time = f"c{time_index}"
        self.held: list[pa.Table] | None = [] if hold else None
        self.samples = SpreadSample()
        self.parts: list[pa.Table] = []
        self.pending = 0
        self.distinct: pa.Table | None = None
        self.listed = 0  # rows of ``distinct``
        self.codes: list[np.ndarray] = []  # held batches: each row's place in the list
        self.overflow = False
        self.language_columns = [f"c{i}" for i in language_columns]
        self.language_values: dict[str, set[str]] = {c: set() for c in self.language_columns}

    def __call__(self, batch: pa.Table) -> None:
        if self.held is not None:
            self.held.append(batch)
        column = batch.column(self.time)
        self.samples.add(column)
        for name in self.language_columns:
            if name in batch.column_names:
                self.language_values[name].update(
                    v for v in pc.unique(batch.column(name)).to_pylist() if v is not None
                )
        if self.overflow:
            return
        if self.held is not None:  # the batch is kept: remember where each value is listed
            encoded = pc.dictionary_encode(column.combine_chunks(), null_encoding="encode")
            codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), np.int64)
            values = encoded.dictionary
            counts = np.bincount(codes, minlength=len(values))
            self.codes.append(codes + (self.listed + self.pending))
            self.parts.append(pa.table({"v": values, "n": pa.array(counts)}))
            self.pending += len(values)
        else:
            found = pc.value_counts(column)
            self.parts.append(pa.table({"v": found.field("values"), "n": found.field("counts")}))
            self.pending += len(found)
        if self.pending > DISTINCT_TIMES // 8:
            self._merge()

    def _merge(self) -> None:
        """Batches' counts side by side (a value seen in two batches is listed twice, each
        with its batch's count: weighted sums stay exact without a costly group-by)."""
        parts = ([self.distinct] if self.distinct is not None else []) + self.parts
        self.parts, self.pending = [], 0
        if not parts:
            return
        self.distinct = pa.concat_tables(parts)
        if self.distinct.num_rows > DISTINCT_TIMES:
            self.overflow = True
            self.codes = []  # the list is cut short: the batches' times are read again
            self.distinct = self.distinct.slice(0, DISTINCT_TIMES)
        self.listed = self.distinct.num_rows

    def finish(self) -> tuple[pa.Array, pa.Array, np.ndarray, pa.Array]:
        """The pattern's sample, the distinct values and their counts, the spread sample."""
        self._merge()
        table = self.distinct if self.distinct is not None else pa.table({"v": [], "n": []})
        values = table.column("v").combine_chunks()
        weights = np.asarray(table.column("n").to_numpy(), dtype=np.int64)
        sample = self.samples.values()
        spread = sample
        if len(sample) > SPREAD_VALUES:
            spread = sample.take(
                pa.array(np.linspace(0, len(sample) - 1, SPREAD_VALUES, dtype=int))
            )
        return dates.spread_sample(sample), values, weights, spread


def _base_plan(source: read.Source, layout: detect.Layout) -> stream.ReadPlan:
    keep = tuple(i for i in range(layout.ncols) if i not in layout.dropped)
    nulls = ("", "NULL", "\\N") if layout.layout in ("logstore", "legacy_log") else ("",)
    return stream.ReadPlan(source.encoding, False, False, nulls, layout.ncols, layout.skip, keep)


def _noop(_percent: int, _stage: str) -> None:
    return None


def first_pass(
    path: Path,
    progress: Callable[[int, str], None] = _noop,
    *,
    original_name: str | None = None,
    names: bool = False,
    tried_encodings: frozenset[str] = frozenset(),
    hold_up_to: int = 0,
) -> Decisions:
    """Sniff, detect and stream the needed columns once; raise BadInputError when unusable.

    ``names``: also collect the names to pseudonymise (a second scan of the name columns).
    ``tried_encodings``: encodings a later pass found wrong further into the file.
    ``hold_up_to``: a file of at most this many bytes is read whole by this pass and its
    batches are kept for ``Decisions.batches()`` (the same batches: read once, not twice).
    """
    path = Path(path)
    progress(0, "read")
    tables, catalogue = load_languages(), load_catalogue()
    source = read.open_input(path)
    layout = detect.detect_layout(source.sample_rows, tables)
    time_name = "timecreated" if layout.layout == "logstore" else "time"
    time_index = layout.columns[time_name]
    guess = layout.language is None and layout.layout in ("report", "report_site")
    language_columns = [
        layout.columns[c] for c in ("component", "event_name") if guess and c in layout.columns
    ]
    stats: list[_TimeStats] = []
    hold = source.table is None and 0 < path.stat().st_size <= hold_up_to
    base = _base_plan(source, layout)

    def start() -> _TimeStats:
        stats.append(_TimeStats(time_index, language_columns, hold))
        return stats[-1]

    progress(5, "read")
    columns = list(base.keep) if hold else [time_index, *language_columns]
    plan, counter = stream.choose_plan(source, base, columns, start, tried_encodings, hold)
    rows, malformed = counter.rows, counter.malformed
    rows_in = rows + malformed
    if rows == 0 and malformed:
        raise BadInputError(
            f"None of the {malformed} rows has the {layout.ncols} columns of the first row: "
            "check the delimiter and quoting, or download the log again."
        )
    if rows == 0:
        raise BadInputError("The file has no log rows that could be read: the log is empty.")
    if malformed * 2 > rows_in:
        raise BadInputError(
            f"Most rows ({malformed} of {rows_in}) do not have the {layout.ncols} columns of the "
            "first rows: the file's quoting is broken; download the log again."
        )
    progress(15, "read")
    visited = stats[-1]
    if guess:
        values = visited.language_values
        component = values.get(f"c{layout.columns.get('component')}", set())
        event_name = values.get(f"c{layout.columns.get('event_name')}", set())
        language, confidence = detect.guess_language(sorted(component), sorted(event_name), tables)
        layout = dataclasses.replace(layout, language=language, language_confidence=confidence)
    times, stamps = _decide_times(visited, tables.months, original_name or path.name)
    held_times = None
    if visited.held is not None and len(visited.codes) == len(visited.held):
        held_times = [stamps[codes] for codes in visited.codes]
    if times.unreadable is not None:
        refuse_unreadable_times(times.unreadable, rows, times.first_unreadable)
    decisions = Decisions(
        source=source,
        layout=layout,
        plan=plan,
        times=times,
        rows_in=rows_in,
        malformed=malformed,
        detection=_detection(source, layout, times),
        warnings=tuple(_warnings(source, times)),
        catalogue=catalogue,
        tables=tables,
        held=visited.held,
        held_times=held_times,
    )
    if names:
        progress(20, "read")
        from moodlelogsmart_gui.pipeline.ingest.batch import collect_batch_names

        found: set[str] = set()
        scan = decisions.held if decisions.held is not None else decisions.batches()
        for batch in scan:
            found |= collect_batch_names(batch, decisions)
        decisions = dataclasses.replace(
            decisions, names=tuple(sorted(found, key=lambda n: (-len(n), n)))
        )
    progress(25, "detect")
    return decisions


def refuse_unreadable_times(unreadable: int, rows: int, example: str | None) -> None:
    """Most times unreadable: one sentence, with an example value (not when private)."""
    if rows and unreadable * 2 > rows:
        shown = printable(example) if example is not None else "(empty)"
        most = f"Most times ({unreadable} of {rows} rows) could not be read as dates"
        advice = "check that the Time column holds Moodle's dates."
        raise BadInputError(f"{most}, e.g. '{shown}': {advice}", without_data=f"{most}: {advice}")


def _decide_times(
    stats: _TimeStats, months: dict[str, int], name: str
) -> tuple[TimeDecision, np.ndarray]:
    """The decision, and the time of each distinct value listed (read as decided: every
    value reads alone, so a batch's values read the same in the main pass)."""
    sample, values, weights, spread = stats.finish()
    downloaded = download_name.download_time(name)
    year = downloaded.year if downloaded else download_name.current_year()
    source = "the file name" if downloaded else "the current year"
    parsed = dates.parse_times(
        values, months, year, source, downloaded, sample=sample, weights=weights
    )
    bad = values.filter(pa.array(np.isnat(parsed.timestamps))).drop_null()
    decision = TimeDecision(
        sample=sample,
        order=parsed.date_order,
        date_format=parsed.date_format,
        ambiguous=parsed.ambiguous,
        timezone=parsed.timezone,
        warnings=tuple(parsed.warnings),
        months=months,
        default_year=year,
        year_source=source,
        downloaded=downloaded,
        unreadable=None if stats.overflow else parsed.unreadable,
        first_unreadable=bad[0].as_py() if len(bad) else None,
        spread=spread,
    )
    return decision, parsed.timestamps


def _column_report(layout: detect.Layout) -> dict[str, str]:
    from moodlelogsmart_gui.pipeline.ingest import column_sources

    wanted = {k: v for k, v in column_sources(layout.layout).items() if v in layout.columns}
    return {k: layout.headers[layout.columns[v]] for k, v in wanted.items()}


def _detection(source: read.Source, layout: detect.Layout, times: TimeDecision) -> dict[str, Any]:
    shown_layout = layout.layout
    if source.file_format in ("xlsx", "ods") and layout.layout in ("report", "report_site"):
        shown_layout = "spreadsheet_report"
    detection: dict[str, Any] = {
        "file_format": source.file_format,
        "encoding": source.encoding,
        "encoding_confidence": source.encoding_confidence,
        "delimiter": read.delimiter_name(source.delimiter),
        "line_ending": source.line_ending,
        "compression": source.compression,
        "layout": shown_layout,
        "site_wide": layout.layout == "report_site",
        "header_row": layout.header_row,
        "columns": _column_report(layout),
        "date_format": times.date_format,
        "date_order": times.order,
        "date_order_ambiguous": times.ambiguous,
        "date_confidence": 0.0,  # set when the rows have been read
        "timezone": times.timezone,
    }
    if layout.dropped:
        detection["dropped_index_column"] = True
    return detection


def _warnings(source: read.Source, times: TimeDecision) -> list[str]:
    warnings = list(times.warnings)
    warnings += [
        TEMPLATES["damaged_utf8"].format(count=note.split(" ", 1)[0])
        for note in source.notes
        if "replaced" in note
    ]
    if source.encoding_confidence == "low" and source.encoding not in ("utf-8", "utf-8-sig"):
        warnings.append(TEMPLATES["uncertain_encoding"].format(encoding=source.encoding))
    return warnings
