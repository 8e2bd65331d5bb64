"""``enriched_log.ocel.json``: the events as an OCEL 2.0 object-centric event log (JSON).

Event types are the activity types; every event is linked to its ``student`` (the case,
qualifier ``actor``), and when the row names them to its ``course``, ``course_module`` and
``affected_user``; event attributes are the Bloom level, the Moodle event name and the
component. Event ids are ``e<row>``: the row's number in ``enriched_log.csv``.

Events are written batch after batch as they come (one JSON text per event, built from
per-value pieces with Arrow string kernels, each distinct value escaped once); the objects,
which need every event seen, are remembered one entry per object and written at the end
(JSON objects are unordered, so ``events`` can come first).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from moodlelogsmart_gui.pipeline.export_csv import (
    TimestampColumn,
    encode_timestamps,
    string_buffer,
)

BLANK = ("", "-")
# (object type, frame column, qualifier): the links of an event besides its student
LINKS = (
    ("course", "course", "course"),
    ("course_module", "cmid", "course module"),
    ("affected_user", "affected_user", "affected user"),
)
EVENT_ATTRIBUTES = (
    ("event_name", "event_name"),
    ("component", "component"),
    ("bloom_level", "bloom_level"),
)


def _json(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


class _Pieces:
    """Per distinct value of one column, the JSON text it contributes (cached across batches)."""

    def __init__(self, build: Any, missing: str = "") -> None:
        self._build = build
        self._missing = missing
        self._cache: dict[str, str] = {}

    def take(self, series: pd.Series) -> pa.Array:
        if isinstance(series.dtype, pd.CategoricalDtype):  # codes already there: no hashing
            codes = series.cat.codes.to_numpy()
            values = series.cat.categories.tolist()
        else:
            codes, uniques = pd.factorize(series, use_na_sentinel=True)
            values = uniques.tolist()
        texts = []
        for value in values:
            key = str(value)
            if key not in self._cache:
                self._cache[key] = (
                    self._missing if key.strip() in BLANK else self._build(key.strip())
                )
            texts.append(self._cache[key])
        table = pa.array([*texts, self._missing], type=pa.string())
        return table.take(pa.array(np.where(codes < 0, len(texts), codes).astype(np.int32)))


class OcelWriter:
    """Streams the OCEL 2.0 JSON: ``header``, ``events`` per batch, then ``footer``."""

    def __init__(self, activity_types: Sequence[str], offset: str) -> None:
        self.activity_types = list(activity_types)
        self.offset = offset
        self.written = 0
        self.students: dict[str, str] = {}  # case id -> label
        self.objects: dict[str, dict[str, None]] = {kind: {} for kind, _, _ in LINKS}
        self.modules: dict[str, tuple[str, str]] = {}  # cmid -> (context, module)
        self._type = _Pieces(lambda v: '{"type":' + _json(v), '{"type":""')
        self._attributes = [
            _Pieces(lambda v, n=name: f'{{"name":"{n}","value":{_json(v)}}}')
            for name, _ in EVENT_ATTRIBUTES
        ]
        self._attributes[0] = _Pieces(  # the first one always present (no leading comma)
            self._attributes[0]._build, '{"name":"event_name","value":""}'
        )
        self._student = _Pieces(
            lambda v: f'{{"objectId":{_json("student:" + v)},"qualifier":"actor"}}'
        )
        self._links = [
            _Pieces(
                lambda v, k=kind, q=qualifier: (
                    f',{{"objectId":{_json(k + ":" + v)},"qualifier":"{q}"}}'
                )
            )
            for kind, _, qualifier in LINKS
        ]

    def header(self) -> bytes:
        return b'{"events":[\n'

    def events(self, batch: pd.DataFrame) -> bytes | pa.Buffer:
        """The events of one batch (rows in output order), remembering their objects."""
        if not len(batch):
            return b""
        self._remember(batch)
        times: TimestampColumn = encode_timestamps(batch["timestamp"], self.offset)
        size = len(batch)
        lead = np.full(size, ",\n", dtype=object)
        lead[0] = ",\n" if self.written else ""
        attributes = [
            p.take(batch[c]) for p, (_, c) in zip(self._attributes, EVENT_ATTRIBUTES, strict=True)
        ]
        parts = [pa.array(lead, type=pa.string()), self._type.take(batch["activity_type"])]
        parts += [_same(',"time":"', size), times.take(np.arange(size))]
        parts += [_same('","attributes":[', size), attributes[0]]
        for attribute in attributes[1:]:  # optional ones: a comma only when present
            parts += [pc.if_else(pc.equal(attribute, ""), "", ","), attribute]
        parts += [_same('],"relationships":[', size), self._student.take(batch["case_id"])]
        parts += [
            piece.take(batch[column]) if column in batch else _same("", size)
            for piece, (_, column, _) in zip(self._links, LINKS, strict=True)
        ]
        numbers = np.arange(self.written + 1, self.written + size + 1)
        parts += [_same('],"id":"e', size), pc.cast(pa.array(numbers), pa.string())]
        parts.append(_same('"}', size))
        self.written += size
        return string_buffer(pc.binary_join_element_wise(*parts, ""))

    def _remember(self, batch: pd.DataFrame) -> None:
        pairs = batch[["case_id", "case_label"]].drop_duplicates("case_id")
        for case, label in zip(
            pairs["case_id"].tolist(), pairs["case_label"].tolist(), strict=True
        ):
            self.students.setdefault(str(case), str(label))
        for kind, column, _ in LINKS:
            if column not in batch:
                continue
            for value in pd.unique(batch[column].dropna()).tolist():
                text = str(value).strip()
                if text not in BLANK:
                    self.objects[kind].setdefault(text, None)
        if "cmid" in batch:
            extra = [c for c in ("context", "module") if c in batch]
            rows = batch[["cmid", *extra]].dropna(subset=["cmid"]).drop_duplicates("cmid")
            for record in rows.itertuples(index=False):
                cmid = str(record[0]).strip()
                if cmid not in BLANK and cmid not in self.modules:
                    values = [("" if pd.isna(v) else str(v)) for v in record[1:]]
                    self.modules[cmid] = (
                        values[0] if values else "",
                        values[1] if len(values) > 1 else "",
                    )

    def footer(self) -> bytes:
        """Objects and the event and object types (after every event was seen)."""
        objects: list[dict[str, Any]] = [
            {
                "id": f"student:{case}",
                "type": "student",
                "attributes": [{"name": "label", "time": _EPOCH, "value": label}],
            }
            for case, label in self.students.items()
        ]
        for kind, _, _ in LINKS:
            for value in self.objects[kind]:
                entry: dict[str, Any] = {"id": f"{kind}:{value}", "type": kind}
                if kind == "course_module" and value in self.modules:
                    context, module = self.modules[value]
                    entry["attributes"] = [
                        {"name": "context", "time": _EPOCH, "value": context},
                        {"name": "module", "time": _EPOCH, "value": module},
                    ]
                else:
                    entry["attributes"] = []
                entry["relationships"] = []
                objects.append(entry)
        for entry in objects:
            entry.setdefault("relationships", [])
        attribute_types = [{"name": name, "type": "string"} for name, _ in EVENT_ATTRIBUTES]
        tail = {
            "objects": objects,
            "eventTypes": [
                {"name": name, "attributes": attribute_types} for name in self.activity_types
            ],
            "objectTypes": [
                {"name": "student", "attributes": [{"name": "label", "type": "string"}]},
                {"name": "course", "attributes": []},
                {
                    "name": "course_module",
                    "attributes": [
                        {"name": "context", "type": "string"},
                        {"name": "module", "type": "string"},
                    ],
                },
                *(
                    [{"name": "affected_user", "attributes": []}]
                    if self.objects["affected_user"]
                    else []
                ),
            ],
        }
        text = json.dumps(tail, ensure_ascii=False, separators=(",", ":"))
        return ("\n]," + text[1:] + "\n").encode("utf-8")


_EPOCH = "1970-01-01T00:00:00Z"


def _same(text: str, size: int) -> pa.Array:
    return pa.repeat(pa.scalar(text, type=pa.string()), size)


def ocel_chunks(
    writer: OcelWriter, frame: pd.DataFrame, rows: np.ndarray, batch_rows: int = 131_072
) -> Iterator[bytes | pa.Buffer]:
    """The whole document for ``rows`` (in output order) of ``frame``."""
    yield writer.header()
    columns = ["timestamp", "activity_type", "case_id", "case_label"]
    columns += [c for _, c in EVENT_ATTRIBUTES] + [c for _, c, _ in LINKS]
    columns += ["context", "module"]
    present = [c for c in dict.fromkeys(columns) if c in frame]
    for start in range(0, len(rows), batch_rows):
        yield writer.events(frame[present].iloc[rows[start : start + batch_rows]])
    yield writer.footer()
