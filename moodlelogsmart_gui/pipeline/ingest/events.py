"""Canonical event identity: user id, module, course module id and event class.

Description (always English) is the language-independent field. Ids are read from it
with one RE2 pass; the event class is decided on distinct *templates* (quoted numbers
replaced by '#'), usually a few hundred, and mapped back to every row.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from moodlelogsmart_gui.pipeline.ingest.arrays import (
    NULL_STRING,
    factorize,
    factorize_encoded,
    per_chunk,
    take_back,
)
from moodlelogsmart_gui.pipeline.ingest.tables import CatalogueEntry, normalise_label

USER_ID = r"^\s*(?:The|A|An)?\s*user with (?:the )?id '(?P<uid>-?\d+)'"
MODULE = (
    r"(?:'(?P<m1>[a-z][a-z0-9_]*)' activity|(?P<m2>[a-z][a-z0-9_]*)(?: activity)?)"
    r" with (?:the )?course module id '#'"
)
CMID = r"course module id\s+'(?P<cmid>\d+)'"
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


def _empty_to_null(array: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(array, ""), NULL_STRING, array)


def unescape_quotes(desc: pa.Array) -> pa.Array:
    """Some exports HTML-escape the quotes (&#039;): turn them back, only if present."""
    if pc.any(pc.match_substring(desc.slice(0, 20_000), "&#")).as_py():
        desc = pc.replace_substring_regex(desc, r"&#0*39;|&apos;", "'")
    return desc


def description_ids(desc: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, pa.Array]:
    """Acting user id and course module id from English Descriptions (one RE2 pass each)."""
    uid = per_chunk(lambda c: pc.struct_field(pc.extract_regex(c, USER_ID), "uid"), desc)
    cmid = per_chunk(lambda c: pc.struct_field(pc.extract_regex(c, CMID), "cmid"), desc)
    no_user = pc.equal(uid, "0")  # "The user with id '0'": cron or not logged in
    return pc.if_else(no_user, NULL_STRING, _empty_to_null(uid)), _empty_to_null(cmid)


def template_modules(templates: pa.Array) -> pa.Array:
    """Module type named in each Description template ('resource' activity, forum, ...)."""
    mod = pc.extract_regex(pc.utf8_lower(templates), MODULE)
    quoted = _empty_to_null(pc.struct_field(mod, "m1"))
    word = pc.struct_field(mod, "m2")
    words = pa.array(list(MODULE_WORDS) + sorted(KNOWN_MODULES))
    mapped = pa.array(list(MODULE_WORDS.values()) + sorted(KNOWN_MODULES))
    return pc.coalesce(quoted, pc.take(mapped, pc.index_in(word, value_set=words)))


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
            text = mod.type
            candidate = pc.binary_join_element_wise(
                pa.scalar(prefix, text), mod, pa.scalar(suffix, text), pa.scalar("", text)
            )
        else:
            hit = pc.match_substring_regex(templates, entry.pattern)
            candidate = pc.if_else(hit, entry.event_key, NULL_STRING)
        keys = pc.if_else(todo, candidate, keys)
    return keys, len(templates) - keys.null_count


def event_keys_from_descriptions(
    desc: pa.ChunkedArray | pa.Array, catalogue: tuple[CatalogueEntry, ...]
) -> tuple[pa.Array, pa.Array, int, int]:
    """Event key and module per row from Description templates; (classified, total) templates."""

    def encoded_templates(chunk: pa.Array) -> pa.Array:
        # encoded chunk by chunk: the full-size template text never exists all at once
        return pc.dictionary_encode(pc.replace_substring_regex(chunk, r"'-?\d+'", "'#'"))

    unique, indices = factorize_encoded(per_chunk(encoded_templates, desc))
    # Moodle wraps some sentences in its source ("activity\n            with"): one space
    unique = pc.utf8_trim_whitespace(pc.replace_substring_regex(unique, r"\s+", " "))
    keys, classified = _classify_templates(unique, catalogue)
    modules = template_modules(unique)
    return take_back(keys, indices), take_back(modules, indices), classified, len(unique)


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
    text = trimmed.type
    joined = pc.binary_join_element_wise(pa.scalar("\\", text), trimmed, pa.scalar("", text))
    return _empty_to_null(pc.if_else(has, trimmed, joined))


def catalogue_attributes(
    keys: pa.ChunkedArray | pa.Array, catalogue: tuple[CatalogueEntry, ...]
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Module, edulevel and crud per row from the catalogue (first entry per key wins)."""
    unique, indices = factorize(keys)
    module, edulevel, crud = _attributes_of(unique, catalogue)
    return take_back(module, indices), take_back(edulevel, indices), take_back(crud, indices)


def _attributes_of(
    keys: pa.Array, catalogue: tuple[CatalogueEntry, ...]
) -> tuple[pa.Array, pa.Array, pa.Array]:
    first: dict[str, CatalogueEntry] = {}
    for candidate in catalogue:
        if "{mod}" not in candidate.event_key:
            first.setdefault(candidate.event_key, candidate)
    module, edulevel, crud = [], [], []
    for key in keys.to_pylist():
        entry: CatalogueEntry | None = first.get(key)
        if entry is None:
            entry = next((e for e in catalogue if _generic_match(e.event_key, key)), None)
        mod = _generic_module(entry.event_key, key) if entry else None
        module.append(entry.module if entry and entry.module else mod)
        edulevel.append(entry.edulevel if entry else None)
        crud.append(entry.crud if entry else None)
    return (
        pa.array(module, pa.string()),
        pa.array(edulevel, pa.int8()),
        pa.array(crud, pa.string()),
    )


def _generic_regex(event_key: str) -> re.Pattern[str] | None:
    if "{mod}" not in event_key:
        return None
    prefix, _, suffix = event_key.partition("{mod}")
    return re.compile(re.escape(prefix) + "([a-z0-9_]+)" + re.escape(suffix) + "$")


def _generic_match(event_key: str, key: str) -> bool:
    pattern = _generic_regex(event_key)
    return bool(pattern and pattern.match(key))


def _generic_module(event_key: str, key: str) -> str | None:
    pattern = _generic_regex(event_key)
    match = pattern.match(key) if pattern else None
    return match.group(1) if match else None


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
