"""The summary's warnings in the window's language: each known ``warning_codes`` entry is
translated with its values; an unknown code, or a summary without codes (a result from an
older version), shows the English sentence as written."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication

CTX = "Warnings"

# code -> (English text with %1, %2 …, the names of the values in that order). The same
# sentences as moodlelogsmart_gui/pipeline/warning_codes.py writes (a test checks both).
TEXTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "local_time": (
        "Times are the local time of whoever downloaded the log (the file has no time "
        "zone); the outputs write them without an offset.",
        (),
    ),
    "no_pseudonym_key": ("No pseudonym key was given: pseudonyms hold for this file only.", ()),
    "mixed_order_day_first": (
        "The Time column mixes day-first and month-first dates: day first was kept, "
        "as it reads more rows.",
        (),
    ),
    "mixed_order_month_first": (
        "The Time column mixes day-first and month-first dates: month first was kept, "
        "as it reads more rows.",
        (),
    ),
    "year_from_file_name": (
        "The times carry no year (Moodle 2.7/2.8 format): %1 was assumed, from the file name.",
        ("year",),
    ),
    "year_from_current_year": (
        "The times carry no year (Moodle 2.7/2.8 format): %1 was assumed, from the current year.",
        ("year",),
    ),
    "ambiguous_order": (
        "The date order was ambiguous (no day or month above 12): day first was chosen, "
        "as in Moodle's default (%1).",
        ("format",),
    ),
    "damaged_utf8": (
        "The file is UTF-8 with damaged bytes: %1 invalid UTF-8 byte sequences were replaced.",
        ("count",),
    ),
    "uncertain_encoding": ("The text encoding was uncertain; %1 was used.", ("encoding",)),
}


def warning_text(english: str, coded: Any) -> str:
    """``english`` in the window's language when ``coded`` ({code, values}) is known."""
    if not isinstance(coded, dict):
        return english
    known = TEXTS.get(str(coded.get("code")))
    values = coded.get("values")
    if known is None or not isinstance(values, dict):
        return english
    source, names = known
    if any(name not in values for name in names):
        return english
    text = QCoreApplication.translate(CTX, source)
    # Replace from the highest number down so that %1 does not eat the start of %10.
    for number, name in reversed(list(enumerate(names, start=1))):
        text = text.replace(f"%{number}", str(values[name]))
    return text


def summary_warnings(summary: dict[str, Any]) -> list[str]:
    """The summary's warnings, translated where their code is known."""
    english = [str(w) for w in summary.get("warnings") or []]
    codes = summary.get("warning_codes")
    if not isinstance(codes, list) or len(codes) != len(english):
        return english
    return [warning_text(text, coded) for text, coded in zip(english, codes, strict=True)]
