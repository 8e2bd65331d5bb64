"""Build the canonical columns (architecture.md section 3) from the raw text columns.

Everything is column-wise pyarrow compute; Python only touches distinct values
(user names, event names, Description templates), never rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from moodlelogsmart_gui.pipeline.ingest import events
from moodlelogsmart_gui.pipeline.ingest.arrays import (
    NULL_STRING,
    empty_to_null,
    factorize,
    take_back,
    unescape_html,
)
from moodlelogsmart_gui.pipeline.ingest.detect import Layout, guess_language
from moodlelogsmart_gui.pipeline.ingest.tables import CatalogueEntry, LanguageTables

CANONICAL_COLUMNS: tuple[str, ...] = (
    "timestamp",
    "user_id",
    "user_name",
    "real_user",
    "affected_user",
    "context",
    "component",
    "event_name",
    "description",
    "origin",
    "ip",
    "course",
    "event_key",
    "module",
    "cmid",
    "edulevel",
    "crud",
)
LOGSTORE_NULLS = ("NULL", "\\N")
LOGSTORE_DIRECT = {
    "user_id": "userid",
    "real_user": "realuserid",
    "affected_user": "relateduserid",
    "component": "component",
    "event_name": "eventname",
    "origin": "origin",
    "ip": "ip",
    "course": "courseid",
}


@dataclass
class Canonical:
    """Canonical columns (arrow arrays, same length as the input table) and findings."""

    columns: dict[str, pa.Array | pa.ChunkedArray]
    aliases: dict[str, str] = field(default_factory=dict)  # canonical -> raw column it reuses
    detection: dict[str, object] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _column(table: pa.Table, layout: Layout, name: str) -> pa.ChunkedArray | None:
    index = layout.columns.get(name)
    return None if index is None else table.column(f"c{index}")


def _nulls(n: int) -> pa.Array:
    return pa.nulls(n, pa.large_string())


def split_logged_in_as(
    names: pa.ChunkedArray | pa.Array,
    connectors: list[str],
    user_ids: pa.ChunkedArray | pa.Array | None = None,
) -> tuple[pa.Array, pa.Array, int]:
    """``"Real Name as Other Name"`` -> (user_name = Other Name, real_user = Real Name).

    Moodle writes an impersonated session as ``{realusername} as {asusername}`` (connector
    translated) and the Description's user id is the impersonated user's. So a name is
    split only when that is consistent: wherever the log shows that user id under a plain
    name, it is "Other Name". A real name containing " as " whose user id always carries
    the full name is therefore kept whole, unless the log shows that user nowhere else:
    then impersonation, far more common, is assumed. Split rows are counted.
    """
    names = empty_to_null(names, "-")
    words = "|".join(re.escape(c) for c in connectors) or "as"
    splitter = re.compile(rf"^(?P<real>\S.*?) (?:{words}) (?P<as>\S.*)$")
    ids = user_ids if user_ids is not None else pa.nulls(len(names), pa.string())
    pairs = pa.table({"u": ids, "n": names}).group_by(["u", "n"]).aggregate([]).to_pylist()
    plain: dict[str | None, set[str]] = {}
    candidates: dict[str, set[str | None]] = {}
    for pair in pairs:
        name, uid = pair["n"], pair["u"]
        if name is None:
            continue
        match = splitter.match(name)
        if match and match.group("real").strip() not in ("-", "") and match.group("as") != "-":
            candidates.setdefault(name, set()).add(uid)
        else:
            plain.setdefault(uid, set()).add(name)
    unique, indices = factorize(names)
    user, real = [], []
    for name in unique.to_pylist():
        match = splitter.match(name) if name in candidates else None
        shown_as = match.group("as").strip() if match else ""
        consistent = match is not None and all(
            uid is None or plain.get(uid, set()) <= {shown_as} for uid in candidates[name]
        )
        user.append(shown_as if consistent else name)
        real.append(match.group("real").strip() if consistent and match else None)
    user_arr = take_back(pa.array(user, pa.string()), indices)
    real_arr = take_back(pa.array(real, pa.string()), indices)
    return user_arr, real_arr, len(real_arr) - real_arr.null_count


def report_columns(
    table: pa.Table,
    layout: Layout,
    tables: LanguageTables,
    catalogue: tuple[CatalogueEntry, ...],
) -> Canonical:
    """Canonical columns of a log report download (any language, course or site)."""
    n = table.num_rows

    def get(name: str) -> pa.ChunkedArray | None:
        return _column(table, layout, name)

    desc = get("description")
    event_name = get("event_name")
    component = get("component")
    language, lang_conf = layout.language, layout.language_confidence
    if language is None:
        language, lang_conf = guess_language(
            pc.unique(component).to_pylist() if component is not None else [],
            pc.unique(event_name).to_pylist() if event_name is not None else [],
            tables,
        )
    desc_changed = False
    if desc is not None:
        unescaped = events.unescape_quotes(desc)
        desc_changed, desc = unescaped is not desc, unescaped
        user_id, cmid = events.description_ids(desc)
        key, desc_module, classified, total = events.event_keys_from_descriptions(desc, catalogue)
    else:
        user_id, desc_module, cmid, key = _nulls(n), _nulls(n), _nulls(n), _nulls(n)
        classified = total = 0
    if event_name is not None:
        key = pc.coalesce(key, events.event_keys_from_names(event_name, tables.events, language))
    cat_module, edulevel, crud = events.catalogue_attributes(key, catalogue)
    module = pc.coalesce(desc_module, cat_module)
    if component is not None:
        plugin = events.components_to_plugin(component, tables.components, language)
        module = pc.coalesce(module, events.module_from_component(plugin))
    every = sorted({c for words in tables.logged_as.values() for c in words})
    connectors = sorted({*tables.logged_as.get(language, []), "as"}) if language else every
    raw_name = get("user_name")
    if raw_name is not None:
        user_name, real_user, logged_as = split_logged_in_as(raw_name, connectors, user_id)
    else:
        user_name, real_user, logged_as = _nulls(n), _nulls(n), 0
    affected = get("affected_user")
    columns = {
        "user_id": user_id,
        "user_name": user_name,
        "real_user": real_user,
        "affected_user": empty_to_null(affected, "-") if affected is not None else _nulls(n),
        "event_key": key,
        "module": module,
        "cmid": cmid,
        "edulevel": edulevel,
        "crud": crud,
    }
    context = get("context")
    context_changed = False
    if context is not None:
        decoded = unescape_html(context)
        context_changed = decoded is not context
        if context_changed:
            columns["context"] = decoded
    aliases: dict[str, str] = {}
    for name in ("context", "component", "event_name", "description", "origin", "ip", "course"):
        if name == "context" and context_changed:
            continue
        if name in layout.columns and not (name == "description" and desc_changed):
            aliases[name] = f"c{layout.columns[name]}"
        else:
            columns[name] = desc if name == "description" and desc is not None else _nulls(n)
    detection: dict[str, object] = {
        "language": language,
        "language_confidence": lang_conf,
        "description_templates": total,
        "description_templates_recognised": classified,
        "logged_in_as_rows": logged_as,
    }
    return Canonical(columns, aliases, detection)


def logstore_columns(
    table: pa.Table, layout: Layout, catalogue: tuple[CatalogueEntry, ...]
) -> Canonical:
    """Canonical columns of a raw ``mdl_logstore_standard_log`` export."""
    n = table.num_rows

    def get(name: str) -> pa.ChunkedArray | pa.Array:
        column = _column(table, layout, name)
        return _nulls(n) if column is None else empty_to_null(column, *LOGSTORE_NULLS)

    key = events.normalise_event_class(get("eventname"))
    cat_module, _, _ = events.catalogue_attributes(key, catalogue)
    component = get("component")
    edulevel = pc.cast(
        pc.if_else(
            pc.match_substring_regex(get("edulevel"), r"^\d{1,2}$"), get("edulevel"), NULL_STRING
        ),
        pa.int8(),
    )
    contextlevel = get("contextlevel")
    is_module = pc.fill_null(pc.equal(contextlevel, "70"), False)
    columns: dict[str, pa.ChunkedArray | pa.Array] = {
        "user_name": _nulls(n),
        "context": _nulls(n),
        "description": _nulls(n),
        "event_key": key,
        "module": pc.coalesce(events.module_from_component(component), cat_module),
        "cmid": pc.if_else(is_module, get("contextinstanceid"), NULL_STRING),
        "edulevel": edulevel,
        "crud": empty_to_null(pc.utf8_lower(pc.utf8_trim_whitespace(get("crud")))),
    }
    aliases: dict[str, str] = {}
    for canonical, raw in LOGSTORE_DIRECT.items():
        column = _column(table, layout, raw)
        cleaned = _nulls(n) if column is None else empty_to_null(column, *LOGSTORE_NULLS)
        if canonical == "user_id":
            cleaned = empty_to_null(cleaned, "0")  # 0: no user (cron, not logged in)
        if column is not None and cleaned is column:  # nothing to change: share the column
            aliases[canonical] = f"c{layout.columns[raw]}"
        else:
            columns[canonical] = cleaned
    return Canonical(columns, aliases, {"language": None, "language_confidence": 0.0})
