"""The whole-file decisions, taken once per file before any partition runs, then made to
agree across the run's files on the driver.

``decide`` runs the pipeline's own first pass (``first_pass``: format, encoding, layout,
language, the day/month order, and with pseudonymisation every name) on one file and,
for a CSV with cells holding line breaks, finds where its parts may start (``cuts``).
``agree`` then gives every file the union of the names (a name seen in one file is
replaced in all of them, as on one machine with the files concatenated) and one day/month
order where a file alone could not tell (no day or month above 12) but the others can.
The decisions travel to the workers once (scattered), never the rows.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

from moodlelogsmart_gui.cluster.inputs import Input, local_copy
from moodlelogsmart_gui.cluster.ranges import RANGE_BYTES, can_cut, quoted_cuts
from moodlelogsmart_gui.pipeline.errors import BadInputError

AMBIGUOUS = "The date order was ambiguous"
ORDERS = ("day_first", "month_first")


@dataclass
class Decided:
    """One file's decisions and, for a file with multi-line cells, its part boundaries."""

    decisions: Any
    cuts: list[int] | None = None
    warnings: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0  # the task's process CPU time


def decide(item: Input, names: bool, range_bytes: int = RANGE_BYTES) -> Decided:
    """The first pass on one input (a URL is copied to this worker first)."""
    from moodlelogsmart_gui.pipeline.ingest.first_pass import first_pass

    cpu = time.process_time()
    with local_copy(item) as path:
        decisions = first_pass(path, original_name=item.name, names=names)
        cuts = None
        if can_cut(decisions) and decisions.plan.newlines and item.size > range_bytes:
            cuts = quoted_cuts(path, item.size, range_bytes)
    source = decisions.source
    if source.table is not None:  # a spreadsheet's rows are read again by its one task
        source = dataclasses.replace(source, table=None)
    decisions = dataclasses.replace(decisions, source=source, held=None)
    return Decided(decisions, cuts, cpu_seconds=time.process_time() - cpu)


def _swap_day_month(fmt: str | None) -> str | None:
    if fmt is None:
        return None
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def agree(decided: list[Decided], names: list[str]) -> list[Decided]:
    """The same names everywhere, and one day/month order for files that could not tell.

    Files with UTC times (a logstore export) and files with local times (a log report
    download) cannot be put on one time line: refused in one sentence.
    """
    zones = {d.decisions.detection.get("timezone") for d in decided}
    if len(zones) > 1:
        raise BadInputError(
            "The files mix UTC times (database exports) with local times (log report "
            "downloads), which cannot be put on one time line: process each kind separately."
        )
    union: set[str] = set()
    for d in decided:
        union.update(d.decisions.names)
    every = tuple(sorted(union, key=lambda n: (-len(n), n)))
    settled = {
        d.decisions.times.order
        for d in decided
        if not d.decisions.times.ambiguous and d.decisions.times.order in ORDERS
    }
    agreed: list[Decided] = []
    for d, name in zip(decided, names, strict=True):
        decisions = dataclasses.replace(d.decisions, names=every)
        warnings = list(d.warnings)
        times = decisions.times
        if len(settled) == 1 and times.ambiguous and times.order in ORDERS:
            order = next(iter(settled))
            fmt = times.date_format if order == times.order else _swap_day_month(times.date_format)
            note = (
                f"The date order of {name} was ambiguous (no day or month above 12): "
                f"{order.replace('_', ' ')} was taken from the other files of the run ({fmt})."
            )
            times = dataclasses.replace(
                times,
                order=order,
                ambiguous=False,
                date_format=fmt,
                warnings=tuple(w for w in times.warnings if not w.startswith(AMBIGUOUS)),
            )
            detection = {
                **decisions.detection,
                "date_order": order,
                "date_order_ambiguous": False,
                "date_format": fmt,
            }
            decisions = dataclasses.replace(
                decisions,
                times=times,
                detection=detection,
                warnings=tuple(w for w in decisions.warnings if not w.startswith(AMBIGUOUS)),
            )
            warnings.append(note)
        agreed.append(Decided(decisions, d.cuts, warnings, d.cpu_seconds))
    if len(settled) > 1:
        agreed[0].warnings.append(
            "The files do not agree on the day/month order (some are day first, some month "
            "first): each was read in its own order; check that they come from one site."
        )
    return agreed
