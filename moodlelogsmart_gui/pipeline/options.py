"""Options that change what the pipeline produces."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Every member the result ZIP can hold, in the order they are written.
ALL_OUTPUTS = (
    "enriched_log.csv",
    "enriched_log_bloom_only.csv",
    "enriched_log.xes",
    "enriched_log_bloom_only.xes",
    "students.csv",
    "enriched_log.parquet",
    "enriched_log.ocel.json",
    "process_map.svg",
    "summary.json",
)


@dataclass(frozen=True)
class PipelineOptions:
    """What the person asked for: pseudonymised output, a custom rules file, the session
    gap and which ZIP members to write (``None``: all; ``summary.json`` is always written)."""

    pseudonymize: bool = False
    rules_file: Path | None = None
    secret: bytes | None = None
    session_gap_minutes: float = 30.0
    outputs: frozenset[str] | None = None

    def wants(self, member: str) -> bool:
        return member == "summary.json" or self.outputs is None or member in self.outputs
