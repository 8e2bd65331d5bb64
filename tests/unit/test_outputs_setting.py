"""The "Session gap" and "Files in the result" settings, and the outputs list."""

from __future__ import annotations

import pytest

from moodlelogsmart_gui.members import ALL_OUTPUTS, OutputsError, outputs_text, parse_outputs
from moodlelogsmart_gui.settings import SPECS_BY_KEY, Settings, SettingsError, resolve


def test_parse_outputs() -> None:
    assert parse_outputs("") is None and parse_outputs(" all ") is None
    assert parse_outputs("students.csv, Process_Map.svg") == {
        "students.csv",
        "process_map.svg",
        "summary.json",
    }
    with pytest.raises(OutputsError, match=r"Unknown output 'report\.pdf'"):
        parse_outputs("students.csv,report.pdf")
    assert outputs_text(frozenset(ALL_OUTPUTS)) == ""
    assert outputs_text(frozenset({"summary.json", "students.csv"})) == "students.csv,summary.json"


def test_session_gap_setting_and_its_environment_variable() -> None:
    spec = SPECS_BY_KEY["session_gap_minutes"]
    assert spec.env == "MOODLELOGSMART_SESSION_GAP_MINUTES" and spec.default == 30
    loaded = resolve({}, {"MOODLELOGSMART_SESSION_GAP_MINUTES": "45"})
    assert loaded.settings.session_gap_minutes == 45
    assert "session_gap_minutes" in loaded.admin_locked
    bad = resolve({"session_gap_minutes": "0"}, {})
    assert bad.settings.session_gap_minutes == 30 and bad.problems
    with pytest.raises(SettingsError):
        Settings().replace(session_gap_minutes="half an hour")


def test_outputs_setting_is_validated_and_normalised() -> None:
    settings = Settings()
    assert settings.outputs == ""
    chosen = settings.replace(outputs="process_map.svg ,students.csv")
    assert chosen.outputs == "students.csv,process_map.svg,summary.json"
    with pytest.raises(SettingsError, match="Files in the result: Unknown output 'x'"):
        settings.replace(outputs="x")
    assert resolve({}, {"MOODLELOGSMART_OUTPUTS": "students.csv"}).settings.outputs == (
        "students.csv,summary.json"
    )
