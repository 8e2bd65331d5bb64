"""``moodlelogsmart settings``: every setting in force, its unit and where it comes from."""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from moodlelogsmart_gui.settings import SETTING_SPECS, SettingsError, SettingSpec

SOURCES = ("default", "user", "environment")


@dataclasses.dataclass(frozen=True)
class EffectiveSetting:
    """One setting as the app will use it."""

    spec: SettingSpec
    value: Any
    source: str
    """``default``, ``user`` (the settings file) or ``environment``."""
    problems: tuple[str, ...] = ()
    """Values that were found but could not be used, each in the app's sentence."""


def effective_settings(settings_file: Path, env: Mapping[str, str]) -> list[EffectiveSetting]:
    """Environment over the user's file over the default, as the app resolves them."""
    from PySide6.QtCore import QSettings

    ini = QSettings(str(settings_file), QSettings.Format.IniFormat)
    found = settings_file.exists()
    out = []
    for spec in SETTING_SPECS:
        value, source, problems = spec.default, "default", []
        if found and ini.contains(spec.key):
            try:
                value, source = spec.parse(ini.value(spec.key)), "user"
            except SettingsError as err:
                problems.append(f"{err} (in {settings_file}; the default is used)")
        raw = env.get(spec.env)
        if raw is not None and raw.strip() != "":
            try:
                value, source = spec.parse(raw), "environment"
            except SettingsError as err:
                problems.append(f"{err} (from {spec.env}; ignored)")
        out.append(EffectiveSetting(spec, value, source, tuple(problems)))
    return out


def shown_value(spec: SettingSpec, value: Any) -> str:
    """The value as the settings panel shows it: ``10 minutes``, ``yes``, ``24 hours``."""
    if spec.kind is bool:
        return "yes" if value else "no"
    if spec.kind is str:
        return str(value) if value else "(none)"
    number = f"{value / spec.display_scale:g}"
    unit = spec.unit[:-1] if number == "1" and spec.unit.endswith("s") else spec.unit
    return f"{number} {unit}".strip()


def value_unit(spec: SettingSpec) -> str | None:
    """The unit of the stored value (the panel may show another: seconds as minutes)."""
    if spec.display_scale == 60.0:
        return "seconds"
    return spec.unit or None


def setting_record(item: EffectiveSetting) -> dict[str, Any]:
    """The --json object of one setting."""
    spec = item.spec
    return {
        "key": spec.key,
        "label": spec.label,
        "value": item.value,
        "unit": value_unit(spec),
        "shown": shown_value(spec, item.value),
        "source": item.source,
        "variable": spec.env,
        "problems": list(item.problems),
    }


def setting_lines(items: list[EffectiveSetting], settings_file: Path, width: int = 80) -> list[str]:
    """The plain listing: label, value and source on one line; the variable that set a value
    and every value that was ignored below."""
    label_width = max(len(item.spec.label) for item in items) + 2
    value_width = max(len(shown_value(i.spec, i.value)) for i in items) + 2
    lines = []
    for item in items:
        value = shown_value(item.spec, item.value)
        line = f"{item.spec.label:<{label_width}}{value:<{value_width}}{item.source}"
        lines.append(line if len(line) <= width else line[: width - 1] + "…")
        if item.source == "environment":
            lines.append(f"  set by {item.spec.env}")
    where = "" if settings_file.exists() else " (not written yet)"
    lines += ["", *_wrap(f"User settings file: {settings_file}{where}", width, "")]
    problems = [problem for item in items for problem in item.problems]
    if problems:
        lines += ["", "Ignored values:"]
        for problem in problems:
            lines += _wrap(problem, width, "- ")
    return lines


def _wrap(text: str, width: int, bullet: str) -> list[str]:
    """Wrapped at spaces only: a path stays whole (and longer than ``width`` if it must)."""
    return textwrap.wrap(
        text,
        width,
        initial_indent=bullet,
        subsequent_indent=" " * len(bullet),
        break_long_words=False,
        break_on_hyphens=False,
    )
