"""Month-name dates made numeric: the few literal texts between day and year ("' janv. '",
"'. April '") found in a sample are replaced by "/MM/", so Arrow's strptime reads them fast."""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from moodlelogsmart_gui.pipeline.ingest.arrays import per_chunk


def month_literals(
    sample: list[str],
    matcher: re.Pattern[str],
    pattern: str,
    months: dict[str, int],
    default_year: int,
) -> dict[str, str]:
    """Literal text between day and year (" janv. ", ". April ") -> "/MM/", from a sample.

    Replacing these few literals turns month-name dates into numeric ones that arrow's
    strptime reads fast; values the sample did not show fall back to the regex path.
    """
    literals: dict[str, str] = {}
    for value in dict.fromkeys(sample):
        match = matcher.match(value)
        if not match:
            continue
        number = months.get(match.group("mon").casefold().rstrip("."))
        if number is None:
            continue
        if pattern == "month_name_no_year":
            literals[value[match.end("d") : match.start("H")]] = f"/{number:02d}/{default_year} "
        else:
            literals[value[match.end("d") : match.start("y")]] = f"/{number:02d}/"
    return literals


def replace_literals(
    column: pa.ChunkedArray | pa.Array, literals: dict[str, str]
) -> pa.ChunkedArray | pa.Array:
    def replace(chunk: pa.Array) -> pa.Array:
        for literal, replacement in literals.items():
            chunk = pc.replace_substring(chunk, literal, replacement, max_replacements=1)
        return chunk

    return per_chunk(replace, column)


def apply_literals(value: str, literals: dict[str, str]) -> str:
    for literal, replacement in literals.items():
        value = value.replace(literal, replacement, 1)
    return value
