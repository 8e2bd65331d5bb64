"""A stable code and its values for each summary warning, so that a window can say it in
the user's language; ``summary.json``'s ``warnings`` keep their English sentences.

``warning_codes`` (added beside ``warnings``, one entry per warning, in the same order) holds
``{"code": str | None, "values": {name: str}}``; a sentence not written from a template here
gets ``code: None`` and is shown as written.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

# code -> the English sentence, with {name} where a value goes. Keep in step with the code
# that writes the sentence (tests/test_warning_codes.py checks each one).
TEMPLATES: dict[str, str] = {
    "local_time": (
        "Times are the local time of whoever downloaded the log (the file has no time "
        "zone); the outputs write them without an offset."
    ),
    "no_pseudonym_key": "No pseudonym key was given: pseudonyms hold for this file only.",
    "mixed_order_day_first": (
        "The Time column mixes day-first and month-first dates: day first was kept, "
        "as it reads more rows."
    ),
    "mixed_order_month_first": (
        "The Time column mixes day-first and month-first dates: month first was kept, "
        "as it reads more rows."
    ),
    "year_from_file_name": (
        "The times carry no year (Moodle 2.7/2.8 format): {year} was assumed, from the file name."
    ),
    "year_from_current_year": (
        "The times carry no year (Moodle 2.7/2.8 format): {year} was assumed, "
        "from the current year."
    ),
    "ambiguous_order": (
        "The date order was ambiguous (no day or month above 12): day first was chosen, "
        "as in Moodle's default ({format})."
    ),
    "damaged_utf8": (
        "The file is UTF-8 with damaged bytes: {count} invalid UTF-8 byte sequences were replaced."
    ),
    "uncertain_encoding": "The text encoding was uncertain; {encoding} was used.",
}


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
    )
    return re.compile(regex)


def code_of(warning: str) -> dict[str, Any]:
    """``{"code": "uncertain_encoding", "values": {"encoding": "cp1252"}}`` for one sentence."""
    for code, template in TEMPLATES.items():
        match = _pattern(template).fullmatch(warning)
        if match:
            return {"code": code, "values": match.groupdict()}
    return {"code": None, "values": {}}


def warning_codes(warnings: list[str]) -> list[dict[str, Any]]:
    """One ``code_of`` per warning, in order (the summary's ``warning_codes``)."""
    return [code_of(str(warning)) for warning in warnings]
