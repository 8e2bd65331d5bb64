"""The settings panel: built from SETTING_SPECS, validated, admin presets read-only, applied."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLabel, QLineEdit, QSpinBox

from moodlelogsmart_gui.gui.background import BackgroundRunner
from moodlelogsmart_gui.gui.settings_dialog import SettingsDialog
from moodlelogsmart_gui.jobs.retention import PurgeReport
from moodlelogsmart_gui.paths import AppPaths
from moodlelogsmart_gui.settings import SETTING_SPECS
from moodlelogsmart_gui.settings_file import SettingsStore
from tests.gui.fakes import FakeQueue


@pytest.fixture
def make_dialog(qtbot: Any, paths: AppPaths, monkeypatch: pytest.MonkeyPatch) -> Any:
    def make(env: dict[str, str] | None = None) -> tuple[SettingsDialog, FakeQueue, SettingsStore]:
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        store = SettingsStore(paths.settings_file)
        loaded = store.load()
        queue = FakeQueue()
        runner = BackgroundRunner()
        dialog = SettingsDialog(loaded.settings, loaded.admin_locked, store, queue, paths, runner)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.size_label.text().startswith("It holds"), timeout=3000)
        return dialog, queue, store

    return make


def test_every_spec_has_a_field_with_label_unit_and_help(make_dialog: Any) -> None:
    dialog, _, _ = make_dialog()
    assert set(dialog.fields) == {spec.key for spec in SETTING_SPECS}
    timeout = dialog.fields["job_timeout_seconds"]
    assert isinstance(timeout.editor, QDoubleSpinBox)
    assert timeout.editor.value() == 10.0  # 600 s shown in minutes
    assert timeout.editor.text() == "10"  # whole minutes, no decimals
    assert "Allowed: 1 to 1440 minutes." in timeout.help.text()  # round bounds in one unit
    assert timeout.label.text() == "Job time limit"
    assert isinstance(dialog.fields["concurrent_jobs"].editor, QSpinBox)
    assert isinstance(dialog.fields["pseudonymize"].editor, QCheckBox)
    assert isinstance(dialog.fields["rules_file"].editor, QLineEdit)
    combo = dialog.fields["classification"].editor
    assert isinstance(combo, QComboBox)
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "MoodleLogSmart (descriptive)",
        "Moodle2EventLog (categories)",
    ]
    assert combo.currentData() == "moodlelogsmart"
    assert dialog.save_button.isEnabled()


def test_out_of_range_is_shown_under_the_field_and_cannot_be_saved(make_dialog: Any) -> None:
    dialog, queue, _ = make_dialog()
    field = dialog.fields["ttl_completed_hours"]
    field.editor.setValue(9000)
    assert not dialog.save_button.isEnabled()
    assert field.error.isVisibleTo(dialog)
    assert field.error.text() == "Must be between 0.01 and 8760 hours, not 9000."
    assert field.error.toolTip() == (
        "Keep completed results must be between 0.01 and 8760 hours, not 9000."
    )
    dialog.fields["rules_file"].editor.setText("/no/such/rules.toml")
    assert "does not exist" in dialog.fields["rules_file"].error.text()
    dialog.fields["rules_file"].editor.setText("")
    field.editor.setValue(48)
    assert not field.error.isVisibleTo(dialog)
    assert dialog.save_button.isEnabled()
    assert queue.applied == []


def test_save_applies_at_once_and_persists(make_dialog: Any, paths: AppPaths) -> None:
    dialog, queue, _store = make_dialog()
    dialog.fields["cleanup_interval_seconds"].editor.setValue(30)  # minutes
    dialog.fields["pseudonymize"].editor.setChecked(True)
    dialog.fields["classification"].editor.setCurrentIndex(1)
    dialog.save_button.click()
    assert queue.applied[-1].cleanup_interval_seconds == 1800
    assert queue.applied[-1].pseudonymize is True
    assert queue.applied[-1].classification == "moodle2eventlog"
    reloaded = SettingsStore(paths.settings_file).load().settings
    assert reloaded.cleanup_interval_seconds == 1800
    assert reloaded.pseudonymize is True
    assert reloaded.classification == "moodle2eventlog"


def test_an_administrator_preset_is_read_only_and_says_so(make_dialog: Any) -> None:
    dialog, queue, _ = make_dialog({"MOODLELOGSMART_JOB_TIMEOUT_SECONDS": "1200"})
    field = dialog.fields["job_timeout_seconds"]
    assert not field.editor.isEnabled()
    assert field.editor.value() == 20.0
    note = dialog.findChild(QLabel, "locked_job_timeout_seconds")
    assert note is not None
    assert note.text() == "Set by your administrator (MOODLELOGSMART_JOB_TIMEOUT_SECONDS)"
    dialog.fields["ttl_failed_hours"].editor.setValue(2)
    dialog.save_button.click()
    assert queue.applied[-1].job_timeout_seconds == 1200


def test_purge_now_reports_what_it_freed(make_dialog: Any, paths: AppPaths) -> None:
    dialog, queue, _ = make_dialog()
    assert dialog.findChild(QLabel, "dataFolder").text() == str(paths.data)
    dialog.purge_button.click()
    assert queue.calls[-1] == ("purge_now", False)
    assert not dialog.purge_button.isEnabled()
    queue.purge_finished.emit(PurgeReport(jobs_purged=3, bytes_freed=5 * 1024 * 1024))
    assert dialog.purge_result.text() == "3 jobs purged, 5.0 MB freed."
    assert dialog.purge_button.isEnabled()


def test_purge_now_with_nothing_expired_says_why(make_dialog: Any) -> None:
    dialog, queue, _ = make_dialog()
    dialog.fields["ttl_completed_hours"].editor.setValue(6)
    dialog.save_button.click()
    dialog.purge_button.click()
    queue.purge_finished.emit(PurgeReport(jobs_purged=0, bytes_freed=0))
    assert dialog.purge_result.text() == (
        "Nothing has expired yet; finished results are kept for 6 hours. "
        "Use Remove from history to delete one now."
    )
    dialog.fields["ttl_completed_hours"].editor.setValue(1)
    dialog.save_button.click()
    queue.purge_finished.emit(PurgeReport(jobs_purged=0, bytes_freed=0))
    assert "kept for 1 hour. " in dialog.purge_result.text()
    dialog.fields["ttl_completed_hours"].editor.setValue(0.5)
    dialog.save_button.click()
    queue.purge_finished.emit(PurgeReport(jobs_purged=0, bytes_freed=0))
    assert "kept for 30 minutes. " in dialog.purge_result.text()


def test_ctrl_comma_opens_the_settings_from_the_window(window: Any, qtbot: Any) -> None:
    assert window.job_actions.settings.shortcut().toString() == "Ctrl+,"
    window.job_actions.settings.trigger()
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.fields["concurrent_jobs"].editor.setValue(1)
    dialog.save_button.click()
    assert window.settings.concurrent_jobs == 1
    assert Path(window.settings_store.path).exists()


def test_memory_for_one_job_warns_when_the_jobs_would_not_fit_in_memory(
    make_dialog: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moodlelogsmart_gui.gui import memory_note

    monkeypatch.setattr(memory_note, "machine_memory_bytes", lambda: 3 * 1024 * 2**20)
    dialog, _, _ = make_dialog()
    memory, jobs = dialog.fields["job_memory_mb"], dialog.fields["concurrent_jobs"]
    assert memory.label.text() == "Memory for one job" and memory.editor.value() == 1024
    jobs.editor.setValue(1)
    assert not dialog.memory_warning.isVisibleTo(dialog)
    memory.editor.setValue(2048)
    if jobs.editor.maximum() >= 2:
        jobs.editor.setValue(2)  # 2 x 2048 MB
    else:
        memory.editor.setValue(4096)
    assert dialog.memory_warning.isVisibleTo(dialog)
    assert "more than this machine's 3072 MB of memory" in dialog.memory_warning.text()
    assert dialog.save_button.isEnabled()  # a warning, not a refusal


def test_memory_for_one_job_locked_by_the_administrator(make_dialog: Any) -> None:
    dialog, _, _ = make_dialog({"MOODLELOGSMART_JOB_MEMORY_MB": "512"})
    field = dialog.fields["job_memory_mb"]
    assert field.locked and field.editor.value() == 512 and not field.editor.isEnabled()
