"""Cleaning: each rule sets rows aside under its own reason, and nothing goes uncounted."""

from __future__ import annotations

import pandas as pd

from moodlelogsmart_gui.pipeline.clean import REASONS, clean, describe_nothing_left
from tests.unit.canonical_frames import canonical_frame, event

T = "2024-01-05 09:00:00"


def test_students_participation_is_kept() -> None:
    frame = canonical_frame(
        [
            event("course_view", T),
            event("resource_view", T),
            event("forum_post", T),
            event("login", T),
            event("quiz_start", T, origin=None),
        ]
    )
    result = clean(frame)
    assert len(result.frame) == 5
    assert result.dropped == dict.fromkeys(REASONS, 0)
    assert result.logged_in_as_events == 0


def test_each_rule_counts_its_rows() -> None:
    frame = canonical_frame(
        [
            event("course_view", T),
            event("course_view", T, user_id=None, user_name="-"),
            event("course_view", T, user_id=None, user_name=None),
            event("course_view", T, origin="cli"),
            event("course_view", T, origin="restore"),
            event("quiz_start", T, real_user="Admin User"),
            event("report", T),
            event("grading", T),
            event("course_view", T, event_key=r"\core\event\course_module_updated", edulevel=None),
        ]
    )
    result = clean(frame)
    assert result.dropped == {
        "no_user": 2,
        "non_web_origin": 2,
        "logged_in_as": 1,
        "staff_activity": 3,
    }
    assert len(result.frame) == 1
    assert sum(result.dropped.values()) + len(result.frame) == len(frame)
    assert result.logged_in_as_events == 1


def test_mobile_app_events_are_kept() -> None:
    """Origin ``ws`` is the Moodle mobile app: a student's own activity, not a script."""
    frame = canonical_frame([event("quiz_start", T, origin="ws"), event("course_view", T)])
    result = clean(frame)
    assert result.dropped["non_web_origin"] == 0
    assert len(result.frame) == 2


def test_a_row_is_counted_once_under_the_first_rule_it_meets() -> None:
    frame = canonical_frame([event("report", T, user_id=None, user_name="-", origin="cli")])
    result = clean(frame)
    assert result.dropped["no_user"] == 1
    assert result.dropped["non_web_origin"] == 0
    assert result.dropped["staff_activity"] == 0


def test_logged_in_as_is_counted_even_when_another_rule_takes_the_row() -> None:
    frame = canonical_frame([event("course_view", T, origin="cli", real_user="Admin User")])
    result = clean(frame)
    assert result.dropped["non_web_origin"] == 1
    assert result.logged_in_as_events == 1


def test_anonymised_names_with_an_id_are_kept() -> None:
    frame = canonical_frame([event("course_view", T, user_name="-")])
    assert len(clean(frame).frame) == 1


def test_name_without_id_is_kept() -> None:
    frame = canonical_frame([event("course_view", T, user_id=None, user_name="Ana Silva")])
    assert len(clean(frame).frame) == 1


def test_participating_level_wins_over_a_staff_looking_event_key() -> None:
    frame = canonical_frame(
        [
            event(
                "course_view",
                T,
                event_key=r"\gradereport_user\event\grade_report_viewed",
                edulevel=2,
            )
        ]
    )
    assert len(clean(frame).frame) == 1


def test_clean_keeps_columns_and_order() -> None:
    frame = canonical_frame([event("course_view", T), event("report", T), event("forum_post", T)])
    kept = clean(frame).frame
    assert list(kept.columns) == list(frame.columns)
    assert kept["event_key"].tolist() == [
        r"\core\event\course_viewed",
        r"\mod_forum\event\post_created",
    ]
    assert isinstance(kept, pd.DataFrame)


def test_nothing_left_sentence_says_what_was_set_aside() -> None:
    text = describe_nothing_left(10, {"no_user": 0, "staff_activity": 10})
    assert "10 were teachers'" in text
    assert "no user" not in text
    assert text.endswith(".")
