"""One process owns a data folder: a second one is refused with a sentence naming the
owner's pid; a lock left by a dead process does not block."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from moodlelogsmart_gui.jobs.lock import AlreadyRunningError, DataFolderLock

HOLDER = """
import sys, time
from pathlib import Path
from moodlelogsmart_gui.jobs.lock import DataFolderLock
DataFolderLock(Path(sys.argv[1])).acquire()
print("held", flush=True)
time.sleep(60)
"""


def test_a_second_lock_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    first = DataFolderLock(tmp_path / "app.lock")
    first.acquire()
    with pytest.raises(AlreadyRunningError, match=f"process {os.getpid()}"):
        DataFolderLock(tmp_path / "app.lock").acquire()
    first.release()
    with DataFolderLock(tmp_path / "app.lock") as again:
        assert again.held


@pytest.mark.skipif(os.name != "posix", reason="kills with SIGKILL")
def test_a_lock_from_a_killed_process_is_recovered(tmp_path: Path) -> None:
    lock_file = tmp_path / "app.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock_file)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(AlreadyRunningError) as refused:
            DataFolderLock(lock_file).acquire()
        assert f"process {holder.pid}" in str(refused.value)
        assert str(tmp_path) in str(refused.value)
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    assert lock_file.read_text().strip() == str(holder.pid)  # the stale pid is still there
    lock = DataFolderLock(lock_file)
    lock.acquire()
    assert lock_file.read_text().strip() == str(os.getpid())
    lock.release()


def test_a_lock_file_with_garbage_does_not_block(tmp_path: Path) -> None:
    (tmp_path / "app.lock").write_bytes(b"\x00not a pid")
    lock = DataFolderLock(tmp_path / "app.lock")
    lock.acquire()
    lock.release()
