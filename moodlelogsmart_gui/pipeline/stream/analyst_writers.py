"""The analyst members as writers of the time-ordered stream (``writers.BatchWriter``).

Each is fed batch after batch: ``CaseFigures`` feeds ``analysis.CaseStream`` (sessions,
directly-follows counts and students.csv; each case's events come in time order in this
stream, as it needs);
``OcelMember`` feeds ``export_ocel.OcelWriter`` (events as they come, objects at the end);
``ParquetMember`` writes ``enriched_log.parquet`` with the types of ``export_parquet``, in
row groups of a fixed size (whatever the sorted batches' sizes, so the bytes depend only on
the events). Columns that follow from the rule (activity type, category, Bloom level,
``is_active``, rule id) are rebuilt from each event's rule index; the text columns come as
file-wide codes (``analyst.TextBooks``) and each row group or batch gets a dictionary of
the values it uses (``compact``), or as plain text where values barely repeat.

Parquet's encoding and compression of a row group, and the ``take`` that builds a batch's
OCEL bytes (Arrow's C++, which lets go of the GIL), each run on a thread of their own while
the main thread goes on with the next batches: one row group or batch at a time, in order,
so the bytes are the same as built in line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from moodlelogsmart_gui.pipeline.analysis import CaseStream
from moodlelogsmart_gui.pipeline.classify import RuleSet
from moodlelogsmart_gui.pipeline.export_csv import CLASSIFICATION, ENRICHMENT, SESSION
from moodlelogsmart_gui.pipeline.stream.analyst import OCEL, OCEL_COLUMNS, PARQUET
from moodlelogsmart_gui.pipeline.stream.behind import OneBehind
from moodlelogsmart_gui.pipeline.stream.books import Cases
from moodlelogsmart_gui.pipeline.stream.writers import SESSION as SESSION_COLUMN
from moodlelogsmart_gui.pipeline.stream.writers import Chunk

ROW_GROUP = 131_072  # rows per Parquet row group


class RuleColumns:
    """Per rule index: its activity type, category, Bloom level, rule id (as category codes,
    -1 where the rule has none) and ``is_active``."""

    def __init__(self, rules: RuleSet) -> None:
        every = rules.all_rules
        self.active = np.array([r.is_active for r in every], dtype=bool)
        self.codes: dict[str, np.ndarray] = {}
        self.categories: dict[str, list[str]] = {}
        for name, labels in (
            ("activity_type", [r.activity_type for r in every]),
            ("activity_category", [r.activity_category for r in every]),
            ("bloom_level", [r.bloom_level for r in every]),
            ("rule_id", [r.id for r in every]),
        ):
            categories = list(dict.fromkeys(x for x in labels if x is not None))
            self.categories[name] = categories
            self.codes[name] = np.array(
                [categories.index(x) if x is not None else -1 for x in labels], np.int32
            )
        self._dtypes = {n: pd.CategoricalDtype(c) for n, c in self.categories.items()}
        self._arrays = {n: pa.array(c, pa.string()) for n, c in self.categories.items()}

    def categorical(self, name: str, rule: np.ndarray) -> pd.Categorical:
        codes = self.codes[name][rule]
        return pd.Categorical.from_codes(codes, dtype=self._dtypes[name], validate=False)

    def dictionary(self, name: str, rule: np.ndarray) -> pa.DictionaryArray:
        codes = self.codes[name][rule]
        missing = codes < 0
        indices = pa.array(codes, pa.int32(), mask=missing if missing.any() else None)
        return pa.DictionaryArray.from_arrays(indices, self._arrays[name])


class CaseFigures:
    """Feeds ``CaseStream``; writes no member itself (students.csv and the summary's
    sessions and directly-follows counts are taken from ``stream`` after the pass)."""

    members: tuple[str, ...] = ()
    columns: tuple[str, ...] = ("case", "ts", "rule")

    def __init__(self, stream: CaseStream, rules: RuleColumns, cases: Cases) -> None:
        self.stream = stream
        self._rules = rules
        self._ids = pd.CategoricalDtype(pd.Index(cases.ids, dtype=object))
        self._labels = np.array(cases.labels, dtype=object)

    def start(self) -> tuple[Chunk, ...]:
        return ()

    def write(self, batch: pa.RecordBatch) -> tuple[Chunk, ...]:
        case = batch.column("case").to_numpy()
        rule = batch.column("rule").to_numpy()
        rules = self._rules
        frame = pd.DataFrame(
            {
                "case_id": pd.Categorical.from_codes(case, dtype=self._ids),
                "case_label": self._labels[case],
                "timestamp": batch.column("ts").to_numpy().view("datetime64[ns]"),
                "activity_type": rules.categorical("activity_type", rule),
                "bloom_level": rules.categorical("bloom_level", rule),
                "is_active": rules.active[rule],
                "rule_id": rules.categorical("rule_id", rule),
            }
        )
        self.stream.add(frame)
        return ()

    def finish(self) -> tuple[Chunk, ...]:
        return ()


def compact(codes: pa.Array, values: pa.Array) -> pa.DictionaryArray:
    """Codes into ``values`` (null: missing) as a dictionary array holding only the values
    used, in the order of ``values``."""
    flat = pc.fill_null(codes, -1).to_numpy(zero_copy_only=False)
    used = np.zeros(len(values) + 1, dtype=bool)
    used[flat] = True  # a missing value (-1) marks the extra last place
    used = used[:-1]
    position = np.cumsum(used, dtype=np.int32) - 1
    indices = pa.array(position, pa.int32()).take(codes)  # a null code stays null
    picked = pa.array(np.flatnonzero(used), pa.int64())
    return pa.DictionaryArray.from_arrays(indices, values.take(picked))


def _categories(values: pa.Array, dtype: pd.CategoricalDtype | None) -> pd.Categorical:
    """Text as a pandas categorical (codes, so the OCEL pieces are looked up, not hashed)."""
    if dtype is not None:  # file-wide codes (``analyst.TextBooks``): the same categories
        codes = pc.fill_null(values, -1).to_numpy(zero_copy_only=False)
        return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)
    return pc.dictionary_encode(values).to_pandas().array


class OcelMember:
    """``enriched_log.ocel.json`` through ``export_ocel.OcelWriter``; each batch's bytes are
    built on a thread of their own while the next batch is prepared (one batch behind)."""

    members: tuple[str, ...] = (OCEL,)

    def __init__(
        self,
        activity_types: Sequence[str],
        offset: str,
        rules: RuleColumns,
        cases: Cases,
        texts: Mapping[str, pa.Array] | None = None,
        ahead: bool = True,
    ) -> None:
        from moodlelogsmart_gui.pipeline.export_ocel import OcelWriter

        self.ahead = ahead  # bytes built on a thread, one batch behind (else in line)
        self.writer = OcelWriter(activity_types, offset)
        self._dtypes = {
            name: pd.CategoricalDtype(pd.Index(values.to_pylist(), dtype=object))
            for name, values in (texts or {}).items()
            if name.startswith("o_")
        }
        self._rules = rules
        self._ids = pd.CategoricalDtype(pd.Index(cases.ids, dtype=object))
        # labels as categories (unused cases share the empty label: each label once)
        every = np.array(cases.labels, dtype=object)
        labels, self._label_codes = np.unique(every, return_inverse=True)
        self._labels = pd.CategoricalDtype(pd.Index(labels, dtype=object))
        self.columns: tuple[str, ...] = ("case", "ts", "rule", *(f"o_{c}" for c in OCEL_COLUMNS))
        self._bytes: OneBehind[Chunk] = OneBehind("ocel", ahead)

    def present(self, spilled: Sequence[str]) -> None:
        """Keep only the OCEL columns the spill has (the layout decides which exist)."""
        self.columns = tuple(c for c in self.columns if c in spilled)

    def start(self) -> tuple[Chunk, ...]:
        return (self.writer.header(),)

    def write(self, batch: pa.RecordBatch) -> tuple[Chunk, ...]:
        case = batch.column("case").to_numpy()
        rule = batch.column("rule").to_numpy()
        rules = self._rules
        columns: dict[str, pd.Series | pd.Categorical] = {
            "timestamp": pd.Series(batch.column("ts").to_numpy().view("M8[ns]"), copy=False),
            "activity_type": rules.categorical("activity_type", rule),
            "case_id": pd.Categorical.from_codes(case, dtype=self._ids, validate=False),
            "case_label": pd.Categorical.from_codes(
                self._label_codes[case], dtype=self._labels, validate=False
            ),
            "bloom_level": rules.categorical("bloom_level", rule),
        }
        for name in OCEL_COLUMNS:
            key = f"o_{name}"
            if key in batch.schema.names:
                columns[name] = _categories(batch.column(key), self._dtypes.get(key))
        return (b"".join(self._bytes.run(self.writer.later(columns))),)

    def finish(self) -> tuple[Chunk, ...]:
        return (b"".join([*self._bytes.close(), self.writer.footer()]),)


class ParquetMember:
    """``enriched_log.parquet``: the CSV's rows and columns with real types."""

    members: tuple[str, ...] = (PARQUET,)

    def __init__(
        self,
        original: Sequence[tuple[str, str]],
        integers: set[str],
        rules: RuleColumns,
        cases: Cases,
        timezone: str | None,
        texts: Mapping[str, pa.Array] | None = None,
        ahead: bool = True,
    ) -> None:
        from moodlelogsmart_gui.pipeline.export_parquet import TEXT, _Sink, _unique_headers

        self._text_type = TEXT
        self._texts = dict(texts or {})
        self._rules = rules
        self._ids = pa.array(cases.ids, pa.string())
        self._labels = pa.array(cases.labels, pa.string())
        self._timezone = timezone
        enrichment = [(n, n) for n in ENRICHMENT + CLASSIFICATION + SESSION]
        self._columns = _unique_headers([*original, *enrichment])
        self._integers = integers
        fields = [pa.field(header, self._type(name)) for header, name in self._columns]
        self.schema = pa.schema(fields)
        self.columns: tuple[str, ...] = (
            "case",
            "ts",
            "rule",
            "event_key",
            SESSION_COLUMN,
            *(f"p_{name}" for _, name in original),
        )
        self._sink = _Sink()
        self._writer: pq.ParquetWriter | None = None
        self._held: list[pa.RecordBatch] = []
        self._rows = 0
        # row groups written on a thread while the next is built (else in line)
        self.ahead = ahead
        self._writing: OneBehind[None] = OneBehind("parquet", ahead)

    def _type(self, name: str) -> pa.DataType:
        if name == "timestamp":
            return pa.timestamp("us", tz=self._timezone)
        if name == "is_active":
            return pa.bool_()
        if name == "session_id" or name in self._integers:
            return pa.int64()
        if name == "event_key" or name not in ENRICHMENT + CLASSIFICATION:
            spilled = name if name == "event_key" else f"p_{name}"
            if spilled not in self._texts:
                return pa.string()
        return self._text_type  # text whose values barely repeat (the log's time, descriptions)

    def start(self) -> tuple[Chunk, ...]:
        # Parquet's dictionary pages where values repeat, min/max statistics on times and
        # numbers only (on text they cost about as much as the rest of the writing).
        fields = list(self.schema)
        self._writer = pq.ParquetWriter(
            self._sink,
            self.schema,
            compression="zstd",
            use_dictionary=[
                f.name for f in fields if f.type == self._text_type or f.type == pa.int64()
            ],
            write_statistics=[
                f.name for f in fields if f.type not in (self._text_type, pa.string())
            ],
        )
        return (self._sink.take(),)

    def write(self, batch: pa.RecordBatch) -> tuple[Chunk, ...]:
        self._held.append(batch.select(list(self.columns)))  # not the stored table it slices
        self._rows += batch.num_rows
        while self._rows >= ROW_GROUP:
            self._flush(ROW_GROUP)
        return (self._sink.take(),)

    def finish(self) -> tuple[Chunk, ...]:
        if self._rows:
            self._flush(self._rows)
        self._writing.close()
        assert self._writer is not None
        self._writer.close()
        return (self._sink.take(),)

    def _flush(self, rows: int) -> None:
        table = pa.Table.from_batches(self._held)
        group, rest = table.slice(0, rows), table.slice(rows)
        self._held, self._rows = rest.to_batches(), rest.num_rows
        row_group = self._row_group(group)
        writer = self._writer
        assert writer is not None
        self._writing.run(lambda: writer.write_batch(row_group))  # one at a time, in order

    def _row_group(self, table: pa.Table) -> pa.RecordBatch:
        case = table.column("case").combine_chunks()
        rule = table.column("rule").to_numpy()
        ts = table.column("ts").to_numpy()
        arrays: list[pa.Array] = []
        for _, name in self._columns:
            if name == "case_id":
                arrays.append(compact(case, self._ids))
            elif name == "case_label":
                arrays.append(compact(case, self._labels))
            elif name == "timestamp":
                arrays.append(pa.array(ts // 1000, pa.timestamp("us", self._timezone)))
            elif name == "event_key":
                arrays.append(self._text("event_key", table))
            elif name == "is_active":
                arrays.append(pa.array(self._rules.active[rule]))
            elif name == "session_id":
                arrays.append(table.column(SESSION_COLUMN).combine_chunks().cast(pa.int64()))
            elif name in self._rules.codes:
                arrays.append(self._rules.dictionary(name, rule).cast(self._text_type))
            elif name in self._integers:
                arrays.append(pc.cast(self._plain(f"p_{name}", table), pa.int64()))
            else:
                arrays.append(self._text(f"p_{name}", table))
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def _text(self, spilled: str, table: pa.Table) -> pa.Array:
        values = table.column(spilled).combine_chunks()
        book = self._texts.get(spilled)
        return compact(values, book) if book is not None else values.cast(pa.string())

    def _plain(self, spilled: str, table: pa.Table) -> pa.Array:
        values = table.column(spilled).combine_chunks()
        book = self._texts.get(spilled)
        return book.take(values) if book is not None else values
