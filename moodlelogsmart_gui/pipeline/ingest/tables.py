"""The resource tables ingest relies on: event catalogue and language tables.

Both live under ``resources/`` (``events.csv``, ``languages.toml``) so that people can
extend them without touching code. They are loaded once per process and cached.
"""

from __future__ import annotations

import csv
import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from moodlelogsmart_gui.paths import resources_dir

CANONICAL_HEADERS: tuple[str, ...] = (
    "time",
    "user_name",
    "affected_user",
    "context",
    "component",
    "event_name",
    "description",
    "origin",
    "ip",
)
"""Columns of the log report download, in Moodle's order (a site report adds ``course`` first)."""

ENGLISH_HEADERS: dict[str, str] = {
    "course": "Course",
    "time": "Time",
    "user_name": "User full name",
    "affected_user": "Affected user",
    "context": "Event context",
    "component": "Component",
    "event_name": "Event name",
    "description": "Description",
    "origin": "Origin",
    "ip": "IP address",
}

# Placeholders usable in events.csv patterns (applied to Description templates, in which
# every quoted number such as '42' has become '#').
_PLACEHOLDERS = {"{id}": "'#'", "{q}": "'[^']*'"}


def normalise_label(text: str) -> str:
    """Fold a header or event name for lookup: case, apostrophes, spaces, accents kept."""
    text = unicodedata.normalize("NFC", text).replace("\ufeff", "")
    text = text.replace("’", "'").replace("`", "'").strip().strip('"').strip()
    return re.sub(r"\s+", " ", text).casefold()


def printable(text: str, limit: int = 40) -> str:
    """Text fit for a one-line message: control characters and line breaks become spaces."""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class CatalogueEntry:
    """One Moodle event class: how to recognise its English Description and its levels."""

    event_key: str
    module: str | None
    edulevel: int | None
    crud: str | None
    pattern: str | None
    name_en: str | None
    legacy: tuple[str, ...] = ()  # "module action" of the pre-2.7 log (e.g. "forum add post")


@dataclass(frozen=True)
class LanguageTables:
    """Header names, month names, event and component names of every supported language."""

    headers: dict[str, dict[str, str]]  # lang -> normalised header -> canonical column
    months: dict[str, int]  # normalised month token (no trailing dot) -> month number
    events: dict[str, dict[str, str]]  # lang -> normalised event name -> event key
    components: dict[str, dict[str, str]]  # lang -> normalised component -> component
    logged_as: dict[str, list[str]] = field(default_factory=dict)


def expand_pattern(pattern: str) -> str:
    """Turn an events.csv pattern into an RE2/Python regex over Description templates."""
    for placeholder, regex in _PLACEHOLDERS.items():
        pattern = pattern.replace(placeholder, regex)
    return pattern


@functools.cache
def load_catalogue(path: Path | None = None) -> tuple[CatalogueEntry, ...]:
    """Read ``events.csv``; the order of rows is the order patterns are tried."""
    path = path or resources_dir() / "events.csv"
    entries = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            edulevel = row["edulevel"].strip()
            entries.append(
                CatalogueEntry(
                    event_key=row["event_key"].strip(),
                    module=row["module"].strip() or None,
                    edulevel=int(edulevel) if edulevel else None,
                    crud=row["crud"].strip() or None,
                    pattern=expand_pattern(row["pattern"].strip()) or None,
                    name_en=row["name_en"].strip() or None,
                    legacy=tuple(
                        a.strip() for a in (row.get("legacy") or "").split("|") if a.strip()
                    ),
                )
            )
    return tuple(entries)


@functools.cache
def load_languages(path: Path | None = None) -> LanguageTables:
    """Read ``languages.toml`` into lookup dictionaries keyed by normalised labels."""
    path = path or resources_dir() / "languages.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    headers: dict[str, dict[str, str]] = {}
    months: dict[str, int] = {}
    events: dict[str, dict[str, str]] = {}
    components: dict[str, dict[str, str]] = {}
    logged_as: dict[str, list[str]] = {}
    for lang, table in data.items():
        headers[lang] = {
            normalise_label(name): canonical
            for canonical, names in table.get("headers", {}).items()
            for name in names
        }
        for number, names in table.get("months", {}).items():
            for name in names:
                months[normalise_label(name).rstrip(".")] = int(number)
        events[lang] = {normalise_label(k): v for k, v in table.get("events", {}).items()}
        components[lang] = {normalise_label(k): v for k, v in table.get("components", {}).items()}
        logged_as[lang] = list(table.get("logged_as", []))
    return LanguageTables(headers, months, events, components, logged_as)
