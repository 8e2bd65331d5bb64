"""Loading the interface translation (pt_BR ships with the app), Qt's own dialog texts
(qtbase, with the few it lacks in ours), and English plural forms."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from moodlelogsmart_gui.paths import resources_dir

log = logging.getLogger(__name__)
LANG_ENV = "MOODLELOGSMART_LANG"
AVAILABLE = ("pt_BR",)


def choose_language(env: Mapping[str, str] | None = None) -> str:
    """``MOODLELOGSMART_LANG`` if set, else the system locale (e.g. 'pt_BR', 'en_US')."""
    env = os.environ if env is None else env
    return env.get(LANG_ENV, "").strip() or QLocale.system().name()


def install_translators(
    app: QCoreApplication, env: Mapping[str, str] | None = None
) -> list[QTranslator]:
    """Install the app's and Qt's translators for the chosen language, and make it the
    default QLocale (dates, month names). English (the source language) only loads its
    plural forms: "%n job(s)" becomes "1 job" and "2 jobs"."""
    language = choose_language(env)
    match = next((lang for lang in AVAILABLE if language.lower() == lang.lower()), None)
    if match is None and language.lower().startswith("pt"):
        match = "pt_BR"
    # Dates and month names follow the language the window speaks, not another system one.
    english = language if language.lower().startswith("en") else "en_US"
    QLocale.setDefault(QLocale(match or english))
    if match is None:
        plurals = QTranslator(app)
        if plurals.load(str(resources_dir() / "translations" / "moodlelogsmart_en.qm")):
            app.installTranslator(plurals)
            return [plurals]
        log.warning("the English plural forms could not be loaded")
        return []
    installed: list[QTranslator] = []
    ours = QTranslator(app)
    path = resources_dir() / "translations" / f"moodlelogsmart_{match}.qm"
    if ours.load(str(path)):
        app.installTranslator(ours)
        installed.append(ours)
    else:
        log.warning("translation %s could not be loaded from %s", match, path)
    qt = QTranslator(app)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt.load(f"qtbase_{match}", qt_dir):
        app.installTranslator(qt)
        installed.append(qt)
    return installed
