"""Settings: defaults, validation, administrator presets, persistence."""

from __future__ import annotations

from pathlib import Path

import pytest

from moodlelogsmart_gui.settings import SETTING_SPECS, Settings, SettingsError, resolve
from moodlelogsmart_gui.settings_file import SettingsStore


def test_defaults_match_the_design() -> None:
    s = Settings()
    assert s.ttl_completed_hours == 24.0
    assert s.ttl_failed_hours == 1.0
    assert s.job_timeout_seconds == 600
    assert s.cleanup_interval_seconds == 3600
    assert s.concurrent_jobs >= 1
    assert s.pseudonymize is False


def test_env_names_are_the_documented_ones() -> None:
    envs = {spec.env for spec in SETTING_SPECS}
    assert {
        "MOODLELOGSMART_JOB_TIMEOUT_SECONDS",
        "MOODLELOGSMART_CLEANUP_INTERVAL_SECONDS",
        "MOODLELOGSMART_TTL_COMPLETED_HOURS",
        "MOODLELOGSMART_TTL_FAILED_HOURS",
    } <= envs


@pytest.mark.parametrize(
    ("key", "raw", "fragment"),
    [
        ("ttl_completed_hours", "-1", "between"),
        ("ttl_completed_hours", "abc", "must be a number"),
        ("job_timeout_seconds", "2.5", "whole number"),
        ("job_timeout_seconds", "5", "between 1 and 1440 minutes"),
        ("concurrent_jobs", "0", "between"),
        ("pseudonymize", "maybe", "yes or no"),
        ("ttl_failed_hours", "nan", "finite"),
        ("rules_file", "/no/such/rules.toml", "does not exist"),
        ("classification", "bloom2000", "one of moodlelogsmart, moodle2eventlog"),
    ],
)
def test_invalid_values_give_one_sentence(key: str, raw: str, fragment: str) -> None:
    with pytest.raises(SettingsError, match=fragment) as info:
        Settings().replace(**{key: raw})
    assert str(info.value).endswith(".")


def test_classification_is_one_of_the_presets_in_any_case() -> None:
    assert Settings().classification == "moodlelogsmart"
    assert Settings().replace(classification=" Moodle2EventLog ").classification == (
        "moodle2eventlog"
    )


def test_decimal_hours_allowed() -> None:
    assert Settings().replace(ttl_completed_hours="0.5").ttl_completed_hours == 0.5


def test_round_trip_through_ini(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.ini", env={})
    changed = Settings().replace(
        ttl_completed_hours=2.5, job_timeout_seconds=120, pseudonymize=True
    )
    store.save(changed)
    loaded = store.load()
    assert loaded.settings == changed
    assert loaded.admin_locked == frozenset()
    assert loaded.problems == ()


def test_admin_env_wins_and_locks(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    SettingsStore(path, env={}).save(Settings().replace(job_timeout_seconds=120))
    store = SettingsStore(path, env={"MOODLELOGSMART_JOB_TIMEOUT_SECONDS": "90"})
    loaded = store.load()
    assert loaded.settings.job_timeout_seconds == 90
    assert loaded.admin_locked == {"job_timeout_seconds"}
    # Saving never writes an administrator's value into the user's file.
    store.save(loaded.settings.replace(ttl_failed_hours=3), loaded.admin_locked)
    assert SettingsStore(path, env={}).load().settings.job_timeout_seconds == 120


def test_invalid_env_is_reported_and_default_used(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "s.ini", env={"MOODLELOGSMART_TTL_FAILED_HOURS": "soon"})
    loaded = store.load()
    assert loaded.settings.ttl_failed_hours == 1.0
    assert "ttl_failed_hours" not in loaded.admin_locked
    assert any("MOODLELOGSMART_TTL_FAILED_HOURS" in p for p in loaded.problems)


def test_broken_ini_value_falls_back_to_default(tmp_path: Path) -> None:
    path = tmp_path / "s.ini"
    path.write_text("[General]\nconcurrent_jobs=lots\n", encoding="utf-8")
    loaded = SettingsStore(path, env={}).load()
    assert loaded.settings.concurrent_jobs == Settings().concurrent_jobs
    assert len(loaded.problems) == 1


def test_effective_values_name_their_source() -> None:
    """Each setting's value in force with where it came from: the default, the user's file
    or the administrator's variable (named); an invalid variable keeps its sentence."""
    loaded = resolve(
        {"ttl_completed_hours": "2.5", "pseudonymize": "true"},
        {
            "MOODLELOGSMART_PSEUDONYMIZE": "no",
            "MOODLELOGSMART_TTL_FAILED_HOURS": "soon",
        },
        "/home/x/settings.ini",
    )
    by_key = {e.key: e for e in loaded.effective}
    assert set(by_key) == {spec.key for spec in SETTING_SPECS}
    assert (by_key["ttl_completed_hours"].value, by_key["ttl_completed_hours"].source) == (
        2.5,
        "user settings file",
    )
    pseudo = by_key["pseudonymize"]
    assert (pseudo.value, pseudo.source, pseudo.env) == (
        False,
        "environment",
        "MOODLELOGSMART_PSEUDONYMIZE",
    )
    failed = by_key["ttl_failed_hours"]
    assert (failed.value, failed.source) == (1.0, "default")
    assert failed.problems == (
        "Keep failed or cancelled jobs must be a number, not 'soon'. "
        "(from MOODLELOGSMART_TTL_FAILED_HOURS; ignored)",
    )
    assert loaded.problems == failed.problems
    assert loaded.admin_locked == {"pseudonymize"}


def test_every_setting_is_one_field_with_its_spec() -> None:
    """The spec is derived from the Settings fields: same names, same defaults."""
    assert [spec.key for spec in SETTING_SPECS] == list(Settings().as_dict())
    for spec in SETTING_SPECS:
        assert getattr(Settings(), spec.key) == spec.default
        assert isinstance(spec.default, spec.kind)
        assert spec.label and spec.help


def test_settings_module_imports_no_qt() -> None:
    import subprocess
    import sys

    code = (
        "import sys, moodlelogsmart_gui.settings, moodlelogsmart_gui.jobs.retention;"
        "print(any(m.startswith('PySide6') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_memory_for_one_job_from_the_environment_and_its_warning() -> None:
    from moodlelogsmart_gui.settings import from_environment, memory_warning

    loaded = from_environment({"MOODLELOGSMART_JOB_MEMORY_MB": "512"})
    assert loaded.settings.job_memory_mb == 512 and "job_memory_mb" in loaded.admin_locked
    assert from_environment({}).settings.job_memory_mb == 1024
    too_small = from_environment({"MOODLELOGSMART_JOB_MEMORY_MB": "100"})
    assert too_small.settings.job_memory_mb == 1024 and too_small.problems
    assert memory_warning(2, 1024, 4 << 30) is None
    assert memory_warning(2, 1024, None) is None
    warning = memory_warning(4, 2048, 4 << 30)
    assert warning == (
        "4 jobs at the same time with 2048 MB each may need 8192 MB, more than this "
        "machine's 4096 MB of memory: lower one of them."
    )
