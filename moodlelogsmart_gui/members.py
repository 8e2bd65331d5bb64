"""The members a result ZIP can hold, in the order they are written (pure, no imports).

Shared by the pipeline (which writes them), the settings (which member to write) and the
command line (``process --outputs``). ``summary.json`` is always written.
"""

from __future__ import annotations

ALL_OUTPUTS = (
    "enriched_log.csv",
    "enriched_log_bloom_only.csv",
    "enriched_log.xes",
    "enriched_log_bloom_only.xes",
    "students.csv",
    "enriched_log.parquet",
    "enriched_log.ocel.json",
    "process_map.svg",
    "summary.json",
)
ALWAYS = "summary.json"


class OutputsError(ValueError):
    """An unknown member name in a list of outputs; ``str()`` is one sentence."""


def parse_outputs(text: str) -> frozenset[str] | None:
    """Comma-separated member names (``all`` or empty: every member) -> the chosen set.

    ``summary.json`` is always part of the result; names are matched without regard to case.
    """
    names = [part.strip().lower() for part in str(text).split(",") if part.strip()]
    if not names or names == ["all"]:
        return None
    unknown = [name for name in names if name not in ALL_OUTPUTS]
    if unknown:
        raise OutputsError(
            f"Unknown output '{unknown[0]}': choose from {', '.join(ALL_OUTPUTS)} (or all)."
        )
    return frozenset(names) | {ALWAYS}


def outputs_text(chosen: frozenset[str] | None) -> str:
    """The comma-separated form of a choice (empty: every member)."""
    if chosen is None or set(ALL_OUTPUTS) <= chosen:
        return ""
    return ",".join(name for name in ALL_OUTPUTS if name in chosen)
