"""XES (IEEE 1849-2016) export, written as a stream of buffers.

An event line is assembled from three small dictionaries: a template per unique event
(activity, Moodle event, context, category, Bloom level: everything but the time and the user), the
timestamp, and a per-case tail (``org:resource``, closing the trace after its last event).
Escaping therefore runs once per distinct value, with pyarrow kernels, never per row.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from moodlelogsmart_gui.pipeline.export_csv import (
    CHUNK_ROWS,
    DictColumn,
    TimestampColumn,
    _clock_strings,
    encode_timestamps,
    plain_text,
    string_buffer,
)

# Characters XML 1.0 forbids (RE2 syntax); lone surrogates cannot occur in UTF-8 text.
XML_ILLEGAL = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]"
ESCAPES = (
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ('"', "&quot;"),
    ("\t", "&#9;"),
    ("\n", "&#10;"),
    ("\r", "&#13;"),
)
EXTENSIONS = (
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
    ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
)
# (XES key, frame column) of the string attributes each event carries, in order.
EVENT_STRINGS = (
    ("moodle:event_name", "event_name"),
    ("moodle:event_key", "event_key"),
    ("moodle:component", "component"),
    ("moodle:context", "context"),
    ("moodle:category", "activity_category"),
    ("bloom:level", "bloom_level"),
    ("bloom:active", "is_active"),
    ("bloom:rule_id", "rule_id"),
)


def xml_escape(values: pa.Array) -> pa.Array:
    """Text safe inside a double-quoted XML attribute: illegal characters dropped, rest escaped."""
    values = pc.replace_substring_regex(plain_text(values), XML_ILLEGAL, "")
    for raw, escaped in ESCAPES:
        values = pc.replace_substring(values, raw, escaped)
    return values


def escape_texts(texts: list[str]) -> list[str]:
    """Each text XML-escaped (one Arrow call for the whole list)."""
    return xml_escape(pa.array(texts, type=pa.string())).to_pylist() if texts else []


def trace_pieces(ids: Sequence[str], labels: Sequence[str]) -> tuple[list[str], list[str]]:
    """Each case's ``<trace>`` opening (and an empty one after the last case), and its two
    event endings: within the trace, and closing it. ``ids`` and ``labels`` are escaped."""
    heads, tails = [], []
    for case_id, label in zip(ids, labels, strict=True):
        heads.append(
            f'<trace><string key="concept:name" value="{case_id}"/>'
            f'<string key="moodle:case_label" value="{label}"/>\n'
        )
        tail = f'<string key="org:resource" value="{label}"/></event>\n'
        tails += [tail, tail + "</trace>\n"]
    heads.append("")
    return heads, tails


@dataclass
class XesEvents:
    """Everything needed to write XES lines for any ordered selection of rows."""

    case_codes: np.ndarray
    heads: pa.Array  # per case, plus "" for rows that do not open a trace
    tails: pa.Array  # per case * 2 + (1 if the row closes the trace), after the time's offset
    templates: DictColumn
    times: TimestampColumn
    sessions: DictColumn  # closes the time; then moodle:session when the frame has sessions
    pieces: pa.Array = field(init=False, repr=False)  # the five dictionaries above, end to end
    starts: np.ndarray = field(init=False, repr=False)  # where each of them begins in pieces

    def __post_init__(self) -> None:
        parts = [self.heads, self.templates.values, self.times.days, _clock_strings()]
        parts += [self.sessions.values, self.tails]
        self.pieces = pa.concat_arrays([plain_text(part) for part in parts])
        self.starts = np.cumsum([0, *(len(part) for part in parts[:-1])]).astype(np.int32)


def prepare_events(frame: pd.DataFrame, offset: str) -> XesEvents:
    """Build the per-case and per-event-kind pieces from a classified frame with cases."""
    cases = frame["case_id"].cat
    labels = escape_texts([str(x) for x in frame["case_label"].cat.categories])
    label_of_case = (
        pd.Series(frame["case_label"].cat.codes.to_numpy()).groupby(cases.codes.to_numpy()).first()
    )
    ids = escape_texts([str(x) for x in cases.categories])
    heads, tails = trace_pieces(
        ids,
        [
            labels[int(label_of_case.get(code, 0))] if labels else case_id
            for code, case_id in enumerate(ids)
        ],
    )
    template_codes, templates = _templates(frame)
    return XesEvents(
        case_codes=cases.codes.to_numpy().astype(np.int32),
        heads=pa.array(heads, type=pa.string()),
        tails=pa.array(tails, type=pa.string()),
        templates=DictColumn(template_codes, pa.array(templates, type=pa.string())),
        times=encode_timestamps(frame["timestamp"], offset),
        sessions=_session_pieces(frame, offset),
    )


def _session_pieces(frame: pd.DataFrame, offset: str) -> DictColumn:
    """The end of the time attribute, then ``moodle:session`` (one piece per session number)."""
    if "session_id" not in frame:
        return DictColumn(np.zeros(len(frame), np.int32), pa.array([f'{offset}"/>']))
    column = frame["session_id"].cat
    pieces = [
        f'{offset}"/><int key="moodle:session" value="{number}"/>' for number in column.categories
    ]
    codes = column.codes.to_numpy()
    return DictColumn(
        np.where(codes < 0, len(pieces), codes).astype(np.int32),
        pa.array([*pieces, f'{offset}"/>'], type=pa.string()),
    )


def _templates(frame: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """One ``<event>`` opening per distinct event kind, up to the timestamp's value."""
    keys = ["activity_type", *(column for _, column in EVENT_STRINGS)]
    combined = np.zeros(len(frame), dtype=np.int64)
    span = 1  # number of distinct values ``combined`` can take
    parts: dict[str, tuple[np.ndarray, list[str | None]]] = {}
    for column in keys:
        series = frame[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes = series.cat.codes.to_numpy().astype(np.int64)
            values: list[str | None] = [str(x) for x in series.cat.categories]
        elif series.dtype == bool:
            codes, values = series.to_numpy().astype(np.int64), ["false", "true"]
        else:
            encoded = pc.dictionary_encode(pa.array(series.astype("string").array))
            if isinstance(encoded, pa.ChunkedArray):
                encoded = encoded.combine_chunks()
            codes = pc.fill_null(encoded.indices, -1).to_numpy().astype(np.int64)
            values = encoded.dictionary.to_pylist()
        parts[column] = (codes, values)
        if span * (len(values) + 1) >= 1 << 62:  # keep the key dense: no int64 overflow
            combined, distinct = pd.factorize(combined)
            span = len(distinct)
        combined = combined * (len(values) + 1) + (codes + 1)
        span *= len(values) + 1
    row_codes, uniques = pd.factorize(combined)
    first = np.zeros(len(uniques), dtype=np.int64)
    first[row_codes[::-1]] = np.arange(len(row_codes))[::-1]
    escaped = {c: escape_texts([v or "" for v in values]) for c, (_, values) in parts.items()}
    templates = []
    for row in first.tolist():
        text: dict[str, str | None] = {}
        for column, (codes, values) in parts.items():
            i = int(codes[row])
            text[column] = escaped[column][i] if i >= 0 and values[i] is not None else None
        attrs = [
            f'<event><string key="concept:name" value="{text["activity_type"] or ""}"/>',
            '<string key="lifecycle:transition" value="complete"/>',
        ]
        attrs += [
            f'<string key="{key}" value="{text[column]}"/>'
            for key, column in EVENT_STRINGS
            if text[column]
        ]
        attrs.append('<date key="time:timestamp" value="')
        templates.append("".join(attrs))
    return row_codes.astype(np.int32), templates


def xes_header(attributes: Mapping[str, str], offset: str) -> str:
    """Everything before the first trace: extensions, globals, classifiers, log attributes."""
    epoch = "1970-01-01T00:00:00" + offset
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<log xes.version="1849-2016" xes.features="nested-attributes" '
        'xmlns="http://www.xes-standard.org/">',
    ]
    lines += [f'<extension name="{n}" prefix="{p}" uri="{u}"/>' for n, p, u in EXTENSIONS]
    lines += [
        '<global scope="trace"><string key="concept:name" value="__INVALID__"/></global>',
        '<global scope="event"><string key="concept:name" value="__INVALID__"/>'
        f'<date key="time:timestamp" value="{epoch}"/>'
        '<string key="lifecycle:transition" value="complete"/></global>',
        '<classifier name="Activity" keys="concept:name"/>',
        '<classifier name="Moodle event" keys="moodle:event_name"/>',
        '<classifier name="Activity category" keys="moodle:category"/>',
    ]
    keys, values = list(attributes), escape_texts(list(attributes.values()))
    lines += [f'<string key="{k}" value="{v}"/>' for k, v in zip(keys, values, strict=True)]
    return "\n".join(lines) + "\n"


def _trace_pieces(events: XesEvents, case: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Head and tail dictionary codes for rows grouped by case (open first, close last)."""
    first = np.ones(len(case), dtype=bool)
    first[1:] = case[1:] != case[:-1]
    last = np.ones(len(case), dtype=bool)
    last[:-1] = first[1:]
    heads = np.where(first, case, len(events.heads) - 1).astype(np.int32)
    return heads, (case * 2 + last).astype(np.int32)


def _lines(events: XesEvents, rows: np.ndarray, heads: np.ndarray, tails: np.ndarray) -> pa.Buffer:
    """Event lines for ``rows``: trace opening (or nothing), body, day, time of day, tail (and
    closing), taken in one pass from ``events.pieces``: each output byte is copied once."""
    if not len(rows):
        return pa.py_buffer(b"")
    codes = np.empty((len(rows), 6), dtype=np.int32)
    codes[:, 0] = heads
    codes[:, 1] = events.templates.codes[rows]
    codes[:, 2] = events.times.day_codes[rows]
    codes[:, 3] = events.times.seconds[rows]
    codes[:, 4] = events.sessions.codes[rows]
    codes[:, 5] = tails
    codes += events.starts
    return string_buffer(events.pieces.take(pa.array(codes.ravel())))


def xes_chunks(
    events: XesEvents,
    rows: np.ndarray,
    attributes: Mapping[str, str],
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[bytes | pa.Buffer]:
    """The XES document for ``rows`` (grouped by case, in time order within a case)."""
    yield xes_header(attributes, events.times.offset).encode("utf-8")
    heads, tails = _trace_pieces(events, events.case_codes[rows])
    for start in range(0, len(rows), chunk_rows):
        end = min(start + chunk_rows, len(rows))
        yield _lines(events, rows[start:end], heads[start:end], tails[start:end])
    yield b"</log>\n"
