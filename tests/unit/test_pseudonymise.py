"""Pseudonymisation: stable keyed pseudonyms, names inside text, IPs emptied."""

from __future__ import annotations

import pandas as pd

from moodlelogsmart_gui.pipeline.pseudonymise import collect_names, pseudonym, pseudonymise
from tests.unit.canonical_frames import canonical_frame, event

T = "2024-01-05 09:00:00"
KEY = b"k" * 32


def test_pseudonym_is_stable_and_depends_on_the_key() -> None:
    assert pseudonym("Ana Silva", KEY) == pseudonym("Ana Silva", KEY)
    assert pseudonym("Ana Silva", KEY) != pseudonym("Ana Silva", b"other key")
    assert pseudonym("Ana Silva", KEY) != pseudonym("Bruno Lima", KEY)
    assert pseudonym("Ana Silva", KEY).startswith("Student-")


def test_collect_names_skips_blanks_and_ids() -> None:
    frame = canonical_frame(
        [
            event("course_view", T, user_name="Ana Silva", affected_user="Bruno Lima"),
            event("course_view", T, user_name="-", real_user="Admin User"),
            event("course_view", T, user_name="12"),
        ]
    )
    assert collect_names(frame) == ["Admin User", "Bruno Lima", "Ana Silva"]


def test_names_are_replaced_everywhere_and_ips_emptied() -> None:
    frame = canonical_frame(
        [
            event("course_view", T, user_name="Ana", context="User: Ana", ip="10.1.2.3"),
            event("course_view", T, user_name="Bruno Lima", context="Banana forum, Ana's notes"),
            event("course_view", T, user_name="Bruno Lima", real_user="Ana", context="Quiz: Ana"),
        ]
    )
    names = collect_names(frame)
    out = pseudonymise(frame, names, KEY, ["context", "orig_user"], ["ip"])
    ana, bruno = pseudonym("Ana", KEY), pseudonym("Bruno Lima", KEY)
    assert out["user_name"].tolist() == [ana, bruno, bruno]
    assert out["context"].tolist() == [
        f"User: {ana}",
        f"Banana forum, {ana}'s notes",
        f"Quiz: {ana}",
    ]
    assert out["orig_user"].tolist()[2] == f"{ana} as {bruno}"
    assert out["ip"].isna().all()
    assert out["description"].equals(frame["description"])
    assert frame["user_name"].tolist()[0] == "Ana"  # the input frame is not changed


def test_without_names_only_ips_change() -> None:
    frame = canonical_frame([event("course_view", T, user_name="-")])
    out = pseudonymise(frame, [], KEY, ["context"], ["ip"])
    assert out["context"].equals(frame["context"])
    assert out["ip"].isna().all()


def test_many_rows_are_handled_through_unique_values() -> None:
    rows = [
        event("course_view", T, user_id=str(i % 50), user_name=f"Person {i % 50:02d}")
        for i in range(200)
    ]
    frame = canonical_frame(rows)
    big = pd.concat([frame] * 500, ignore_index=True)
    out = pseudonymise(big, collect_names(big), KEY, ["orig_user"], ["ip"])
    assert not out["user_name"].str.startswith("Person").any()
    assert out["user_name"].nunique() == 50


def test_html_escaped_names_in_original_columns_are_replaced_too() -> None:
    """Moodle writes "O&#039;Brien" in the Event context; the original column keeps it."""
    frame = canonical_frame(
        [event("course_view", T, user_name="Liam O'Brien", context="User: Liam O'Brien")]
    )
    frame["orig_context"] = pd.array(
        ["User: Liam O&#039;Brien, Liam O&apos;Brien & Liam O&#x27;Brien"], dtype="string"
    )
    frame["orig_other"] = pd.array(["Tom &amp; Liam O&#39;Briens"], dtype="string")
    out = pseudonymise(frame, collect_names(frame), KEY, ["context", "orig_context"], [])
    liam = pseudonym("Liam O'Brien", KEY)
    assert out["context"].tolist() == [f"User: {liam}"]
    assert out["orig_context"].tolist() == [f"User: {liam}, {liam} & {liam}"]
    out = pseudonymise(frame, collect_names(frame), KEY, ["orig_other"], [])
    assert out["orig_other"].tolist() == ["Tom &amp; Liam O&#39;Briens"]  # not a whole name
