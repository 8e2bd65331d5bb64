"""How the analyst members are encoded, on generated data: Parquet's column types (plain text
for values that barely repeat, dictionaries cut to each row group), Parquet stored in the
ZIP without a second compression, and the OCEL events written batch by batch."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from moodlelogsmart_gui.pipeline import PipelineOptions, package, process_file
from moodlelogsmart_gui.pipeline.export_ocel import OcelWriter, ocel_chunks
from moodlelogsmart_gui.pipeline.export_parquet import (
    SMALL_DICTIONARY,
    ParquetColumns,
    parquet_chunks,
)
from tests.fixtures.moodle_logs import make_report_log, write_report_csv


def _parquet(frame: pd.DataFrame, batch_rows: int) -> pq.ParquetFile:
    columns = ParquetColumns(frame, [(c, c) for c in frame.columns], None)
    rows = np.arange(len(frame))[::-1].copy()  # not the frame's order
    data = b"".join(parquet_chunks(columns, frame, rows, batch_rows))
    return pq.ParquetFile(io.BytesIO(data))


def _values(series: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else str(v) for v in series.tolist()]


def test_parquet_column_types_and_values_by_how_text_repeats() -> None:
    size = 3 * SMALL_DICTIONARY
    rng = np.random.default_rng(3)
    many = rng.integers(0, 2 * SMALL_DICTIONARY, size)  # a large dictionary, values repeat
    frame = pd.DataFrame(
        {
            "unique": pd.array([f"t{i:06d}" for i in range(size)], dtype="string"),
            "repeated": pd.array([f"v{i}" for i in rng.integers(0, 7, size)], dtype="string"),
            "large": pd.array([f"name {i}" for i in many], dtype="string"),
            "gaps": pd.array([None if i % 5 == 0 else f"g{i % 3}" for i in range(size)], "string"),
            "number": pd.array([str(i * 7) for i in range(size)], dtype="string"),
        }
    )
    frame.loc[3, "large"] = None
    parquet = _parquet(frame, batch_rows=1_000)
    table = parquet.read()
    types = {field.name: field.type for field in table.schema}
    assert types["unique"] == pa.string()
    assert pa.types.is_dictionary(types["repeated"]) and pa.types.is_dictionary(types["large"])
    assert pa.types.is_dictionary(types["gaps"])
    assert types["number"] == pa.int64()
    back = table.to_pandas()
    expected = frame.iloc[::-1].reset_index(drop=True)
    for column in ("unique", "repeated", "large", "gaps"):
        assert _values(back[column]) == _values(expected[column]), column
    assert back["number"].tolist() == [int(v) for v in expected["number"]]
    assert parquet.metadata.num_row_groups == 13
    # each row group holds the part of the large dictionary it uses, not all of it
    for group in range(parquet.metadata.num_row_groups):
        chunk = parquet.read_row_group(group, columns=["large"]).column("large").chunks[0]
        assert len(chunk.dictionary) <= len(chunk) < SMALL_DICTIONARY


def test_parquet_is_stored_in_the_zip_and_other_members_deflated(tmp_path: Path) -> None:
    log = make_report_log(400, seed=2, logged_in_as=0)
    src = write_report_csv(tmp_path / "logs_course.csv", log.rows, log.lang, "4")
    dest = tmp_path / "result.zip"
    summary = process_file(src, dest, PipelineOptions())
    archive = zipfile.ZipFile(dest)
    assert archive.testzip() is None
    methods = {info.filename: info.compress_type for info in archive.infolist()}
    assert methods.pop("enriched_log.parquet") == zipfile.ZIP_STORED
    assert set(methods.values()) == {zipfile.ZIP_DEFLATED}
    frame = pd.read_parquet(io.BytesIO(archive.read("enriched_log.parquet")))
    assert len(frame) == summary["rows_out"]


@pytest.mark.parametrize("zip64", [False, True])
def test_stored_members_are_readable_with_and_without_zip64(tmp_path: Path, zip64: bool) -> None:
    dest = tmp_path / "stored.zip"
    data = np.random.default_rng(1).bytes(50_000)
    writer = package.ZipWriter(dest, force_zip64=zip64)
    writer.add("a.parquet", [data[:20_000], data[20_000:]])
    writer.add("b.csv", [b"x,y\n" * 500])
    writer.close()
    archive = zipfile.ZipFile(dest)
    assert archive.testzip() is None
    assert archive.getinfo("a.parquet").compress_type == zipfile.ZIP_STORED
    assert archive.getinfo("a.parquet").compress_size == len(data)
    assert archive.read("a.parquet") == data
    assert archive.read("b.csv") == b"x,y\n" * 500


def test_ocel_events_are_the_same_in_any_batch_size() -> None:
    size = 60
    rng = np.random.default_rng(9)
    frame = pd.DataFrame(
        {
            "timestamp": pd.date_range("2024-03-01", periods=size, freq="37min"),
            "activity_type": pd.Categorical(rng.choice(["Quiz", "View", ""], size)),
            "case_id": pd.Categorical([f"u{i}" for i in rng.integers(0, 20, size)]),
            "case_label": pd.Categorical([f"Student {i}" for i in rng.integers(0, 20, size)]),
            "event_name": pd.array(rng.choice(["\\mod\\viewed", " ", 'x"y'], size), "string"),
            "component": pd.array(rng.choice(["Quiz", "-", None], size), "string"),
            "bloom_level": pd.Categorical(rng.choice(["Remember", "Apply"], size)),
            "course": pd.array(rng.choice(["C1", "C2", ""], size), "string"),
            "cmid": pd.array(rng.choice(["10", "11", None], size), "string"),
        }
    )
    rows = np.arange(size)
    texts = set()
    for batch_rows in (1, 7, size):
        writer = OcelWriter(["Quiz", "View"], "")
        texts.add(b"".join(bytes(c) for c in ocel_chunks(writer, frame, rows, batch_rows)))
    assert len(texts) == 1
    document = json.loads(texts.pop())
    assert [e["id"] for e in document["events"]] == [f"e{i + 1}" for i in range(size)]
    for event, (_, row) in zip(document["events"], frame.iterrows(), strict=True):
        assert event["type"] == row["activity_type"]
        names = [a["name"] for a in event["attributes"]]
        assert names[0] == "event_name"
        assert ("component" in names) == (str(row["component"]) == "Quiz")
        kinds = [r["objectId"].split(":")[0] for r in event["relationships"]]
        assert kinds[0] == "student"
        assert ("course" in kinds) == (row["course"] != "")
        assert ("course_module" in kinds) == isinstance(row["cmid"], str)
