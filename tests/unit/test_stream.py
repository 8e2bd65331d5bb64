"""The streaming pipeline: batches, decisions from the first pass, spill, sorts, writers."""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moodlelogsmart_gui.jobs.outcome import tidy_job_folder
from moodlelogsmart_gui.pipeline import BadInputError, PipelineOptions, process_file, run
from moodlelogsmart_gui.pipeline.ingest import ingest, paced, stream
from moodlelogsmart_gui.pipeline.session_lengths import SessionLengths, held_pairs
from moodlelogsmart_gui.pipeline.stream import spill as spill_module
from moodlelogsmart_gui.pipeline.stream.spill import Heartbeat, Spill, bucket_bytes, tree_bytes
from moodlelogsmart_gui.worker import Protocol
from tests.fixtures.big_logs import write_big_logstore, write_big_report
from tests.fixtures.logstore import write_logstore_csv
from tests.fixtures.moodle_logs import make_report_log, write_report_csv


def members(path: Path) -> dict[str, bytes]:
    archive = zipfile.ZipFile(path)
    return {name: archive.read(name) for name in archive.namelist() if name != "summary.json"}


def summary_of(path: Path) -> dict[str, Any]:
    import json

    summary: dict[str, Any] = json.loads(zipfile.ZipFile(path).read("summary.json"))
    for key in ("seconds", "spill_peak_bytes"):
        summary.pop(key)
    return summary


@pytest.fixture
def duckdb_temp_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Bytes in DuckDB's temp folder once each sort has produced its first batch."""
    sizes: list[int] = []
    original = Spill.sorted

    def sorted_and_measured(
        self: Spill, query: str, columns: Any, batch_rows: int | None = None
    ) -> Iterator[Any]:
        for n, batch in enumerate(original(self, query, columns, batch_rows)):
            if n == 0:
                sizes.append(tree_bytes(self.folder / "duckdb"))
            yield batch

    monkeypatch.setattr(Spill, "sorted", sorted_and_measured)
    return sizes


@pytest.mark.slow
@pytest.mark.timeout(600)  # two runs of 200,000 events (about 30 s on an idle machine)
def test_tiny_memory_spills_every_sort_and_writes_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, duckdb_temp_sizes: list[int]
) -> None:
    src = tmp_path / "logs_big_20240628-1800.csv"
    write_big_report(src, 200_000)
    monkeypatch.setattr(stream, "BATCH_BYTES", 1 << 20)  # about ten batches
    monkeypatch.setattr(spill_module, "SMALL_BYTES", -1)  # DuckDB sorts, whatever the size
    buckets: list[tuple[int, int]] = []  # (time buckets, largest bucket's bytes) per run
    kept: list[bool] = []  # whether the run kept its events in memory
    time_sorted = Spill.time_sorted

    def measured(self: Spill, columns: Any, batch_rows: int | None = None) -> Iterator[Any]:
        buckets.append((self.parts.buckets, max(self.parts.bucket_bytes.values())))
        kept.append(self.parts.in_memory)
        return time_sorted(self, columns, batch_rows)

    monkeypatch.setattr(Spill, "time_sorted", measured)
    written: list[int] = []  # students.csv's session lengths written to the spill, per run
    medians = SessionLengths.medians

    def counted(self: SessionLengths, *args: Any) -> Any:
        written.append(self.written)
        return medians(self, *args)

    monkeypatch.setattr(SessionLengths, "medians", counted)
    monkeypatch.setattr(paced, "_limit", [0])
    results = {}
    for memory in (1, 8192):
        job = tmp_path / f"job{memory}"
        job.mkdir()
        # the tiny run reads as a tight job's worker does: a few blocks ahead at most
        paced.limit_read_ahead(spill_module.READ_AHEAD_BLOCKS if memory == 1 else 0)
        process_file(src, job / "result.zip", PipelineOptions(memory_mb=memory))
        results[memory] = job / "result.zip"
        assert [p.name for p in job.iterdir()] == ["result.zip"]  # the spill folder is gone
    # At the tiny setting the time order (the CSV text, Parquet and OCEL columns: about
    # 100 MB here) was taken from time buckets on disk, each within the job's share (DuckDB
    # cannot sort rows that wide in 64 MB); unconstrained, from one. The case-ordered sort
    # (numbers only, 6 MB here) is DuckDB's both times; it spills only on bigger logs (the
    # 10M-event benchmark at 256 MB).
    # Unconstrained, the events were kept in memory: the two stores give the same bytes.
    (tiny, largest), (whole, _) = buckets
    assert tiny > 4 and whole == 1, buckets
    assert kept == [False, True]
    assert largest <= 2 * bucket_bytes(1), buckets
    assert len(duckdb_temp_sizes) == 2, duckdb_temp_sizes
    assert written[0] > 10 * held_pairs(1) and written[1] == 0, written
    assert members(results[1]) == members(results[8192])
    assert summary_of(results[1]) == summary_of(results[8192])


@pytest.mark.parametrize("kind", ["report", "logstore"])
def test_batches_do_not_change_the_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    if kind == "report":
        src = write_report_csv(tmp_path / "l.csv", make_report_log(3000, "en", "4", seed=5).rows)
    else:
        src = tmp_path / "ls.csv"
        write_logstore_csv(src, 3000, seed=5, null="\\N")
    whole = tmp_path / "whole.zip"
    process_file(src, whole, PipelineOptions())
    monkeypatch.setattr(stream, "BATCH_BYTES", 16 << 10)
    monkeypatch.setattr(stream, "BATCH_ROWS", 128)
    for held in (True, False):  # a small file's batches kept by the first pass, or read again
        monkeypatch.setattr(run, "HOLD_SHARE", 4 if held else 1 << 40)
        # and sorted in process, or by DuckDB
        monkeypatch.setattr(spill_module, "SMALL_BYTES", (32 << 20) if held else -1)
        batched = tmp_path / f"batched{held}" / "result.zip"
        batched.parent.mkdir()
        process_file(src, batched, PipelineOptions())
        assert members(batched) == members(whole)
        assert summary_of(batched)["rows_out"] == summary_of(whole)["rows_out"]
        assert summary_of(batched)["cases"] == summary_of(whole)["cases"]


def test_sorted_runs_merge_into_the_time_order() -> None:
    """Batches put in time order when stored, then merged: slices where the order runs on,
    gathers where it jumps (ties in time across batches), the same order as a full sort."""
    import numpy as np
    import pyarrow as pa

    from moodlelogsmart_gui.pipeline.stream.parts import LONG_RUN, merge_order, time_ordered

    rng = np.random.default_rng(3)
    ts = np.repeat(np.arange(3000)[::-1], rng.integers(1, 30, 3000))  # newest first, ties
    rows = np.arange(len(ts))
    ts[rng.integers(0, len(ts), 8)] = rng.integers(0, 3000, 8)  # a few out of place
    batches = [
        time_ordered(pa.table({"row": rows[i : i + 9000], "ts": ts[i : i + 9000]}))
        for i in range(0, len(ts), 9000)
    ]
    assert all(np.all(np.diff(b.column("ts").to_numpy()) >= 0) for b in batches)
    table = pa.concat_tables(batches)
    pieces = list(merge_order(table))
    slices = [p for p in pieces if isinstance(p, tuple)]
    assert slices and all(length >= LONG_RUN for _, length in slices)
    order = np.concatenate(
        [np.arange(p[0], p[0] + p[1]) if isinstance(p, tuple) else p for p in pieces]
    )
    merged = table.take(pa.array(order))
    expected = np.lexsort((rows, ts))
    assert merged.column("row").to_numpy().tolist() == rows[expected].tolist()


def test_day_month_order_is_decided_from_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Month-first dates whose first batches never show a day above 12."""
    header = "Time,User full name,Affected user,Event context,Component,Event name,Description,"
    header += "Origin,IP address\n"
    line = (
        '"{m}/{d}/24, 10:0{k}",Ana Silva,-,Course: Biology,System,Course viewed,'
        "\"The user with id '5' viewed the course with id '2'.\",web,10.0.0.1\n"
    )
    rows = [line.format(m=3, d=day % 12 + 1, k=day % 10) for day in range(3000)]
    rows.append(line.format(m=3, d=25, k=1))  # only the last row settles it: month first
    src = tmp_path / "us.csv"
    src.write_text(header + "".join(rows), encoding="utf-8")
    monkeypatch.setattr(stream, "BATCH_BYTES", 16 << 10)
    result = ingest(src)
    assert result.detection["date_order"] == "month_first"
    first = result.frame["timestamp"].iloc[1]  # written 3/2/24
    assert (first.month, first.day) == (3, 2)
    assert result.detection["date_order_ambiguous"] is False


def test_logstore_export_streams_in_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "mdl_logstore.tsv"
    write_big_logstore(src, 20_000)
    whole = tmp_path / "whole.zip"
    summary = process_file(src, whole, PipelineOptions())
    assert summary["detected"]["layout"] == "logstore"
    assert summary["detected"]["date_order"] == "epoch"
    assert summary["rows_in"] == 20_000
    monkeypatch.setattr(stream, "BATCH_BYTES", 64 << 10)
    monkeypatch.setattr(spill_module, "SMALL_BYTES", -1)
    batched = tmp_path / "b" / "result.zip"
    batched.parent.mkdir()
    process_file(src, batched, PipelineOptions(memory_mb=1))
    assert members(batched) == members(whole)


def test_parse_error_deep_in_the_file_names_the_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = make_report_log(20_000, "en", "4", seed=3)
    rows = [list(row) for row in log.rows]
    rows[15_000][6] = "x" * 300_000  # a damaged cell longer than a read block
    src = write_report_csv(tmp_path / "l.csv", rows)
    monkeypatch.setattr(stream, "BATCH_BYTES", 64 << 10)
    with pytest.raises(BadInputError) as info:
        process_file(src, tmp_path / "r.zip", PipelineOptions())
    message = str(info.value)
    assert "past data row 1" in message and message.endswith(".") and "\n" not in message
    row = int(message.split("past data row ", 1)[1].split(" ", 1)[0].replace(",", ""))
    assert 14_000 <= row <= 15_000, message
    assert not (tmp_path / "spill").exists() and not (tmp_path / "r.zip").exists()


def test_short_disk_space_is_refused_in_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = write_report_csv(tmp_path / "l.csv", make_report_log(200, "en", "4").rows)
    monkeypatch.setattr(spill_module, "free_bytes", lambda folder: 10 << 20)
    with pytest.raises(BadInputError) as info:
        process_file(src, tmp_path / "r.zip", PipelineOptions())
    message = str(info.value)
    assert "needs about 64 MB of free disk space" in message, message
    assert "only 10 MB is free" in message and message.count(".") == 1
    assert not (tmp_path / "r.zip").exists()


def test_spill_folder_is_deleted_when_the_job_fails(tmp_path: Path) -> None:
    log = make_report_log(300, "en", "4")
    rows = [list(row) for row in log.rows]
    for row in rows:
        row[7] = "cli"  # every row set aside: the job fails after spilling its batches
    src = write_report_csv(tmp_path / "l.csv", rows)
    job = tmp_path / "job"
    job.mkdir()
    with pytest.raises(BadInputError, match="No student activity"):
        process_file(src, job / "result.zip", PipelineOptions())
    assert list(job.iterdir()) == []


def test_tidy_removes_the_spill_a_killed_worker_left(tmp_path: Path) -> None:
    job = tmp_path / "job"
    (job / "spill" / "duckdb").mkdir(parents=True)
    (job / "spill" / "parts").mkdir()
    (job / "spill" / "parts" / "part-000000.arrow").write_bytes(b"x" * 100)
    (job / "job.log").write_text("log", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("mine", encoding="utf-8")
    assert tidy_job_folder(job, keep_result=False) == []
    assert sorted(p.name for p in job.iterdir()) == ["job.log"]
    (job / "spill").symlink_to(outside)  # a link is removed, never followed
    assert tidy_job_folder(job, keep_result=False) == []
    assert (outside / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert not (job / "spill").exists()


def test_heartbeat_repeats_progress_while_a_step_is_silent() -> None:
    calls: list[tuple[int, str]] = []
    enough = threading.Event()

    def progress(percent: int, stage: str) -> None:
        calls.append((percent, stage))
        if len(calls) >= 4:
            enough.set()

    with Heartbeat(progress, None, every=0.01) as beat:
        beat.set(60, "sort")
        assert enough.wait(10)
    assert set(calls) == {(60, "sort")}


def test_worker_protocol_repeats_an_unchanged_percent_after_a_while() -> None:
    now = [0.0]
    out = io.StringIO()
    protocol = Protocol(out, clock=lambda: now[0])
    protocol.progress(60, "sort")
    protocol.progress(60, "sort")
    now[0] += Protocol.REPEAT_SECONDS - 1
    protocol.progress(60, "sort")
    assert len(out.getvalue().splitlines()) == 1
    now[0] += 2
    protocol.progress(60, "sort")
    assert len(out.getvalue().splitlines()) == 2


def test_the_worker_takes_the_memory_setting_from_job_json() -> None:
    from moodlelogsmart_gui.worker import job_memory_mb

    assert job_memory_mb({"memory_mb": 300}) == 300
    assert job_memory_mb({}) == 1024  # a job queued before the setting existed
    assert job_memory_mb({"memory_mb": "lots"}) == 1024
    assert job_memory_mb({"memory_mb": True}) == 1024


def test_zip_members_of_one_pass_wait_in_files_not_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moodlelogsmart_gui.pipeline import package

    monkeypatch.setattr(package, "SPOOL_MEMORY", 1000)
    monkeypatch.setattr(package, "PIECE_BYTES", 4096)
    spooled: list[int] = []
    original = package._Spool.append

    def append(self: Any, data: bytes) -> None:
        original(self, data)
        if self.file is not None:
            spooled.append(len(list(tmp_path.glob("*.deflate"))))

    monkeypatch.setattr(package._Spool, "append", append)
    texts = [bytes([65 + i % 26]) * 5000 + str(i).encode() for i in range(50)]
    pairs = [(text, text[::2]) for text in texts]
    dest = tmp_path / "r.zip"
    package.write_zip(dest, [(("a.csv", "b.csv"), lambda: iter(pairs))], spool_dir=tmp_path)
    archive = zipfile.ZipFile(dest)
    assert archive.testzip() is None
    assert archive.read("a.csv") == b"".join(a for a, _ in pairs)
    assert archive.read("b.csv") == b"".join(b for _, b in pairs)
    assert spooled and max(spooled) == 2  # both members went to files ...
    assert list(tmp_path.glob("*.deflate")) == []  # ... deleted once written


def test_a_tight_job_hands_arrow_memory_back_at_once() -> None:
    """Below 1024 MB the worker's process allocates Arrow memory from jemalloc with no decay
    (its default allocator keeps freed pages); at the default it is left alone. Each setting
    is tried in a process of its own (the pool is the process's)."""
    import subprocess
    import sys

    code = (
        "import sys, pyarrow as pa\n"
        "from moodlelogsmart_gui.pipeline.stream.spill import release_memory_early\n"
        "before = pa.default_memory_pool().backend_name\n"
        "release_memory_early(int(sys.argv[1]))\n"
        "from moodlelogsmart_gui.pipeline.ingest.paced import read_ahead_limit\n"
        "print(before, pa.default_memory_pool().backend_name, read_ahead_limit())\n"
    )
    seen = {}
    for memory in (256, 1024):
        out = subprocess.run(
            [sys.executable, "-c", code, str(memory)], capture_output=True, text=True, check=True
        )
        seen[memory] = out.stdout.split()
    before, tight, ahead = seen[256]
    assert tight == "jemalloc"
    assert ahead == str(spill_module.READ_AHEAD_BLOCKS)  # and its reader reads few blocks ahead
    assert seen[1024] == [before, before, "0"]
