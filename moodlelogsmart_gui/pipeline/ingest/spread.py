"""Time values sampled over the whole file, in bounded memory (the first pass's sample).

Each batch gives up to ``dates.SAMPLE_VALUES`` of its time values, spread over it (about 4%
of its rows). Past ``HELD`` values (a log of some 20 million events) every other value held
is dropped and later batches give half as many, so the sample stays spread over the whole
file and its memory stays bounded however long the file is.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from moodlelogsmart_gui.pipeline.ingest import dates

HELD = 1_000_000


class SpreadSample:
    def __init__(self) -> None:
        self._parts: list[pa.Array] = []
        self._held = 0
        self.stride = 1  # one value in ``stride`` of each batch's sample is kept

    def add(self, column: pa.ChunkedArray | pa.Array) -> None:
        values = dates.spread_sample(column)
        if self.stride > 1:
            values = values.take(pa.array(np.arange(0, len(values), self.stride)))
        self._parts.append(values)
        self._held += len(values)
        if self._held > HELD:
            held = self.values()
            self._parts = [held.take(pa.array(np.arange(0, len(held), 2)))]
            self._held = len(self._parts[0])
            self.stride *= 2

    def values(self) -> pa.Array:
        """The values held, in file order."""
        return pa.concat_arrays(self._parts) if self._parts else pa.array([], pa.string())
