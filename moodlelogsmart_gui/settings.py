"""Typed settings, declared once and Qt-free: validation, administrator presets, sources.

Each setting is one field of :class:`Settings` declared with :func:`setting`, which carries
its spec (label, unit, range, help); the environment variable is derived from the name.
Adding a setting is adding one field. :data:`SETTING_SPECS` is built from the fields.

Values come, in order of precedence, from the administrator's environment variable, the
user's settings file, and the default. An invalid value anywhere is reported in one
sentence and the next source is used (:func:`resolve`). Reading and writing the user's
file is :mod:`moodlelogsmart_gui.settings_file`; this module imports no Qt.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from moodlelogsmart_gui.members import ALL_OUTPUTS, OutputsError, outputs_text, parse_outputs

ENV_PREFIX = "MOODLELOGSMART_"
DEFAULT_JOB_TIMEOUT_SECONDS = 600
"""The job time limit when nobody chose one (also the default of old history rows)."""


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
    must_exist: bool = False
    """For text settings naming a file: the file must exist."""
    choices: tuple[tuple[str, str], ...] = ()
    """For a text setting picked from a list: (stored value, label shown) pairs."""
    subset_of: tuple[str, ...] = ()
    """For text settings holding a comma-separated choice among these names (empty: all)."""

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.key.upper()

    def parse(self, raw: object) -> Any:
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
            if self.must_exist and value and not Path(value).expanduser().is_file():
                raise SettingsError(f"{name}: the file '{value}' does not exist.")
            if self.subset_of:
                try:
                    return outputs_text(parse_outputs(value))
                except OutputsError as err:
                    raise SettingsError(f"{name}: {err}") from None
            allowed = [choice for choice, _ in self.choices]
            if allowed and value.lower() not in allowed:
                raise SettingsError(f"{name} must be one of {', '.join(allowed)}, not '{raw}'.")
            return value.lower() if allowed else value
        try:
            number = float(raw) if isinstance(raw, int | float) else float(str(raw).strip())
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


def setting(
    default: Any = dataclasses.MISSING,
    *,
    label: str,
    help: str,
    unit: str = "",
    minimum: float | None = None,
    maximum: float | Callable[[], float] | None = None,
    display_scale: float = 1.0,
    must_exist: bool = False,
    choices: tuple[tuple[str, str], ...] = (),
    subset_of: tuple[str, ...] = (),
    default_factory: Callable[[], Any] | None = None,
) -> Any:
    """A :class:`Settings` field carrying its spec. ``maximum`` may be computed at load."""
    spec = {
        "label": label,
        "help": help,
        "unit": unit,
        "minimum": minimum,
        "maximum": maximum,
        "display_scale": display_scale,
        "must_exist": must_exist,
        "choices": choices,
        "subset_of": subset_of,
    }
    if default_factory is not None:
        return dataclasses.field(default_factory=default_factory, metadata={"spec": spec})
    return dataclasses.field(default=default, metadata={"spec": spec})


@dataclass(frozen=True)
class Settings:
    """The values in force. Build new ones with :meth:`replace`, which validates."""

    ttl_completed_hours: float = setting(
        24.0,
        label="Keep completed results",
        unit="hours",
        minimum=0.01,
        maximum=24.0 * 365,
        help="How long a finished job's result stays in the app's folder before it is deleted. "
        "Save the ZIP somewhere of your own to keep it longer.",
    )
    ttl_failed_hours: float = setting(
        1.0,
        label="Keep failed or cancelled jobs",
        unit="hours",
        minimum=0.01,
        maximum=24.0 * 365,
        help="How long the files of a failed or cancelled job are kept for a look at its log.",
    )
    job_timeout_seconds: int = setting(
        DEFAULT_JOB_TIMEOUT_SECONDS,
        label="Job time limit",
        unit="minutes",
        minimum=60,  # round bounds in the unit shown: 1 to 1440 minutes
        maximum=24 * 3600,
        display_scale=60.0,
        help="A job still running after this long is stopped and marked failed.",
    )
    stall_timeout_seconds: int = setting(
        300,
        label="Stop a silent job after",
        unit="minutes",
        minimum=60,
        maximum=24 * 3600,
        display_scale=60.0,
        help="A job whose worker reports no progress for this long is stopped as stuck.",
    )
    cleanup_interval_seconds: int = setting(
        3600,
        label="Clean up every",
        unit="minutes",
        minimum=60,
        maximum=7 * 24 * 3600,
        display_scale=60.0,
        help="How often the app deletes expired results and repairs stuck jobs. "
        "It also cleans up once at start-up.",
    )
    concurrent_jobs: int = setting(
        default_factory=default_concurrent_jobs,
        label="Jobs at the same time",
        unit="jobs",
        minimum=1,
        maximum=max_concurrent_jobs,
        help="How many files are processed at once. Each job uses one processor core.",
    )
    job_memory_mb: int = setting(
        1024,
        label="Memory for one job",
        unit="MB",
        minimum=256,
        maximum=1024 * 1024,
        help="The memory one job may use, whatever the size of the log: a larger log takes "
        "longer and uses more disk space in the data folder, not more memory.",
    )
    pseudonymize: bool = setting(
        False,
        label="Pseudonymise names by default",
        help="Replace people's names with stable pseudonyms and drop IP addresses in results.",
    )
    rules_file: str = setting(
        "",
        label="Custom Bloom rules file",
        must_exist=True,
        help="A TOML rules file of your own; leave empty to use the built-in rules.",
    )
    classification: str = setting(
        "moodlelogsmart",
        label="Classification",
        choices=(
            ("moodlelogsmart", "MoodleLogSmart (descriptive)"),
            ("moodle2eventlog", "Moodle2EventLog (categories)"),
        ),
        help="Activity names: descriptive, or Moodle2EventLog's categories (Study_P, "
        "Collab_A, …) as the published tools; the same Bloom levels. A custom file wins.",
    )

    session_gap_minutes: int = setting(
        30,
        label="Session gap",
        unit="minutes",
        minimum=1,
        maximum=24 * 60,
        help="A student's activity is split into sessions where they were inactive for longer "
        "than this (session_id in the results, sessions in students.csv).",
    )
    outputs: str = setting(
        "",
        label="Files in the result",
        subset_of=ALL_OUTPUTS,
        help="Which files the result ZIP holds (summary.json always). Leave every one ticked "
        "unless you know you need only some.",
    )

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` validated; raises :class:`SettingsError`."""
        parsed = {key: SPECS_BY_KEY[key].parse(value) for key, value in changes.items()}
        return dataclasses.replace(self, **parsed)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def machine_memory_bytes() -> int | None:
    """The machine's RAM (None where the system does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def memory_warning(concurrent_jobs: int, job_memory_mb: int, ram_bytes: int | None) -> str | None:
    """One sentence when the jobs running at once may need more memory than the machine has."""
    if ram_bytes is None or ram_bytes <= 0:
        return None
    needed = concurrent_jobs * job_memory_mb
    ram_mb = ram_bytes // (1 << 20)
    if needed <= ram_mb:
        return None
    return (
        f"{concurrent_jobs} jobs at the same time with {job_memory_mb} MB each may need "
        f"{needed} MB, more than this machine's {ram_mb} MB of memory: lower one of them."
    )


def _specs() -> tuple[SettingSpec, ...]:
    hints = typing.get_type_hints(Settings)
    specs = []
    for field in dataclasses.fields(Settings):
        meta = dict(field.metadata["spec"])
        if callable(meta["maximum"]):
            meta["maximum"] = meta["maximum"]()
        default = (
            field.default_factory()
            if field.default_factory is not dataclasses.MISSING
            else field.default
        )
        specs.append(SettingSpec(key=field.name, kind=hints[field.name], default=default, **meta))
    return tuple(specs)


SETTING_SPECS: tuple[SettingSpec, ...] = _specs()
SPECS_BY_KEY: dict[str, SettingSpec] = {spec.key: spec for spec in SETTING_SPECS}

Source = Literal["default", "user settings file", "environment"]


@dataclass(frozen=True)
class EffectiveSetting:
    """Where one setting's value in force came from, and what was wrong on the way."""

    key: str
    value: Any
    source: Source
    env: str
    """The administrator's environment variable for this setting (set or not)."""
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoadedSettings:
    """Settings in force, which keys the administrator fixed, and what was wrong on the way."""

    settings: Settings
    admin_locked: frozenset[str]
    problems: tuple[str, ...]
    effective: tuple[EffectiveSetting, ...] = ()


def resolve(
    user_values: Mapping[str, object],
    env: Mapping[str, str],
    user_file: str = "the settings file",
) -> LoadedSettings:
    """Environment over user file over default, for raw ``user_values`` read from
    ``user_file``; each invalid value is reported in one sentence and skipped."""
    values: dict[str, Any] = {}
    locked: set[str] = set()
    effective: list[EffectiveSetting] = []
    for spec in SETTING_SPECS:
        value: Any = spec.default
        source: Source = "default"
        problems: list[str] = []
        if spec.key in user_values:
            try:
                value, source = spec.parse(user_values[spec.key]), "user settings file"
            except SettingsError as err:
                problems.append(f"{err} (in {user_file}; the default is used)")
        raw_env = env.get(spec.env)
        if raw_env is not None and raw_env.strip() != "":
            try:
                value, source = spec.parse(raw_env), "environment"
                locked.add(spec.key)
            except SettingsError as err:
                problems.append(f"{err} (from {spec.env}; ignored)")
        values[spec.key] = value
        effective.append(EffectiveSetting(spec.key, value, source, spec.env, tuple(problems)))
    return LoadedSettings(
        Settings(**values),
        frozenset(locked),
        tuple(p for e in effective for p in e.problems),
        tuple(effective),
    )


def from_environment(env: Mapping[str, str] | None = None) -> LoadedSettings:
    """Defaults with the administrator's presets only (no user file)."""
    return resolve({}, os.environ if env is None else env)
