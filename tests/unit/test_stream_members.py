"""The analyst members on the streams, on generated data: which text columns are spilled as
file-wide codes (``TextBooks``, whatever the batches' sizes), the streaming Parquet's column
types (plain text for values that barely repeat, dictionaries cut to each row group,
integers)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from moodlelogsmart_gui.pipeline import PipelineOptions, process_file
from moodlelogsmart_gui.pipeline.stream import analyst_writers
from moodlelogsmart_gui.pipeline.stream.analyst import SAMPLE, TextBooks, text_of
from moodlelogsmart_gui.pipeline.stream.analyst_writers import compact
from tests.fixtures.moodle_logs import make_report_log, write_report_csv


def _batches(values: dict[str, list[str | None]], sizes: list[int]) -> list[pa.Table]:
    """The columns cut into tables of ``sizes`` rows, each column as a batch gives it:
    dictionary codes into the batch's values (``text_of``) or plain text."""
    tables, start = [], 0
    for size in sizes:
        rows = np.arange(start, start + size)
        columns = {}
        for name, column in values.items():
            series = pd.Series(pd.array(column, dtype="string"))
            columns[name] = (
                text_of(series, rows) if name != "p_plain" else pa.array(column[start:][:size])
            )
        tables.append(pa.table({"row": pa.array(rows), **columns}))
        start += size
    return tables


def _spilled(books: TextBooks, tables: list[pa.Table]) -> list[pa.Table]:
    out = [t for table in tables for t in books.code(table)]
    return out + books.rest()


def test_text_books_code_repeating_columns_whatever_the_batch_sizes() -> None:
    size = 3 * SAMPLE
    rng = np.random.default_rng(4)
    names = [f"Student {i}" if i % 11 else None for i in rng.integers(0, 50, size)]
    values: dict[str, list[str | None]] = {
        "p_name": names,
        "p_time": [f"2024-03-01 10:{i // 60 % 60:02d}:{i % 60:02d}.{i}" for i in range(size)],
        "o_course": [f"C{i % 3}" for i in range(size)],
        "p_plain": [f"v{i % 5}" for i in range(size)],  # plain text in, repeating: coded
    }
    results = []
    for sizes in ([size], [1, 2, SAMPLE, size - SAMPLE - 3], [SAMPLE // 2] * 6):
        books = TextBooks()
        tables = _spilled(books, _batches(values, sizes))
        assert sum(t.num_rows for t in tables) == size
        table = pa.concat_tables(tables)
        dictionaries = books.dictionaries()
        assert set(dictionaries) == {"p_name", "o_course", "p_plain"}  # p_time barely repeats
        assert table.schema.field("p_time").type == pa.string()
        assert table.column("p_time").to_pylist() == values["p_time"]
        for name in dictionaries:
            assert table.schema.field(name).type == pa.int32()
            codes = table.column(name).combine_chunks()
            assert dictionaries[name].take(codes).to_pylist() == values[name], name
        assert table.column("p_name").null_count == names.count(None)
        results.append((table, dictionaries))
    first_table, first_books = results[0]
    for table, dictionaries in results[1:]:
        assert table.equals(first_table)
        assert dictionaries.keys() == first_books.keys()
        assert all(dictionaries[n].equals(first_books[n]) for n in dictionaries)


def test_compact_keeps_only_the_values_a_group_uses() -> None:
    values = pa.array([f"name {i}" for i in range(1000)], pa.string())
    codes = pa.array([999, 3, None, 3, 500], pa.int32())
    group = compact(codes, values)
    assert group.dictionary.to_pylist() == ["name 3", "name 500", "name 999"]
    assert group.to_pylist() == ["name 999", "name 3", None, "name 3", "name 500"]
    assert compact(pa.array([], pa.int32()), values).to_pylist() == []


def test_streaming_parquet_types_and_row_group_dictionaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analyst_writers, "ROW_GROUP", 20)
    log = make_report_log(3_000, seed=8, logged_in_as=0)
    src = write_report_csv(tmp_path / "logs_course.csv", log.rows, log.lang, "4")
    dest = tmp_path / "result.zip"
    summary = process_file(src, dest, PipelineOptions(pseudonymize=False))
    archive = zipfile.ZipFile(dest)
    parquet = pq.ParquetFile(io.BytesIO(archive.read("enriched_log.parquet")))
    table = parquet.read()
    types = {field.name: field.type for field in table.schema}
    assert types["Time"] == pa.string()  # the log's own time text: (almost) unique
    for name in ("User full name", "Event name", "Component", "case_id", "event_key"):
        assert pa.types.is_dictionary(types[name]), name
    assert types["session_id"] == pa.int64()
    assert parquet.metadata.num_row_groups == -(-summary["rows_out"] // 20)
    text = archive.read("enriched_log.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    for name in ("Time", "User full name", "Event name", "Description"):
        written = [v.lstrip("'") if v.startswith("'") else v for v in (r[name] for r in rows)]
        assert [("" if v is None else v) for v in table.column(name).to_pylist()] == written
    names = set(table.column("Event name").to_pylist())
    sizes = []
    for group in range(parquet.metadata.num_row_groups):
        chunk = parquet.read_row_group(group, columns=["Event name"]).column(0).chunks[0]
        assert len(chunk.dictionary) == len(set(chunk.to_pylist()))  # only the values used
        sizes.append(len(chunk.dictionary))
    assert min(sizes) < len(names)


def test_threaded_parquet_and_ocel_bytes_do_not_depend_on_the_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parquet's row groups and OCEL's event bytes are built on threads of their own, one
    row group or batch behind (in line in a tight job): the members are the same whatever
    the sorted batches and either way."""
    from moodlelogsmart_gui.pipeline.stream import spill

    monkeypatch.setattr(analyst_writers, "ROW_GROUP", 50)
    log = make_report_log(1_500, seed=12, logged_in_as=0)
    src = write_report_csv(tmp_path / "logs_course.csv", log.rows, log.lang, "4")
    members = []
    threads = []
    start = analyst_writers.OcelMember.start

    def started(self: analyst_writers.OcelMember) -> tuple[bytes | pa.Buffer, ...]:
        threads.append(self.ahead)
        return start(self)

    monkeypatch.setattr(analyst_writers.OcelMember, "start", started)
    for rows, memory in ((7, 2048), (64, 256), (100_000, 2048), (100_000, 256)):
        monkeypatch.setattr(spill, "sorted_batch_rows", lambda _memory, rows=rows: rows)
        dest = tmp_path / f"result_{rows}_{memory}.zip"
        rows_out = process_file(src, dest, PipelineOptions(memory_mb=memory))["rows_out"]
        archive = zipfile.ZipFile(dest)
        members.append(
            (archive.read("enriched_log.parquet"), archive.read("enriched_log.ocel.json"))
        )
    assert threads == [True, False, True, False]
    assert all(member == members[0] for member in members)
    document = json.loads(members[0][1])
    assert [e["id"] for e in document["events"]] == [f"e{i + 1}" for i in range(rows_out)]
    parquet = pq.ParquetFile(io.BytesIO(members[0][0]))
    assert parquet.metadata.num_rows == rows_out
    assert parquet.metadata.num_row_groups == -(-rows_out // 50)


def test_an_error_writing_a_parquet_row_group_stops_the_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(self: pq.ParquetWriter, batch: pa.RecordBatch, row_group_size: int = 0) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(pq.ParquetWriter, "write_batch", fail)
    log = make_report_log(300, seed=2, logged_in_as=0)
    src = write_report_csv(tmp_path / "logs_course.csv", log.rows, log.lang, "4")
    with pytest.raises(OSError, match="No space left"):
        process_file(src, tmp_path / "result.zip", PipelineOptions())
