"""The warm spare's hand-over, Qt-free: shared by the app (jobs/spare.py) and the worker
(worker_spare.py). See docs/architecture.md section 2, "The warm spare and its hand-over line".
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SPARE_ARGUMENT = "--spare"


def parse_handover(line: bytes, jobs_folder: Path) -> Path | None:
    """The job folder named by the hand-over line; None if the line is not one or names a
    folder that is not directly inside ``jobs_folder``."""
    try:
        message = json.loads(line)
    except (ValueError, RecursionError):
        return None
    folder = message.get("job") if isinstance(message, dict) else None
    if not isinstance(folder, str) or not folder or not os.path.isabs(folder):
        return None
    path = Path(folder)
    if path.parent != Path(jobs_folder).absolute() or path.name in ("", ".", ".."):
        return None
    return path


def handover_line(job_folder: Path) -> bytes:
    """What the app writes on a spare's stdin to hand it ``job_folder``."""
    text = json.dumps({"job": str(Path(job_folder).absolute())}, ensure_ascii=True)
    return text.encode("ascii") + b"\n"


def spare_command(worker_command: list[str]) -> list[str]:
    """A spare's argument list from the worker's for the jobs folder (``[..., jobs]``)."""
    return [*worker_command[:-1], SPARE_ARGUMENT, worker_command[-1]]
