"""The pt_BR translation: loaded for MOODLELOGSMART_LANG=pt_BR, and complete."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QPushButton

from moodlelogsmart_gui.gui.background import BackgroundRunner
from moodlelogsmart_gui.gui.main_window import MainWindow
from moodlelogsmart_gui.gui.settings_dialog import SettingsDialog
from moodlelogsmart_gui.gui.translation import install_translators
from moodlelogsmart_gui.jobs.retention import PurgeReport
from moodlelogsmart_gui.paths import AppPaths, resources_dir
from moodlelogsmart_gui.settings_file import SettingsStore
from tests.gui.fakes import FakeQueue

ROOT = Path(__file__).resolve().parents[2]


def test_english_loads_only_its_plural_forms(qapp: QApplication) -> None:
    translators = install_translators(qapp, {"MOODLELOGSMART_LANG": "en_GB"})
    try:
        assert len(translators) == 1
        assert translators[0].language() == "en"
        purged = "%n job(s) purged, %1 freed."
        assert QCoreApplication.translate("SettingsDialog", purged, "", 1).startswith("1 job ")
        assert QCoreApplication.translate("SettingsDialog", purged, "", 3).startswith("3 jobs ")
        assert QCoreApplication.translate("SettingsDialog", "Save") == "Save"
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)


def test_qt_file_dialogs_speak_portuguese_too(portuguese: None, qtbot: Any) -> None:
    """Qt's own qtbase_pt_BR lacks the 6.11 labels '&Look in:' and 'Files of &type:'."""
    dialog = QFileDialog(None, "x")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    qtbot.addWidget(dialog)
    labels = {label.objectName(): label.text() for label in dialog.findChildren(QLabel)}
    assert labels["lookInLabel"] == "&Procurar em:"
    assert labels["fileTypeLabel"] == "Arquivos do &tipo:"
    assert labels["fileNameLabel"] == "&Nome do arquivo:"
    buttons = {button.text() for button in dialog.findChildren(QPushButton)}
    assert {"&Abrir", "Cancelar"} <= buttons
    assert QCoreApplication.translate(
        "SettingsDialog", "%n job(s) purged, %1 freed.", "", 3
    ).startswith("3 tarefas limpas")


def test_the_window_speaks_portuguese(portuguese: None, qtbot: Any, paths: AppPaths) -> None:
    store = SettingsStore(paths.settings_file)
    window = MainWindow(FakeQueue(), paths, store.load(), store)
    qtbot.addWidget(window)
    assert window.drop_zone._title.text().startswith("Solte aqui os arquivos de log do Moodle")
    assert window.drop_zone.add_button.text() == "Adicionar arquivos…"
    assert window.model.headerData(0, Qt.Orientation.Horizontal) == "Arquivo"
    assert window.job_actions.save.text() == "&Salvar resultado…"
    assert QCoreApplication.translate("Formatting", "Classifying…") == "Classificando…"
    dialog = SettingsDialog(
        store.load().settings, frozenset(), store, FakeQueue(), paths, BackgroundRunner()
    )
    qtbot.addWidget(dialog)
    assert dialog.fields["job_timeout_seconds"].label.text() == "Tempo máximo por tarefa"
    assert dialog.windowTitle() == "Configurações"
    dialog._on_purged(PurgeReport(jobs_purged=0, bytes_freed=0))
    assert dialog.purge_result.text().startswith(
        "Nada expirou ainda; os resultados prontos são guardados por 24 horas."
    )


@pytest.mark.skipif(shutil.which("pyside6-lupdate", path=str(Path(sys.executable).parent))
                    is None, reason="pyside6-lupdate not installed")  # fmt: skip
def test_every_literal_text_of_the_window_has_a_portuguese_translation(tmp_path: Path) -> None:
    lupdate = shutil.which("pyside6-lupdate", path=str(Path(sys.executable).parent))
    sources = sorted((ROOT / "moodlelogsmart_gui" / "gui").glob("*.py"))
    ts = tmp_path / "extract.ts"
    subprocess.run([str(lupdate), *map(str, sources), "-ts", str(ts)], check=True,
                   capture_output=True)  # fmt: skip
    known = json.loads((resources_dir() / "translations" / "pt_BR.json").read_text("utf-8"))
    missing = [
        f"{ctx.findtext('name')}: {msg.findtext('source')}"
        for ctx in ET.parse(ts).getroot().iter("context")
        for msg in ctx.iter("message")
        if msg.findtext("source") not in known.get(ctx.findtext("name") or "", {})
    ]
    assert missing == []
