"""Partitions smaller than one file: byte ranges of a CSV, read with the file's decisions.

The first pass (``first_pass``) takes the whole-file decisions once; a CSV is then cut
into byte ranges of about ``RANGE_BYTES``. A range starts just after the first line break
at or after its nominal start (and ends where the next range starts), so every data row
belongs to exactly one range whichever worker reads it; each range is parsed with the
file's own read plan (the header rows are skipped only in the first). When cells hold
line breaks, the first pass's worker finds the boundaries instead: the first line break
outside quotes (``quoted_cuts``, counting quote characters as the CSV reader does, a
doubled quote counting twice). A file that cannot be cut (compressed, UTF-16, a
spreadsheet or JSON) is one partition. A URL's range is read on the worker with fsspec,
never the whole file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from moodlelogsmart_gui.cluster.inputs import Input, is_url, local_copy
from moodlelogsmart_gui.pipeline.errors import BadInputError

RANGE_BYTES = 64 << 20
SCAN = 1 << 16
COPY = 8 << 20


@dataclass(frozen=True)
class Unit:
    """One partition: bytes ``start`` to ``end`` (nominal) of input ``file``, or all of it."""

    file: int
    part: int
    item: Input
    start: int = 0
    end: int = 0
    whole: bool = True
    exact: bool = False  # start and end are row boundaries already (quoted_cuts)


def can_cut(decisions: Any) -> bool:
    """Whether the file may be cut into byte ranges (at any line break, or with multi-line
    cells at the boundaries ``quoted_cuts`` finds)."""
    source, plan = decisions.source, decisions.plan
    return (
        source.file_format == "csv"
        and source.table is None
        and not source.compression
        and not str(plan.encoding).lower().replace("_", "-").startswith(("utf-16", "utf-32"))
    )


def plan_units(
    file: int,
    item: Input,
    decisions: Any,
    cuts: list[int] | None = None,
    range_bytes: int = RANGE_BYTES,
) -> list[Unit]:
    """The partitions of one input file (``cuts``: row boundaries found by quoted_cuts)."""
    if cuts is not None:
        bounds = [0, *cuts, item.size]
        return [
            Unit(file, k, item, bounds[k], bounds[k + 1], whole=False, exact=True)
            for k in range(len(bounds) - 1)
        ]
    if not can_cut(decisions) or decisions.plan.newlines or item.size <= range_bytes:
        return [Unit(file, 0, item)]
    count = -(-item.size // range_bytes)
    step = -(-item.size // count)
    return [
        Unit(file, k, item, k * step, min(item.size, (k + 1) * step), whole=False)
        for k in range(count)
    ]


def quoted_cuts(path: Path, size: int, range_bytes: int) -> list[int]:
    """Row boundaries about ``range_bytes`` apart in a CSV whose quoted cells may hold line
    breaks: the byte after the first line break outside quotes at or after each nominal
    boundary (boundaries that meet are merged)."""
    import numpy as np

    count = -(-size // range_bytes)
    step = -(-size // count)
    wanted = [k * step for k in range(1, count)]
    cuts: list[int] = []
    odd = 0  # quote characters seen so far, modulo 2 (1: inside a quoted cell)
    offset = 0
    with open(path, "rb") as src:
        while wanted and (block := src.read(COPY)):
            data = np.frombuffer(block, dtype=np.uint8)
            quotes = np.cumsum(data == 34, dtype=np.int64)
            breaks = np.flatnonzero(data == 10)
            outside = breaks[(quotes[breaks] + odd) % 2 == 0] + offset + 1
            while wanted:
                at = int(np.searchsorted(outside, wanted[0]))
                if at == len(outside):
                    break
                cut = int(outside[at])
                if cut < size and (not cuts or cut > cuts[-1]):
                    cuts.append(cut)
                wanted.pop(0)
            odd = int((odd + (quotes[-1] if len(quotes) else 0)) % 2)
            offset += len(block)
    return cuts


def _open(location: str) -> IO[bytes]:
    if is_url(location):
        import fsspec

        return fsspec.open(location, "rb").open()  # type: ignore[no-any-return]
    return open(location, "rb")


def row_start(stream: IO[bytes], position: int, size: int) -> int:
    """Where the first row at or after ``position`` starts: just after the first line break
    at or after ``position - 1`` (the end of the file when there is none)."""
    if position <= 0:
        return 0
    if position >= size:
        return size
    at = position - 1
    stream.seek(at)
    while at < size:
        block = stream.read(SCAN)
        if not block:
            break
        found = block.find(b"\n")
        if found >= 0:
            return at + found + 1
        at += len(block)
    return size


@contextlib.contextmanager
def range_file(unit: Unit) -> Iterator[tuple[Path, int, int]]:
    """The unit's rows copied into a local temporary file: its path and the byte span."""
    folder = Path(tempfile.mkdtemp(prefix="moodlelogsmart-range-"))
    try:
        target = folder / PurePosixPath(unit.item.name).name
        with _open(unit.item.location) as src, open(target, "wb") as dest:
            start, end = unit.start, unit.end
            if not unit.exact:
                start = row_start(src, unit.start, unit.item.size)
                end = row_start(src, unit.end, unit.item.size)
            src.seek(start)
            left = max(0, end - start)
            while left:
                block = src.read(min(COPY, left))
                if not block:
                    raise BadInputError(
                        f"The file {unit.item.name} became shorter while it was read: "
                        "give a complete copy that does not change during the run."
                    )
                dest.write(block)
                left -= len(block)
        yield target, start, end
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def unit_decisions(unit: Unit, decisions: Any) -> Iterator[Any]:
    """The file's decisions pointed at what this worker reads: the unit's byte range, or the
    whole file (a local copy of a URL; a spreadsheet or JSON read again, as the first pass
    sent no table along)."""
    from moodlelogsmart_gui.pipeline.ingest import read

    if unit.whole:
        with local_copy(unit.item) as path:
            if decisions.source.file_format != "csv":
                source = read.open_input(path)
            else:
                source = dataclasses.replace(decisions.source, path=path)
            yield dataclasses.replace(decisions, source=source, held=None)
        return
    with range_file(unit) as (path, start, _end):
        source = dataclasses.replace(decisions.source, path=path)
        plan = decisions.plan if start == 0 else dataclasses.replace(decisions.plan, skip=0)
        yield dataclasses.replace(decisions, source=source, plan=plan, held=None)
