"""Read the Time column: find its format from the whole column, then parse it vectorised.

The column is dictionary-encoded first (a log of a million rows has far fewer distinct
times), each candidate pattern extracts the date fields with one RE2 pass, and the
day/month order is decided from every value: a first field above 12 settles it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moodlelogsmart_gui.pipeline.ingest.arrays import factorize, per_chunk
from moodlelogsmart_gui.pipeline.ingest.civil_time import (
    NAT,
    NAT_NS,
    days_from_civil,
    days_in_month,
    seconds_to_ns,
)
from moodlelogsmart_gui.pipeline.ingest.month_literals import (
    apply_literals,
    month_literals,
    replace_literals,
)
from moodlelogsmart_gui.pipeline.warning_codes import TEMPLATES

_L = "LETTERS"
_TIME = r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:[.,]\d+)?"
_AMPM = r"(?:\s*(?P<ap>[AaPp]\.?\s?[Mm]\.?))?"
_JOIN = r"(?P<j>\s*,\s*|\s+(?:às|as|à|a las|alle|um|at|-)\s+|\s+|T)"
PATTERNS: dict[str, str] = {
    # 5/01/24, 09:03   30/11/2016 22:34   5/01/24 às 09:03   18.04.2023 14:24   1/5/24, 9:03 PM
    "numeric": r"^(?P<a>\d{1,2})(?P<s>[/.\-])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})"
    + _JOIN
    + _TIME
    + _AMPM
    + "$",
    # 2024-01-05 09:03:00 (spreadsheet re-saves, ISO)
    "iso": r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?P<j>[T ]\s*)"
    + _TIME
    + r"(?:Z|[+-]\d{2}:?\d{2})?$",
    # 5 janv. 24, 09:03   18. April 2023, 14:24:03   5 de enero de 2024 09:03
    "month_name": r"^(?P<d>\d{1,2})\.?\s+(?:de\s+)?(?P<mon>LETTERS+\.?)\s+(?:de\s+)?"
    r"(?P<y>\d{4}|\d{2})" + _JOIN + _TIME + _AMPM + "$",
    # January 5, 2024, 9:03 AM
    "month_first_name": r"^(?P<mon>LETTERS+\.?)\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4})"
    + _JOIN
    + _TIME
    + _AMPM
    + "$",
    # 5 Jan, 09:03 (Moodle 2.7/2.8: no year)
    "month_name_no_year": r"^(?P<d>\d{1,2})\.?\s+(?P<mon>LETTERS+\.?)"
    + _JOIN
    + _TIME
    + _AMPM
    + "$",
    "epoch": r"^(?P<epoch>\d{9,11})(?:\.\d+)?$",
}
# the numeric pattern uses a backreference, which RE2 lacks: RE2 gets an explicit variant
_RE2_NUMERIC = PATTERNS["numeric"].replace("(?P=s)", "[/.\\-]")
SAMPLE_VALUES = 4000


def _re2(name: str) -> str:
    pattern = _RE2_NUMERIC if name == "numeric" else PATTERNS[name]
    return pattern.replace(_L, r"\p{L}")


def _py(name: str) -> re.Pattern[str]:
    return re.compile(PATTERNS[name].replace(_L, r"[^\W\d_]"))


@dataclass
class ParsedTimes:
    """Timestamps per row (NaT where unreadable) and what was found about the format."""

    timestamps: np.ndarray  # datetime64[ns]
    date_format: str | None
    date_order: str | None  # day_first, month_first, year_first, epoch
    ambiguous: bool
    unreadable: int
    timezone: str
    warnings: list[str] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        n = len(self.timestamps)
        return round((n - self.unreadable) / n, 4) if n else 0.0


def _int_field(struct: pa.StructArray, name: str) -> np.ndarray:
    values = pc.struct_field(struct, name)
    values = pc.if_else(pc.equal(pc.fill_null(values, ""), ""), "0", values)
    return np.asarray(pc.cast(values, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def _month_numbers(struct: pa.StructArray, months: dict[str, int]) -> np.ndarray:
    tokens = pc.utf8_rtrim(pc.utf8_lower(pc.struct_field(struct, "mon")), characters=".")
    keys = pa.array(list(months), type=pa.string())
    numbers = np.array([*months.values(), -1], dtype=np.int64)
    idx = pc.fill_null(pc.index_in(tokens, value_set=keys), len(months))
    return numbers[np.asarray(idx.to_numpy(zero_copy_only=False), dtype=np.int64)]


def _spread_sample(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Up to SAMPLE_VALUES non-null values spread evenly over the column."""
    n = len(column)
    if n > SAMPLE_VALUES:
        column = column.take(pa.array(np.linspace(0, n - 1, SAMPLE_VALUES).astype(np.int64)))
    sample = column.drop_null()
    return sample.combine_chunks() if isinstance(sample, pa.ChunkedArray) else sample


def _choose_pattern(sample: pa.Array) -> str | None:
    """The pattern matching the most values of the sample (None if none matches)."""
    best, best_count = None, 0
    for name in PATTERNS:
        count = pc.sum(pc.match_substring_regex(sample, _re2(name))).as_py() or 0
        if count > best_count:
            best, best_count = name, count
    return best


def _decide_order(
    a: np.ndarray, b: np.ndarray, ok: np.ndarray, weights: np.ndarray
) -> tuple[str, bool]:
    """day_first or month_first from every matched value; ambiguous when nothing settles it."""
    a_big = bool(np.any(ok & (a > 12)))
    b_big = bool(np.any(ok & (b > 12)))
    if a_big and not b_big:
        return "day_first", False
    if b_big and not a_big:
        return "month_first", False
    if a_big and b_big:  # mixed column: keep the order that reads more rows
        day_ok = int(weights[ok & (b <= 12)].sum())
        month_ok = int(weights[ok & (a <= 12)].sum())
        return ("day_first" if day_ok >= month_ok else "month_first"), False
    return "day_first", True


def describe_format(sample: str, pattern: str, order: str | None) -> str:
    """Rebuild a strftime-like format from one matching value (for the summary)."""
    match = _py(pattern).match(sample)
    if not match:
        return pattern
    directive = {"d": "%d", "m": "%m", "H": "%H", "M": "%M", "S": "%S", "ap": "%p"}
    directive["a"], directive["b"] = ("%m", "%d") if order == "month_first" else ("%d", "%m")
    groups = match.groupdict()
    if groups.get("ap"):
        directive["H"] = "%I"
    if groups.get("y"):
        directive["y"] = "%Y" if len(match.group("y")) == 4 else "%y"
    if groups.get("mon"):
        mon = groups["mon"]
        directive["mon"] = "%B" if len(mon) > 3 and not mon.endswith(".") else "%b"
    if pattern == "epoch":
        return "epoch seconds"
    spans = sorted(
        (match.span(g), directive[g])
        for g in directive
        if g in match.groupdict() and match.group(g)
    )
    out, pos = [], 0
    for (start, end), code in spans:
        out.append(sample[pos:start] + code)
        pos = end
    return "".join(out) + sample[pos:]


def _fields(
    values: pa.Array,
    pattern: str,
    months: dict[str, int],
    default_year: int,
    order: str | None,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, str, bool]:
    """Epoch seconds per value (int64 min where unreadable), the order used, ambiguity."""
    struct = pc.extract_regex(values, _re2(pattern))
    ok = np.asarray(struct.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    if pattern == "epoch":
        seconds = _int_field(struct, "epoch")
        return np.where(ok, seconds, NAT), "epoch", False
    hour, minute, second = (_int_field(struct, g) for g in ("H", "M", "S"))
    ambiguous = False
    if pattern == "numeric":
        a, b = _int_field(struct, "a"), _int_field(struct, "b")
        if order is None:
            ones = np.ones(len(a), dtype=np.int64) if weights is None else weights
            order, ambiguous = _decide_order(a, b, ok, ones)
        day, month = (a, b) if order == "day_first" else (b, a)
    elif pattern == "iso":
        day, month, order = _int_field(struct, "d"), _int_field(struct, "m"), "year_first"
    else:
        day, month, order = _int_field(struct, "d"), _month_numbers(struct, months), "day_first"
    if pattern == "month_name_no_year":
        year = np.full(len(values), default_year, dtype=np.int64)
    else:
        year = _int_field(struct, "y")
        year = np.where(year < 100, year + 2000, year)
    if "ap" in struct.type.names:
        ap = pc.utf8_lower(pc.fill_null(pc.struct_field(struct, "ap"), ""))
        pm = np.asarray(pc.starts_with(ap, "p").to_numpy(zero_copy_only=False), dtype=bool)
        am = np.asarray(pc.starts_with(ap, "a").to_numpy(zero_copy_only=False), dtype=bool)
        ok &= ~((am | pm) & ((hour < 1) | (hour > 12)))
        hour = np.where(pm & (hour < 12), hour + 12, np.where(am & (hour == 12), 0, hour))
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= days_in_month(year, month))
    ok &= (hour < 24) & (minute < 60) & (second < 60)
    seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    return np.where(ok, seconds, NAT), order, ambiguous


def _parse_generic(
    column: pa.ChunkedArray | pa.Array,
    pattern: str,
    months: dict[str, int],
    default_year: int,
    order: str | None,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, str, bool]:
    """Regex field extraction; on distinct values when they repeat a lot, else per row."""
    sample = _spread_sample(column)
    repeats = len(sample) and len(pc.unique(sample)) < 0.3 * len(sample)
    if repeats and weights is None:
        values, indices = factorize(column)
        seconds, order, ambiguous = _fields(values, pattern, months, default_year, order)
        seconds = np.append(seconds, NAT)[indices]
    else:
        flat = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        seconds, order, ambiguous = _fields(flat, pattern, months, default_year, order, weights)
    return seconds_to_ns(seconds), order, ambiguous


def _strptime(column: pa.ChunkedArray | pa.Array, fmt: str) -> tuple[pa.ChunkedArray, np.ndarray]:
    stamps = per_chunk(lambda c: pc.strptime(c, format=fmt, unit="s", error_is_null=True), column)
    return stamps, np.asarray(pc.is_valid(stamps).to_numpy(zero_copy_only=False), dtype=bool)


def _count(mask: np.ndarray, weights: np.ndarray | None) -> int:
    """Rows under ``mask`` (values weighted by their row counts when given)."""
    return int(mask.sum() if weights is None else weights[mask].sum())


def _parse_fast(
    column: pa.ChunkedArray | pa.Array,
    sample_value: str,
    pattern: str,
    weights: np.ndarray | None = None,
    decided: str | None = None,
) -> tuple[np.ndarray, str, bool, str]:
    """Arrow's strptime with the format read off a sample; both orders for numeric dates
    (only the ``decided`` one when the order was decided before)."""
    first = "month_first" if decided == "month_first" and pattern == "numeric" else "day_first"
    fmt = describe_format(sample_value, pattern, first)
    stamps, ok = _strptime(column, fmt)
    order, ambiguous = ("day_first" if pattern == "numeric" else "year_first"), False
    if pattern == "numeric" and decided is not None:
        order = first
    elif pattern == "numeric":
        fmt_mf = describe_format(sample_value, pattern, "month_first")
        stamps_mf, ok_mf = _strptime(column, fmt_mf)
        only_df, only_mf = bool(np.any(ok & ~ok_mf)), bool(np.any(ok_mf & ~ok))
        ambiguous = not only_df and not only_mf
        more_mf = _count(ok_mf, weights) > _count(ok, weights)
        if (only_mf and not only_df) or (only_df and only_mf and more_mf):
            stamps, order, fmt = stamps_mf, "month_first", fmt_mf
        if only_df and only_mf:
            order = f"{order} (mixed)"
    seconds = pc.fill_null(pc.cast(stamps, pa.int64()), NAT)
    return seconds_to_ns(np.asarray(seconds.to_numpy(), dtype=np.int64)), order, ambiguous, fmt


def _written_day(values: pa.ChunkedArray | pa.Array, pattern: str, order: str) -> np.ndarray:
    """The day of month as written in each value (-1 where it cannot be found)."""
    if pattern == "iso":
        regex = r"^\s*\d{4}-\d{1,2}-(?P<d>\d{1,2})"
    elif pattern == "numeric" and order == "month_first":
        regex = r"^\s*\d{1,2}[/.\-](?P<d>\d{1,2})"
    else:
        regex = r"^\s*(?P<d>\d{1,2})"
    day = pc.struct_field(pc.extract_regex(values, regex), "d")
    day = pc.cast(pc.fill_null(pc.if_else(pc.equal(day, ""), "-1", day), "-1"), pa.int64())
    return np.asarray(day.to_numpy(), dtype=np.int64)


def spread_sample(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """The values the format is read from: up to SAMPLE_VALUES spread over ``column``.

    The sample of a file read in batches is the spread sample of the batches' samples.
    """
    return _spread_sample(column)


def parse_times(
    column: pa.ChunkedArray | pa.Array,
    months: dict[str, int],
    default_year: int,
    year_source: str = "the current year",
    downloaded: dt.datetime | None = None,
    *,
    sample: pa.Array | None = None,
    weights: np.ndarray | None = None,
    order: str | None = None,
) -> ParsedTimes:
    """Parse a column of Moodle times; unreadable values become NaT and are counted.

    Year-less times take ``default_year``; with the download time known, those that would
    fall after it belong to the year before (a log spanning New Year).

    A file read in batches decides once and applies per batch: ``sample`` (the whole file's
    spread sample) fixes the pattern, and ``order`` the day/month order decided from the
    whole column; ``weights`` are row counts when ``column`` holds distinct values.
    """
    n_rows = len(column)
    raw_sample = _spread_sample(column) if sample is None else sample
    sample = pc.utf8_trim_whitespace(raw_sample)
    if len(sample) and not pc.all(pc.equal(sample, raw_sample)).as_py():
        column = pc.utf8_trim_whitespace(column)  # padded cells: trim once, up front
    pattern = _choose_pattern(sample) if len(sample) else None
    if pattern is None:
        return ParsedTimes(np.full(n_rows, NAT_NS), None, None, False, n_rows, "local")
    matcher = _py(pattern)
    sample_values = sample.to_pylist()
    sample_value = next((v for v in sample_values if matcher.match(v)), "")
    match = matcher.match(sample_value)
    fast_input, fast_sample, fast_pattern = None, sample_value, pattern
    if match and not match.groupdict().get("ap"):
        if pattern in ("numeric", "iso"):
            fast_input = column
        elif pattern in ("month_name", "month_name_no_year"):
            literals = month_literals(sample_values, _py(pattern), pattern, months, default_year)
            if literals and apply_literals(sample_value, literals) != sample_value:
                fast_input = replace_literals(column, literals)
                fast_sample, fast_pattern = apply_literals(sample_value, literals), "numeric"
    if fast_input is not None:
        stamps, order, ambiguous, fmt = _parse_fast(
            fast_input, fast_sample, fast_pattern, weights, order
        )
        if fast_pattern != pattern:
            order, ambiguous = "day_first", False
            fmt = describe_format(sample_value, pattern, order)
        mixed = order.endswith(" (mixed)")
        order = order.removesuffix(" (mixed)")
        present = np.asarray(pc.is_valid(column).to_numpy(zero_copy_only=False), dtype=bool)
        # strptime rolls 31/02 over to 2/03: a day 1-3 read must be the day written.
        # Values strptime could not read may be other variants of the format (4-digit
        # years, no seconds, ...): the regex path reads those.
        days = stamps.astype("datetime64[D]")
        day_read = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
        suspect = present & ~np.isnat(stamps) & (day_read <= 3)
        rolled = np.zeros(len(stamps), dtype=bool)
        if suspect.any():
            written = _written_day(column.filter(pa.array(suspect)), pattern, order)
            rolled[suspect] = written != day_read[suspect]
        stamps[rolled] = NAT_NS
        again = present & np.isnat(stamps) & ~rolled
        if again.any():
            rest = pc.utf8_trim_whitespace(column.filter(pa.array(again)))
            stamps[again] = _parse_generic(rest, pattern, months, default_year, order)[0]
    else:
        column = pc.utf8_trim_whitespace(column)
        stamps, order, ambiguous = _parse_generic(
            column, pattern, months, default_year, order, weights
        )
        fmt = describe_format(sample_value, pattern, order)
    if pattern == "month_name_no_year" and downloaded is not None:
        later = stamps > np.datetime64(downloaded + dt.timedelta(days=1), "ns")
        if later.any():
            rest = pc.utf8_trim_whitespace(column.filter(pa.array(later)))
            stamps[later] = _parse_generic(rest, pattern, months, default_year - 1, order)[0]
    warnings: list[str] = []
    if fast_input is not None and mixed:
        kept = "mixed_order_day_first" if order == "day_first" else "mixed_order_month_first"
        warnings.append(TEMPLATES[kept])
    if pattern == "month_name_no_year":
        from_name = year_source == "the file name"
        code = "year_from_file_name" if from_name else "year_from_current_year"
        warnings.append(TEMPLATES[code].format(year=default_year))
    if ambiguous:
        warnings.append(TEMPLATES["ambiguous_order"].format(format=fmt))
    bad = np.isnat(stamps)
    unreadable = int(weights[bad].sum() if weights is not None else bad.sum())
    timezone = "UTC" if pattern == "epoch" else "local"
    return ParsedTimes(stamps, fmt, order, ambiguous, unreadable, timezone, warnings)
