"""How the analyst members are encoded, on generated data: Parquet stored in the ZIP without
a second compression, and the OCEL events written batch by batch (Parquet's column types on
the streams: ``test_stream_members.py``)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from moodlelogsmart_gui.pipeline import PipelineOptions, package, process_file
from moodlelogsmart_gui.pipeline.export_ocel import OcelWriter
from tests.fixtures.moodle_logs import make_report_log, write_report_csv


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
    texts = set()
    for batch_rows in (1, 7, size):
        writer = OcelWriter(["Quiz", "View"], "")
        chunks = [writer.header()]
        for start in range(0, size, batch_rows):
            batch = frame.iloc[start : start + batch_rows].reset_index(drop=True)
            chunks.append(writer.events(batch))
        chunks.append(writer.footer())
        texts.add(b"".join(bytes(c) for c in chunks))
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


def test_ocel_event_ids_count_on_across_batches_and_thousands() -> None:
    size = 2_345
    frame = pd.DataFrame(
        {
            "timestamp": pd.date_range("2023-12-31 23:00", periods=size, freq="53s"),
            "activity_type": pd.Categorical(["View"] * size),
            "case_id": pd.Categorical([f"u{i % 4}" for i in range(size)]),
            "case_label": pd.Categorical([f"Student {i % 4}" for i in range(size)]),
            "event_name": pd.array(["Course viewed"] * size, "string"),
        }
    )
    for offset in ("", "+00:00"):
        writer = OcelWriter(["View"], offset)
        chunks = [writer.header()]
        for start in range(0, size, 999):
            batch = frame.iloc[start : start + 999].reset_index(drop=True)
            chunks.append(writer.events(batch))
        chunks.append(writer.footer())
        events = json.loads(b"".join(bytes(c) for c in chunks))["events"]
        assert [e["id"] for e in events] == [f"e{i + 1}" for i in range(size)]
        expected = frame["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S") + offset
        assert [e["time"] for e in events] == expected.tolist()


def test_ocel_times_of_days_near_and_far_apart_in_one_batch() -> None:
    stamps = pd.to_datetime(
        [
            *("2024-03-01 00:00:00", "1999-12-31 23:59:59", "2024-03-02 12:30:05"),
            *("2024-03-01 08:00:00", "1970-01-01 00:00:01", "2031-07-04 18:45:00"),
        ]
    )
    frame = pd.DataFrame(
        {
            "timestamp": stamps,
            "activity_type": pd.Categorical(["View"] * len(stamps)),
            "case_id": pd.Categorical(["u1"] * len(stamps)),
            "case_label": pd.Categorical(["Student 1"] * len(stamps)),
            "event_name": pd.array(["Course viewed"] * len(stamps), "string"),
        }
    )
    near = frame.iloc[[0, 2, 3]].reset_index(drop=True)  # days side by side
    for batch in (frame, near):
        writer = OcelWriter(["View"], "+00:00")
        text = b"".join(bytes(c) for c in (writer.header(), writer.events(batch), writer.footer()))
        times = [e["time"] for e in json.loads(text)["events"]]
        assert times == (batch["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S") + "+00:00").tolist()
