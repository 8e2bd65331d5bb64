"""Cases: one per user id, labelled by name; anonymised names still separate users."""

from __future__ import annotations

import numpy as np

from moodlelogsmart_gui.pipeline.cases import assign_cases
from tests.unit.canonical_frames import canonical_frame, event

T = "2024-01-05 09:00:00"


def test_one_case_per_user_id_labelled_by_name() -> None:
    out = assign_cases(
        canonical_frame(
            [
                event("course_view", T, user_id="5", user_name="Ana Silva"),
                event("course_view", T, user_id="6", user_name="Bruno Lima"),
                event("forum_post", T, user_id="5", user_name="Ana Silva"),
            ]
        )
    )
    assert out["case_id"].astype(str).tolist() == ["5", "6", "5"]
    assert out["case_label"].astype(str).tolist() == ["Ana Silva", "Bruno Lima", "Ana Silva"]


def test_anonymised_dash_names_still_separate_by_id() -> None:
    out = assign_cases(
        canonical_frame(
            [
                event("course_view", T, user_id="5", user_name="-"),
                event("course_view", T, user_id="6", user_name="-"),
            ]
        )
    )
    assert out["case_id"].astype(str).tolist() == ["5", "6"]
    assert out["case_label"].astype(str).tolist() == ["User 5", "User 6"]


def test_same_name_two_people_keep_two_cases_with_distinct_labels() -> None:
    out = assign_cases(
        canonical_frame(
            [
                event("course_view", T, user_id="5", user_name="Ana Silva"),
                event("course_view", T, user_id="9", user_name="Ana Silva"),
            ]
        )
    )
    assert out["case_id"].nunique() == 2
    assert out["case_label"].astype(str).tolist() == ["Ana Silva (5)", "Ana Silva (9)"]


def test_rows_without_id_fall_back_to_the_name() -> None:
    out = assign_cases(
        canonical_frame(
            [
                event("course_view", T, user_id=None, user_name="Carla Nunes"),
                event("course_view", T, user_id=None, user_name="Carla Nunes"),
                event("course_view", T, user_id="5", user_name="Ana Silva"),
            ]
        )
    )
    assert out["case_id"].astype(str).tolist() == ["name:Carla Nunes"] * 2 + ["5"]
    assert out["case_label"].astype(str).tolist()[0] == "Carla Nunes"


def test_a_renamed_user_stays_one_case() -> None:
    out = assign_cases(
        canonical_frame(
            [
                event("course_view", T, user_id="5", user_name="Ana Souza"),
                event("course_view", "2024-01-01", user_id="5", user_name="Ana Silva"),
            ]
        )
    )
    assert out["case_id"].nunique() == 1
    assert set(out["case_label"].astype(str)) == {"Ana Souza"}


def test_rows_set_aside_get_no_case_and_do_not_count() -> None:
    frame = canonical_frame(
        [
            event("course_view", T, user_id="5", user_name="Ana Silva"),
            event("report", T, user_id="3", user_name="Teresa Teacher"),
        ]
    )
    out = assign_cases(frame, np.array([True, False]))
    assert out["case_id"].astype(str).tolist()[0] == "5"
    assert out["case_id"].isna().tolist() == [False, True]
    assert list(out["case_id"].cat.categories) == ["5"]
