"""One process owns a data folder: a lock file holding the owner's process id.

On POSIX the file is locked with ``fcntl.flock`` (the kernel drops the lock when the owner
dies, so a stale file never blocks); on Windows with ``msvcrt.locking``. Elsewhere an
``O_CREAT|O_EXCL`` file with a live-pid check is used.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from types import TracebackType


class AlreadyRunningError(Exception):
    """Another process owns the data folder; ``str()`` is one sentence naming its pid."""


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - no os.kill(pid, 0) on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class DataFolderLock:
    """``acquire()`` or raise :class:`AlreadyRunningError`; ``release()`` on exit."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def _message(self, pid: int | None) -> str:
        who = f"process {pid}" if pid else "another process"
        return (
            f"MoodleLogSmart is already running with the data folder {self.path.parent} "
            f"({who}); close it first, or wait until it has finished."
        )

    def _read_pid(self, fd: int) -> int | None:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            text = os.read(fd, 64).decode("ascii", "replace").strip()
            return int(text) if text.isdigit() else None
        except OSError:
            return None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if sys.platform == "win32":  # pragma: no cover
            self._acquire_windows()
        elif os.name == "posix":
            self._acquire_flock()
        else:  # pragma: no cover
            self._acquire_exclusive_file()

    def _acquire_flock(self) -> None:
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pid = self._read_pid(fd)
            os.close(fd)
            raise AlreadyRunningError(self._message(pid)) from None
        self._write_pid(fd)

    def _acquire_windows(self) -> None:  # pragma: no cover - exercised on Windows only
        import msvcrt

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            os.lseek(fd, 1 << 20, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            pid = self._read_pid(fd)
            os.close(fd)
            raise AlreadyRunningError(self._message(pid)) from None
        self._write_pid(fd)

    def _acquire_exclusive_file(self) -> None:  # pragma: no cover - neither POSIX nor Windows
        for _attempt in range(2):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                with open(self.path, "rb") as handle:
                    text = handle.read(64).decode("ascii", "replace").strip()
                pid = int(text) if text.isdigit() else None
                if pid is not None and _pid_alive(pid):
                    raise AlreadyRunningError(self._message(pid)) from None
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.path)
                continue
            self._write_pid(fd)
            return
        raise AlreadyRunningError(self._message(None))

    def _write_pid(self, fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self._fd = fd

    def release(self) -> None:
        """Give the folder up; the file stays (removing it would race a waiting process)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)
        self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> DataFolderLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
