"""The download time Moodle writes into the name of an exported log file."""

from __future__ import annotations

import datetime as dt
import re


def year_from_filename(name: str) -> int | None:
    """Moodle names downloads ``logs_<course>_<YYYYMMDD-HHMM>``: take that year."""
    when = download_time(name)
    return when.year if when else None


def download_time(name: str) -> dt.datetime | None:
    """The download time in a Moodle file name ``logs_<course>_<YYYYMMDD-HHMM>``."""
    match = re.search(r"(20\d{2})(\d{2})(\d{2})-(\d{2})(\d{2})", name)
    if not match:
        return None
    try:
        year, month, day, hour, minute = (int(g) for g in match.groups())
        return dt.datetime(year, month, day, hour, minute)
    except ValueError:
        return None


def current_year() -> int:
    """The current year (the fallback for year-less Moodle 2.7 times)."""
    return dt.datetime.now().year
