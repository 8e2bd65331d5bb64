"""Options that change what the pipeline produces."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PipelineOptions:
    """What the person asked for: pseudonymised output, a custom rules file."""

    pseudonymize: bool = False
    rules_file: Path | None = None
    secret: bytes | None = None
