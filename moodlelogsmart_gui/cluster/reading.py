"""The first two rounds of a cluster run (on the driver): decide, then read the parts.

Round 0 takes every file's whole-file decisions on the workers (``decide.decide``, one
task per file) and makes them agree (``decide.agree``); they are scattered to the workers
once. Round 1 reads the partitions (``units.enrich_unit``: byte ranges of a CSV, or whole
files) with those decisions. A file whose parts do not read the rows its first pass
counted (a cut the quote count got wrong) is read again whole, after its parts' staging
files are removed: never twice, never half.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from moodlelogsmart_gui.cluster.decide import Decided, agree, decide
from moodlelogsmart_gui.cluster.inputs import Input
from moodlelogsmart_gui.cluster.partition import PartitionResult, RunSpec
from moodlelogsmart_gui.cluster.ranges import Unit, plan_units
from moodlelogsmart_gui.cluster.totals import PartsDisagree, file_figures
from moodlelogsmart_gui.cluster.units import enrich_unit

Gather = Callable[[list[Any]], list[Any]]


@dataclasses.dataclass
class Read:
    files: list[PartitionResult]  # one per input file, its figures added up
    partitions: int
    timings: dict[str, float]


def read_inputs(client: Any, gather: Gather, inputs: list[Input], spec: RunSpec, name: str) -> Read:
    """Rounds 0 and 1; the per-file figures."""
    timings: dict[str, float] = {}
    began = time.perf_counter()
    decided: list[Decided] = gather(
        [
            client.submit(
                decide, item, spec.pseudonymize, spec.range_bytes, key=f"decide-{i}-{name}"
            )
            for i, item in enumerate(inputs)
        ]
    )
    decided = agree(decided, [item.name for item in inputs])
    timings["decide"] = round(time.perf_counter() - began, 3)
    timings["decide_cpu"] = round(sum(d.cpu_seconds for d in decided), 3)
    began = time.perf_counter()
    shared = client.scatter([d.decisions for d in decided], broadcast=True)
    units = [
        unit
        for i, (item, d) in enumerate(zip(inputs, decided, strict=True))
        for unit in plan_units(i, item, d.decisions, d.cuts, spec.range_bytes)
    ]
    results: list[PartitionResult] = gather(
        [
            client.submit(
                enrich_unit, u, shared[u.file], spec, key=f"part-{u.file}-{u.part}-{name}"
            )
            for u in units
        ]
    )
    files: list[PartitionResult] = []
    cpu = sum(r.cpu_seconds for r in results)
    for i, (item, d) in enumerate(zip(inputs, decided, strict=True)):
        parts = [r for r in results if r.index == i]
        try:
            if any(r.figures.get("cut_failed") for r in parts):
                raise PartsDisagree(item.name)
            figures = file_figures(item, d, parts)
        except PartsDisagree:
            _remove_staged(spec.staging, i)
            again = Unit(i, 0, item)
            (whole,) = gather(
                [client.submit(enrich_unit, again, shared[i], spec, key=f"whole-{i}-{name}")]
            )
            cpu += whole.cpu_seconds
            parts = [whole]
            figures = file_figures(item, d, parts)
            figures["warnings"].append("The file was read whole (its parts did not agree).")
        utc = d.decisions.detection.get("timezone") == "UTC"
        rows_out = int(figures["rows_out"])
        files.append(PartitionResult(i, figures, rows_out, utc, sum(r.cpu_seconds for r in parts)))
    timings["partitions"] = round(time.perf_counter() - began, 3)
    timings["partitions_cpu"] = round(cpu, 3)
    return Read(files, len(units), timings)


def _remove_staged(staging: str, file: int) -> None:
    """The staging files of one input file's parts (names fixed per part: part-<file>-*)."""
    for path in Path(staging, "stage").glob(f"bucket=*/part-{file:05d}-*.parquet"):
        path.unlink()
