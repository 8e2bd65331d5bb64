"""Options that change what the pipeline produces, and the memory one job may use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from moodlelogsmart_gui.members import ALL_OUTPUTS, ALWAYS

__all__ = ["ALL_OUTPUTS", "PipelineOptions"]

DEFAULT_JOB_MEMORY_MB = 1024


@dataclass(frozen=True)
class PipelineOptions:
    """What the person asked for: pseudonymised output, a custom rules file, the session
    gap, which ZIP members to write (``None``: all; ``summary.json`` is always written);
    and the "Memory for one job" setting (MB), which bounds the job whatever the file's size."""

    pseudonymize: bool = False
    rules_file: Path | None = None
    secret: bytes | None = None
    memory_mb: int = DEFAULT_JOB_MEMORY_MB
    session_gap_minutes: float = 30.0
    outputs: frozenset[str] | None = None

    def wants(self, member: str) -> bool:
        return member == ALWAYS or self.outputs is None or member in self.outputs
