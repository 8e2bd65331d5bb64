"""Options that change what the pipeline produces, and the memory one job may use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_JOB_MEMORY_MB = 1024


@dataclass(frozen=True)
class PipelineOptions:
    """What the person asked for: pseudonymised output, a custom rules file; and the
    "Memory for one job" setting (MB), which bounds the job whatever the file's size."""

    pseudonymize: bool = False
    rules_file: Path | None = None
    secret: bytes | None = None
    memory_mb: int = DEFAULT_JOB_MEMORY_MB
