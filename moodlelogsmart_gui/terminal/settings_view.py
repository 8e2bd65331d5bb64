"""``moodlelogsmart settings``: every setting in force, its unit and where it comes from."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from moodlelogsmart_gui.settings import SPECS_BY_KEY, EffectiveSetting, SettingSpec

SOURCE_WORDS = {"user settings file": "user"}
"""The short word the command line prints for a source (``default`` and ``environment``
are printed as they are)."""


def effective_settings(settings_file: Path, env: Mapping[str, str]) -> list[EffectiveSetting]:
    """Environment over the user's file over the default, exactly as the app resolves them."""
    from moodlelogsmart_gui.settings_file import SettingsStore

    return list(SettingsStore(settings_file, env).load().effective)


def source_word(item: EffectiveSetting) -> str:
    return SOURCE_WORDS.get(item.source, item.source)


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
    spec = SPECS_BY_KEY[item.key]
    return {
        "key": spec.key,
        "label": spec.label,
        "value": item.value,
        "unit": value_unit(spec),
        "shown": shown_value(spec, item.value),
        "source": source_word(item),
        "variable": item.env,
        "problems": list(item.problems),
    }


def setting_lines(items: list[EffectiveSetting], settings_file: Path, width: int = 80) -> list[str]:
    """The plain listing: label, value and source on one line; the variable that set a value
    and every value that was ignored below."""
    specs = [SPECS_BY_KEY[item.key] for item in items]
    shown = [shown_value(spec, item.value) for spec, item in zip(specs, items, strict=True)]
    label_width = max(len(spec.label) for spec in specs) + 2
    value_width = max(len(text) for text in shown) + 2
    lines = []
    for spec, value, item in zip(specs, shown, items, strict=True):
        line = f"{spec.label:<{label_width}}{value:<{value_width}}{source_word(item)}"
        lines.append(line if len(line) <= width else line[: width - 1] + "…")
        if item.source == "environment":
            lines.append(f"  set by {item.env}")
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
