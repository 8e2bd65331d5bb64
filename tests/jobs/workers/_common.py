"""Helpers for the tiny fake workers: protocol lines, stdin watch, a result ZIP."""

from __future__ import annotations

import json
import os
import sys
import threading
import zipfile
from pathlib import Path
from typing import Any


def say(**message: Any) -> None:
    """One protocol line on stdout, flushed at once."""
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def exit_on_stdin_eof() -> None:
    """Like the real worker: leave when the parent closes our stdin (or dies)."""

    def watch() -> None:
        # os.read, not sys.stdin: a daemon thread blocked in a buffered reader aborts
        # the interpreter at exit ("could not acquire lock ... at interpreter shutdown").
        while os.read(0, 4096):
            pass
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def job_folder() -> Path:
    return Path(sys.argv[1])


def write_result(folder: Path, rows: int = 3) -> None:
    """result.zip.part, then renamed: the real worker's contract."""
    part = folder / "result.zip.part"
    with zipfile.ZipFile(part, "w") as archive:
        archive.writestr("summary.json", json.dumps({"rows_in": rows, "rows_out": rows}))
    os.replace(part, folder / "result.zip")


def record_pid(folder: Path, name: str = "pids.txt") -> None:
    with open(folder / name, "a", encoding="ascii") as handle:
        handle.write(f"{os.getpid()}\n")
