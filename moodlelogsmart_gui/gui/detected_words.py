"""'What was detected', said in words: each row is (label, words, technical value).

The summary stores what the pipeline used (``%d/%m/%y, %H:%M:%S``, ``utf-8-sig``, ``comma``);
people read "day/month/year, 2-digit year, 24-hour time with seconds", "UTF-8 with BOM" and
"comma (,)". The technical value stays available as the row's tooltip.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication

CTX = "DetectedWords"


def _tr(text: str) -> str:
    return QCoreApplication.translate(CTX, text)


LAYOUTS = {
    "report": "Moodle log report",
    "report_site": "Site-wide log report",
    "logstore": "Standard log store (database table)",
    "spreadsheet_report": "Log report saved as a spreadsheet",
}
DELIMITERS = {
    ",": "comma (,)",
    "comma": "comma (,)",
    ";": "semicolon (;)",
    "semicolon": "semicolon (;)",
    "\t": "tab",
    "tab": "tab",
    "|": "vertical bar (|)",
    "pipe": "vertical bar (|)",
}
ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
    "cp1252": "Windows Western (cp1252)",
    "windows-1252": "Windows Western (cp1252)",
    "latin-1": "Latin-1 (ISO 8859-1)",
    "iso-8859-1": "Latin-1 (ISO 8859-1)",
    "ascii": "ASCII",
}
CONFIDENCE = {"certain": "certain", "high": "likely", "low": "a guess"}
LANGUAGES = {
    "en": "English",
    "pt_br": "Portuguese (Brazil)",
    "pt": "Portuguese (Portugal)",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "it": "Italian",
}
ORDERS = {"day_first": "day before month", "month_first": "month before day", "epoch": "Unix time"}
TIMEZONES = {"local": "local time of the person who downloaded the log (no offset)"}


def date_format_words(pattern: str) -> str:
    """'%d/%m/%y, %H:%M:%S' -> 'day/month/year, 2-digit year, 24-hour time with seconds'."""
    if pattern in ("epoch", "unix"):
        return _tr("Unix time (seconds since 1970)")
    parts: list[str] = []
    names = {"d": "day", "e": "day", "m": "month", "b": "month", "B": "month", "y": "year"}
    names["Y"] = "year"
    order = [names[c] for c in _codes(pattern) if c in names]
    if order:
        parts.append(_tr("/".join(dict.fromkeys(order))))
    codes = set(_codes(pattern))
    if "y" in codes:
        parts.append(_tr("2-digit year"))
    if codes & {"b", "B"}:
        parts.append(_tr("month as a name"))
    if codes & {"a", "A"}:
        parts.append(_tr("with the weekday"))
    if codes & {"I", "l"}:
        clock = _tr("12-hour time (AM/PM)")
    elif codes & {"H", "k"}:
        clock = _tr("24-hour time")
    else:
        clock = ""
    if clock:
        parts.append(clock + (" " + _tr("with seconds") if "S" in codes else ""))
    return ", ".join(parts) if parts else pattern


def _codes(pattern: str) -> list[str]:
    codes: list[str] = []
    index = 0
    while index < len(pattern) - 1:
        if pattern[index] == "%":
            codes.append(pattern[index + 1].lstrip("-#"))
            index += 2
        else:
            index += 1
    return codes


def detected_rows(detected: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, words, technical value) for each thing the summary says was detected."""
    rows: list[tuple[str, str, str]] = []
    layout = detected.get("layout")
    file_format = str(detected.get("file_format") or "")
    if layout or file_format:
        kind = _tr(LAYOUTS[str(layout)]) if str(layout) in LAYOUTS else str(layout or "")
        rows.append((_tr("Layout"), f"{kind} ({file_format.upper()})", f"{layout}, {file_format}"))
    encoding = str(detected.get("encoding") or "")
    if encoding and encoding.lower() not in ("n/a", "none"):
        words = _tr(ENCODINGS.get(encoding.lower(), encoding.upper()))
        conf = str(detected.get("encoding_confidence") or "")
        if conf in CONFIDENCE and conf != "certain":
            words += f" ({_tr(CONFIDENCE[conf])})"
        rows.append((_tr("Encoding"), words, f"{encoding} ({conf})" if conf else encoding))
    delimiter = detected.get("delimiter")
    if delimiter:
        known = DELIMITERS.get(str(delimiter))
        rows.append((_tr("Delimiter"), _tr(known) if known else str(delimiter), repr(delimiter)))
    language = detected.get("language")
    if language:
        name = LANGUAGES.get(str(language).lower())
        said = _tr(name) if name else str(language)
        sure = detected.get("language_confidence")
        if isinstance(sure, int | float) and sure < 0.995:
            said += " " + _tr("(%1 sure)").replace("%1", f"{float(sure):.0%}")
        rows.append((_tr("Language"), said, f"{language} ({sure})"))
    if detected.get("date_format"):
        pattern = str(detected["date_format"])
        rows.append((_tr("Date format"), date_format_words(pattern), pattern))
    order = detected.get("date_order")
    if order:
        words = _tr(ORDERS[str(order)]) if str(order) in ORDERS else str(order)
        if detected.get("date_order_ambiguous"):
            words += " — " + _tr("ambiguous, a guess (check the warnings)")
        rows.append((_tr("Day/month order"), words, str(order)))
    zone = detected.get("timezone")
    if zone:
        words = _tr(TIMEZONES[str(zone)]) if str(zone) in TIMEZONES else str(zone)
        rows.append((_tr("Time zone"), words, str(zone)))
    return rows
