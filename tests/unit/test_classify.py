"""Bloom classification: the default rules, first-match order, and refused rules files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from moodlelogsmart_gui.pipeline.classify import BLOOM_LEVELS, classify, is_bloom, load_rules
from moodlelogsmart_gui.pipeline.errors import BadInputError
from tests.unit.canonical_frames import canonical_frame, event

DEFAULT_CASES = [
    (r"\mod_resource\event\course_module_viewed", "resource_viewing", "Remember"),
    (r"\mod_book\event\chapter_viewed", "resource_viewing", "Remember"),
    (r"\core\event\course_viewed", "course_viewing", "Remember"),
    (r"\mod_forum\event\discussion_viewed", "forum_viewing", "Understand"),
    (r"\mod_forum\event\post_created", "forum_posting", "Create"),
    (r"\mod_quiz\event\attempt_submitted", "quiz_attempt", "Apply"),
    (r"\mod_assign\event\submission_status_viewed", "assignment_viewing", "Understand"),
    (r"\assignsubmission_file\event\assessable_uploaded", "assignment_submission", "Create"),
    (r"\mod_wiki\event\page_updated", "wiki_edit", "Create"),
    (r"\mod_workshop\event\submission_assessed", "workshop_assessment", "Evaluate"),
    (r"\mod_glossary\event\entry_created", "glossary_entry", "Analyze"),
    (r"\mod_data\event\record_created", "database_entry", "Apply"),
    (r"\mod_chat\event\message_sent", "chat", "Understand"),
    (r"\core\event\user_loggedin", "other", None),
    (r"\mod_quizaccess\event\attempt_started", "other", None),
]


def frame_with_keys(keys: list[str | None]) -> pd.DataFrame:
    rows = [event("course_view", "2024-01-05 09:00:00") for _ in keys]
    frame = canonical_frame(rows)
    frame["event_key"] = pd.array(keys, dtype="string")
    return frame


def write_rules(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "my rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_rules_are_the_thirteen_of_the_original_tool() -> None:
    rules = load_rules()
    assert rules.source == "default"
    assert len(rules.all_rules) == 13
    assert rules.fallback.bloom_level is None
    assert {r.bloom_level for r in rules.rules} <= set(BLOOM_LEVELS)


def test_default_rules_classify_each_kind_of_event() -> None:
    keys = [key for key, _, _ in DEFAULT_CASES]
    out = classify(frame_with_keys(keys), load_rules())
    assert out["rule_id"].astype(str).tolist() == [rule for _, rule, _ in DEFAULT_CASES]
    levels = [None if pd.isna(v) else v for v in out["bloom_level"].tolist()]
    assert levels == [level for _, _, level in DEFAULT_CASES]
    assert out["is_active"].dtype == bool
    assert out.loc[out["rule_id"] == "forum_posting", "is_active"].all()
    assert not out.loc[out["rule_id"] == "course_viewing", "is_active"].any()


def test_unknown_event_key_goes_to_the_fallback_and_out_of_bloom_only() -> None:
    rules = load_rules()
    out = classify(frame_with_keys([None, r"\core\event\course_viewed"]), rules)
    assert out["rule_id"].astype(str).tolist() == ["other", "course_viewing"]
    assert out["activity_type"].tolist() == ["Other activity", "Course viewing"]
    assert is_bloom(out, rules).tolist() == [False, True]


def test_first_matching_rule_wins_and_conditions_combine(tmp_path: Path) -> None:
    path = write_rules(
        tmp_path,
        r"""
[[rule]]
id = "forum_posts_by_module"
activity_type = "Posting"
activity_category = "Collab_A"
bloom_level = "Create"
is_active = true
event_key = ['\mod_forum\event\post_*']
module = ["forum"]

[[rule]]
id = "any_forum"
activity_type = "Forum"
activity_category = "Study_A"
bloom_level = "Understand"
is_active = false
event_key_regex = ['\\mod_forum\\.*']

[fallback]
id = "rest"
activity_type = "Rest"
activity_category = "Others"
""",
    )
    rules = load_rules(path)
    frame = frame_with_keys(
        [r"\mod_forum\event\post_created", r"\mod_forum\event\post_created", r"\mod_quiz\x"]
    )
    frame["module"] = pd.array(["forum", None, "quiz"], dtype="string")
    out = classify(frame, rules)
    assert out["rule_id"].astype(str).tolist() == ["forum_posts_by_module", "any_forum", "rest"]
    assert rules.source == str(path)


def test_classification_does_not_depend_on_translated_text() -> None:
    frame = frame_with_keys([r"\mod_forum\event\post_created"] * 2)
    frame["event_name"] = pd.array(["Post created", "Publicação criada"], dtype="string")
    frame["component"] = pd.array(["Forum", "Fórum"], dtype="string")
    out = classify(frame, load_rules())
    assert out["rule_id"].astype(str).tolist() == ["forum_posting", "forum_posting"]


def test_large_frame_is_classified_through_unique_combinations() -> None:
    keys = [key for key, _, _ in DEFAULT_CASES]
    base = frame_with_keys(keys)
    frame = base.loc[np.tile(base.index.to_numpy(), 20_000)].reset_index(drop=True)
    out = classify(frame, load_rules())
    expected = [rule for _, rule, _ in DEFAULT_CASES] * 20_000
    assert (out["rule_id"].astype(str).to_numpy() == np.array(expected)).all()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[rule]\nid = 'x'", "line 1"),
        (
            "[[rule]]\nid='a'\nactivity_type='A'\nactivity_category='Study_P'\nbloom_level='Remember'\nis_active=true\n"
            "event_key=['x']\ncolour='red'\n[fallback]\nid='f'\nactivity_type='F'\nactivity_category='Others'\n",
            "colour",
        ),
        (
            "[[rule]]\nid='a'\nbloom_level='Remember'\nis_active=true\nevent_key=['x']\n"
            "[fallback]\nid='f'\nactivity_type='F'\nactivity_category='Others'\n",
            "'activity_type'",
        ),
        (
            "[[rule]]\nid='a'\nactivity_type='A'\nactivity_category='Study_P'\nbloom_level='Remembering'\nis_active=true\n"
            "event_key=['x']\n[fallback]\nid='f'\nactivity_type='F'\nactivity_category='Others'\n",
            "Remembering",
        ),
        (
            "[[rule]]\nid='a'\nactivity_type='A'\nactivity_category='Study_P'\nbloom_level='Apply'\nis_active=true\n"
            "event_key_regex=['(unclosed']\n[fallback]\nid='f'\nactivity_type='F'\nactivity_category='Others'\n",
            "(unclosed",
        ),
        (
            "[[rule]]\nid='a'\nactivity_type='A'\nactivity_category='Study_P'\nbloom_level='Apply'\nis_active=true\n"
            "[fallback]\nid='f'\nactivity_type='F'\nactivity_category='Others'\n",
            "no condition",
        ),
        (
            "[[rule]]\nid='a'\nactivity_type='A'\nactivity_category='Study_P'\nbloom_level='Apply'\nis_active=true\n"
            "module=['quiz']\n",
            "[fallback]",
        ),
        (
            "[[rule]]\nid='a'\nactivity_type='A'\nactivity_category='Study_P'\nbloom_level='Apply'\nis_active=true\n"
            "module=['quiz']\n[fallback]\nid='a'\nactivity_type='F'\nactivity_category='Others'\n",
            "more than once",
        ),
        (
            "[[rule]]\nid='a'\nactivity_type='A'\nactivity_category='Study_P'\nbloom_level='Apply'\nis_active='yes'\n"
            "module=['quiz']\n[fallback]\nid='f'\nactivity_type='F'\nactivity_category='Others'\n",
            "is_active",
        ),
    ],
)
def test_broken_rules_file_is_refused_with_file_and_problem(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write_rules(tmp_path, text)
    with pytest.raises(BadInputError) as info:
        load_rules(path)
    message = str(info.value)
    assert str(path) in message
    assert expected in message


def test_semantic_errors_name_the_rule(tmp_path: Path) -> None:
    path = write_rules(
        tmp_path,
        "[[rule]]\nid='ok'\nactivity_type='A'\nactivity_category='Study_P'\nbloom_level='Apply'\nis_active=true\n"
        "module=['quiz']\n[[rule]]\nid='broken_one'\nactivity_type='B'\nactivity_category='Study_P'\nbloom_level='Big'\n"
        "is_active=true\nmodule=['quiz']\n[fallback]\nid='f'\nactivity_type='F'\nactivity_category='Others'\n",
    )
    with pytest.raises(BadInputError, match=r"rule #2 \('broken_one'\)"):
        load_rules(path)


def test_missing_rules_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="cannot be read"):
        load_rules(tmp_path / "nope.toml")
