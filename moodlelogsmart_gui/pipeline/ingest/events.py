"""Canonical event identity: user id, module, course module id and event class.

Description (always English) is the language-independent field. Ids are read from it
with one RE2 pass; the event class is decided on distinct *templates* (quoted numbers
replaced by '#'), usually a few hundred, and mapped back to every row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moodlelogsmart_gui.pipeline.ingest.arrays import NULL_STRING, factorize, take_back
from moodlelogsmart_gui.pipeline.ingest.tables import CatalogueEntry, normalise_label

USER_ID = r"^(?:The|A|An)?\s*user with id '(?P<uid>-?\d+)'"
MODULE = (
    r"(?:'(?P<m1>[a-z][a-z0-9_]*)' activity|(?P<m2>[a-z][a-z0-9_]*)(?: activity)?)"
    r" with (?:the )?course module id '(?P<cmid>\d+)'"
)
# words Moodle's sentences use for a module, where they differ from the plugin name
MODULE_WORDS = {
    "assignment": "assign",
    "database": "data",
    "h5p": "h5pactivity",
    "scorm": "scorm",
    "sco": "scorm",
}
KNOWN_MODULES = frozenset(
    (
        "assign",
        "book",
        "chat",
        "choice",
        "data",
        "feedback",
        "folder",
        "forum",
        "glossary",
        "h5pactivity",
        "imscp",
        "label",
        "lesson",
        "lti",
        "page",
        "quiz",
        "resource",
        "scorm",
        "survey",
        "url",
        "wiki",
        "workshop",
        "bigbluebuttonbn",
    )
)


@dataclass
class EventFields:
    """Per-row arrays derived from Description / event names / the catalogue."""

    user_id: pa.Array
    module: pa.Array
    cmid: pa.Array
    event_key: pa.Array
    edulevel: pa.Array  # int8
    crud: pa.Array
    templates_classified: int
    templates_total: int


def _empty_to_null(array: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(array, ""), NULL_STRING, array)


def unescape_quotes(desc: pa.Array) -> pa.Array:
    """Some exports HTML-escape the quotes (&#039;): turn them back, only if present."""
    if pc.any(pc.match_substring(desc, "&#")).as_py():
        desc = pc.replace_substring_regex(desc, r"&#0*39;|&apos;", "'")
    return desc


def description_ids(desc: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """User id, module type (as written) and course module id from English Descriptions."""
    uid = _empty_to_null(pc.struct_field(pc.extract_regex(desc, USER_ID), "uid"))
    mod = pc.extract_regex(desc, MODULE)
    quoted = _empty_to_null(pc.struct_field(mod, "m1"))
    word = pc.struct_field(mod, "m2")
    words = pa.array(list(MODULE_WORDS) + sorted(KNOWN_MODULES))
    mapped = pa.array(list(MODULE_WORDS.values()) + sorted(KNOWN_MODULES))
    word_module = pc.take(mapped, pc.index_in(word, value_set=words))
    cmid = _empty_to_null(pc.struct_field(mod, "cmid"))
    return uid, pc.coalesce(quoted, word_module), cmid


def _classify_templates(
    templates: pa.Array, catalogue: tuple[CatalogueEntry, ...]
) -> tuple[pa.Array, int]:
    """Event key per distinct template: first catalogue pattern that matches wins."""
    keys = pa.nulls(len(templates), pa.string())
    for entry in catalogue:
        if not entry.pattern:
            continue
        todo = pc.is_null(keys)
        if not pc.any(todo).as_py():
            break
        if "{mod}" in entry.event_key:
            mod = pc.struct_field(pc.extract_regex(templates, entry.pattern), "mod")
            prefix, _, suffix = entry.event_key.partition("{mod}")
            candidate = pc.binary_join_element_wise(prefix, mod, suffix, "")
        else:
            hit = pc.match_substring_regex(templates, entry.pattern)
            candidate = pc.if_else(hit, entry.event_key, NULL_STRING)
        keys = pc.if_else(todo, candidate, keys)
    return keys, len(templates) - keys.null_count


def event_keys_from_descriptions(
    desc: pa.Array, catalogue: tuple[CatalogueEntry, ...]
) -> tuple[pa.Array, int, int]:
    """Event key per row from Description templates; also (classified, total) templates."""
    templates = pc.replace_substring_regex(desc, r"'-?\d+'", "'#'")
    unique, indices = factorize(templates)
    keys, classified = _classify_templates(unique, catalogue)
    return take_back(keys, indices), classified, len(unique)


def event_keys_from_names(
    names: pa.Array, events: dict[str, dict[str, str]], lang: str | None
) -> pa.Array:
    """Event key per row from translated event names (language tables, all languages)."""
    table: dict[str, str] = {}
    for other, mapping in events.items():
        if other != lang:
            for k, v in mapping.items():
                table.setdefault(k, v)
    if lang in events:
        table.update(events[lang])
    unique, indices = factorize(names)
    keys = pa.array([table.get(normalise_label(u)) for u in unique.to_pylist()], pa.string())
    return take_back(keys, indices)


def normalise_event_class(names: pa.Array) -> pa.Array:
    """Logstore event classes with the leading backslash Moodle uses (``\\mod_x\\event\\y``)."""
    trimmed = pc.utf8_trim_whitespace(names)
    has = pc.starts_with(trimmed, "\\")
    return _empty_to_null(pc.if_else(has, trimmed, pc.binary_join_element_wise("\\", trimmed, "")))


def catalogue_attributes(
    keys: pa.Array, catalogue: tuple[CatalogueEntry, ...]
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Module, edulevel and crud per row from the catalogue (first entry per key wins)."""
    first: dict[str, CatalogueEntry] = {}
    for entry in catalogue:
        if "{mod}" not in entry.event_key:
            first.setdefault(entry.event_key, entry)
    generic = [e for e in catalogue if "{mod}" in e.event_key]
    key_list = list(first)
    idx = pc.index_in(keys, value_set=pa.array(key_list, pa.string()))
    module = pa.array([first[k].module for k in key_list], pa.string())
    edulevel = pa.array([first[k].edulevel for k in key_list], pa.int8())
    crud = pa.array([first[k].crud for k in key_list], pa.string())
    out_module, out_edu, out_crud = pc.take(module, idx), pc.take(edulevel, idx), pc.take(crud, idx)
    for entry in generic:  # e.g. \mod_<any>\event\course_module_viewed
        prefix, _, suffix = entry.event_key.partition("{mod}")
        pattern = "^" + _re_escape(prefix) + "([a-z0-9_]+)" + _re_escape(suffix) + "$"
        hit = pc.and_(pc.match_substring_regex(keys, pattern), pc.is_null(out_edu))
        if pc.any(hit).as_py():
            mod = pc.replace_substring_regex(keys, pattern, r"\1")
            out_module = pc.if_else(pc.and_(hit, pc.is_null(out_module)), mod, out_module)
            out_edu = pc.if_else(hit, pa.scalar(entry.edulevel, pa.int8()), out_edu)
            out_crud = pc.if_else(hit, pa.scalar(entry.crud, pa.string()), out_crud)
    return out_module, out_edu, out_crud


def module_from_component(component: pa.Array) -> pa.Array:
    """``mod_forum`` -> ``forum``; other components give null."""
    is_mod = pc.starts_with(component, "mod_")
    return pc.if_else(is_mod, pc.utf8_slice_codeunits(component, 4), NULL_STRING)


def components_to_plugin(
    components: pa.Array, tables: dict[str, dict[str, str]], lang: str | None
) -> pa.Array:
    """Translated component names ("Fórum") to Moodle components ("mod_forum")."""
    table: dict[str, str] = {}
    for mapping in tables.values():
        for k, v in mapping.items():
            table.setdefault(k, v)
    if lang in tables:
        table.update(tables[lang])
    unique, indices = factorize(components)
    mapped = pa.array([table.get(normalise_label(u)) for u in unique.to_pylist()], pa.string())
    return take_back(mapped, indices)


def _re_escape(text: str) -> str:
    return "".join("\\" + ch if ch in r"\.^$|?*+()[]{}" else ch for ch in text)


def to_numpy_bool(array: pa.Array) -> np.ndarray:
    """A boolean arrow array as numpy (nulls as False)."""
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)
