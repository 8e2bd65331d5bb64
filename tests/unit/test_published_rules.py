"""The published classification: Moodle2EventLog's categories, Bloom levels and active flags,
in every language, and the preset that uses the categories as the XES activity."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pytest

from moodlelogsmart_gui.paths import rules_preset_path
from moodlelogsmart_gui.pipeline import BadInputError, PipelineOptions, process_file
from moodlelogsmart_gui.pipeline.classify import (
    PUBLISHED_CATEGORIES,
    default_rules_path,
    load_rules,
)
from tests.fixtures.moodle_logs import LANGS, make_report_log, write_report_csv
from tests.fixtures.report_events import EVENTS, RARE_EVENTS

# ../shared MOODLE-LOGS.md section 5: rule -> (category, Bloom level, active).
PUBLISHED: dict[str, tuple[str, str | None, bool]] = {
    "resource_viewing": ("Study_P", "Remember", False),
    "course_viewing": ("Study_P", "Remember", False),
    "forum_viewing": ("Study_A", "Understand", False),
    "forum_posting": ("Collab_A", "Create", True),
    "quiz_attempt": ("Eval_A", "Apply", True),
    "assignment_viewing": ("Study_P", "Understand", False),
    "assignment_submission": ("Prod_A", "Create", True),
    "wiki_edit": ("Collab_A", "Create", True),
    "workshop_assessment": ("Eval_A", "Evaluate", True),
    "glossary_entry": ("Prod_A", "Analyze", True),
    "database_entry": ("Prod_A", "Apply", True),
    "chat": ("Collab_A", "Understand", True),
    "other": ("Others", None, False),  # the published "Remember" is left out on purpose
}
# The rule each student event of the fixture belongs to; every other event is "other".
RULE_OF = {
    r"\core\event\course_viewed": "course_viewing",
    r"\mod_resource\event\course_module_viewed": "resource_viewing",
    r"\mod_url\event\course_module_viewed": "resource_viewing",
    r"\mod_page\event\course_module_viewed": "resource_viewing",
    r"\mod_book\event\chapter_viewed": "resource_viewing",
    r"\mod_forum\event\course_module_viewed": "forum_viewing",
    r"\mod_forum\event\discussion_viewed": "forum_viewing",
    r"\mod_forum\event\post_created": "forum_posting",
    r"\mod_forum\event\post_updated": "forum_posting",
    r"\mod_forum\event\discussion_created": "forum_posting",
    r"\mod_quiz\event\attempt_started": "quiz_attempt",
    r"\mod_quiz\event\attempt_viewed": "quiz_attempt",
    r"\mod_quiz\event\attempt_summary_viewed": "quiz_attempt",
    r"\mod_quiz\event\attempt_submitted": "quiz_attempt",
    r"\mod_quiz\event\attempt_reviewed": "quiz_attempt",
    r"\mod_assign\event\submission_status_viewed": "assignment_viewing",
    r"\mod_assign\event\submission_form_viewed": "assignment_viewing",
    r"\assignsubmission_file\event\submission_created": "assignment_submission",
    r"\assignsubmission_onlinetext\event\submission_updated": "assignment_submission",
    r"\assignsubmission_file\event\assessable_uploaded": "assignment_submission",
    r"\mod_assign\event\assessable_submitted": "assignment_submission",
    r"\mod_wiki\event\page_updated": "wiki_edit",
    r"\mod_workshop\event\submission_assessed": "workshop_assessment",
    r"\mod_glossary\event\entry_created": "glossary_entry",
    r"\mod_glossary\event\entry_updated": "glossary_entry",
    r"\mod_data\event\record_created": "database_entry",
    r"\mod_chat\event\message_sent": "chat",
}
NS = "{http://www.xes-standard.org/}"


def every_event_log(tmp_path: Path, lang: str) -> Path:
    """A course log in ``lang`` where every event of the fixture occurs several times."""
    events = [*EVENTS, *RARE_EVENTS]
    log = make_report_log(6 * len(events), lang, "4", seed=7, logged_in_as=0.0, events=events)
    name = f"logs_every_event_{lang}_20240328-1800.csv"
    return write_report_csv(tmp_path / name, log.rows, log.lang, "4")


def run(src: Path, tmp_path: Path, **options: Any) -> tuple[dict[str, Any], zipfile.ZipFile]:
    summary = process_file(src, tmp_path / "result.zip", PipelineOptions(**options))
    return summary, zipfile.ZipFile(tmp_path / "result.zip")


def csv_rows(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def xes_activities(archive: zipfile.ZipFile, name: str, key: str = "concept:name") -> list[str]:
    root = ET.fromstring(archive.read(name))
    return [
        a.get("value") or ""
        for e in root.iter(f"{NS}event")
        for a in e.findall(f"{NS}string")
        if a.get("key") == key
    ]


def test_default_rules_are_the_published_table() -> None:
    rules = load_rules()
    got = {r.id: (r.activity_category, r.bloom_level, r.is_active) for r in rules.all_rules}
    assert got == PUBLISHED
    assert rules.fallback.bloom_level is None


def test_moodle2eventlog_preset_is_the_same_rules_with_the_category_as_activity() -> None:
    default, preset = load_rules(), load_rules(rules_preset_path("moodle2eventlog"))
    assert preset.source == "moodle2eventlog"
    assert len(preset.all_rules) == len(default.all_rules)
    for mine, theirs in zip(default.all_rules, preset.all_rules, strict=True):
        assert theirs.activity_type == theirs.activity_category == mine.activity_category
        assert (theirs.id, theirs.bloom_level, theirs.is_active) == (
            mine.id,
            mine.bloom_level,
            mine.is_active,
        )
        assert theirs.patterns == mine.patterns
    assert {r.activity_type for r in preset.all_rules} == set(PUBLISHED_CATEGORIES)
    assert rules_preset_path("MoodleLogSmart") == rules_preset_path("moodlelogsmart")
    assert rules_preset_path("something else") is None


@pytest.mark.parametrize("lang", LANGS)
def test_every_event_gets_the_published_category_level_and_flag(tmp_path: Path, lang: str) -> None:
    summary, archive = run(every_event_log(tmp_path, lang), tmp_path)
    assert summary["detected"]["language"] == lang
    rows = csv_rows(archive, "enriched_log.csv")
    assert len(rows) == summary["rows_out"]
    seen = set()
    for row in rows:
        rule = RULE_OF.get(row["event_key"], "other")
        category, level, active = PUBLISHED[rule]
        assert row["rule_id"] == rule, row["event_key"]
        assert row["activity_category"] == category, rule
        assert row["bloom_level"] == (level or ""), rule
        assert row["is_active"] == ("true" if active else "false"), rule
        seen.add(rule)
    assert seen == set(PUBLISHED)  # every rule and the fallback occur
    header = list(rows[0])
    assert header.index("activity_category") == header.index("activity_type") + 1
    per_category: dict[str, int] = {}
    for row in rows:
        per_category[row["activity_category"]] = per_category.get(row["activity_category"], 0) + 1
    assert summary["events_per_activity_category"] == per_category
    categories = xes_activities(archive, "enriched_log.xes", "moodle:category")
    assert sorted(categories) == sorted(row["activity_category"] for row in rows)


def test_moodle2eventlog_preset_gives_the_six_categories_as_xes_activities(
    tmp_path: Path,
) -> None:
    rules = rules_preset_path("moodle2eventlog")
    summary, archive = run(every_event_log(tmp_path, "pt_br"), tmp_path, rules_file=rules)
    assert summary["rules"]["source"] == "moodle2eventlog"
    activities = xes_activities(archive, "enriched_log.xes")
    assert set(activities) == set(PUBLISHED_CATEGORIES)
    assert len(activities) == summary["rows_out"]
    assert xes_activities(archive, "enriched_log.xes", "moodle:category") == activities
    bloom_only = xes_activities(archive, "enriched_log_bloom_only.xes")
    assert set(bloom_only) == set(PUBLISHED_CATEGORIES) - {"Others"}
    assert summary["events_per_activity_type"] == summary["events_per_activity_category"]


def test_both_xes_files_offer_the_activity_category_classifier(tmp_path: Path) -> None:
    _, archive = run(every_event_log(tmp_path, "en"), tmp_path)
    for name in ("enriched_log.xes", "enriched_log_bloom_only.xes"):
        root = ET.fromstring(archive.read(name))
        classifiers = {c.get("name"): c.get("keys") for c in root.iter(f"{NS}classifier")}
        assert classifiers["Activity category"] == "moodle:category"


def test_rules_file_without_activity_category_is_refused_with_rule_and_line(
    tmp_path: Path,
) -> None:
    lines = default_rules_path().read_text(encoding="utf-8").splitlines()
    start = lines.index('id = "quiz_attempt"') - 1  # the [[rule]] header before it
    assert lines[start] == "[[rule]]"
    category = next(i for i in range(start, len(lines)) if lines[i].startswith("activity_category"))
    del lines[category]
    path = tmp_path / "my rules.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(BadInputError) as info:
        load_rules(path)
    message = str(info.value)
    assert str(path) in message
    assert f"rule #5 ('quiz_attempt') at line {start + 1}" in message
    assert "'activity_category'" in message


def test_fallback_without_activity_category_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        "[fallback]\nid='f'\nactivity_type='F'\n\n"
        "[[rule]]\nid='a'\nactivity_type='A'\nactivity_category='Study_P'\n"
        "bloom_level='Apply'\nis_active=true\nmodule=['quiz']\n",
        encoding="utf-8",
    )
    with pytest.raises(BadInputError, match=r"\[fallback\] table \('f'\) at line 1 needs"):
        load_rules(path)
