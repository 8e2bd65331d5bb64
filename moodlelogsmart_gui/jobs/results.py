"""Handing a result ZIP to the person: a complete copy or none, and errors as sentences."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import time
import uuid
from pathlib import Path


def result_file_name(input_name: str, finished_at: float) -> str:
    """``<input stem>_enriched_<YYYYMMDD_HHMMSS>.zip`` in local time."""
    stem = Path(input_name).stem or "log"
    stamp = time.strftime("%Y%m%d_%H%M%S", time.localtime(finished_at))
    return f"{stem}_enriched_{stamp}.zip"


def unused_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name`` with ``_2``, ``_3``... when that file already exists."""
    candidate = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 2
    while os.path.lexists(candidate):
        candidate = folder / f"{stem}_{number}{suffix}"
        number += 1
    return candidate


def copy_result(src: Path, dest: Path) -> None:
    """Copy ``src`` to ``dest`` under a temporary name in the destination folder and rename
    when complete, so a half-copied ZIP never carries the final name. Raises ``OSError``."""
    dest = Path(dest)
    temp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        shutil.copyfile(src, temp)
        os.replace(temp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def save_new(src: Path, folder: Path, name: str) -> Path:
    """Copy ``src`` into ``folder`` as ``name`` (or ``name_2``, ``name_3``... when taken) and
    return the path. Never overwrites a file, even one that appears while copying: the copy is
    made under a temporary name, then linked to a free final name (an exclusive operation);
    where links are not supported the free name is claimed first with an exclusive create.
    A half-copied ZIP never carries a final name. Raises ``OSError``."""
    temp = folder / f".{name}.{uuid.uuid4().hex[:8]}.part"
    try:
        shutil.copyfile(src, temp)
        while True:
            dest = unused_path(folder, name)
            try:
                _claim(temp, dest)
                return dest
            except FileExistsError:
                continue  # taken since unused_path looked: the next number
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def _claim(temp: Path, dest: Path) -> None:
    """``dest`` becomes ``temp``'s content; FileExistsError when ``dest`` exists."""
    try:
        os.link(temp, dest)
        return
    except FileExistsError:
        raise
    except OSError as err:
        if err.errno not in _NO_LINKS:
            raise
    with open(dest, "xb"):  # the name is ours now (FileExistsError if not)
        pass
    try:
        os.replace(temp, dest)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(dest)  # our own empty claim, never a person's file
        raise


_NO_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.EXDEV, errno.ENOSYS}


def describe_os_error(err: OSError) -> str:
    """One sentence a person can act on for a failed file operation."""
    where = f" ({err.filename})" if err.filename else ""
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"There is not enough free space to save the file{where}; free some space."
    if err.errno in (errno.EACCES, errno.EPERM):
        return f"You do not have permission to write there{where}; choose another folder."
    if err.errno == errno.EROFS:
        return f"That place is read-only{where}; choose another folder."
    if err.errno == errno.ENOENT:
        return f"The file or folder no longer exists{where}."
    if err.errno == errno.ENAMETOOLONG:
        return f"The file name is too long{where}; choose a shorter one."
    if err.errno == errno.EFBIG:
        return f"The file is too large for that disk{where}."
    return f"The file could not be saved{where}: {err.strerror or err}."
