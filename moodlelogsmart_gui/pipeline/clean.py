"""Cleaning: set aside rows that are not a student's own learning activity, counted by reason.

Rules, applied in this order (a row is counted under the first rule it meets):

1. ``no_user``: neither a user id nor a user name (an empty name is ``-``); such rows
   cannot be put in any case.
2. ``non_web_origin``: the origin is ``cli`` or ``restore`` (scheduled tasks, course
   restores). ``web``, ``ws`` (the Moodle mobile app and web services: students using the
   app are real participation) and a missing origin are kept.
3. ``logged_in_as``: someone else acting as the student ("Real Name as Student"); the
   student did not do it. These rows are also counted in ``logged_in_as_events``.
4. ``staff_activity``: teaching-level events (``edulevel`` 1) and report, grading and
   course-editing events (see ``STAFF_EVENT_KEY``), unless Moodle marks the event as
   participating (``edulevel`` 2).

Everything else is kept: participation (``edulevel`` 2) and other-level events such as
course and module views and log-ins.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

NON_WEB_ORIGINS = ("cli", "restore")
REASONS = ("no_user", "non_web_origin", "logged_in_as", "staff_activity")
# Reports, grading and course editing, whatever edulevel the catalogue knows for them.
STAFF_EVENT_KEY = (
    r"^\\(?:report_|gradereport_|gradingform_|tool_|logstore_)"
    r"|^\\core\\event\\(?:course_(?:module_)?(?:created|updated|deleted)"
    r"|course_section_(?:created|updated|deleted)|course_content_deleted|course_reset_\w+"
    r"|course_restored|course_backup_created|grade_\w+|user_graded|role_\w+"
    r"|enrol_instance_\w+|group_\w+|grouping_\w+"
    r"|report_viewed|course_user_report_viewed)$"
    r"|\\event\\(?:grading_\w+|submission_graded|workflow_state_updated"
    r"|extension_granted|reveal_identities_\w+|batch_set_\w+|marker_updated"
    r"|identities_revealed|report_viewed|edit_page_viewed|attempt_regraded"
    r"|assessment_evaluated|phase_switched)$"
)


@dataclass
class Cleaned:
    """Which rows are kept, rows set aside per reason, and how many were "logged in as"."""

    source: pd.DataFrame
    keep: np.ndarray
    dropped: dict[str, int]
    logged_in_as_events: int

    @functools.cached_property
    def frame(self) -> pd.DataFrame:
        """The kept rows as a new frame (the pipeline itself selects rows by ``keep``)."""
        return self.source if self.keep.all() else self.source.loc[self.keep]


def _per_value(series: pd.Series, test: Callable[[pd.Series], pd.Series]) -> np.ndarray:
    """Apply ``test`` to each distinct value (missing included) and spread it over the rows."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    values = pd.Series(uniques.astype("string"))
    answer = test(pd.concat([values, pd.Series([pd.NA], dtype="string")], ignore_index=True))
    per_value: np.ndarray = answer.fillna(False).to_numpy(dtype=bool)
    per_row: np.ndarray = per_value[codes]
    return per_row


def _blank(values: pd.Series) -> pd.Series:
    text = values.str.strip()
    return text.isna() | text.isin(["", "-"])


def reason_masks(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """One boolean mask per reason, before precedence (a row may meet several).

    Each test runs once per distinct value of its column, never once per row.
    """
    level = frame["edulevel"].astype("Int8")
    teaching = (level == 1).fillna(False).to_numpy(dtype=bool)
    participating = (level == 2).fillna(False).to_numpy(dtype=bool)
    staff_key = _per_value(frame["event_key"], lambda v: v.str.contains(STAFF_EVENT_KEY))
    return {
        "no_user": _per_value(frame["user_id"], _blank) & _per_value(frame["user_name"], _blank),
        "non_web_origin": _per_value(
            frame["origin"], lambda v: v.str.strip().str.lower().isin(NON_WEB_ORIGINS)
        ),
        "logged_in_as": ~_per_value(frame["real_user"], _blank),
        "staff_activity": teaching | (staff_key & ~participating),
    }


def clean(frame: pd.DataFrame) -> Cleaned:
    """Set aside rows by the rules above; every reason is counted, even when zero."""
    masks = reason_masks(frame)
    taken = np.zeros(len(frame), dtype=bool)
    dropped: dict[str, int] = {}
    for reason in REASONS:
        hit = masks[reason] & ~taken
        dropped[reason] = int(hit.sum())
        taken |= hit
    return Cleaned(frame, ~taken, dropped, int(masks["logged_in_as"].sum()))


def describe_nothing_left(rows: int, dropped: dict[str, int]) -> str:
    """The sentence for a log in which cleaning left no event."""
    labels = {
        "no_user": "had no user",
        "non_web_origin": "came from scheduled scripts or course restores",
        "logged_in_as": "were done by someone logged in as a student",
        "staff_activity": "were teachers' or administrators' work (reports, grading, editing)",
    }
    parts = [f"{n} {labels.get(reason, reason)}" for reason, n in dropped.items() if n]
    found = "; ".join(parts) if parts else "none could be used"
    return (
        f"No student activity is left after cleaning the {rows} events read ({found}); "
        "export a log that contains students' activity."
    )
