"""An input stream that Arrow's CSV reader cannot read far ahead of the batches taken.

Arrow's streaming CSV reader reads the file in a background thread into a queue of up to
32 blocks (its default; not an option, ARROW-12090): at the 4 MB blocks of ``stream`` that
is up to 128 MB of raw text held, in every pass, whatever the job's memory setting. A job
given little memory reads through ``PacedInput`` instead: the reader's thread waits in
``read`` while it is ``ahead`` reads past the blocks the job took (``took``). The reads are
the reader's own, of the same sizes, so the blocks and batches are the same bytes.
"""

from __future__ import annotations

import threading
from typing import Any

import pyarrow as pa

# The reader needs two reads past the blocks taken (a block is cut at the last line end,
# known from the next read); more is a margin. Should the reader and the job ever both
# wait this long, the reader gets one more block, up to Arrow's own queue: never stuck.
WAIT_SECONDS = 1.0
MAX_AHEAD = 32
# Blocks read past the ones taken (process-wide; 0: Arrow's own read-ahead). Set for the
# worker of a tight job (``stream.spill.release_memory_early``).
_limit = [0]


def limit_read_ahead(blocks: int) -> None:
    """Read at most ``blocks`` blocks ahead of the batches taken (0: no limit)."""
    _limit[0] = max(0, int(blocks))


def read_ahead_limit() -> int:
    return _limit[0]


class PacedInput:
    """A readable file object (for ``pa.PythonFile``) over ``raw``, at most ``ahead``
    reads past ``took``. ``close`` (or ``stop``) lets a waiting read end the stream."""

    def __init__(self, raw: pa.NativeFile, ahead: int) -> None:
        self._raw = raw
        self._ahead = max(1, ahead)
        self._reads = 0
        self._taken = 0
        self._stopped = False
        self._asking = True  # opening the reader waits for the first blocks
        self._turn = threading.Condition()
        self.closed = False

    def _wait(self) -> bool:
        """Wait for the reader's turn; False when stopped."""
        with self._turn:
            while not self._turn.wait_for(
                lambda: self._stopped or self._reads - self._taken < self._ahead, WAIT_SECONDS
            ):
                # the job waits for a block too: the reader needs more blocks ahead to give
                # it (never seen; a margin), and gets them, up to Arrow's own queue
                if self._asking and self._ahead < MAX_AHEAD:
                    self._ahead += 1
            if self._stopped:
                return False
            self._reads += 1
            return True

    def read_buffer(self, size: int = -1) -> pa.Buffer:
        if not self._wait():
            return pa.py_buffer(b"")
        return self._raw.read_buffer(size)

    def read(self, size: int = -1) -> bytes:
        if not self._wait():
            return b""
        data: bytes = self._raw.read(size)
        return data

    def ask(self) -> None:
        """The job waits for its next block."""
        with self._turn:
            self._asking = True

    def took(self, blocks: int = 1) -> None:
        """The job took ``blocks`` more blocks: the reader may read as many more."""
        with self._turn:
            self._asking = False
            self._taken += blocks
            self._turn.notify_all()

    def stop(self) -> None:
        """End the stream for the reader's thread (the job stopped reading)."""
        with self._turn:
            self._stopped = True
            self._turn.notify_all()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def writable(self) -> bool:
        return False

    def tell(self) -> int:
        return int(self._raw.tell())

    def close(self) -> None:
        self.stop()
        self.closed = True
        self._raw.close()

    def __enter__(self) -> PacedInput:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
