"""Bloom classification: a human-editable TOML rules file applied to canonical events.

Rules are evaluated in file order, first match wins; the fallback takes the rest. Matching
looks only at language-independent columns (event_key, module, component, crud, edulevel),
once per unique combination of them, and the result is mapped back to the rows.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from moodlelogsmart_gui.paths import RULES_PRESETS, resources_dir
from moodlelogsmart_gui.pipeline.errors import BadInputError

BLOOM_LEVELS = ("Remember", "Understand", "Apply", "Analyze", "Evaluate", "Create")
CONDITION_COLUMNS = {
    "event_key": "event_key",
    "event_key_regex": "event_key",
    "module": "module",
    "component": "component",
    "crud": "crud",
    "edulevel": "edulevel",
}
FALLBACK_KEYS = {"id", "activity_type", "activity_category", "bloom_level", "is_active"}
FALLBACK_KEYS |= {"description"}
RULE_KEYS = {*FALLBACK_KEYS, *CONDITION_COLUMNS}
# Moodle2EventLog's published categories (study, collaboration, evaluation, production;
# _P passive, _A active); a rules file may use others.
PUBLISHED_CATEGORIES = ("Study_P", "Study_A", "Collab_A", "Eval_A", "Prod_A", "Others")
TABLE_HEADER = re.compile(r"\s*\[(?:\[\s*(?P<rule>rule)\s*\]|\s*(?P<fallback>fallback)\s*)\]")


@dataclass(frozen=True)
class Rule:
    """One classification rule; ``patterns`` maps a frame column to compiled full-match regexes."""

    id: str
    activity_type: str
    activity_category: str
    bloom_level: str | None
    is_active: bool
    patterns: dict[str, tuple[re.Pattern[str], ...]]


@dataclass(frozen=True)
class RuleSet:
    """Ordered rules plus the fallback; ``source`` is "default" or the user's file path."""

    rules: tuple[Rule, ...]
    fallback: Rule
    source: str

    @property
    def all_rules(self) -> tuple[Rule, ...]:
        return (*self.rules, self.fallback)


def default_rules_path() -> Path:
    return resources_dir() / RULES_PRESETS["moodlelogsmart"]


def _source_name(file: Path) -> str:
    """How ``summary.json`` names the rules: "default", a preset name, or the file's path."""
    for name, preset in RULES_PRESETS.items():
        if file.resolve() == (resources_dir() / preset).resolve():
            return "default" if name == "moodlelogsmart" else name
    return str(file)


def load_rules(path: Path | None = None) -> RuleSet:
    """Read and validate a rules file (the packaged default when ``path`` is None)."""
    file = default_rules_path() if path is None else Path(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise BadInputError(f"The rules file {file} cannot be read: {exc.strerror}.") from exc
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise BadInputError(f"The rules file {file} is not UTF-8 text.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise BadInputError(f"The rules file {file} is not valid TOML: {exc}.") from exc
    source = "default" if path is None else _source_name(file)
    return parse_rules(data, source, table_lines(text), file=None if path is None else file)


def table_lines(text: str) -> dict[str, list[int]]:
    """Line numbers (from 1) of the ``[[rule]]`` and of the ``[fallback]`` headers."""
    found: dict[str, list[int]] = {"rule": [], "fallback": []}
    for number, line in enumerate(text.splitlines(), 1):
        match = TABLE_HEADER.match(line)
        if match:
            found[match.lastgroup or "rule"].append(number)
    return found


def parse_rules(
    data: dict[str, Any],
    source: str,
    lines: dict[str, list[int]] | None = None,
    file: Path | None = None,
) -> RuleSet:
    """Validate parsed TOML; every problem names the file, the rule (and its line, when
    ``lines`` gives the header lines of the tables) and what is wrong."""
    where = "the default rules" if source == "default" else f"the rules file {file or source}"
    unknown = set(data) - {"version", "rule", "fallback"}
    if unknown:
        raise BadInputError(f"In {where}: unknown top-level key(s) {', '.join(sorted(unknown))}.")
    entries = data.get("rule", [])
    if not isinstance(entries, list) or not entries:
        raise BadInputError(f"In {where}: no [[rule]] tables found.")
    # A header line per table is known unless some tables are written inline.
    at = (lines or {}).get("rule", [])
    at_rule: list[int | None] = [*at] if len(at) == len(entries) else [None] * len(entries)
    at = (lines or {}).get("fallback", [])
    rules = tuple(
        _parse_rule(entry, i + 1, where, at_rule[i], fallback=False)
        for i, entry in enumerate(entries)
    )
    if "fallback" not in data or not isinstance(data["fallback"], dict):
        raise BadInputError(f"In {where}: the [fallback] table is missing.")
    at_fallback = at[0] if len(at) == 1 else None
    fallback = _parse_rule(data["fallback"], len(rules) + 1, where, at_fallback, fallback=True)
    ids = [r.id for r in (*rules, fallback)]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise BadInputError(f"In {where}: rule id(s) used more than once: {', '.join(dupes)}.")
    return RuleSet(rules=rules, fallback=fallback, source=source)


def _parse_rule(entry: Any, index: int, where: str, line: int | None, *, fallback: bool) -> Rule:
    label = "the [fallback] table" if fallback else f"rule #{index}"
    if not isinstance(entry, dict):
        raise BadInputError(f"In {where}: {label} is not a table.")
    if isinstance(entry.get("id"), str):
        label = f"{label} ('{entry['id']}')"
    if line is not None:
        label = f"{label} at line {line}"
    allowed = FALLBACK_KEYS if fallback else RULE_KEYS
    unknown = set(entry) - allowed
    if unknown:
        raise BadInputError(f"In {where}: {label} has unknown key(s) {', '.join(sorted(unknown))}.")
    for key in ("id", "activity_type", "activity_category"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise BadInputError(f"In {where}: {label} needs '{key}' (a non-empty text).")
    is_active = entry.get("is_active", False if fallback else None)
    if not isinstance(is_active, bool):
        raise BadInputError(f"In {where}: {label} needs 'is_active' (true or false).")
    level = entry.get("bloom_level")
    if not (fallback and level is None) and level not in BLOOM_LEVELS:
        raise BadInputError(
            f"In {where}: {label} has bloom_level {level!r}; use one of {', '.join(BLOOM_LEVELS)}."
        )
    patterns = {} if fallback else _parse_conditions(entry, label, where)
    category = entry["activity_category"]
    return Rule(entry["id"], entry["activity_type"], category, level, is_active, patterns)


def _parse_conditions(
    entry: dict[str, Any], label: str, where: str
) -> dict[str, tuple[re.Pattern[str], ...]]:
    compiled: dict[str, list[re.Pattern[str]]] = {}
    for key, column in CONDITION_COLUMNS.items():
        if key not in entry:
            continue
        values = entry[key] if isinstance(entry[key], list) else [entry[key]]
        if not values or not all(
            isinstance(v, str | int) and not isinstance(v, bool) for v in values
        ):
            raise BadInputError(f"In {where}: {label}: '{key}' must be a list of texts.")
        for value in values:
            text = str(value)
            if key == "event_key_regex":
                source = text
            elif key == "event_key":
                source = fnmatch.translate(text)
            else:
                source = re.escape(text)
            try:
                pattern = re.compile(source if source.endswith(r"\Z") else f"(?:{source})\\Z")
            except re.error as exc:
                raise BadInputError(
                    f"In {where}: {label}: '{key}' value {text!r} is not a valid pattern ({exc})."
                ) from exc
            compiled.setdefault(column, []).append(pattern)
    if not compiled:
        raise BadInputError(
            f"In {where}: {label} has no condition; give at least one of "
            f"{', '.join(CONDITION_COLUMNS)}."
        )
    return {column: tuple(pats) for column, pats in compiled.items()}


def classify(frame: pd.DataFrame, rules: RuleSet) -> pd.DataFrame:
    """Add activity_type, activity_category, bloom_level, is_active and rule_id (first
    matching rule wins)."""
    columns = sorted({c for rule in rules.rules for c in rule.patterns})
    if columns:
        codes, uniques = _factorize_rows(frame[columns])
    else:
        codes, uniques = np.zeros(len(frame), dtype=np.intp), pd.DataFrame(index=[0])
    choice = np.full(len(uniques), len(rules.rules), dtype=np.int16)
    for position in range(len(rules.rules) - 1, -1, -1):
        choice[_rule_mask(rules.rules[position], uniques)] = position
    per_row = choice[codes] if len(frame) else np.zeros(0, dtype=np.int16)
    every = rules.all_rules
    out = frame.copy(deep=False)
    out["activity_type"] = _categorical(per_row, [r.activity_type for r in every], frame.index)
    categories: list[str | None] = [r.activity_category for r in every]
    out["activity_category"] = _categorical(per_row, categories, frame.index)
    out["bloom_level"] = _categorical(per_row, [r.bloom_level for r in every], frame.index)
    out["is_active"] = np.array([r.is_active for r in every], dtype=bool)[per_row]
    out["rule_id"] = _categorical(per_row, [r.id for r in every], frame.index)
    return out


def is_bloom(frame: pd.DataFrame, rules: RuleSet) -> np.ndarray:
    """Rows classified by a real rule (not the fallback): the bloom-only selection."""
    mask: np.ndarray = (frame["rule_id"] != rules.fallback.id).to_numpy(dtype=bool)
    return mask


def _factorize_rows(keys: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Code each row by its combination of key values; return codes and the unique combos."""
    combined = np.zeros(len(keys), dtype=np.int64)
    for column in keys.columns:
        codes, uniques = pd.factorize(keys[column], use_na_sentinel=False)
        combined = combined * (len(uniques) + 1) + codes
    inverse, combos = pd.factorize(combined)
    first = np.zeros(len(combos), dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(inverse) - 1, -1, -1)
    return inverse, keys.iloc[first].astype("object").reset_index(drop=True)


def _rule_mask(rule: Rule, uniques: pd.DataFrame) -> np.ndarray:
    mask = np.ones(len(uniques), dtype=bool)
    for column, patterns in rule.patterns.items():
        # A loop over the few unique combinations (never over rows), with Python's re.
        texts = [None if pd.isna(v) else str(v) for v in uniques[column].tolist()]
        hit = np.array(
            [t is not None and any(p.match(t) for p in patterns) for t in texts], dtype=bool
        )
        mask &= hit
    return mask


def _categorical(per_row: np.ndarray, labels: list[str | None], index: pd.Index) -> pd.Series:
    """Rule-indexed labels as a categorical column (labels may repeat across rules)."""
    categories = list(dict.fromkeys(label for label in labels if label is not None))
    lookup = np.array([categories.index(x) if x is not None else -1 for x in labels], np.int16)
    return pd.Series(pd.Categorical.from_codes(lookup[per_row], categories), index=index)
