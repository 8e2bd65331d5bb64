"""Pseudonymisation: names become stable keyed-hash pseudonyms, IP addresses are emptied.

A name maps to ``Student-<8 hex>`` from HMAC-SHA256 with the app's secret, so the same person
gets the same pseudonym in every file processed on this machine, and nobody without the
secret can recompute it. Names are replaced wherever they occur in text columns (e.g. the
context "User: Ana Silva"), also where the file HTML-escaped them as Moodle does
(``Liam O&#039;Brien``); the work is done once per unique value, never per row.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import re
from collections.abc import Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

NAME_COLUMNS = ("user_name", "real_user", "affected_user")
PREFIX = "Student-"
# Characters Moodle may write as HTML entities in a name (the original "Event context" column
# keeps them), and the forms they take: the pattern matches every form.
_ENTITY_FORMS = {
    "'": r"(?:'|&#0*39;|&#[xX]0*27;|&apos;)",
    '"': r'(?:"|&#0*34;|&#[xX]0*22;|&quot;)',
    "&": r"(?:&|&#0*38;|&#[xX]0*26;|&amp;)",
    "<": r"(?:<|&#0*60;|&#[xX]0*3[cC];|&lt;)",
    ">": r"(?:>|&#0*62;|&#[xX]0*3[eE];|&gt;)",
}


def pseudonym(name: str, secret: bytes) -> str:
    """The stable pseudonym of one name."""
    digest = hmac.new(secret, name.strip().encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{PREFIX}{digest[:8]}"


def collect_names(frame: pd.DataFrame) -> list[str]:
    """Every distinct person name in the name columns, longest first (``-`` is no name).

    Call it on the frame as read, before cleaning: a name seen only in rows that are set
    aside can still appear inside kept rows (e.g. a context "User: Ana Silva").
    """
    found: set[str] = set()
    for column in NAME_COLUMNS:
        if column in frame:
            values = frame[column].dropna().astype("string").str.strip().unique()
            # All-digit values are user ids (raw logstore tables), never names.
            found.update(str(v) for v in values if str(v) not in ("", "-") and not str(v).isdigit())
    return sorted(found, key=lambda n: (-len(n), n))


def pseudonymise(
    frame: pd.DataFrame,
    names: Iterable[str],
    secret: bytes,
    text_columns: Iterable[str],
    ip_columns: Iterable[str],
) -> pd.DataFrame:
    """Replace ``names`` in ``text_columns`` by pseudonyms and empty ``ip_columns``."""
    names = [n for n in names if n]
    mapping = {name: pseudonym(name, secret) for name in names}
    out = frame.copy(deep=False)
    for column in ip_columns:
        if column in out:
            out[column] = pd.Series(pd.NA, index=out.index, dtype="string")
    if not names:
        return out
    alternation = "|".join(_name_pattern(n) for n in names)
    # Whole names only: "Ana" must not turn "Banana" into something else.
    pattern = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")
    columns = [c for c in dict.fromkeys([*NAME_COLUMNS, *text_columns]) if c in out]
    for column in columns:
        out[column] = _replace(out[column], pattern, alternation, _Lookup(mapping, secret))
    return out


def _name_pattern(name: str) -> str:
    """A regular expression for ``name`` as written, or with its quotes and ampersands
    HTML-escaped (``O'Brien``, ``O&#039;Brien``, ``O&apos;Brien``)."""
    return "".join(_ENTITY_FORMS.get(char) or re.escape(char) for char in name)


class _Lookup(dict[str, str]):
    """Name -> pseudonym; an escaped form of a name gets the pseudonym of the name itself."""

    def __init__(self, mapping: dict[str, str], secret: bytes) -> None:
        super().__init__(mapping)
        self._secret = secret

    def __missing__(self, text: str) -> str:
        plain = html.unescape(text)
        value = self[plain] if plain in self else pseudonym(plain, self._secret)
        self[text] = value
        return value


def _replace(
    series: pd.Series, pattern: re.Pattern[str], alternation: str, mapping: dict[str, str]
) -> pd.Series:
    """Substitute names in one column, working on its unique values."""
    codes, uniques = pd.factorize(series.astype("string"), use_na_sentinel=True)
    if not len(uniques):
        return series.astype("string")
    values = pa.array(uniques.astype(object).tolist(), type=pa.string())
    try:  # RE2 narrows the candidates fast; Python's re does the exact substitution.
        candidates = pc.match_substring_regex(values, alternation).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        candidates = [True] * len(values)
    texts = values.to_pylist()
    changed = False
    for i, hit in enumerate(candidates):
        if hit:
            new = pattern.sub(lambda m: mapping[m.group(0)], texts[i])
            changed = changed or new != texts[i]
            texts[i] = new
    if not changed:
        return series.astype("string")
    replaced = pd.array(texts, dtype="string")
    result = replaced.take(codes, allow_fill=True)
    return pd.Series(result, index=series.index, dtype="string")
