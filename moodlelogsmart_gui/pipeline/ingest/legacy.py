"""Logs from before Moodle 2.7: the old Logs download and the ``mdl_log`` table.

The old download (tab-separated, a "Saved at" line first) has the columns Course, Time,
IP address, User full name, Action ("forum add post"), Information; it carries no user id,
so cases fall back to names. The ``mdl_log`` table has id, time (epoch), userid, ip,
course, module, cmid, action, url, info. Both name an action, never an event class: the
class comes from the ``legacy`` column of ``resources/events.csv``, and ``<module> view``
of an activity is that module's ``course_module_viewed``.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from moodlelogsmart_gui.pipeline.ingest import events
from moodlelogsmart_gui.pipeline.ingest.arrays import (
    NULL_STRING,
    empty_to_null,
    factorize,
    take_back,
)
from moodlelogsmart_gui.pipeline.ingest.detect import Layout
from moodlelogsmart_gui.pipeline.ingest.normalise import Canonical, split_logged_in_as
from moodlelogsmart_gui.pipeline.ingest.tables import CatalogueEntry, LanguageTables

_ACTION = r"^\s*(?P<module>[a-z][a-z0-9_]*)\s+(?P<action>[^(]*?)\s*(?:\((?P<url>[^)]*)\))?\s*$"


def _legacy_keys(
    modules: pa.ChunkedArray | pa.Array,
    actions: pa.ChunkedArray | pa.Array,
    catalogue: tuple[CatalogueEntry, ...],
) -> pa.Array:
    """Event class per row from (module, action), decided on the distinct pairs."""
    table: dict[str, str] = {}
    for entry in catalogue:
        for name in entry.legacy:
            table.setdefault(name, entry.event_key)
    space = pa.scalar(" ", modules.type)
    joined = pc.binary_join_element_wise(modules, pc.cast(actions, modules.type), space)
    unique, indices = factorize(pc.utf8_lower(joined))
    keys = []
    for pair in unique.to_pylist():
        module, _, action = pair.partition(" ")
        key = table.get(pair)
        if key is None and module in events.KNOWN_MODULES and action in ("view", "view all"):
            kind = (
                "course_module_viewed" if action == "view" else "course_module_instance_list_viewed"
            )
            key = f"\\mod_{module}\\event\\{kind}"
        keys.append(key)
    return take_back(pa.array(keys, pa.string()), indices)


def legacy_columns(
    table: pa.Table,
    layout: Layout,
    tables: LanguageTables,
    catalogue: tuple[CatalogueEntry, ...],
) -> Canonical:
    """Canonical columns of a pre-2.7 download or ``mdl_log`` export."""
    n = table.num_rows

    def get(name: str) -> pa.ChunkedArray | pa.Array:
        index = layout.columns.get(name)
        if index is None:
            return pa.nulls(n, pa.large_string())
        return empty_to_null(table.column(f"c{index}"), "NULL", "\\N")

    if layout.layout == "legacy_log":
        module, action, url = get("module"), get("action"), get("url")
        user_id = empty_to_null(get("userid"), "0")
        user_name = real_user = pa.nulls(n, pa.large_string())
        logged_as, context, course = 0, get("info"), get("course")
        cmid = empty_to_null(get("cmid"), "0")
    else:
        parts = pc.extract_regex(get("legacy_action"), _ACTION)
        module, action = pc.struct_field(parts, "module"), pc.struct_field(parts, "action")
        url = empty_to_null(pc.struct_field(parts, "url"))
        user_id = pa.nulls(n, pa.large_string())
        connectors = sorted({c for words in tables.logged_as.values() for c in words})
        user_name, real_user, logged_as = split_logged_in_as(get("user_name"), connectors)
        context, course = get("legacy_info"), get("course")
        cmid = empty_to_null(pc.struct_field(pc.extract_regex(url, r"[?&]id=(?P<id>\d+)"), "id"))
    key = _legacy_keys(module, action, catalogue)
    cat_module, edulevel, crud = events.catalogue_attributes(key, catalogue)
    is_activity = pc.is_in(module, value_set=pa.array(sorted(events.KNOWN_MODULES)))
    columns: dict[str, pa.ChunkedArray | pa.Array] = {
        "user_id": user_id,
        "user_name": user_name,
        "real_user": real_user,
        "affected_user": pa.nulls(n, pa.large_string()),
        "context": context,
        "component": module,
        "event_name": pc.binary_join_element_wise(
            module, pc.cast(action, module.type), pa.scalar(" ", module.type)
        ),
        "description": pa.nulls(n, pa.large_string()),
        "origin": pa.nulls(n, pa.large_string()),
        "ip": get("ip"),
        "course": course,
        "event_key": key,
        "module": pc.coalesce(cat_module, pc.if_else(is_activity, module, NULL_STRING)),
        "cmid": pc.if_else(is_activity, cmid, NULL_STRING),
        "edulevel": edulevel,
        "crud": crud,
    }
    detection = {"language": layout.language, "language_confidence": layout.language_confidence}
    return Canonical(columns, {}, {**detection, "logged_in_as_rows": logged_as})
