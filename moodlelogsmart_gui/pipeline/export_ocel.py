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
    _clock_strings,
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


class _Texts:
    """The categories of a categorical column as text, once per categories object (a writer
    fed categoricals of the file's dictionaries sees the same categories in every batch)."""

    def __init__(self) -> None:
        self._seen: dict[int, tuple[pd.Index, list[str]]] = {}

    def codes(self, series: pd.Series) -> tuple[np.ndarray, list[str]]:
        """Per row the position of its value in the list of values (-1: missing)."""
        if not isinstance(series.dtype, pd.CategoricalDtype):
            codes, uniques = pd.factorize(series, use_na_sentinel=True)
            return codes, [str(u) for u in uniques.tolist()]
        categories = series.cat.categories  # codes already there: no hashing
        hit = self._seen.get(id(categories))
        if hit is None or hit[0] is not categories:
            if len(self._seen) >= 32:
                self._seen.clear()
            hit = self._seen[id(categories)] = (categories, [str(c) for c in categories])
        return series.cat.codes.to_numpy(), hit[1]


def _present(value: str | None) -> str | None:
    """The value as written (trimmed), or None when it is blank."""
    if value is None:
        return None
    text = value.strip()
    return None if text in BLANK else text


class _Pieces:
    """Every text piece of the event lines, end to end: a piece's code is its position, and
    one ``take`` of a batch's codes (row after row) gives the batch's bytes. Pieces are only
    ever appended, so codes never move."""

    def __init__(self) -> None:
        self.array = pa.array([], type=pa.string())
        self._new: list[pa.Array] = []
        self.size = 0

    def add(self, texts: pa.Array | list[str]) -> int:
        """Append ``texts``; the code of the first one."""
        array = texts if isinstance(texts, pa.Array) else pa.array(texts, type=pa.string())
        first = self.size
        self._new.append(array)
        self.size += len(array)
        return first

    def text(self, codes: np.ndarray) -> pa.Buffer:
        if self._new:
            self.array = pa.concat_arrays([self.array, *self._new])
            self._new = []
        return string_buffer(self.array.take(pa.array(codes.ravel())))


class _Combined:
    """One JSON piece per distinct combination of a few columns' values, cached across
    batches: the event text is then a handful of pieces instead of one per field."""

    def __init__(self, build: Callable[..., str], pieces: _Pieces, texts: _Texts) -> None:
        self._build = build
        self._pieces = pieces
        self._texts = texts
        self._cache: dict[tuple[str | None, ...], int] = {}

    def codes(self, columns: Sequence[pd.Series | None], size: int) -> np.ndarray:
        """Per row the code of its combination's piece."""
        key = np.zeros(size, dtype=np.int64)
        lists: list[list[str]] = []
        for series in columns:
            codes, values = (
                self._texts.codes(series) if series is not None else (np.full(size, -1), [])
            )
            key = key * (len(values) + 1) + (codes + 1)
            lists.append(values)
        combination, uniques = pd.factorize(key)
        members: list[list[int]] = []
        rest = np.asarray(uniques, dtype=np.int64)
        for values in reversed(lists):
            rest, member = np.divmod(rest, len(values) + 1)
            members.insert(0, member.tolist())
        found = []
        for picked in zip(*members, strict=True):
            combo = tuple(
                _present(values[m - 1]) if m else None
                for values, m in zip(lists, picked, strict=True)
            )
            code = self._cache.get(combo)
            if code is None:
                code = self._cache[combo] = self._pieces.add([self._build(*combo)])
            found.append(code)
        per_row: np.ndarray = np.array(found, dtype=np.int64)[combination]
        return per_row


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
        self._pieces = pieces = _Pieces()
        texts = _Texts()
        self._head = _Combined(_head, pieces, texts)
        self._attributes = _Combined(_attributes, pieces, texts)
        self._student = _Combined(_student, pieces, texts)
        self._links = _Combined(_links, pieces, texts)
        # the time of day with the offset; an event's number in two parts: thousands, then
        # the last three digits with the event's end (unpadded below 1,000, padded above)
        self._clock = pieces.add(pc.binary_join_element_wise(_clock_strings(), offset, ""))
        self._units = pieces.add([f'{n}"}}' for n in range(1000)])
        pieces.add([f'{n:03d}"}}' for n in range(1000)])
        self._days: dict[str, int] = {}
        self._thousands = np.array([pieces.add([""])], dtype=np.int64)

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
        thousands, units = np.divmod(numbers, 1000)
        codes = np.empty((size, 8), dtype=np.int64)
        codes[:, 0] = self._head.codes([batch["activity_type"]], size)
        codes[:, 1] = self._day_codes(times.days)[times.day_codes]
        codes[:, 2] = self._clock + times.seconds
        codes[:, 3] = self._attributes.codes([_column(batch, c) for _, c in EVENT_ATTRIBUTES], size)
        codes[:, 4] = self._student.codes([batch["case_id"]], size)
        codes[:, 5] = self._links.codes([_column(batch, c) for _, c, _ in LINKS], size)
        codes[:, 6] = self._thousand_codes(int(thousands[-1]))[thousands]
        codes[:, 7] = self._units + units + np.where(thousands > 0, 1000, 0)
        text = self._pieces.text(codes)
        if not self.written:  # the first event of the document: no separator before it
            text = text.slice(2)
        self.written += size
        return text

    def _day_codes(self, days: pa.Array) -> np.ndarray:
        """The piece code of each of a batch's days ("YYYY-MM-DDT")."""
        codes = []
        for day in days.to_pylist():
            code = self._days.get(day)
            if code is None:
                code = self._days[day] = self._pieces.add([day])
            codes.append(code)
        return np.array(codes, dtype=np.int64)

    def _thousand_codes(self, most: int) -> np.ndarray:
        """Piece codes of the numbers of thousands 0..``most`` at least ("" for none)."""
        have = len(self._thousands)
        if most >= have:
            size = max(most + 1, 2 * have)
            first = self._pieces.add([str(n) for n in range(have, size)])
            more = np.arange(first, first + size - have, dtype=np.int64)
            self._thousands = np.concatenate([self._thousands, more])
        return self._thousands

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
