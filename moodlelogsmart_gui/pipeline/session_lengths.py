"""The lengths of every finished session, per case, for the median in ``students.csv``.

A median needs every value, and a log holds about as many sessions as events when its
students come back often (a generated 10M-event log: 8 million). ``SessionLengths`` keeps
``hold`` (case, length) pairs in memory; past that, when it was given a file, it appends
them to that file (Arrow IPC, in the job's spill folder) and keeps at most ``hold`` pairs
in memory again. The medians are then taken over ranges of cases whose pairs number at
most ``hold`` (a case's pairs all fall in one range), with the same arithmetic as for the
pairs held in memory, so the figures are the same to the last bit.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

NS_PER_MINUTE = 60e9
_SCHEMA = pa.schema([("case", pa.int64()), ("ns", pa.int64())])


def held_pairs(job_memory_mb: int) -> int:
    """Pairs held in memory for a job given ``job_memory_mb`` (16 bytes each: 1/32 of it,
    64 KB at the 1 MB of the tests, 8 MB at 256 MB, 32 MB at the default)."""
    return max(4096, (job_memory_mb << 20) // 32 // 16)


def medians_of(codes: np.ndarray, lengths_ns: np.ndarray, cases: int) -> np.ndarray:
    """Median length in minutes per case code ``0 .. cases - 1`` (0 where a case has none)."""
    lengths = np.asarray(lengths_ns).astype(np.float64) / NS_PER_MINUTE
    order = np.lexsort((lengths, codes))
    codes, lengths = codes[order], lengths[order]
    counts = np.bincount(codes, minlength=cases)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    low = offsets + (counts - 1) // 2
    high = offsets + counts // 2
    medians = np.zeros(cases, dtype=np.float64)
    has = counts > 0
    medians[has] = (lengths[low[has]] + lengths[high[has]]) / 2
    return medians


class SessionLengths:
    """(case code, length in ns) of finished sessions; bounded in memory when ``path`` is
    given (see the module's docstring)."""

    def __init__(self, path: Path | None = None, hold: int = 1 << 20) -> None:
        self.path = path
        self.hold = max(1, hold)
        self._held: list[tuple[np.ndarray, np.ndarray]] = []
        self._rows = 0
        self._sink: pa.NativeFile | None = None
        self._writer: ipc.RecordBatchStreamWriter | None = None
        self.written = 0  # pairs on disk

    def add(self, codes: np.ndarray, lengths_ns: np.ndarray) -> None:
        if not len(codes):
            return
        self._held.append((np.asarray(codes, np.int64), np.asarray(lengths_ns, np.int64)))
        self._rows += len(codes)
        if self.path is not None and self._rows > self.hold:
            self._write()

    def _write(self) -> None:
        assert self.path is not None
        if self._writer is None:
            self._sink = pa.OSFile(str(self.path), "wb")
            self._writer = ipc.new_stream(self._sink, _SCHEMA)
        codes, lengths = self._take()
        self._writer.write_batch(pa.record_batch([codes, lengths], schema=_SCHEMA))
        self.written += len(codes)

    def _take(self) -> tuple[np.ndarray, np.ndarray]:
        held, self._held, self._rows = self._held, [], 0
        if not held:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate([h[0] for h in held]), np.concatenate([h[1] for h in held])

    def medians(self, cases: int, open_codes: np.ndarray, open_ns: np.ndarray) -> np.ndarray:
        """Median session length in minutes per case, the still open sessions
        (``open_codes``, ``open_ns``) counted as finished."""
        extra = (np.asarray(open_codes, np.int64), np.asarray(open_ns, np.int64))
        if not self.written:
            parts = [*self._held, extra]
            codes = np.concatenate([p[0] for p in parts])
            return medians_of(codes, np.concatenate([p[1] for p in parts]), cases)
        if self._held:
            self._write()
        self.close()
        counts = np.zeros(cases, np.int64)
        for codes, _ in self._pairs(extra):
            counts += np.bincount(codes, minlength=cases)[:cases]
        medians = np.zeros(cases, dtype=np.float64)
        for low, high in _ranges(counts, self.hold):
            codes_, lengths_ = [], []
            for codes, lengths in self._pairs(extra):
                inside = (codes >= low) & (codes < high)
                codes_.append(codes[inside] - low)
                lengths_.append(lengths[inside])
            codes, lengths = np.concatenate(codes_), np.concatenate(lengths_)
            medians[low:high] = medians_of(codes, lengths, high - low)
        return medians

    def _pairs(
        self, extra: tuple[np.ndarray, np.ndarray]
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The pairs on disk, batch by batch, then ``extra``."""
        assert self.path is not None
        with pa.OSFile(str(self.path)) as source:
            for batch in ipc.open_stream(source):
                yield batch.column(0).to_numpy(), batch.column(1).to_numpy()
        yield extra

    def close(self) -> None:
        """Finish the file (it stays for ``medians``; the spill folder goes with the job)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._sink is not None:
            self._sink.close()
            self._sink = None


def _ranges(counts: np.ndarray, hold: int) -> Iterator[tuple[int, int]]:
    """Consecutive case ranges ``[low, high)`` of at most ``hold`` pairs each (a case with
    more has a range of its own)."""
    ends = np.cumsum(counts)
    low = 0
    while low < len(counts):
        base = int(ends[low - 1]) if low else 0
        high = int(np.searchsorted(ends, base + hold, side="right"))
        high = min(len(counts), max(high, low + 1))
        yield low, high
        low = high
