"""Which kind of log is this: the report download (course or site-wide) or the raw
logstore table, with or without a header row; which language; which column is which.

Works on the sampled first rows only, so it costs nothing on big files.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from moodlelogsmart_gui.pipeline.errors import BadInputError
from moodlelogsmart_gui.pipeline.ingest.tables import (
    CANONICAL_HEADERS,
    ENGLISH_HEADERS,
    LanguageTables,
    normalise_label,
    printable,
)

LOGSTORE_COLUMNS: tuple[str, ...] = (
    "id",
    "eventname",
    "component",
    "action",
    "target",
    "objecttable",
    "objectid",
    "crud",
    "edulevel",
    "contextid",
    "contextlevel",
    "contextinstanceid",
    "userid",
    "courseid",
    "relateduserid",
    "anonymous",
    "other",
    "timecreated",
    "origin",
    "ip",
    "realuserid",
)
LOGSTORE_REQUIRED = ("eventname", "timecreated", "userid")
_EVENT_CLASS = re.compile(r"^\\?[a-z][a-z0-9_]*\\event\\[a-z0-9_]+$")
_EPOCH = re.compile(r"^\d{9,11}$")
MAX_TITLE_ROWS = 4
_DESCRIPTION = re.compile(r"^(?:The user with id|User with id|The user|The system|The )")


@dataclass
class Layout:
    """How the columns of the file map to meanings."""

    layout: str  # report, report_site, logstore
    header_row: bool
    ncols: int
    columns: dict[str, int]  # canonical name -> column index in the file
    headers: list[str]  # output header per column index ("" for a dropped index column)
    dropped: list[int] = field(default_factory=list)  # e.g. a pandas index column
    language: str | None = None
    language_confidence: float = 0.0
    skip: int = 0  # rows before the data: title lines and the header row


def _found(cells: Iterable[str], limit: int = 10) -> str:
    """Header cells for a message: one line, printable, each cut to 40 characters."""
    cells = list(cells)
    shown = [printable(cell) or "(blank)" for cell in cells[:limit]]
    more = ", ..." if len(cells) > limit else ""
    return ", ".join(shown) + more


def _no_column(name: str, row: list[str]) -> BadInputError:
    """The refusal for a missing column, naming the header cells found (not when private)."""
    return BadInputError(
        f"No '{name}' column: found {_found(row)}.",
        without_data=f"No '{name}' column among the file's {len(row)} columns.",
    )


def _logstore_from_header(row: list[str], norm: list[str]) -> Layout | None:
    known = {name: i for i, name in reversed(list(enumerate(norm))) if name in LOGSTORE_COLUMNS}
    if len(known) < 3 or not ({"eventname", "timecreated", "contextinstanceid"} & known.keys()):
        return None
    for name in LOGSTORE_REQUIRED:
        if name not in known:
            raise _no_column(name, row)
    return Layout("logstore", True, len(row), known, list(row), language=None)


def _logstore_headerless(rows: list[list[str]], width: int) -> Layout | None:
    if width not in (20, 21):
        return None
    body = [r for r in rows if len(r) == width][:50]
    if not body:
        return None
    names = (
        list(LOGSTORE_COLUMNS) if width == 21 else [c for c in LOGSTORE_COLUMNS if c != "anonymous"]
    )
    cols = {name: i for i, name in enumerate(names)}
    events = sum(1 for r in body if _EVENT_CLASS.match(r[cols["eventname"]].strip()))
    epochs = sum(1 for r in body if _EPOCH.match(r[cols["timecreated"]].strip()))
    if events < 0.8 * len(body) or epochs < 0.8 * len(body):
        return None
    return Layout("logstore", False, width, cols, names, language=None)


MDL_LOG_COLUMNS = (
    "id",
    "time",
    "userid",
    "ip",
    "course",
    "module",
    "cmid",
    "action",
    "url",
    "info",
)
_WORD = re.compile(r"^[a-z][a-z0-9_]*$")


def _legacy_log_from_header(row: list[str], norm: list[str]) -> Layout | None:
    """An ``mdl_log`` export with its header row."""
    known = {name: i for i, name in reversed(list(enumerate(norm))) if name in MDL_LOG_COLUMNS}
    if not {"time", "module", "action"} <= known.keys() or len(known) < 5:
        return None
    return Layout("legacy_log", True, len(row), known, list(row))


def _legacy_log_headerless(rows: list[list[str]], width: int) -> Layout | None:
    """An ``mdl_log`` export without header: 10 columns, epoch time, a module word."""
    if width != len(MDL_LOG_COLUMNS):
        return None
    body = [r for r in rows if len(r) == width][:50]
    if not body:
        return None
    times = sum(1 for r in body if _EPOCH.match(r[1].strip()))
    words = sum(1 for r in body if _WORD.match(r[5].strip()))
    if times < 0.8 * len(body) or words < 0.8 * len(body):
        return None
    columns = {name: i for i, name in enumerate(MDL_LOG_COLUMNS)}
    return Layout("legacy_log", False, width, columns, list(MDL_LOG_COLUMNS))


def _score_languages(norm: list[str], tables: LanguageTables) -> tuple[str | None, int]:
    scores = Counter(
        {lang: sum(1 for n in norm if n in hdr) for lang, hdr in tables.headers.items()}
    )
    if not scores:
        return None, 0
    lang, score = max(scores.items(), key=lambda kv: (kv[1], kv[0] == "en"))
    return (lang, score) if score else (None, 0)


def _report_from_header(row: list[str], norm: list[str], tables: LanguageTables) -> Layout | None:
    lang, score = _score_languages(norm, tables)
    if lang is None or score < 3:
        return None
    union: dict[str, str] = {}
    for hdr in tables.headers.values():
        for key, value in hdr.items():
            union.setdefault(key, value)
    best = tables.headers[lang]
    columns: dict[str, int] = {}
    for i, cell in enumerate(norm):
        canonical = best.get(cell) or union.get(cell)
        if canonical and canonical not in columns:
            columns[canonical] = i
    dropped = [0] if norm and norm[0] in ("", "unnamed: 0") and 0 not in columns.values() else []
    data_cols = [i for i in range(len(row)) if i not in dropped]
    if "course" not in columns and len(data_cols) == len(CANONICAL_HEADERS) + 1:
        first = data_cols[0]
        if first not in columns.values():
            columns["course"] = first
    rest = [i for i in data_cols if i != columns.get("course")]
    if len(rest) == len(CANONICAL_HEADERS):
        for canonical, i in zip(CANONICAL_HEADERS, rest, strict=True):
            if canonical not in columns and i not in columns.values():
                columns[canonical] = i
    if "legacy_action" in columns and not {"event_name", "description"} & columns.keys():
        if "time" not in columns:
            raise _no_column(ENGLISH_HEADERS["time"], row)
        confidence = min(1.0, score / 6)
        return Layout(
            "legacy_report", True, len(row), columns, list(row), dropped, lang, confidence
        )
    _require_report_columns(columns, row)
    layout = "report_site" if "course" in columns else "report"
    confidence = min(1.0, score / len(CANONICAL_HEADERS))
    return Layout(layout, True, len(row), columns, list(row), dropped, lang, round(confidence, 2))


def _require_report_columns(columns: dict[str, int], row: list[str]) -> None:
    """A report needs its Time column and at least one of Event name / Description."""
    if "time" not in columns:
        raise _no_column(ENGLISH_HEADERS["time"], row)
    if not {"event_name", "description"} & columns.keys():
        raise _no_column(ENGLISH_HEADERS["event_name"], row)


def _report_headerless(rows: list[list[str]], width: int) -> Layout | None:
    n = len(CANONICAL_HEADERS)
    offsets = {n: 0, n + 1: 1}
    if width not in offsets:
        return None
    body = [r for r in rows if len(r) == width][:50]
    desc_col = offsets[width] + CANONICAL_HEADERS.index("description")
    hits = sum(1 for r in body if _DESCRIPTION.match(r[desc_col].strip()))
    if not body or hits < 0.5 * len(body):
        return None
    columns = {c: i + offsets[width] for i, c in enumerate(CANONICAL_HEADERS)}
    if width == n + 1:
        columns["course"] = 0
    headers = [ENGLISH_HEADERS[c] for c in sorted(columns, key=columns.__getitem__)]
    layout = "report_site" if width == n + 1 else "report"
    first = rows[0]
    time_cell = first[columns["time"]] if len(first) == width else ""
    if (
        len(first) == width
        and not _DESCRIPTION.match(first[desc_col].strip())
        and not any(ch.isdigit() for ch in time_cell)
    ):  # a header row in a language the tables do not know: keep its names
        return Layout(layout, True, width, columns, list(first), skip=1)
    return Layout(layout, False, width, columns, headers)


def detect_layout(rows: list[list[str]], tables: LanguageTables) -> Layout:
    """Decide layout, header row, language and column mapping from the first rows."""
    if not rows:
        raise BadInputError("The file holds no rows: download the log again from Moodle.")
    width = Counter(len(r) for r in rows).most_common(1)[0][0]
    found = None
    for at, header in enumerate(rows[: MAX_TITLE_ROWS + 1]):  # a title line may come first
        norm = [normalise_label(c) for c in header]
        found = (
            _logstore_from_header(header, norm)
            or _legacy_log_from_header(header, norm)
            or _report_from_header(header, norm, tables)
        )
        if found is not None:
            found.skip = at + 1
            if width > found.ncols:  # data rows wider than the header (trailing delimiters)
                found.headers += [""] * (width - found.ncols)
                found.ncols = width
            break
    header = rows[0]
    found = (
        found
        or _logstore_headerless(rows, width)
        or _legacy_log_headerless(rows, width)
        or _report_headerless(rows, width)
    )
    if found is None:
        raise BadInputError(
            f"This is not a Moodle log: its columns ({_found(header)}) are neither the log "
            "report's (Time, Event name, Description...) nor the logstore table's; download the "
            "log from Reports > Logs."
        )
    if found.header_row and len(rows) <= found.skip:
        raise BadInputError("The file has a header row but no log rows: the log is empty.")
    return found


def guess_language(
    components: Iterable[str], event_names: Iterable[str], tables: LanguageTables
) -> tuple[str | None, float]:
    """Language of a headerless report, from its translated component and event names.

    Only labels listed for a single language count. English wins only when no other
    language has two such labels: untranslated English names leak into every language.
    """
    seen = {normalise_label(c) for c in components if c} | {
        normalise_label(e) for e in event_names if e
    }
    owners: dict[str, set[str]] = {}
    for lang in tables.headers:
        for label in tables.components[lang].keys() | tables.events[lang].keys():
            owners.setdefault(label, set()).add(lang)
    scores: Counter[str] = Counter()
    for label in seen:
        langs = owners.get(label, set())
        if len(langs) == 1:
            scores[next(iter(langs))] += 1
    others = [(n, lang) for lang, n in scores.items() if lang != "en"]
    if others and max(others)[0] >= 2:
        n, lang = max(others)
    elif scores:
        lang, n = scores.most_common(1)[0]
    else:
        return None, 0.0
    return lang, round(n / max(1, sum(scores.values())), 2)
