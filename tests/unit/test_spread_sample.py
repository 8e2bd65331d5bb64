"""The first pass's time sample: bounded in memory, spread over the whole file."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from moodlelogsmart_gui.pipeline.ingest import dates, spread
from moodlelogsmart_gui.pipeline.ingest.spread import SpreadSample


def _batch(number: int, rows: int = 10_000) -> pa.Array:
    return pa.array([f"{number:04d}-{i:05d}" for i in range(rows)], pa.large_string())


def test_a_short_file_keeps_every_batch_sample() -> None:
    sample = SpreadSample()
    batches = [_batch(n) for n in range(5)]
    for batch in batches:
        sample.add(batch)
    expected = pa.concat_arrays([dates.spread_sample(b) for b in batches])
    assert sample.values().equals(expected)


def test_a_long_file_is_sampled_in_bounded_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spread, "HELD", 20_000)
    sample = SpreadSample()
    for number in range(200):  # 800,000 sampled values without the bound
        sample.add(_batch(number))
        assert len(sample.values()) <= 20_000 + dates.SAMPLE_VALUES
    values = sample.values().to_pylist()
    assert sample.stride > 1
    batches = [int(v[:4]) for v in values]
    assert batches == sorted(batches)  # file order
    per_batch = np.bincount(batches, minlength=200)
    assert per_batch.min() > 0  # every part of the file is in the sample
    assert per_batch.max() <= 2 * per_batch.min()  # about evenly
