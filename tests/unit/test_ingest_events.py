"""Event identity: the catalogue, the language tables and Description parsing."""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from moodlelogsmart_gui.pipeline.ingest import events
from moodlelogsmart_gui.pipeline.ingest.tables import (
    CANONICAL_HEADERS,
    load_catalogue,
    load_languages,
    normalise_label,
)
from tests.fixtures.moodle_logs import LANGS
from tests.fixtures.report_events import EVENTS
from tests.fixtures.translations import HEADERS, SITE_COURSE_HEADER

CATALOGUE = load_catalogue()
TABLES = load_languages()


def test_catalogue_patterns_compile_in_python_and_re2() -> None:
    for entry in CATALOGUE:
        if entry.pattern:
            re.compile(entry.pattern)
            pc.match_substring_regex(pa.array(["x"]), entry.pattern)
        assert entry.edulevel in (0, 1, 2), entry.event_key
        assert entry.crud in ("c", "r", "u", "d"), entry.event_key
        assert re.fullmatch(r"\\[a-z0-9_]+(\{mod\})?[a-z0-9_]*\\event\\[a-z0-9_]+", entry.event_key)


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.key)
def test_every_fixture_description_maps_to_its_event(event) -> None:
    desc = pa.array([event.description.format(uid="57", oid="1234", nl="\n  ")])
    keys, modules, _, _ = events.event_keys_from_descriptions(desc, CATALOGUE)
    assert keys.to_pylist() == [event.key]
    uid, cmid = events.description_ids(desc)
    assert uid.to_pylist() == ["57"]
    assert cmid.to_pylist() == [event.cmid]
    module, edulevel, crud = events.catalogue_attributes(keys, CATALOGUE)
    got_module = modules.to_pylist()[0] or module.to_pylist()[0]
    assert got_module == event.module
    assert edulevel.to_pylist() == [event.edulevel] and crud.to_pylist() == [event.crud]


@pytest.mark.parametrize(
    ("sentence", "key"),
    [
        (
            "The user with id '2' has logged in as the user with id '5'.",
            r"\core\event\user_loggedinas",
        ),
        (
            "The user with id '5' viewed the section number '2' of the course with id '12'.",
            r"\core\event\course_viewed",
        ),
        (
            "The user with id '4' has re-evaluated the assessment with id '3' in the workshop "
            "with course module id '9'.",
            r"\mod_workshop\event\assessment_reevaluated",
        ),
        (
            "The user with id '4' viewed the submission form for the user with id '5' for the "
            "assignment with course module id '90'.",
            r"\mod_assign\event\submission_form_viewed",
        ),
        (
            "The user with id '4' viewed the submission for the user with id '5' for the "
            "assignment with course module id '90'.",
            r"\mod_assign\event\submission_viewed",
        ),
        (
            "The user with id '5' viewed the instance list for the module 'forum' in the course "
            "with id '12'.",
            r"\mod_forum\event\course_module_instance_list_viewed",
        ),
        ("Something no catalogue knows.", None),
    ],
)
def test_specific_patterns_win_over_general_ones(sentence: str, key: str | None) -> None:
    keys, _, _, _ = events.event_keys_from_descriptions(pa.array([sentence]), CATALOGUE)
    assert keys.to_pylist() == [key]


def test_unknown_module_viewed_still_gets_levels() -> None:
    key = pa.array([r"\mod_zoom\event\course_module_viewed"])
    module, edulevel, crud = events.catalogue_attributes(key, CATALOGUE)
    assert (module.to_pylist(), edulevel.to_pylist(), crud.to_pylist()) == (["zoom"], [2], ["r"])


@pytest.mark.parametrize("lang", LANGS)
def test_every_fixture_header_is_known(lang: str) -> None:
    table = TABLES.headers[lang]
    for header, canonical in zip(HEADERS[lang], CANONICAL_HEADERS, strict=True):
        assert table.get(normalise_label(header)) == canonical
        assert table.get(normalise_label(header.replace("'", "’"))) == canonical
    assert table.get(normalise_label(SITE_COURSE_HEADER[lang])) == "course"


def test_month_tokens_never_conflict() -> None:
    import tomllib

    from moodlelogsmart_gui.paths import resources_dir

    data = tomllib.loads((resources_dir() / "languages.toml").read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    for table in data.values():
        for number, names in table["months"].items():
            for name in names:
                token = normalise_label(name).rstrip(".")
                assert seen.setdefault(token, int(number)) == int(number), token


def test_translated_event_names_point_at_catalogue_keys() -> None:
    keys = {e.event_key for e in CATALOGUE}
    for lang in LANGS:
        for name, key in TABLES.events[lang].items():
            assert key in keys, (lang, name, key)
        assert "core" in TABLES.components[lang].values()


def test_logged_in_as_split_keeps_plain_names() -> None:
    from moodlelogsmart_gui.pipeline.ingest.normalise import split_logged_in_as

    names = pa.chunked_array([["Ana Silva", "Admin User as Ana Silva", "-", None, "Tom as"]])
    user, real, count = split_logged_in_as(names, ["as"])
    assert user.to_pylist() == ["Ana Silva", "Ana Silva", None, None, "Tom as"]
    assert real.to_pylist() == [None, "Admin User", None, None, None]
    assert count == 1


def test_logged_in_as_split_only_when_consistent_with_user_ids() -> None:
    from moodlelogsmart_gui.pipeline.ingest.normalise import split_logged_in_as

    names = pa.array(["Ana Silva", "Admin as Ana Silva", "Sam as Lee", "Sam as Lee", "Bo as Al"])
    ids = pa.array(["5", "5", "7", "7", "9"])
    user, real, count = split_logged_in_as(names, ["as"], ids)
    # 5: consistent (plain name Ana Silva); 7: only ever "Sam as Lee" -> impersonation
    # assumed; 9 below is shown plainly as "Carla Diaz": "Bo as Al" cannot be that session
    names2 = pa.array(["Carla Diaz", "Bo as Al"])
    user2, real2, count2 = split_logged_in_as(names2, ["as"], pa.array(["9", "9"]))
    assert user.to_pylist()[:4] == ["Ana Silva", "Ana Silva", "Lee", "Lee"]
    assert real.to_pylist()[:4] == [None, "Admin", "Sam", "Sam"]
    assert (user2.to_pylist(), real2.to_pylist(), count2) == (
        ["Carla Diaz", "Bo as Al"],
        [None, None],
        0,
    )
    assert count == 4
