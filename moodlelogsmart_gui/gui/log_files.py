"""Sort dropped paths into log files to queue and things refused, each with a reason.

Pure functions with file-system checks only (no Qt widgets): run them off the GUI thread.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QCoreApplication

LOG_SUFFIXES = (".csv", ".xlsx", ".ods", ".json", ".txt", ".tsv")
MAX_FOLDER_FILES = 1000
MAX_FOLDER_DEPTH = 3


def _tr(text: str) -> str:
    return QCoreApplication.translate("LogFiles", text)


@dataclass
class Sorted:
    """Files to queue, and (name, reason) pairs for what was refused."""

    accepted: list[Path] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def file_dialog_filter() -> str:
    """The name filter of the 'Add files…' dialog."""
    patterns = " ".join(f"*{suffix}" for suffix in LOG_SUFFIXES)
    return f"{_tr('Moodle logs')} ({patterns});;{_tr('All files')} (*)"


def check_file(path: Path) -> str | None:
    """None if ``path`` may be a log; otherwise the short reason it cannot be."""
    if path.suffix.lower() not in LOG_SUFFIXES:
        kind = path.suffix.lower() or _tr("no extension")
        return _tr("not a log file type (%1)").replace("%1", kind)
    try:
        info = path.stat()
    except OSError:
        return _tr("cannot be found or opened")
    if not path.is_file():
        return _tr("not a regular file")
    if info.st_size == 0:
        return _tr("the file is empty")
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError:
        return _tr("cannot be read (no permission?)")
    return None


def _folder_files(folder: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        depth = len(Path(root).relative_to(folder).parts)
        dirs[:] = (
            sorted(d for d in dirs if not d.startswith(".")) if depth < MAX_FOLDER_DEPTH else []
        )
        for name in sorted(files):
            if name.startswith(".") or Path(name).suffix.lower() not in LOG_SUFFIXES:
                continue
            found.append(Path(root) / name)
            if len(found) >= MAX_FOLDER_FILES:
                return found
    return found


def sort_dropped(paths: list[Path]) -> Sorted:
    """Files are checked one by one; folders contribute the log files inside them."""
    result = Sorted()
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            inside = _folder_files(path)
            if not inside:
                result.refused.append((path.name, _tr("the folder holds no log files")))
            candidates = inside
        else:
            candidates = [path]
        for candidate in candidates:
            key = candidate.absolute()
            if key in seen:
                continue
            seen.add(key)
            reason = check_file(candidate)
            if reason is None:
                result.accepted.append(candidate)
            else:
                result.refused.append((candidate.name, reason))
    return result
