"""``students.csv``: one row per case (student) with activity, time and session figures.

Fed batch after batch of a stream in which each case's events come in time order, with
each event's session number (``sessions.SessionTracker``). State is per case (counts,
first/last time, current day and session) plus the length of each finished session, for
the median: as many as there are events when students come back often, so they are held
up to a bound and then go to a file (``session_lengths.SessionLengths``, given the job's
spill folder).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from moodlelogsmart_gui.pipeline.session_lengths import SessionLengths
from moodlelogsmart_gui.pipeline.sessions import grouped

NS_PER_DAY = 86_400 * 1_000_000_000
FIXED = (
    "case_id",
    "case_label",
    "events",
    "active_events",
    "first_event",
    "last_event",
    "active_days",
    "sessions",
    "median_session_minutes",
)


def _grown(array: np.ndarray, size: int, fill: int = 0) -> np.ndarray:
    if size <= len(array):
        return array
    extra = max(size - len(array), len(array))
    shape = (extra, *array.shape[1:])
    return np.concatenate([array, np.full(shape, fill, dtype=array.dtype)])


class StudentTable:
    """Per-case aggregation; ``levels`` are the Bloom levels, ``rules`` the rule ids,
    ``lengths`` where finished sessions' lengths go (default: all kept in memory)."""

    def __init__(
        self,
        levels: Sequence[str],
        rules: Sequence[str],
        lengths: SessionLengths | None = None,
    ) -> None:
        self.levels, self.rules = list(levels), list(rules)
        self.cases = 0
        self._events = np.zeros(0, np.int64)
        self._active = np.zeros(0, np.int64)
        self._first = np.zeros(0, np.int64)
        self._last = np.zeros(0, np.int64)
        self._days = np.zeros(0, np.int64)
        self._day = np.zeros(0, np.int64)  # day of the case's latest event
        self._session = np.zeros(0, np.int64)  # current session number (0: none yet)
        self._start = np.zeros(0, np.int64)  # current session's first event time
        self._bloom = np.zeros((0, len(self.levels)), np.int64)
        self._rule = np.zeros((0, len(self.rules)), np.int64)
        self._closed = lengths if lengths is not None else SessionLengths()

    def _grow(self, size: int) -> None:
        self.cases = max(self.cases, size)
        for name in ("_events", "_active", "_first", "_last", "_days", "_day", "_session"):
            setattr(self, name, _grown(getattr(self, name), size))
        self._start = _grown(self._start, size)
        self._bloom = _grown(self._bloom, size)
        self._rule = _grown(self._rule, size)

    def add(
        self,
        codes: np.ndarray,
        stamps: np.ndarray,
        sessions: np.ndarray,
        active: np.ndarray,
        level: np.ndarray,
        rule: np.ndarray,
    ) -> None:
        """One batch: case codes, int64 ns times, session numbers, is_active, Bloom level
        index (-1: none) and rule index of each event."""
        codes = np.asarray(codes, dtype=np.int64)
        if not len(codes):
            return
        self._grow(int(codes.max()) + 1)
        size = len(self._events)
        self._events += np.bincount(codes, minlength=size)
        self._active += np.bincount(codes[np.asarray(active, bool)], minlength=size)
        level = np.asarray(level, dtype=np.int64)
        has = level >= 0
        width = len(self.levels)
        flat = np.bincount(codes[has] * width + level[has], minlength=size * width)
        self._bloom += flat.reshape(size, width)
        width = len(self.rules)
        flat = np.bincount(codes * width + np.asarray(rule, np.int64), minlength=size * width)
        self._rule += flat.reshape(size, width)

        order, starts, ends = grouped(codes)
        case = codes[order]
        times = np.asarray(stamps, dtype=np.int64)[order]
        numbers = np.asarray(sessions, dtype=np.int64)[order]
        head = case[starts]
        new_case = self._session[head] == 0
        self._first[head[new_case]] = times[starts][new_case]
        # active days: days are non-decreasing within a case, so count the changes
        days = times // NS_PER_DAY
        changed = np.empty(len(days), dtype=bool)
        changed[1:] = days[1:] != days[:-1]
        changed[starts] = new_case | (days[starts] != self._day[head])
        self._days += np.bincount(case[changed], minlength=size)
        self._day[case[ends]] = days[ends]
        self._sessions(case, times, numbers)
        self._last[case[ends]] = times[ends]

    def _sessions(self, case: np.ndarray, times: np.ndarray, numbers: np.ndarray) -> None:
        """Close the sessions that ended before or inside this batch; carry each case's open
        one (its number and start) to the next batch."""
        boundary = np.ones(len(case), dtype=bool)
        boundary[1:] = (case[1:] != case[:-1]) | (numbers[1:] != numbers[:-1])
        run_starts = np.flatnonzero(boundary)
        run_ends = np.append(run_starts[1:] - 1, len(case) - 1)
        run_case = case[run_starts]
        first_of_case = np.ones(len(run_starts), dtype=bool)
        first_of_case[1:] = run_case[1:] != run_case[:-1]
        last_of_case = np.ones(len(run_starts), dtype=bool)
        last_of_case[:-1] = run_case[1:] != run_case[:-1]
        begin = times[run_starts].copy()
        carried = first_of_case & (numbers[run_starts] == self._session[run_case])
        begin[carried] = self._start[run_case[carried]]
        heads = run_case[first_of_case]
        ended = heads[(self._session[heads] > 0) & ~carried[first_of_case]]
        done = ~last_of_case
        self._closed.add(
            np.concatenate([run_case[done], ended]),
            np.concatenate(
                [times[run_ends[done]] - begin[done], self._last[ended] - self._start[ended]]
            ),
        )
        tails = run_case[last_of_case]
        self._session[tails] = numbers[run_starts[last_of_case]]
        self._start[tails] = begin[last_of_case]

    def _medians(self) -> np.ndarray:
        """Median session length per case in minutes (the open sessions closed here)."""
        cases = np.flatnonzero(self._session[: self.cases] > 0)
        return self._closed.medians(self.cases, cases, self._last[cases] - self._start[cases])

    def headers(self) -> list[str]:
        return [
            *FIXED,
            *(f"bloom_{level.lower()}" for level in self.levels),
            *(f"activity_{rule}" for rule in self.rules),
        ]

    def rows(self, keys: Sequence[Any], labels: Sequence[Any]) -> Iterable[list[Any]]:
        """One row per case (``keys``/``labels`` by case code), as Python values: times as
        int64 nanoseconds, the median in minutes."""
        medians = self._medians()
        sessions = self._session
        for code in range(self.cases):
            yield [
                keys[code],
                labels[code],
                int(self._events[code]),
                int(self._active[code]),
                int(self._first[code]),
                int(self._last[code]),
                int(self._days[code]),
                int(sessions[code]),
                float(medians[code]),
                *self._bloom[code].tolist(),
                *self._rule[code].tolist(),
            ]

    def totals(self) -> dict[str, int]:
        """Sums over every case (equal to the summary's counts)."""
        return {
            "events": int(self._events.sum()),
            "active_events": int(self._active.sum()),
            "sessions": int(self._session.sum()),
        }
