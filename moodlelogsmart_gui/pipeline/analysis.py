"""Per-case figures from one pass over a stream of enriched events: session numbers,
directly-follows counts and the ``students.csv`` table.

``CaseStream.add`` takes one batch (a pandas frame with ``case_id``, ``case_label``,
``timestamp``, ``activity_type``, ``bloom_level``, ``is_active``, ``rule_id``) of a stream
in which each case's events come in time order, and returns the batch's session numbers.
State is per case, never per event, so it fits the bounded-memory pipeline.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd

from moodlelogsmart_gui.pipeline.classify import BLOOM_LEVELS, RuleSet
from moodlelogsmart_gui.pipeline.flow import DirectlyFollows
from moodlelogsmart_gui.pipeline.session_lengths import SessionLengths
from moodlelogsmart_gui.pipeline.sessions import DEFAULT_GAP_MINUTES, CaseIndex, SessionTracker
from moodlelogsmart_gui.pipeline.students import StudentTable

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "@", "\t", "\r")
COLUMNS = (
    "case_id",
    "case_label",
    "timestamp",
    "activity_type",
    "bloom_level",
    "is_active",
    "rule_id",
)


def activity_types(rules: RuleSet) -> list[str]:
    """Distinct activity types of the rules, in rule order (the fallback's last)."""
    return list(dict.fromkeys(rule.activity_type for rule in rules.all_rules))


def _lookup(series: pd.Series, index: dict[Any, int], missing: int = -1) -> np.ndarray:
    """Each row's position in ``index`` (``missing`` for NA or values not in it)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    table = np.array([index.get(value, missing) for value in uniques.tolist()] + [missing])
    looked_up: np.ndarray = table.astype(np.int64)[codes]
    return looked_up


class CaseStream:
    """Sessions, directly-follows counts and per-student figures, batch after batch."""

    def __init__(
        self,
        rules: RuleSet,
        gap_minutes: float = DEFAULT_GAP_MINUTES,
        lengths: SessionLengths | None = None,
    ) -> None:
        self.cases = CaseIndex()
        self.labels: list[str] = []
        self.sessions = SessionTracker(gap_minutes)
        self.activities = activity_types(rules)
        self._activity = {name: i for i, name in enumerate(self.activities)}
        self._level = {name: i for i, name in enumerate(BLOOM_LEVELS)}
        rule_ids = [rule.id for rule in rules.all_rules]
        self._rule = {name: i for i, name in enumerate(rule_ids)}
        self.flow = DirectlyFollows(self.activities)
        self.students = StudentTable(BLOOM_LEVELS, rule_ids, lengths)

    def add(self, batch: pd.DataFrame) -> np.ndarray:
        """Feed one batch; returns each row's session number (1, 2, ... within its case)."""
        inverse, uniques = pd.factorize(batch["case_id"])
        known = len(self.cases)
        codes = self.cases.codes([str(u) for u in uniques.tolist()], inverse)
        if len(self.cases) > known:
            first = np.zeros(len(uniques), dtype=np.int64)
            first[inverse[::-1]] = np.arange(len(inverse))[::-1]
            labels = batch["case_label"].iloc[first].tolist()
            self.labels += [str(labels[i]) for i in range(len(uniques)) if codes[first[i]] >= known]
        stamps = batch["timestamp"].to_numpy(dtype="datetime64[ns]").view(np.int64)
        numbers = self.sessions.assign(codes, stamps)
        self.flow.add(codes, _lookup(batch["activity_type"], self._activity))
        self.students.add(
            codes,
            stamps,
            numbers,
            batch["is_active"].to_numpy(dtype=bool),
            _lookup(batch["bloom_level"], self._level),
            _lookup(batch["rule_id"], self._rule, len(self._rule) - 1),
        )
        return numbers

    def summary(self) -> dict[str, Any]:
        """``sessions`` and the directly-follows keys for summary.json."""
        return {"sessions": self.sessions.total, **self.flow.summary()}

    def students_csv(self, offset: str) -> bytes:
        """``students.csv``: UTF-8 with BOM, comma separated, formula-safe, one row per case."""
        out = io.StringIO()
        out.write(BOM + ",".join(self.students.headers()) + "\r\n")
        keys = [str(key) for key in self.cases.keys]
        rows = list(self.students.rows(keys, self.labels))
        rows.sort(key=lambda row: _case_order(row[0]))
        for row in rows:
            row[4], row[5] = _iso(row[4], offset), _iso(row[5], offset)
            row[8] = f"{row[8]:.2f}"
            out.write(",".join(_field(value) for value in row) + "\r\n")
        return out.getvalue().encode("utf-8")


def _case_order(key: str) -> tuple[int, int, str]:
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def _iso(nanoseconds: int, offset: str) -> str:
    stamp = np.datetime64(nanoseconds // 1_000_000_000, "s")
    return f"{np.datetime_as_string(stamp, unit='s')}{offset}"


def _field(value: Any) -> str:
    text = str(value)
    risky = text.startswith(FORMULA_STARTS) or (text.startswith("-") and len(text) > 1)
    if risky and not isinstance(value, (int, float)):
        text = "'" + text
    if any(c in text for c in '",\r\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text
