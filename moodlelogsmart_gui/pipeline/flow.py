"""Directly-follows counts: how often activity type B comes right after A within one case.

Fed batch after batch of a stream in which each case's events come in time order (the same
streams as the session tracker); keeps one "previous activity" per case and a small matrix
of counts over the activity types, never anything per event.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from moodlelogsmart_gui.pipeline.sessions import grouped


class DirectlyFollows:
    """Counts of ``a -> b`` pairs, of the activity each case starts with and ends with."""

    def __init__(self, activities: list[str]) -> None:
        self.activities = list(activities)
        size = len(self.activities)
        self._pairs = np.zeros((size, size), dtype=np.int64)
        self._starts = np.zeros(size, dtype=np.int64)
        self._last = np.zeros(0, dtype=np.int64)  # previous activity per case, -1: none yet

    def _grow(self, cases: int) -> None:
        if cases > len(self._last):
            extra = max(cases - len(self._last), len(self._last))
            self._last = np.append(self._last, np.full(extra, -1, dtype=np.int64))

    def add(self, codes: np.ndarray, activity: np.ndarray) -> None:
        """One batch: case codes and activity codes (indexes into ``activities``)."""
        codes = np.asarray(codes, dtype=np.int64)
        activity = np.asarray(activity, dtype=np.int64)
        if not len(codes):
            return
        self._grow(int(codes.max()) + 1)
        order, starts, ends = grouped(codes)
        case, acts = codes[order], activity[order]
        previous = np.empty(len(acts), dtype=np.int64)
        previous[1:] = acts[:-1]
        previous[starts] = self._last[case[starts]]
        fresh = previous[starts] < 0
        np.add.at(self._starts, acts[starts][fresh], 1)
        linked = previous >= 0
        size = len(self.activities)
        self._pairs += np.bincount(
            previous[linked] * size + acts[linked], minlength=size * size
        ).reshape(size, size)
        self._last[case[ends]] = acts[ends]

    def summary(self) -> dict[str, Any]:
        """``directly_follows`` (from/to/count, most frequent first), start and end counts."""
        ends = np.bincount(self._last[self._last >= 0], minlength=len(self.activities))
        names = self.activities
        edges = [
            {"from": names[a], "to": names[b], "count": int(self._pairs[a, b])}
            for a, b in zip(*np.nonzero(self._pairs), strict=True)
        ]
        edges.sort(key=lambda e: (-e["count"], e["from"], e["to"]))
        return {
            "directly_follows": edges,
            "start_activities": {names[a]: int(n) for a, n in enumerate(self._starts) if n},
            "end_activities": {names[a]: int(n) for a, n in enumerate(ends) if n},
        }
