"""Sessions: a student's events split where they were inactive longer than the session gap.

A new session starts at a case's first event and whenever the time since the case's previous
event is longer than the gap: exactly the gap apart is still the same session, and events at
the same instant always share one. Session numbers count from 1 within each case, so a
session is ``(case_id, session_id)``.

The tracker is fed batch after batch of a stream in which each case's events come in time
order (the time-ordered stream or the per-case stream give the same numbers: within one case
both follow time, then input row). It keeps one time and one counter per case, never
anything per event.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import numpy as np

DEFAULT_GAP_MINUTES = 30
NS_PER_MINUTE = 60 * 1_000_000_000


class CaseIndex:
    """Stable small integer codes for case keys, in order of first appearance."""

    def __init__(self) -> None:
        self._codes: dict[Hashable, int] = {}
        self.keys: list[Hashable] = []

    def __len__(self) -> int:
        return len(self.keys)

    def codes(self, uniques: Iterable[Hashable], inverse: np.ndarray) -> np.ndarray:
        """Codes for a batch given as its distinct keys and each row's index into them."""
        values = []
        for key in uniques:
            code = self._codes.get(key)
            if code is None:
                code = self._codes[key] = len(self.keys)
                self.keys.append(key)
            values.append(code)
        lookup = np.asarray(values, dtype=np.int64)
        return lookup[np.asarray(inverse, dtype=np.int64)] if len(lookup) else lookup


def grouped(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stable order of a batch by case, and the start and end (inclusive) of each run."""
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    first = np.ones(len(codes), dtype=bool)
    first[1:] = sorted_codes[1:] != sorted_codes[:-1]
    starts = np.flatnonzero(first)
    ends = np.append(starts[1:] - 1, len(codes) - 1) if len(codes) else starts
    return order, starts, ends


class SessionTracker:
    """Numbers each event's session; ``total`` is the number of sessions seen so far."""

    def __init__(self, gap_minutes: float = DEFAULT_GAP_MINUTES) -> None:
        if not gap_minutes > 0:
            raise ValueError("The session gap must be more than 0 minutes.")
        self.gap_ns = round(gap_minutes * NS_PER_MINUTE)
        self._last = np.zeros(0, dtype=np.int64)  # previous event time per case
        self._count = np.zeros(0, dtype=np.int64)  # sessions so far per case (0: none yet)
        self.total = 0

    def _grow(self, size: int) -> None:
        if size > len(self._count):
            extra = max(size - len(self._count), len(self._count))
            self._last = np.append(self._last, np.zeros(extra, dtype=np.int64))
            self._count = np.append(self._count, np.zeros(extra, dtype=np.int64))

    def assign(self, codes: np.ndarray, stamps: np.ndarray) -> np.ndarray:
        """Session number (1, 2, ...) of each event of one batch.

        ``codes``: case codes (small non-negative integers); ``stamps``: event times as int64
        nanoseconds (or any datetime64, viewed as such). Each case's events must come in time
        order, within the batch and across batches.
        """
        codes = np.asarray(codes, dtype=np.int64)
        stamps = np.asarray(stamps)
        if stamps.dtype.kind == "M":
            stamps = stamps.astype("datetime64[ns]").view(np.int64)
        stamps = stamps.astype(np.int64, copy=False)
        if not len(codes):
            return np.zeros(0, dtype=np.int64)
        self._grow(int(codes.max()) + 1)
        order, starts, ends = grouped(codes)
        case, times = codes[order], stamps[order]
        new = np.empty(len(codes), dtype=bool)
        new[1:] = (times[1:] - times[:-1]) > self.gap_ns
        head = case[starts]
        seen = self._count[head] > 0
        new[starts] = ~seen | ((times[starts] - self._last[head]) > self.gap_ns)
        running = np.cumsum(new, dtype=np.int64)
        before = running[starts] - new[starts]
        run_of = np.repeat(np.arange(len(starts)), ends - starts + 1)
        numbers = self._count[case] + running - before[run_of]
        self.total += int(new.sum())
        self._last[case[ends]] = times[ends]
        self._count[case[ends]] = numbers[ends]
        out = np.empty(len(codes), dtype=np.int64)
        out[order] = numbers
        return out
