"""Typed settings: declared once, validated, preset by the administrator, persisted as INI.

Every setting has a :class:`SettingSpec` in :data:`SETTING_SPECS`. Values come, in order of
precedence, from the administrator's environment variable, the user's INI file, and the
default. An invalid value anywhere is reported in one sentence and the next source is used.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

ENV_PREFIX = "MOODLELOGSMART_"


class SettingsError(ValueError):
    """A setting value is out of range or of the wrong kind; ``str()`` is one sentence."""


def default_concurrent_jobs() -> int:
    """Half the processor cores, at least one."""
    return max(1, (os.cpu_count() or 1) // 2)


def max_concurrent_jobs() -> int:
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class SettingSpec:
    """One setting: its type, default, range, environment variable and how to show it."""

    key: str
    kind: type
    default: Any
    label: str
    help: str
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    display_scale: float = 1.0
    """Stored value divided by this is what the panel shows (seconds shown as minutes: 60)."""

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.key.upper()

    def parse(self, raw: Any) -> Any:
        """Turn a raw value (INI text, env text, widget value) into a valid value or raise."""
        name = self.label
        if self.kind is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off", ""}:
                return False
            raise SettingsError(f"{name} must be yes or no, not '{raw}'.")
        if self.kind is str:
            value = "" if raw is None else str(raw).strip()
            if self.key == "rules_file" and value and not Path(value).expanduser().is_file():
                raise SettingsError(f"{name}: the file '{value}' does not exist.")
            return value
        try:
            number = float(str(raw).strip()) if not isinstance(raw, int | float) else float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, not '{raw}'.") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise SettingsError(f"{name} must be a finite number, not '{raw}'.")
        if self.kind is int:
            if number != int(number):
                raise SettingsError(f"{name} must be a whole number, not '{raw}'.")
            number = int(number)
        lo, hi = self.minimum, self.maximum
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            scale, unit = self.display_scale, self.unit
            raise SettingsError(
                f"{name} must be between {_fmt(lo / scale if lo is not None else 0)} and "
                f"{_fmt(hi / scale if hi is not None else 0)} {unit}, "
                f"not {_fmt(number / scale)}."
            )
        return number


def _fmt(value: float) -> str:
    return f"{value:g}"


SETTING_SPECS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "ttl_completed_hours",
        float,
        24.0,
        "Keep completed results",
        unit="hours",
        minimum=0.01,
        maximum=24.0 * 365,
        help="How long a finished job's result stays in the app's folder before it is deleted. "
        "Save the ZIP somewhere of your own to keep it longer.",
    ),
    SettingSpec(
        "ttl_failed_hours",
        float,
        1.0,
        "Keep failed or cancelled jobs",
        unit="hours",
        minimum=0.01,
        maximum=24.0 * 365,
        help="How long the files of a failed or cancelled job are kept for a look at its log.",
    ),
    SettingSpec(
        "job_timeout_seconds",
        int,
        600,
        "Job time limit",
        unit="minutes",
        minimum=10,
        maximum=24 * 3600,
        display_scale=60.0,
        help="A job still running after this long is stopped and marked failed.",
    ),
    SettingSpec(
        "stall_timeout_seconds",
        int,
        300,
        "Stop a silent job after",
        unit="minutes",
        minimum=30,
        maximum=24 * 3600,
        display_scale=60.0,
        help="A job whose worker reports no progress for this long is stopped as stuck.",
    ),
    SettingSpec(
        "cleanup_interval_seconds",
        int,
        3600,
        "Clean up every",
        unit="minutes",
        minimum=60,
        maximum=7 * 24 * 3600,
        display_scale=60.0,
        help="How often the app deletes expired results and repairs stuck jobs. "
        "It also cleans up once at start-up.",
    ),
    SettingSpec(
        "concurrent_jobs",
        int,
        default_concurrent_jobs(),
        "Jobs at the same time",
        unit="jobs",
        minimum=1,
        maximum=max_concurrent_jobs(),
        help="How many files are processed at once. Each job uses one processor core.",
    ),
    SettingSpec(
        "pseudonymize",
        bool,
        False,
        "Pseudonymise names by default",
        help="Replace people's names with stable pseudonyms and drop IP addresses in results.",
    ),
    SettingSpec(
        "rules_file",
        str,
        "",
        "Custom Bloom rules file",
        help="A TOML rules file of your own; leave empty to use the built-in rules.",
    ),
)

SPECS_BY_KEY: dict[str, SettingSpec] = {spec.key: spec for spec in SETTING_SPECS}


@dataclass(frozen=True)
class Settings:
    """The values in force. Build new ones with :meth:`replace`, which validates."""

    ttl_completed_hours: float = 24.0
    ttl_failed_hours: float = 1.0
    job_timeout_seconds: int = 600
    stall_timeout_seconds: int = 300
    cleanup_interval_seconds: int = 3600
    concurrent_jobs: int = dataclasses.field(default_factory=default_concurrent_jobs)
    pseudonymize: bool = False
    rules_file: str = ""

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` validated; raises :class:`SettingsError`."""
        parsed = {key: SPECS_BY_KEY[key].parse(value) for key, value in changes.items()}
        return dataclasses.replace(self, **parsed)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class LoadedSettings:
    """Settings in force, which keys the administrator fixed, and what was wrong on the way."""

    settings: Settings
    admin_locked: frozenset[str]
    problems: tuple[str, ...]


class SettingsStore:
    """Reads and writes the user's settings INI; applies the administrator's environment."""

    def __init__(self, path: Path, env: Mapping[str, str] | None = None) -> None:
        self.path = path
        self._env = dict(os.environ if env is None else env)

    def _qsettings(self) -> QSettings:
        return QSettings(str(self.path), QSettings.Format.IniFormat)

    def load(self) -> LoadedSettings:
        """Environment over INI over default; each bad value is reported and skipped."""
        values: dict[str, Any] = {}
        locked: set[str] = set()
        problems: list[str] = []
        ini = self._qsettings() if self.path.exists() else None
        for spec in SETTING_SPECS:
            value = spec.default
            if ini is not None and ini.contains(spec.key):
                try:
                    value = spec.parse(ini.value(spec.key))
                except SettingsError as err:
                    problems.append(f"{err} (in {self.path}; the default is used)")
            raw_env = self._env.get(spec.env)
            if raw_env is not None and raw_env.strip() != "":
                try:
                    value = spec.parse(raw_env)
                    locked.add(spec.key)
                except SettingsError as err:
                    problems.append(f"{err} (from {spec.env}; ignored)")
            values[spec.key] = value
        return LoadedSettings(Settings(**values), frozenset(locked), tuple(problems))

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
