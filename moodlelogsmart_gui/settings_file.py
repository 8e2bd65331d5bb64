"""The user's settings file (INI through QSettings), on top of the Qt-free :mod:`settings`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QSettings

from moodlelogsmart_gui.settings import SETTING_SPECS, LoadedSettings, Settings, resolve


class SettingsStore:
    """Reads and writes the user's settings INI; applies the administrator's environment."""

    def __init__(self, path: Path, env: Mapping[str, str] | None = None) -> None:
        self.path = path
        self._env = dict(os.environ if env is None else env)

    def _qsettings(self) -> QSettings:
        return QSettings(str(self.path), QSettings.Format.IniFormat)

    def user_values(self) -> dict[str, object]:
        """The raw values the user's file holds for known settings (unvalidated)."""
        if not self.path.exists():
            return {}
        ini = self._qsettings()
        return {spec.key: ini.value(spec.key) for spec in SETTING_SPECS if ini.contains(spec.key)}

    def load(self) -> LoadedSettings:
        """Environment over INI over default; each bad value is reported and skipped."""
        return resolve(self.user_values(), self._env, str(self.path))

    def save(self, settings: Settings, admin_locked: frozenset[str] = frozenset()) -> None:
        """Persist every value the administrator has not fixed."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        ini = self._qsettings()
        for key, value in settings.as_dict().items():
            if key not in admin_locked:
                ini.setValue(key, value)
        ini.sync()
        if ini.status() != QSettings.Status.NoError:
            raise OSError(f"Could not write the settings file {self.path}.")
