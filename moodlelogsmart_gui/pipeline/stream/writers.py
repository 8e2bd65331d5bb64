"""Writers of sorted streams: each turns record batches (in one global order) into ZIP members.

A ``SortedStream`` is one DuckDB query over the spilled ``events`` (one ORDER BY ending in
``row``) feeding any number of ``BatchWriter``s, so more outputs (students.csv, Parquet,
OCEL, ...) hang on an existing order without touching the sort. ``extra`` adds SQL
expressions to the stream's columns, e.g. a window over the case ordered by time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeAlias, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moodlelogsmart_gui.pipeline.export_csv import BOM, _clock_strings, csv_field, string_buffer
from moodlelogsmart_gui.pipeline.export_xes import escape_texts, trace_pieces, xes_header
from moodlelogsmart_gui.pipeline.sessions import SessionTracker
from moodlelogsmart_gui.pipeline.stream.books import Cases
from moodlelogsmart_gui.pipeline.stream.spill import Spill

Chunk: TypeAlias = bytes | pa.Buffer
TIME_ORDER = "ts, row"
CASE_ORDER = '"case", ts, row'
SESSION = "session"  # a column added to each sorted batch when the stream has ``sessions``


class BatchWriter(Protocol):
    """Writes ``members`` (one or more ZIP members) from one sorted stream."""

    members: tuple[str, ...]
    columns: tuple[str, ...]  # columns of ``events`` (or of the stream's extras) it reads

    def start(self) -> tuple[Chunk, ...]: ...
    def write(self, batch: pa.RecordBatch) -> tuple[Chunk, ...]: ...
    def finish(self) -> tuple[Chunk, ...]: ...


@dataclass
class SortedStream:
    """One global order of the events and the writers that consume it."""

    order_by: str
    writers: list[BatchWriter] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)  # name -> SQL expression
    inputs: tuple[str, ...] = ("row", "ts", "case")  # columns the order and extras read
    # numbers each event's session (column ``session``) from the case and time columns:
    # within a case both orders follow time then row, so both give the same numbers
    sessions: SessionTracker | None = None

    @property
    def members(self) -> tuple[str, ...]:
        return tuple(name for writer in self.writers for name in writer.members)

    def columns(self) -> list[str]:
        """Spilled columns the query reads (the writers' ones that are not extras)."""
        derived = {*self.extra, SESSION}
        wanted = [c for writer in self.writers for c in writer.columns if c not in derived]
        return list(dict.fromkeys([*self.inputs, *wanted]))

    def query(self) -> str:
        wanted = dict.fromkeys(c for writer in self.writers for c in writer.columns if c != SESSION)
        columns = [f'{self.extra[c]} AS "{c}"' if c in self.extra else f'"{c}"' for c in wanted]
        return f"SELECT {', '.join(columns)} FROM events ORDER BY {self.order_by}"

    def chunks(
        self, spill: Spill, rows: int, progress: Callable[[int], None]
    ) -> Iterator[tuple[Chunk, ...]]:
        """One tuple per step, one buffer per member (see ``package.ZipWriter.add_group``)."""
        yield tuple(chunk for writer in self.writers for chunk in writer.start())
        done = 0
        if self.order_by == TIME_ORDER and not self.extra:
            batches = spill.time_sorted(self.columns())
        elif spill.small(self.columns()) and not self.extra:
            keys = [key.strip().strip('"') for key in self.order_by.split(",")]
            batches = spill.sorted_in_memory(keys, self.columns())
        else:
            batches = spill.sorted(self.query(), self.columns())
        for batch in batches:
            if self.sessions is not None:
                numbers = self.sessions.assign(
                    batch.column("case").to_numpy(), batch.column("ts").to_numpy()
                )
                batch = batch.append_column(SESSION, pa.array(numbers))
            yield tuple(chunk for writer in self.writers for chunk in writer.write(batch))
            done += batch.num_rows
            progress(int(100 * done / rows) if rows else 100)
        yield tuple(chunk for writer in self.writers for chunk in writer.finish())


class CsvWriter:
    """``enriched_log.csv`` and its Bloom-only subset, in time order."""

    columns: tuple[str, ...] = ("case", "bloom", "csv_head", "csv_tail", SESSION)

    def __init__(self, members: tuple[str, str], headers: Sequence[str], cases: Cases) -> None:
        self.members: tuple[str, ...] = members
        fields = csv_field(pa.array(list(headers), type=pa.string())).to_pylist()
        self._header = BOM + (",".join(fields) + "\n").encode("utf-8")
        self._labels = csv_field(pa.array(cases.labels, type=pa.string()))
        self._numbers = pa.array([], pa.string())  # "<n>\n" at n - 1

    def start(self) -> tuple[Chunk, ...]:
        return self._header, self._header

    def _session_ends(self, numbers: pa.Array) -> pa.Array:
        """Each event's session number and the line end."""
        most = pc.max(numbers).as_py() or 0
        if most > len(self._numbers):
            size = max(most, 2 * len(self._numbers), 64)
            self._numbers = pa.array([f"{n}\n" for n in range(1, size + 1)], pa.string())
        return self._numbers.take(pc.subtract(numbers, 1))

    def write(self, batch: pa.RecordBatch) -> tuple[Chunk, ...]:
        label = self._labels.take(batch.column("case"))
        lines = pc.binary_join_element_wise(
            batch.column("csv_head"),
            label,
            batch.column("csv_tail"),
            self._session_ends(batch.column(SESSION)),
            ",",
        )
        return string_buffer(lines), string_buffer(lines.filter(batch.column("bloom")))

    def finish(self) -> tuple[Chunk, ...]:
        return b"", b""


@dataclass
class _Pieces:
    """Every text piece of the XES event lines, end to end (one ``take`` builds a batch's
    lines), and where each kind starts, in the order they appear in an event line: trace
    head, event template, day, time of day, end of time + session, resource and event end.
    The session pieces come last in ``array``, so more can be appended without moving any."""

    array: pa.Array
    starts: np.ndarray
    offset: str
    sessions: int = 0

    def grow(self, most: int) -> None:
        if most <= self.sessions:
            return
        size = max(most, 2 * self.sessions, 64)
        more = [
            f'{self.offset}"/><int key="moodle:session" value="{n}"/>'
            for n in range(self.sessions + 1, size + 1)
        ]
        self.array = pa.concat_arrays([self.array, pa.array(more, pa.string())])
        self.sessions = size


class _Traces:
    """Event lines of one XES document, grouped by case: a trace opens at a case's first
    event and closes after its last, across batch boundaries (one row is held back)."""

    def __init__(self, pieces: _Pieces, no_head: int) -> None:
        self.pieces, self.no_head = pieces, no_head
        self.prev = -1
        self.held: np.ndarray | None = None  # columns: case, template, day, second, session

    def feed(self, rows: np.ndarray, final: bool = False) -> Chunk:
        if self.held is not None:
            rows = np.concatenate([self.held, rows])
            self.held = None
        if not len(rows):
            return b""
        if not final:
            rows, self.held = rows[:-1], rows[-1:]
            if not len(rows):
                return b""
        case = rows[:, 0]
        following = np.append(case[1:], self.held[0, 0] if self.held is not None else -1)
        first = np.empty(len(case), dtype=bool)
        first[0] = case[0] != self.prev
        first[1:] = case[1:] != case[:-1]
        last = case != following
        self.prev = int(case[-1])
        codes = np.empty((len(rows), 6), dtype=np.int32)
        codes[:, 0] = np.where(first, case, self.no_head)
        codes[:, 1:4] = rows[:, 1:4]
        codes[:, 4] = rows[:, 4] - 1
        codes[:, 5] = case * 2 + last
        codes += self.pieces.starts
        return cast(Chunk, string_buffer(self.pieces.array.take(pa.array(codes.ravel()))))


class XesWriter:
    """``enriched_log.xes`` and its Bloom-only subset, grouped by case in time order."""

    columns: tuple[str, ...] = ("case", "bloom", "template", "ts", SESSION)

    def __init__(
        self,
        members: tuple[str, str],
        attributes: tuple[Mapping[str, str], Mapping[str, str]],
        cases: Cases,
        templates: list[str],
        time_range: tuple[int, int],
        offset: str,
    ) -> None:
        self.members: tuple[str, ...] = members
        self._headers = tuple(xes_header(a, offset).encode("utf-8") for a in attributes)
        heads, tails = trace_pieces(escape_texts(cases.ids), escape_texts(cases.labels))
        self._first_day = time_range[0] // 86_400_000_000_000
        days = np.arange(self._first_day, time_range[1] // 86_400_000_000_000 + 1)
        labels_d = np.datetime_as_string(days.astype("datetime64[D]"), unit="D")
        parts = [
            pa.array(heads, pa.string()),
            pa.array(templates, pa.string()),
            pa.array([f"{d}T" for d in labels_d.tolist()], pa.string()),
            _clock_strings(),
            pa.array(tails, pa.string()),
        ]
        begin = np.cumsum([0, *(len(p) for p in parts)])
        starts = np.array([*begin[:4], begin[5], begin[4]], dtype=np.int32)
        self._pieces = _Pieces(pa.concat_arrays(parts), starts, offset)
        self._traces = [_Traces(self._pieces, len(heads) - 1) for _ in members]

    def start(self) -> tuple[Chunk, ...]:
        return self._headers

    def write(self, batch: pa.RecordBatch) -> tuple[Chunk, ...]:
        seconds = batch.column("ts").to_numpy() // 1_000_000_000
        day, second = np.divmod(seconds, 86_400)
        session = batch.column(SESSION).to_numpy()
        if len(session):
            self._pieces.grow(int(session.max()))
        rows = np.column_stack(
            [
                batch.column("case").to_numpy(),
                batch.column("template").to_numpy(),
                day - self._first_day,
                second,
                session,
            ]
        ).astype(np.int64)
        bloom = batch.column("bloom").to_numpy(zero_copy_only=False)
        return self._traces[0].feed(rows), self._traces[1].feed(rows[bloom])

    def finish(self) -> tuple[Chunk, ...]:
        empty = np.zeros((0, 5), dtype=np.int64)
        return tuple(bytes(t.feed(empty, final=True)) + b"</log>\n" for t in self._traces)
