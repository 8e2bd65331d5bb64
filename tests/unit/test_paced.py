"""A tight job's CSV reader reads only a few blocks ahead, and gives the same batches."""

from __future__ import annotations

import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from moodlelogsmart_gui.pipeline.ingest import paced, stream
from moodlelogsmart_gui.pipeline.ingest.first_pass import first_pass
from moodlelogsmart_gui.pipeline.ingest.paced import PacedInput
from tests.fixtures.big_logs import write_big_report

BLOCK = 64 << 10


@pytest.fixture
def report(tmp_path: Path) -> Path:
    src = tmp_path / "logs_big_20240628-1800.csv"
    write_big_report(src, 20_000)  # about 3.6 MB: some 55 blocks of 64 KB
    return src


def _batches(src: Path) -> list[pa.Table]:
    decisions = first_pass(src)
    return list(decisions.batches())


def test_paced_reading_gives_the_same_batches(
    report: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "BATCH_BYTES", BLOCK)
    monkeypatch.setattr(paced, "_limit", [0])
    free = _batches(report)
    assert len(free) > 10
    for ahead in (2, 4):
        paced.limit_read_ahead(ahead)
        batches = _batches(report)
        assert [b.num_rows for b in batches] == [b.num_rows for b in free]
        assert [[c.num_chunks for c in b.columns] for b in batches] == [
            [c.num_chunks for c in b.columns] for b in free
        ]
        assert all(a.equals(b) for a, b in zip(batches, free, strict=True))


def test_the_reader_waits_for_the_job(report: Path) -> None:
    names = [f"c{i}" for i in range(9)]
    options = pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=BLOCK)
    for ahead, most in ((3, 5), (0, None)):
        raw = pa.input_stream(str(report))
        pacer = PacedInput(raw, ahead or 1)
        reader = pacsv.open_csv(pa.PythonFile(pacer, mode="r") if ahead else raw, options)
        reader.read_next_batch()
        pacer.took()
        time.sleep(0.5)  # time for Arrow's reading thread to run ahead, were it free to
        position = raw.tell()
        if most is not None:
            assert position <= most * BLOCK  # the block taken, the next one, and 3 ahead
        else:
            assert position >= 20 * BLOCK  # Arrow's own queue: up to 32 blocks ahead
        rest = 0
        for batch in reader:
            pacer.took()
            rest += batch.num_rows
        assert rest > 15_000


def test_a_stopped_job_leaves_no_reader_waiting(
    report: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "BATCH_BYTES", BLOCK)
    monkeypatch.setattr(paced, "_limit", [0])
    paced.limit_read_ahead(2)
    decisions = first_pass(report)
    batches = decisions.batches()
    next(batches)
    batches.close()  # the job ended early (an error further on, a cancel)
    raw = pa.input_stream(str(report))
    left = PacedInput(raw, 1)
    left.stop()
    assert left.read_buffer(BLOCK).size == 0  # a reader past the stop sees the end
    assert sum(b.num_rows for b in _batches(report)) == 20_000


def test_a_reader_short_of_blocks_ahead_is_given_more(report: Path) -> None:
    # one block ahead is too few (a block ends at the last line end, known from the next
    # read): the reader and the job would wait for each other; the reader gets one more
    names = [f"c{i}" for i in range(9)]
    options = pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=BLOCK)
    pacer = PacedInput(pa.input_stream(str(report)), 1)
    reader = pacsv.open_csv(pa.PythonFile(pacer, mode="r"), options)
    rows = 0
    while True:
        pacer.ask()
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        pacer.took()
        rows += batch.num_rows
    assert rows == 20_000
