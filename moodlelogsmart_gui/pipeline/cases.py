"""Cases: one case per user, keyed by the user id, labelled by the user's name.

The id is the stable key: names can be blank (``-``) in anonymised exports or shared by two
people. Rows with no id but a name fall back to the name (``name:<name>``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _blank(series: pd.Series) -> pd.Series:
    text = series.astype("string").str.strip()
    return text.mask(text.isin(["", "-"]))


def assign_cases(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``case_id`` and ``case_label`` (categoricals); the label is the first name in the file.

    Moodle writes newest first, so that is usually the user's latest name.
    """
    user_id = _blank(frame["user_id"])
    name = _blank(frame["user_name"])
    case_id = user_id.fillna("name:" + name)
    codes, uniques = pd.factorize(case_id, use_na_sentinel=True)
    if (codes < 0).any():
        codes = np.where(codes < 0, len(uniques), codes)
        uniques = uniques.append(pd.Index(["unknown"]))
    out = frame.copy(deep=False)
    out["case_id"] = pd.Series(pd.Categorical.from_codes(codes, uniques), index=frame.index)
    out["case_label"] = pd.Series(
        pd.Categorical.from_codes(codes, _labels(codes, uniques, name)), index=frame.index
    )
    return out


def _labels(codes: np.ndarray, case_ids: pd.Index, name: pd.Series) -> list[str]:
    """One label per case: the most recent non-blank name, else ``User <id>``."""
    named = pd.DataFrame({"code": codes, "name": name.to_numpy()})
    named = named[named["name"].notna()]
    last = named.groupby("code", sort=False)["name"].first()
    labels = []
    for code, case_id in enumerate(case_ids):
        label = last.get(code)
        if label is None or pd.isna(label):
            label = case_id if str(case_id).startswith("name:") else f"User {case_id}"
        labels.append(str(label).removeprefix("name:"))
    # Categories must be unique: two users with the same name keep their id in the label.
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
