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
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from moodlelogsmart_gui.pipeline.export_csv import _clock_strings, string_buffer

BLANK = ("", "-")
# A batch: a frame, or columns by name (``timestamp`` a datetime Series; text as Series or
# pandas Categoricals, e.g. of the file's dictionaries).
Column: TypeAlias = "pd.Series | pd.Categorical"
Batch: TypeAlias = "pd.DataFrame | Mapping[str, Column]"
_NONE: list[str] = []  # the values of a column the batch does not have
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
        self._kept: dict[int, list[str]] = {id(_NONE): _NONE}  # the lists handed out, by id
        self._generation = 0

    def stable(self, lists: Sequence[list[str]]) -> tuple[int, ...] | None:
        """An identity of ``lists`` when each is a categories' text handed out by ``codes``
        (the same list, meaning the same values, whenever those categories come again)."""
        if all(self._kept.get(id(values)) is values for values in lists):
            return (self._generation, *(id(values) for values in lists))
        return None

    def codes(self, column: Column) -> tuple[np.ndarray, list[str]]:
        """Per row the position of its value in the list of values (-1: missing)."""
        dtype = column.dtype
        if not isinstance(dtype, pd.CategoricalDtype):
            codes, uniques = pd.factorize(column, use_na_sentinel=True)
            return codes, [str(u) for u in uniques.tolist()]
        categories = dtype.categories  # codes already there: no hashing
        hit = self._seen.get(id(categories))
        if hit is None or hit[0] is not categories:
            if len(self._seen) >= 32:
                self._seen.clear()
                self._kept = {id(_NONE): _NONE}
                self._generation += 1
            hit = self._seen[id(categories)] = (categories, [str(c) for c in categories])
            self._kept[id(hit[1])] = hit[1]
        if isinstance(column, pd.Categorical):
            return np.asarray(column.codes), hit[1]
        return column.cat.codes.to_numpy(), hit[1]


def _firsts(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct codes (-1, missing, left out) in order of first appearance, and the row
    where each first appears."""
    present = np.flatnonzero(codes >= 0)
    distinct, first = np.unique(codes[present], return_index=True)
    order = np.argsort(first, kind="stable")
    return distinct[order], present[first[order]]


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

    def current(self) -> pa.Array:
        """Every piece so far (an array that never changes: codes taken from it later, on
        another thread, give the same text)."""
        if self._new:
            self.array = pa.concat_arrays([self.array, *self._new])
            self._new = []
        return self.array


class _Combined:
    """One JSON piece per distinct combination of a few columns' values, cached across
    batches: the event text is then a handful of pieces instead of one per field. Columns
    of the file's dictionaries (the same categories every batch) number a combination the
    same way in every batch, so its piece is also found by that number, without its text."""

    def __init__(self, build: Callable[..., str], pieces: _Pieces, texts: _Texts) -> None:
        self._build = build
        self._pieces = pieces
        self._texts = texts
        self._cache: dict[tuple[str | None, ...], int] = {}
        self._numbers: dict[int, int] = {}  # combination number -> piece code
        self._numbered: tuple[int, ...] | None = None  # the value lists they number

    def codes(self, columns: Sequence[Column | None], size: int) -> np.ndarray:
        """Per row the code of its combination's piece."""
        key = np.zeros(size, dtype=np.int64)
        lists: list[list[str]] = []
        for series in columns:
            codes, values = (
                self._texts.codes(series) if series is not None else (np.full(size, -1), _NONE)
            )
            key = key * (len(values) + 1) + (codes + 1)
            lists.append(values)
        combination, uniques = pd.factorize(key)
        numbered = self._texts.stable(lists)
        if numbered != self._numbered:
            self._numbers, self._numbered = {}, numbered
        numbers = self._numbers if numbered is not None else {}
        numbers_found = uniques.tolist()
        found = [numbers.get(n, -1) for n in numbers_found]
        new = [i for i, code in enumerate(found) if code < 0]
        members: list[list[int]] = []
        rest = np.asarray(uniques, dtype=np.int64)[new]
        for values in reversed(lists):
            rest, member = np.divmod(rest, len(values) + 1)
            members.insert(0, member.tolist())
        for i, picked in zip(new, zip(*members, strict=True), strict=True):
            combo = tuple(
                _present(values[m - 1]) if m else None
                for values, m in zip(lists, picked, strict=True)
            )
            code = self._cache.get(combo)
            if code is None:
                code = self._cache[combo] = self._pieces.add([self._build(*combo)])
            found[i] = numbers[numbers_found[i]] = code
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
        self._texts = texts = _Texts()
        self._head = _Combined(_head, pieces, texts)
        self._attributes = _Combined(_attributes, pieces, texts)
        self._student = _Combined(_student, pieces, texts)
        self._links = _Combined(_links, pieces, texts)
        # the time of day with the offset; an event's number in two parts: thousands, then
        # the last three digits with the event's end (unpadded below 1,000, padded above)
        self._clock = pieces.add(pc.binary_join_element_wise(_clock_strings(), offset, ""))
        self._units = pieces.add([f'{n}"}}' for n in range(1000)])
        pieces.add([f'{n:03d}"}}' for n in range(1000)])
        self._days: dict[int, int] = {}  # day number (since 1970) -> its piece
        self._thousands = np.array([pieces.add([""])], dtype=np.int64)

    def header(self) -> bytes:
        return b'{"events":[\n'

    def events(self, batch: Batch) -> bytes | pa.Buffer:
        """The events of one batch (rows in output order), remembering their objects."""
        return self.later(batch)()

    def later(self, batch: Batch) -> Callable[[], bytes | pa.Buffer]:
        """``events`` in two steps: what needs the writer's state now (the events are
        counted and their objects remembered), and a call that builds the bytes (Arrow's
        ``take``, which another thread may run while the next batch is prepared)."""
        size = len(batch["timestamp"])
        if not size:
            return _nothing
        self._remember(batch)
        stamps = np.asarray(batch["timestamp"], dtype="datetime64[ns]")
        day, second = np.divmod(stamps.astype("datetime64[s]").astype(np.int64), 86_400)
        numbers = np.arange(self.written + 1, self.written + size + 1)
        thousands, units = np.divmod(numbers, 1000)
        codes = np.empty((size, 8), dtype=np.int64)
        codes[:, 0] = self._head.codes([batch["activity_type"]], size)
        codes[:, 1] = self._day_codes(day)
        codes[:, 2] = self._clock + second
        codes[:, 3] = self._attributes.codes([_column(batch, c) for _, c in EVENT_ATTRIBUTES], size)
        codes[:, 4] = self._student.codes([batch["case_id"]], size)
        codes[:, 5] = self._links.codes([_column(batch, c) for _, c, _ in LINKS], size)
        codes[:, 6] = self._thousand_codes(int(thousands[-1]))[thousands]
        codes[:, 7] = self._units + units + np.where(thousands > 0, 1000, 0)
        pieces = self._pieces.current()
        first = not self.written  # the first event of the document: no separator before it
        self.written += size

        def text() -> pa.Buffer:
            buffer = string_buffer(pieces.take(pa.array(codes.ravel())))
            return buffer.slice(2) if first else buffer

        return text

    def _day_codes(self, day: np.ndarray) -> np.ndarray:
        """The piece code ("YYYY-MM-DDT") of each event's day number."""
        low = int(day.min())
        span = int(day.max()) - low + 1
        if span > 4 * len(day) + 64:  # days far apart: only the ones there
            days, inverse = np.unique(day, return_inverse=True)
            return self._day_pieces(days)[inverse]
        present = np.zeros(span, dtype=bool)
        present[day - low] = True
        lookup = np.zeros(span, dtype=np.int64)
        days = np.flatnonzero(present)
        lookup[days] = self._day_pieces(days + low)
        codes: np.ndarray = lookup[day - low]
        return codes

    def _day_pieces(self, days: np.ndarray) -> np.ndarray:
        numbers = days.tolist()
        new = [d for d in numbers if d not in self._days]
        if new:
            labels = np.datetime_as_string(np.array(new, dtype="datetime64[D]"), unit="D")
            for number, label in zip(new, labels.tolist(), strict=True):
                self._days[number] = self._pieces.add([f"{label}T"])
        return np.array([self._days[d] for d in numbers], dtype=np.int64)

    def _thousand_codes(self, most: int) -> np.ndarray:
        """Piece codes of the numbers of thousands 0..``most`` at least ("" for none)."""
        have = len(self._thousands)
        if most >= have:
            size = max(most + 1, 2 * have)
            first = self._pieces.add([str(n) for n in range(have, size)])
            more = np.arange(first, first + size - have, dtype=np.int64)
            self._thousands = np.concatenate([self._thousands, more])
        return self._thousands

    def _remember(self, batch: Batch) -> None:
        """The batch's students, courses, modules and affected users not seen before, in the
        order they first appear (from the columns' codes: each distinct value once)."""
        case_codes, case_values = self._texts.codes(batch["case_id"])
        cases, rows = _firsts(case_codes)
        label_codes, label_values = self._texts.codes(batch["case_label"])
        labels = label_codes[rows]
        for case, label in zip(cases.tolist(), labels.tolist(), strict=True):
            self.students.setdefault(case_values[case], label_values[label] if label >= 0 else "")
        for kind, column, _ in LINKS:
            if column not in batch:
                continue
            codes, values = self._texts.codes(batch[column])
            for code in _firsts(codes)[0].tolist():
                text = values[code].strip()
                if text not in BLANK:
                    self.objects[kind].setdefault(text, None)
        if "cmid" in batch:
            cmid_codes, values = self._texts.codes(batch["cmid"])
            cmids, rows = _firsts(cmid_codes)
            extra = [self._texts.codes(batch[c]) for c in ("context", "module") if c in batch]
            for cmid_code, row in zip(cmids.tolist(), rows.tolist(), strict=True):
                cmid = values[cmid_code].strip()
                if cmid not in BLANK and cmid not in self.modules:
                    found = [texts[codes[row]] if codes[row] >= 0 else "" for codes, texts in extra]
                    self.modules[cmid] = (
                        found[0] if found else "",
                        found[1] if len(found) > 1 else "",
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


def _nothing() -> bytes:
    return b""


def _column(batch: Batch, name: str) -> Column | None:
    column: Column | None = batch.get(name)
    return column
