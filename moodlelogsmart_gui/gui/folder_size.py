"""Disk use of a folder; runs off the GUI thread (it may touch thousands of files)."""

from __future__ import annotations

import os
from pathlib import Path


def folder_size(folder: Path) -> int:
    """Total bytes of the regular files under ``folder``; symbolic links are not followed."""
    total = 0
    stack = [str(folder)]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif entry.is_file(follow_symlinks=False):
                            total += entry.stat(follow_symlinks=False).st_size
                    except OSError:
                        continue
        except OSError:
            continue
    return total
