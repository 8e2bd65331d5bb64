"""Calendar arithmetic on whole numpy arrays: days since 1970 for proleptic Gregorian dates,
month lengths, and epoch seconds to ``datetime64[ns]`` (times outside 1990-2100 become NaT)."""

from __future__ import annotations

import numpy as np

NAT = np.iinfo(np.int64).min
"""The int64 that stands for "no time" (NaT once viewed as datetime64)."""
NAT_NS = np.datetime64("NaT", "ns")
EARLIEST = int(np.datetime64("1990-01-01T00:00:00", "s").astype(np.int64))
LATEST = int(np.datetime64("2100-01-01T00:00:00", "s").astype(np.int64))


def days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 for proleptic Gregorian dates (H. Hinnant's algorithm)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (m + 9) % 12
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return np.asarray(era * 146097 + doe - 719468, dtype=np.int64)


def days_in_month(y: np.ndarray, m: np.ndarray) -> np.ndarray:
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    table = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 31])
    return np.asarray(table[np.clip(m - 1, 0, 12)] + ((m == 2) & leap), dtype=np.int64)


def seconds_to_ns(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds to datetime64[ns]; values outside 1990-2100 (no Moodle log) become NaT."""
    valid = (seconds >= EARLIEST) & (seconds < LATEST)
    out = np.where(valid, seconds, 0).astype(np.int64) * 1_000_000_000
    return np.where(valid, out, NAT).view("datetime64[ns]")
