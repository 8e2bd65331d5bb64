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
from collections.abc import Callable, Sequence
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


def _codes(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Per row the position of its value in the list of the batch's values (-1: missing)."""
    if isinstance(series.dtype, pd.CategoricalDtype):  # codes already there: no hashing
        return series.cat.codes.to_numpy(), [str(c) for c in series.cat.categories]
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes, [str(u) for u in uniques.tolist()]


def _present(value: str | None) -> str | None:
    """The value as written (trimmed), or None when it is blank."""
    if value is None:
        return None
    text = value.strip()
    return None if text in BLANK else text


class _Combined:
    """One JSON piece per distinct combination of a few columns' values, cached across
    batches: the event text is then a handful of pieces instead of one per field."""

    def __init__(self, build: Callable[..., str]) -> None:
        self._build = build
        self._cache: dict[tuple[str | None, ...], str] = {}

    def take(self, columns: Sequence[pd.Series | None], size: int) -> pa.Array:
        key = np.zeros(size, dtype=np.int64)
        lists: list[list[str]] = []
        for series in columns:
            codes, values = _codes(series) if series is not None else (np.full(size, -1), [])
            key = key * (len(values) + 1) + (codes + 1)
            lists.append(values)
        combination, uniques = pd.factorize(key)
        members: list[list[int]] = []
        rest = np.asarray(uniques, dtype=np.int64)
        for values in reversed(lists):
            rest, member = np.divmod(rest, len(values) + 1)
            members.insert(0, member.tolist())
        texts = []
        for picked in zip(*members, strict=True):
            combo = tuple(
                _present(values[m - 1]) if m else None
                for values, m in zip(lists, picked, strict=True)
            )
            text = self._cache.get(combo)
            if text is None:
                text = self._cache[combo] = self._build(*combo)
            texts.append(text)
        return pa.array(texts, type=pa.string()).take(pa.array(combination.astype(np.int32)))


def _head(activity: str | None) -> str:
    return ',\n{"type":' + _json(activity or "") + ',"time":"'


def _attributes(*values: str | None) -> str:
    fields = [
        f'{{"name":"{name}","value":{_json(value or "")}}}'
        for (name, _), value in zip(EVENT_ATTRIBUTES, values, strict=True)
        if value is not None or name == EVENT_ATTRIBUTES[0][0]  # the first one always there
    ]
    return '","attributes":[' + ",".join(fields) + '],"relationships":['


def _student(case: str | None) -> str:
    return f'{{"objectId":{_json("student:" + (case or ""))},"qualifier":"actor"}}'


def _links(*values: str | None) -> str:
    links = [
        f',{{"objectId":{_json(kind + ":" + value)},"qualifier":"{qualifier}"}}'
        for (kind, _, qualifier), value in zip(LINKS, values, strict=True)
        if value is not None
    ]
    return "".join(links) + '],"id":"e'


class OcelWriter:
    """Streams the OCEL 2.0 JSON: ``header``, ``events`` per batch, then ``footer``."""

    def __init__(self, activity_types: Sequence[str], offset: str) -> None:
        self.activity_types = list(activity_types)
        self.offset = offset
        self.written = 0
        self.students: dict[str, str] = {}  # case id -> label
        self.objects: dict[str, dict[str, None]] = {kind: {} for kind, _, _ in LINKS}
        self.modules: dict[str, tuple[str, str]] = {}  # cmid -> (context, module)
        self._head = _Combined(_head)
        self._attributes = _Combined(_attributes)
        self._student = _Combined(_student)
        self._links = _Combined(_links)

    def header(self) -> bytes:
        return b'{"events":[\n'

    def events(self, batch: pd.DataFrame) -> bytes | pa.Buffer:
        """The events of one batch (rows in output order), remembering their objects."""
        if not len(batch):
            return b""
        self._remember(batch)
        size = len(batch)
        times: TimestampColumn = encode_timestamps(batch["timestamp"], self.offset)
        numbers = np.arange(self.written + 1, self.written + size + 1)
        parts = [
            self._head.take([batch["activity_type"]], size),
            times.take(np.arange(size)),
            self._attributes.take([_column(batch, c) for _, c in EVENT_ATTRIBUTES], size),
            self._student.take([batch["case_id"]], size),
            self._links.take([_column(batch, c) for _, c, _ in LINKS], size),
            pc.cast(pa.array(numbers), pa.string()),
        ]
        text = string_buffer(pc.binary_join_element_wise(*parts, _same('"}', size), ""))
        if not self.written:  # the first event of the document: no separator before it
            text = text.slice(2)
        self.written += size
        return text

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


def _column(batch: pd.DataFrame, name: str) -> pd.Series | None:
    column: pd.Series | None = batch.get(name)
    return column


def _same(text: str, size: int) -> pa.Array:
    return pa.repeat(pa.scalar(text, type=pa.string()), size)
