"""Cases: one case per user, keyed by the user id, labelled by the user's name.

The id is the stable key: names can be blank (``-``) in anonymised exports or shared by two
people. Rows with no id but a name fall back to the name (``name:<name>``). The text work
runs once per distinct id and name, never once per row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _codes(series: pd.Series) -> tuple[np.ndarray, list[str | None]]:
    """Row codes into the distinct stripped values; blank (empty, ``-``, missing) is None."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    texts = [None if pd.isna(v) else str(v).strip() for v in uniques.tolist()]
    return codes, [t if t not in ("", "-") else None for t in texts]


def case_keys(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str | None]]:
    """Per row a code into the case keys (in order of first appearance over every row), the
    keys, and per row a code into the stripped user names (None where blank)."""
    id_codes, ids = _codes(frame["user_id"])
    name_codes, names = _codes(frame["user_name"])
    id_key = np.array([f"{v}" if v is not None else "" for v in ids] + [""], dtype=object)
    name_key = np.array([f"name:{v}" if v is not None else "" for v in names] + [""], dtype=object)
    # key per (id, name) pair of codes, resolved on the distinct pairs only
    pair = (id_codes.astype(np.int64) + 1) * (len(names) + 1) + (name_codes + 1)
    pair_codes, pairs = pd.factorize(pair)
    pair_id = id_key[pairs // (len(names) + 1) - 1]
    pair_name = name_key[pairs % (len(names) + 1) - 1]
    pair_case = np.where(pair_id != "", pair_id, pair_name)
    pair_case = np.where(pair_case != "", pair_case, "unknown")
    case_of_pair, case_ids = pd.factorize(pair_case)
    codes = case_of_pair[pair_codes] if len(pair_codes) else np.zeros(0, dtype=np.intp)
    return codes, np.asarray(case_ids, dtype=object), name_codes, names


def assign_cases(frame: pd.DataFrame, keep: np.ndarray | None = None) -> pd.DataFrame:
    """Add ``case_id`` and ``case_label`` (categoricals); the label is the first name in the file.

    Moodle writes newest first, so that is usually the user's latest name. Rows outside
    ``keep`` (a boolean mask: rows set aside by cleaning) get no case.
    """
    codes, case_ids, name_codes, names = case_keys(frame)
    if keep is not None:
        codes = np.where(keep, codes, -1)
        used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(case_ids)))
        remap = np.full(len(case_ids) + 1, -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        codes, case_ids = remap[codes], case_ids[used]
    labels = _labels(codes, list(case_ids), name_codes, names)
    out = frame.copy(deep=False)
    out["case_id"] = pd.Series(pd.Categorical.from_codes(codes, case_ids), index=frame.index)
    out["case_label"] = pd.Series(pd.Categorical.from_codes(codes, labels), index=frame.index)
    return out


def _labels(
    codes: np.ndarray, case_ids: list[str], name_codes: np.ndarray, names: list[str | None]
) -> list[str]:
    """One unique label per case: its first non-blank name, else ``User <id>``."""
    name_of = first_names(codes, len(case_ids), name_codes, names)
    labels = [label_of(case_id, name_of.get(code)) for code, case_id in enumerate(case_ids)]
    return unique_labels(labels, case_ids)


def first_names(
    codes: np.ndarray, n_cases: int, name_codes: np.ndarray, names: list[str | None]
) -> dict[int, str]:
    """Case code -> the first non-blank name of its rows (rows with code -1 have no case)."""
    named = np.array([n is not None for n in names] + [False])[name_codes]
    rows = np.flatnonzero(named & (codes >= 0))
    first_of = np.full(n_cases, len(rows), dtype=np.int64)  # counting, not sorting
    np.minimum.at(first_of, codes[rows], np.arange(len(rows)))
    cases = np.flatnonzero(first_of < len(rows))
    found = name_codes[rows[first_of[cases]]].tolist()
    return {int(c): str(names[n]) for c, n in zip(cases.tolist(), found, strict=True)}


def label_of(case_id: str, first_name: str | None) -> str:
    """A case's label before de-duplication: its first name, else ``User <id>``."""
    if first_name is not None:
        return first_name
    return case_id.removeprefix("name:") if case_id.startswith("name:") else f"User {case_id}"


def unique_labels(labels: list[str], case_ids: list[str]) -> list[str]:
    """Categories must be unique: two users with the same name keep their id in the label."""
    seen: dict[str, int] = {}
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
    unique = [
        f"{label} ({case_ids[i]})" if seen[label] > 1 else label for i, label in enumerate(labels)
    ]
    taken: set[str] = set()
    for i, label in enumerate(unique):
        while unique[i] in taken:
            unique[i] = f"{label} #{i}"
            label = unique[i]
        taken.add(unique[i])
    return unique
