"""Sessions, directly-follows counts and the per-student table, fed in batches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from moodlelogsmart_gui.pipeline.flow import DirectlyFollows
from moodlelogsmart_gui.pipeline.sessions import SessionTracker
from moodlelogsmart_gui.pipeline.students import StudentTable

MINUTE = 60 * 10**9


def minutes(*values: float) -> np.ndarray:
    return (np.array(values, dtype=np.float64) * MINUTE).astype(np.int64)


def naive_sessions(codes: np.ndarray, stamps: np.ndarray, gap: float) -> list[int]:
    last: dict[int, int] = {}
    count: dict[int, int] = {}
    out = []
    for code, stamp in zip(codes.tolist(), stamps.tolist(), strict=True):
        if code not in last or stamp - last[code] > gap * MINUTE:
            count[code] = count.get(code, 0) + 1
        last[code] = stamp
        out.append(count[code])
    return out


def test_exactly_the_gap_apart_is_the_same_session() -> None:
    tracker = SessionTracker(30)
    numbers = tracker.assign(np.zeros(4, np.int64), minutes(0, 30, 60, 90))
    assert numbers.tolist() == [1, 1, 1, 1]
    one_second_more = minutes(0, 30) + np.array([0, 1_000_000_000])
    assert SessionTracker(30).assign(np.zeros(2, np.int64), one_second_more).tolist() == [1, 2]


def test_one_event_students_and_ties_in_time() -> None:
    tracker = SessionTracker(30)
    codes = np.array([0, 1, 1, 1, 2, 1])
    stamps = minutes(0, 5, 5, 5, 500, 200)  # student 1: three events at the same instant
    assert tracker.assign(codes, stamps).tolist() == [1, 1, 1, 1, 1, 2]
    assert tracker.total == 4


def test_batches_give_the_numbers_of_one_whole_pass() -> None:
    rng = np.random.default_rng(4)
    codes = rng.integers(0, 40, 3000)
    stamps = np.sort(rng.integers(0, 20_000, 3000)) * MINUTE // 7
    expected = naive_sessions(codes, stamps, 30)
    for size in (1, 17, 3000):
        tracker = SessionTracker(30)
        got = [
            tracker.assign(codes[i : i + size], stamps[i : i + size]) for i in range(0, 3000, size)
        ]
        assert np.concatenate(got).tolist() == expected
        assert tracker.total == sum(
            max(n for c, n in zip(codes, expected, strict=False) if c == k)
            for k in set(codes.tolist())
        )


def test_the_gap_is_a_setting() -> None:
    stamps = minutes(0, 20, 50)
    assert SessionTracker(10).assign(np.zeros(3, np.int64), stamps).tolist() == [1, 2, 3]
    assert SessionTracker(45).assign(np.zeros(3, np.int64), stamps).tolist() == [1, 1, 1]
    with pytest.raises(ValueError):
        SessionTracker(0)


def test_directly_follows_within_cases_across_batches() -> None:
    flow = DirectlyFollows(["a", "b", "c"])
    # case 0: a b b c; case 1: b a  (interleaved in time, split into two batches)
    codes = np.array([0, 1, 0, 0, 1, 0])
    acts = np.array([0, 1, 1, 1, 0, 2])
    flow.add(codes[:3], acts[:3])
    flow.add(codes[3:], acts[3:])
    summary = flow.summary()
    pairs = {(e["from"], e["to"]): e["count"] for e in summary["directly_follows"]}
    assert pairs == {("a", "b"): 1, ("b", "b"): 1, ("b", "c"): 1, ("b", "a"): 1}
    assert summary["start_activities"] == {"a": 1, "b": 1}
    assert summary["end_activities"] == {"c": 1, "a": 1}


def test_student_table_by_hand_and_in_batches() -> None:
    # case 0: day 1 10:00, 10:20 (session 1), 12:00 (session 2); day 2 09:00 (session 3)
    # case 1: one event
    day = 24 * 60
    codes = np.array([0, 1, 0, 0, 0])
    stamps = minutes(600, 601, 620, 720, day + 540)
    active = np.array([True, False, False, True, True])
    level = np.array([0, -1, 2, 2, 5])
    rule = np.array([0, 2, 1, 1, 0])
    for size in (1, 2, 5):
        tracker = SessionTracker(30)
        table = StudentTable(
            ["Remember", "Understand", "Apply", "Analyze", "Evaluate", "Create"],
            ["r", "s", "other"],
        )
        for i in range(0, 5, size):
            part = slice(i, i + size)
            numbers = tracker.assign(codes[part], stamps[part])
            table.add(codes[part], stamps[part], numbers, active[part], level[part], rule[part])
        rows = list(table.rows(["7", "8"], ["Ana", "Rui"]))
        assert rows[0][:9] == [
            "7",
            "Ana",
            4,
            3,
            int(stamps[0]),
            int(stamps[4]),
            2,
            3,
            0.0,
        ]  # sessions last 20, 0 and 0 minutes: median 0
        assert rows[0][9:] == [1, 0, 2, 0, 0, 1, 2, 2, 0]
        assert rows[1][:9] == ["8", "Rui", 1, 0, int(stamps[1]), int(stamps[1]), 1, 1, 0.0]
        assert table.totals() == {"events": 5, "active_events": 3, "sessions": 4}


def test_median_session_length() -> None:
    tracker = SessionTracker(30)
    table = StudentTable(["Remember"], ["r"])
    stamps = minutes(0, 10, 100, 125, 300, 301)  # sessions of 10, 25 and 1 minutes
    codes = np.zeros(6, np.int64)
    numbers = tracker.assign(codes, stamps)
    table.add(
        codes, stamps, numbers, np.zeros(6, bool), np.zeros(6, np.int64), np.zeros(6, np.int64)
    )
    assert next(iter(table.rows(["1"], ["x"])))[8] == pytest.approx(10.0)
    frame = pd.DataFrame({"n": numbers, "t": stamps})
    lengths = frame.groupby("n")["t"].agg(lambda t: (t.max() - t.min()) / MINUTE)
    assert lengths.median() == pytest.approx(10.0)
