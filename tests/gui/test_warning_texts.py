"""The details pane in Portuguese: the worker's warnings by their code, with their values,
and dates in the UI language; a warning without a known code is shown as written."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import QApplication, QLabel

from moodlelogsmart_gui.gui.details_pane import DetailsPane
from moodlelogsmart_gui.gui.translation import install_translators
from moodlelogsmart_gui.jobs.store import JobState
from moodlelogsmart_gui.pipeline.warning_codes import TEMPLATES, warning_codes
from tests.gui.fakes import make_job
from tests.gui.workers.fake_worker import SUMMARY

YEAR_LESS = TEMPLATES["year_from_file_name"].replace("{year}", "2015")
ENCODING = TEMPLATES["uncertain_encoding"].replace("{encoding}", "cp1252")
CLUSTER_NOTE = "a.csv: The file was read whole (its parts did not agree)."
WARNINGS = [TEMPLATES["local_time"], YEAR_LESS, ENCODING, CLUSTER_NOTE]


def local_seconds(month: int, day: int, hour: int, minute: int, year: int = 2026) -> float:
    return float(QDateTime(QDate(year, month, day), QTime(hour, minute)).toSecsSinceEpoch())


NOW = local_seconds(12, 2, 6, 30)
KEPT_UNTIL = local_seconds(12, 3, 5, 42)


def shown_pane(qtbot: Any, summary: dict[str, Any]) -> list[str]:
    pane = DetailsPane(clock=lambda: NOW)
    qtbot.addWidget(pane)
    job = make_job("logs_demo_20150701-0930.csv", state=JobState.COMPLETED, summary=summary,
                   started_at=NOW - 10, finished_at=NOW - 4, result_path="/tmp/r.zip",
                   expires_at=KEPT_UNTIL)  # fmt: skip
    pane.show_job(job)
    return [label.text() for label in pane.widget().findChildren(QLabel)]


def warnings_of(shown: list[str]) -> list[str]:
    return [text.removeprefix("⚠ ").replace("\u200b", "") for text in shown
            if text.startswith("⚠ ")]  # fmt: skip


def test_in_portuguese_the_warnings_speak_portuguese_with_their_values(
    portuguese: None, qtbot: Any
) -> None:
    summary = {**SUMMARY, "warnings": WARNINGS, "warning_codes": warning_codes(WARNINGS)}
    assert warnings_of(shown_pane(qtbot, summary)) == [
        "Os horários são a hora local de quem baixou o log (o arquivo não indica fuso "
        "horário); as saídas os gravam sem fuso.",
        "Os horários não têm ano (formato do Moodle 2.7/2.8): foi assumido 2015, a partir do "
        "nome do arquivo.",
        "A codificação do texto era incerta; foi usada cp1252.",
        CLUSTER_NOTE,  # no code: as the worker wrote it
    ]


def test_an_unknown_code_or_an_older_summary_shows_the_english_sentence(
    portuguese: None, qtbot: Any
) -> None:
    codes = warning_codes(WARNINGS)
    codes[0] = {"code": "from_a_newer_version", "values": {}}
    codes[1] = {"code": "year_from_file_name", "values": {}}  # its value is missing
    summary = {**SUMMARY, "warnings": WARNINGS, "warning_codes": codes}
    shown = warnings_of(shown_pane(qtbot, summary))
    assert shown[:2] == WARNINGS[:2]
    assert shown[2] == "A codificação do texto era incerta; foi usada cp1252."
    older = {**SUMMARY, "warnings": WARNINGS}  # a result from before warning_codes
    assert warnings_of(shown_pane(qtbot, older)) == WARNINGS


def test_the_dates_follow_the_ui_language(qapp: QApplication, qtbot: Any) -> None:
    summary = {**SUMMARY, "warnings": WARNINGS, "warning_codes": warning_codes(WARNINGS)}
    english = shown_pane(qtbot, summary)
    assert any("result kept until 3 Dec 05:42" in text for text in english)
    assert warnings_of(english) == WARNINGS
    translators = install_translators(qapp, {"MOODLELOGSMART_LANG": "pt_BR"})
    try:
        portuguese = shown_pane(qtbot, summary)
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)
    assert any("resultado guardado até 3 de dez. 05:42" in text for text in portuguese)
