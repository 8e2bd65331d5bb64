"""Session lengths for students.csv's median: bounded in memory, the same figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from moodlelogsmart_gui.pipeline.session_lengths import SessionLengths, held_pairs, medians_of
from moodlelogsmart_gui.pipeline.sessions import SessionTracker
from moodlelogsmart_gui.pipeline.students import StudentTable

MINUTE = 60 * 10**9


def _student_rows(
    codes: np.ndarray, stamps: np.ndarray, batch: int, lengths: SessionLengths | None
) -> list[list[object]]:
    tracker = SessionTracker(30)
    table = StudentTable(["Remember"], ["r", "other"], lengths)
    zeros = np.zeros(len(codes), np.int64)
    for start in range(0, len(codes), batch):
        part = slice(start, start + batch)
        numbers = tracker.assign(codes[part], stamps[part])
        active = np.ones(len(numbers), bool)
        table.add(codes[part], stamps[part], numbers, active, zeros[part], zeros[part])
    cases = int(codes.max()) + 1
    return list(table.rows([str(c) for c in range(cases)], ["x"] * cases))


def _log(events: int, cases: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Events in time order, students coming back often: most events start a session."""
    rng = np.random.default_rng(seed)
    stamps = np.sort(rng.integers(0, 400 * 24 * 60, events)) * MINUTE
    stamps += rng.integers(0, 50 * 10**9, events)  # some sessions hold several events
    codes = rng.zipf(1.6, events) % cases  # a few students with many sessions
    return codes.astype(np.int64), np.sort(stamps)


def test_lengths_held_in_memory_or_written_give_the_same_rows(tmp_path: Path) -> None:
    codes, stamps = _log(30_000, 97, seed=3)
    expected = _student_rows(codes, stamps, 1_000, None)
    for hold in (1, 50, 999, 4_096):
        path = tmp_path / f"sessions-{hold}.arrow"
        lengths = SessionLengths(path, hold)
        assert _student_rows(codes, stamps, 1_000, lengths) == expected
        assert lengths.written > 20_000  # most sessions went to the file
    small = SessionLengths(tmp_path / "never.arrow", 10**9)
    assert _student_rows(codes, stamps, 1_000, small) == expected
    assert small.written == 0 and not (tmp_path / "never.arrow").exists()


def test_pairs_in_memory_stay_within_the_bound(tmp_path: Path) -> None:
    lengths = SessionLengths(tmp_path / "s.arrow", hold=100)
    rng = np.random.default_rng(5)
    for _ in range(200):
        n = int(rng.integers(0, 40))
        lengths.add(rng.integers(0, 9, n), rng.integers(0, 10**12, n))
        assert lengths._rows <= 100
    assert lengths.written > 3_000


def test_medians_match_numpy_per_case() -> None:
    rng = np.random.default_rng(9)
    codes = rng.integers(0, 12, 5_001)
    lengths = rng.integers(0, 7_200 * 10**9, 5_001)
    medians = medians_of(codes, lengths, 14)
    for case in range(14):
        mine = lengths[codes == case]
        assert medians[case] == (np.median(mine / 60e9) if len(mine) else 0.0)


def test_held_pairs_follow_the_job_memory() -> None:
    assert held_pairs(1) == 4_096
    assert held_pairs(256) * 16 == 8 << 20
    assert held_pairs(1024) * 16 == 32 << 20
