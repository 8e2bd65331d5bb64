"""The result ZIP's members as passes over the spilled events (what ``run._Job`` writes).

Two global orders: time (``enriched_log.csv`` pair, Parquet, OCEL, and the per-case figures
of ``analysis.CaseStream``: each case's events come in time order here) and case then time
(the XES pair, only when wanted). Each stream numbers the sessions itself; both give the
same numbers. The time stream always runs: the summary's sessions and directly-follows
counts come from it. students.csv and process_map.svg are written from its results, then
summary.json. Members are listed in the ZIP in ``members.ALL_OUTPUTS`` order whatever pass
produced them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from moodlelogsmart_gui.members import ALL_OUTPUTS
from moodlelogsmart_gui.pipeline.analysis import CaseStream
from moodlelogsmart_gui.pipeline.classify import RuleSet
from moodlelogsmart_gui.pipeline.export_csv import CLASSIFICATION, ENRICHMENT, SESSION
from moodlelogsmart_gui.pipeline.options import PipelineOptions
from moodlelogsmart_gui.pipeline.package import Member
from moodlelogsmart_gui.pipeline.session_lengths import SessionLengths, held_pairs
from moodlelogsmart_gui.pipeline.sessions import SessionTracker
from moodlelogsmart_gui.pipeline.stream.analyst_writers import (
    CaseFigures,
    OcelMember,
    ParquetMember,
    RuleColumns,
)
from moodlelogsmart_gui.pipeline.stream.books import Cases
from moodlelogsmart_gui.pipeline.stream.spill import TIGHT_MB, Heartbeat, Spill
from moodlelogsmart_gui.pipeline.stream.writers import (
    CASE_ORDER,
    TIME_ORDER,
    BatchWriter,
    Chunk,
    CsvWriter,
    SortedStream,
    XesWriter,
)

CSV_PAIR = ALL_OUTPUTS[0:2]
XES_PAIR = ALL_OUTPUTS[2:4]
# Percent ranges of the two passes (the enrichment before them ends at 60).
STREAMS = ((60, 80), (80, 97))


class Picked:
    """Only the wanted members of a writer that makes several in one pass."""

    def __init__(self, writer: BatchWriter, wanted: Callable[[str], bool]) -> None:
        self.writer = writer
        self._keep = [i for i, name in enumerate(writer.members) if wanted(name)]
        self.members: tuple[str, ...] = tuple(writer.members[i] for i in self._keep)
        self.columns: tuple[str, ...] = writer.columns

    def _pick(self, chunks: tuple[Chunk, ...]) -> tuple[Chunk, ...]:
        return tuple(chunks[i] for i in self._keep)

    def start(self) -> tuple[Chunk, ...]:
        return self._pick(self.writer.start())

    def write(self, batch: Any) -> tuple[Chunk, ...]:
        return self._pick(self.writer.write(batch))

    def finish(self) -> tuple[Chunk, ...]:
        return self._pick(self.writer.finish())


@dataclass
class Layout:
    """What the writers need to know about the file and its cases."""

    cases: Cases
    templates: list[str]
    time_range: tuple[int, int]
    original: list[tuple[str, str]]
    integers: set[str]  # original columns (frame names) written as integers in Parquet
    utc: bool
    attributes: tuple[Mapping[str, str], Mapping[str, str]]  # XES log attributes
    # spilled analyst text columns held as codes -> their values (``analyst.TextBooks``)
    texts: Mapping[str, pa.Array] = field(default_factory=dict)

    @property
    def offset(self) -> str:
        return "+00:00" if self.utc else ""


def result_members(
    options: PipelineOptions,
    rules: RuleSet,
    layout: Layout,
    spill: Spill,
    beat: Heartbeat,
    rows: int,
    summary: dict[str, Any],
    summary_bytes: Callable[[], Iterable[bytes]],
) -> tuple[list[Member], list[str]]:
    """The ZIP's members (passes first) and every member name in the order they are listed.

    ``summary`` gets the sessions and directly-follows keys when the time pass ends.
    """
    wants = options.wants
    columns = RuleColumns(rules)
    lengths = SessionLengths(spill.folder / "sessions.arrow", held_pairs(options.memory_mb))
    figures = CaseStream(rules, options.session_gap_minutes, lengths)
    headers = [h for h, _ in layout.original] + list(ENRICHMENT + CLASSIFICATION + SESSION)
    timed: list[BatchWriter] = []
    # a tight job writes Parquet and OCEL in line: no row group or batch held one step longer
    tight = options.memory_mb < TIGHT_MB
    if any(wants(name) for name in CSV_PAIR):
        timed.append(Picked(CsvWriter(CSV_PAIR, headers, layout.cases), wants))
    if wants("enriched_log.parquet"):
        parquet = ParquetMember(
            layout.original,
            layout.integers,
            columns,
            layout.cases,
            "UTC" if layout.utc else None,
            layout.texts,
            ahead=not tight,
        )
        timed.append(parquet)
    if wants("enriched_log.ocel.json"):
        ocel = OcelMember(
            figures.activities, layout.offset, columns, layout.cases, layout.texts, not tight
        )
        ocel.present(spill.schema.names if spill.schema is not None else [])
        timed.append(ocel)
    timed.append(CaseFigures(figures, columns, layout.cases))
    gap = options.session_gap_minutes
    time_stream = SortedStream(TIME_ORDER, timed, sessions=SessionTracker(gap))

    def after_time_pass() -> None:
        summary.update(figures.summary())

    members: list[Member] = [
        (time_stream.members, _chunks(time_stream, spill, beat, rows, STREAMS[0], after_time_pass))
    ]
    if any(wants(name) for name in XES_PAIR):
        xes = XesWriter(
            XES_PAIR,
            layout.attributes,
            layout.cases,
            layout.templates,
            layout.time_range,
            layout.offset,
        )
        case_stream = SortedStream(CASE_ORDER, [Picked(xes, wants)], sessions=SessionTracker(gap))
        members.append(
            (case_stream.members, _chunks(case_stream, spill, beat, rows, STREAMS[1], None))
        )
    if wants("students.csv"):
        members.append(("students.csv", lambda: [figures.students_csv(layout.offset)]))
    if wants("process_map.svg"):

        def svg() -> list[bytes]:
            from moodlelogsmart_gui.pipeline.export_svg import process_map_svg

            return [process_map_svg(summary).encode("utf-8")]

        members.append(("process_map.svg", svg))
    members.append(("summary.json", summary_bytes))
    order = [name for name in ALL_OUTPUTS if wants(name)]
    return members, order


def _chunks(
    stream: SortedStream,
    spill: Spill,
    beat: Heartbeat,
    rows: int,
    span: tuple[int, int],
    done: Callable[[], None] | None,
) -> Callable[[], Iterable[Sequence[Any]]]:
    low, high = span

    def make() -> Iterator[Sequence[Any]]:
        beat.set(low, "sort")
        yield from stream.chunks(
            spill, rows, lambda pct: beat.set(low + (high - low) * pct // 100, "export")
        )
        if done is not None:
            done()

    return make
