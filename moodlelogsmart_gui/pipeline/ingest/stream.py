"""Read a log as a stream of record batches: the CSV reader's plan, decided once, replayed.

The whole-file reader made three choices while reading (the encoding when UTF-8 fails
further into the file, quote-aware line splitting, skipping rows with the wrong number of
cells). The first pass makes them while streaming the columns it needs; the plan is then
replayed by every later pass, so each pass sees the same rows in the same batches.
Spreadsheets and JSON are read whole (an .xlsx holds at most 1,048,576 rows) and sliced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.csv as pacsv

from moodlelogsmart_gui.pipeline.errors import BadInputError
from moodlelogsmart_gui.pipeline.ingest import csv_table, read
from moodlelogsmart_gui.pipeline.ingest.paced import PacedInput, read_ahead_limit
from moodlelogsmart_gui.pipeline.ingest.sheets import column_names

# Fixed, never derived from the memory setting: the batches (and so every per-batch
# decision) are the same whatever memory a job is given. A batch is a few read blocks, kept
# as separate chunks: the costly text kernels run on them in parallel (arrays.per_chunk).
BATCH_BYTES = 4 << 20
BLOCKS_PER_BATCH = 4
BATCH_ROWS = 100_000
T = TypeVar("T")


class WrongEncoding(Exception):
    """The bytes further into the file do not decode with the encoding of the plan."""

    def __init__(self, encoding: str) -> None:
        super().__init__(encoding)
        self.encoding = encoding


@dataclass(frozen=True)
class ReadPlan:
    """How to read every data row: replayed identically by each pass."""

    encoding: str  # codec given to the reader (csv_table.UTF8_REPLACING for damaged UTF-8)
    newlines: bool  # quote-aware line splitting (cells holding line breaks)
    skip_bad_rows: bool  # rows with the wrong number of cells skipped and counted
    nulls: tuple[str, ...]
    ncols: int
    skip: int
    keep: tuple[int, ...]  # column indexes kept (a dropped index column is not)


@dataclass
class Counter:
    """Rows seen so far by one pass (data rows kept, malformed rows skipped)."""

    rows: int = 0
    malformed: int = 0


def batches(
    source: read.Source,
    plan: ReadPlan,
    columns: list[int] | None,
    counter: Counter,
    *,
    whole: bool = False,
) -> Iterator[pa.Table]:
    """The data rows as tables of text columns ``c<i>`` (only ``columns`` when given).

    ``whole``: read the file in one go with Arrow's threaded reader (a small file: faster,
    and Arrow reports a lack of memory instead of stalling); its chunks are the same read
    blocks, so the batches are the same as streamed ones.
    """
    wanted = list(plan.keep) if columns is None else [i for i in plan.keep if i in columns]
    if source.table is not None:
        table = source.table.slice(plan.skip)
        names = [f"c{i}" for i in wanted if f"c{i}" in table.column_names]
        table = table.select(names)
        for start in range(0, table.num_rows, BATCH_ROWS):
            part = table.slice(start, BATCH_ROWS)
            counter.rows += part.num_rows
            yield part
        return
    yield from _csv_batches(source, plan, wanted, counter, whole)


def _csv_batches(
    source: read.Source, plan: ReadPlan, include: list[int], counter: Counter, whole: bool
) -> Iterator[pa.Table]:
    names = column_names(plan.ncols)

    def skip_row(_row: object) -> str:
        counter.malformed += 1
        return "skip"

    if plan.encoding == csv_table.UTF8_REPLACING:
        csv_table._register_codec()
    read_opts = pacsv.ReadOptions(
        column_names=names,
        skip_rows=plan.skip,
        encoding="utf8" if plan.encoding in ("utf-8", "utf-8-sig") else plan.encoding,
        block_size=BATCH_BYTES,
        use_threads=True,
    )
    parse_opts = pacsv.ParseOptions(
        delimiter=source.delimiter or ",",
        newlines_in_values=plan.newlines,
        invalid_row_handler=skip_row if plan.skip_bad_rows else None,
    )
    convert_opts = pacsv.ConvertOptions(
        column_types={names[i]: pa.large_string() for i in include},
        include_columns=[names[i] for i in include],
        null_values=list(plan.nulls),
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )
    paced: PacedInput | None = None
    try:
        stream = pa.input_stream(str(source.path), compression=source.compression)
        if whole:
            try:
                table = pacsv.read_csv(stream, read_opts, parse_opts, convert_opts)
            except pa.ArrowInvalid as exc:
                if _is_decode_error(exc):
                    raise
                # streamed, the same error comes with the rows read before it
                yield from _csv_batches(source, plan, include, counter, False)
                return
            reader: Any = iter(table.to_batches())
        else:
            if read_ahead_limit():  # a tight job: Arrow reads at most a few blocks ahead
                paced = PacedInput(stream, read_ahead_limit())
                stream = pa.PythonFile(paced, mode="r")
            reader = pacsv.open_csv(stream, read_opts, parse_opts, convert_opts)
        names = [f"c{i}" for i in include]
        blocks: list[pa.RecordBatch] = []
        while True:
            if paced is not None:
                paced.ask()
            try:
                block = next(reader) if whole else reader.read_next_batch()
            except StopIteration:
                break
            if paced is not None:
                paced.took()
            blocks.append(block)
            counter.rows += block.num_rows
            if len(blocks) == BLOCKS_PER_BATCH:
                yield pa.Table.from_batches(blocks).rename_columns(names)
                blocks = []
        if blocks:
            yield pa.Table.from_batches(blocks).rename_columns(names)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if _is_decode_error(exc):
            raise WrongEncoding(plan.encoding) from exc
        raise ParseFailure(counter.rows + counter.malformed + 1, exc) from exc
    except OSError as exc:
        raise BadInputError(
            f"The file could not be read past data row {counter.rows + counter.malformed:,} "
            f"({exc.__class__.__name__}): check that it is a complete copy of the log."
        ) from exc
    finally:
        if paced is not None:
            paced.stop()  # a reader left behind (an error, a job stopped) reads no further


class ParseFailure(Exception):
    """The CSV could not be parsed from about data row ``row`` on."""

    def __init__(self, row: int, cause: Exception) -> None:
        super().__init__(str(cause))
        self.row = row
        self.cause = cause

    def sentence(self) -> str:
        message = str(self.cause).split("\n", 1)[0][:160]
        return (
            f"The CSV file could not be parsed past data row {self.row - 1:,} ({message}): "
            "check that it is a Moodle log download and has not been cut or edited."
        )


def _is_decode_error(exc: Exception) -> bool:
    return isinstance(exc, UnicodeDecodeError) or "UTF8" in str(exc) or "decode" in str(exc)


def candidate_encodings(source: read.Source, tried: frozenset[str]) -> list[str]:
    """Encodings to try, in order (as the whole-file reader tried them)."""
    encodings = [source.encoding]
    if source.encoding in ("utf-8", "utf-8-sig"):
        encodings += [csv_table.UTF8_REPLACING, "cp1252"]
    if not source.encoding.startswith("utf-16") and source.encoding != "latin-1":
        encodings.append("latin-1")
    for encoding in tried:
        source.notes.append(f"{encoding} failed further into the file")
    return [e for e in encodings if e not in tried]


Visit = Callable[[pa.Table], None]


def choose_plan(
    source: read.Source,
    base: ReadPlan,
    columns: list[int],
    start: Callable[[], Visit],
    tried: frozenset[str] = frozenset(),
    whole: bool = False,
) -> tuple[ReadPlan, Counter]:
    """Stream ``columns`` under each candidate plan until one reads the file to the end.

    ``start()`` gives a fresh visitor per attempt (what an attempt gathered is dropped
    when it fails). Returns the plan that worked and the rows it counted.
    """
    if source.table is not None:
        counter, visit = Counter(), start()
        for batch in batches(source, base, columns, counter):
            visit(batch)
        return base, counter
    multiline = csv_table._sample_has_multiline_cells(source.sample_rows)
    for encoding in candidate_encodings(source, tried):
        if encoding == csv_table.UTF8_REPLACING:
            multibyte, invalid = csv_table.utf8_damage(source)
            if multibyte < 10 * invalid:
                continue
            source.notes.append(f"{invalid} invalid UTF-8 byte sequences were replaced")
        try:
            plan, counter = _try_encoding(source, base, encoding, columns, start, multiline, whole)
        except WrongEncoding:
            source.notes.append(f"{encoding} failed further into the file")
            continue
        if encoding != source.encoding:
            source.encoding = "utf-8" if encoding == csv_table.UTF8_REPLACING else encoding
            source.encoding_confidence = "high" if encoding == "cp1252" else "low"
        return plan, counter
    raise BadInputError("The file's text encoding could not be read: save it again as UTF-8 CSV.")


def _try_encoding(
    source: read.Source,
    base: ReadPlan,
    encoding: str,
    columns: list[int],
    start: Callable[[], Visit],
    multiline: bool,
    whole: bool,
) -> tuple[ReadPlan, Counter]:
    """Fast line split first; quote-aware if cells hold line breaks; then skip bad rows."""
    for newlines in (False, True) if not multiline else (True,):
        plan = ReadPlan(encoding, newlines, False, *_rest(base))
        try:
            return plan, _scan(source, plan, columns, start(), whole)
        except ParseFailure:
            continue
    if encoding in ("utf-8", "utf-8-sig") and not csv_table._decodes_as_utf8(source):
        raise WrongEncoding(encoding)
    plan = ReadPlan(encoding, True, True, *_rest(base))
    try:
        return plan, _scan(source, plan, columns, start(), whole)
    except ParseFailure as exc:
        raise BadInputError(exc.sentence()) from exc


def _rest(base: ReadPlan) -> tuple[tuple[str, ...], int, int, tuple[int, ...]]:
    return base.nulls, base.ncols, base.skip, base.keep


def _scan(
    source: read.Source, plan: ReadPlan, columns: list[int], visit: Visit, whole: bool
) -> Counter:
    counter = Counter()
    for batch in batches(source, plan, columns, counter, whole=whole):
        visit(batch)
    return counter


def retrying_encodings(run: Callable[[frozenset[str]], T]) -> T:
    """Run a whole streaming job; when a later batch shows the encoding was wrong (the first
    pass reads only some columns), run it again without that encoding."""
    tried: frozenset[str] = frozenset()
    while True:
        try:
            return run(tried)
        except WrongEncoding as exc:
            if exc.encoding in tried:
                raise BadInputError(
                    "The file's text encoding could not be read: save it again as UTF-8 CSV."
                ) from exc
            tried |= {exc.encoding}
