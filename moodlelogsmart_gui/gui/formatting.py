"""Short, translated texts for job values: stages, states, durations, sizes, expiry."""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale

CTX = "Formatting"


def _tr(text: str) -> str:
    return QCoreApplication.translate(CTX, text)


STAGE_LABELS: dict[str, str] = {
    "": "Starting…",
    "start": "Starting…",
    "starting": "Starting…",
    "copying": "Copying the file…",
    "read": "Reading…",
    "detect": "Detecting format…",
    "normalise": "Normalising…",
    "clean": "Cleaning…",
    "classify": "Classifying…",
    "sort": "Sorting…",
    "export": "Exporting…",
    "package": "Packaging…",
}

STATE_LABELS: dict[str, str] = {
    "queued": "Queued",
    "running": "Running",
    "completed": "Completed",
    "failed": "Failed",
    "cancelled": "Cancelled",
}

REASON_LABELS: dict[str, str] = {
    "timeout": "timed out",
    "crashed": "worker crashed",
    "bad_input": "not a usable log",
    "interrupted": "interrupted",
    "internal": "internal error",
    "cancelled": "cancelled",
}


def stage_text(stage: str | None) -> str:
    """'Classifying…' for 'classify'; unknown stages are shown capitalised."""
    key = (stage or "").strip().lower()
    if key in STAGE_LABELS:
        return _tr(STAGE_LABELS[key])
    return key.capitalize() + "…"


def state_text(state: str) -> str:
    return _tr(STATE_LABELS.get(str(state), str(state).capitalize()))


def reason_text(reason: str | None) -> str:
    return _tr(REASON_LABELS.get(str(reason), str(reason or "")))


def duration_text(seconds: float | None) -> str:
    """'4 s', '2 min 05 s', '1 h 03 min'; empty for unknown."""
    if seconds is None or seconds < 0:
        return ""
    total = round(seconds)
    if total < 60:
        return _tr("%1 s").replace("%1", str(total))
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return _tr("%1 min %2 s").replace("%1", str(minutes)).replace("%2", f"{secs:02d}")
    hours, minutes = divmod(minutes, 60)
    return _tr("%1 h %2 min").replace("%1", str(hours)).replace("%2", f"{minutes:02d}")


def until_text(when: float | None, now: float) -> str:
    """Time left as 'in 23 h', 'in 12 min', 'in 3 days', 'soon'."""
    if when is None:
        return ""
    left = when - now
    if left <= 60:
        return _tr("soon")
    if left < 3600:
        return _tr("in %1 min").replace("%1", str(int(left // 60)))
    if left < 48 * 3600:
        return _tr("in %1 h").replace("%1", str(round(left / 3600)))
    return _tr("in %1 days").replace("%1", str(round(left / 86400)))


def clock_text(when: float | None, now: float, locale: QLocale | None = None) -> str:
    """'14:03' for today, '27 Nov 14:03' otherwise (month names and other years' dates in
    ``locale``, by default the UI language's: '27 de nov. 14:03' in Portuguese)."""
    if when is None:
        return ""
    locale = QLocale() if locale is None else locale
    moment = QDateTime.fromSecsSinceEpoch(int(when))
    today = QDateTime.fromSecsSinceEpoch(int(now)).date()
    clock = locale.toString(moment.time(), "HH:mm")
    if moment.date() == today:
        return clock
    if moment.date().year() == today.year():
        return f"{locale.toString(moment.date(), _tr('d MMM'))} {clock}"
    return f"{locale.toString(moment.date(), QLocale.FormatType.ShortFormat)} {clock}"


def seconds_text(when: float | None) -> str:
    """'14:03:25': a time to the second (two runs in the same minute differ)."""
    return "" if when is None else time.strftime("%H:%M:%S", time.localtime(when))


def attempt_text(attempt: int, retry_of: str | None) -> str:
    """'' for a job's first run, 'attempt 2' for a retry."""
    return _tr("attempt %1").replace("%1", str(attempt)) if retry_of or attempt > 1 else ""


def size_text(size: int | float | None) -> str:
    """Bytes as '512 B', '3.4 KB', '12.0 MB', '1.2 GB'."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"  # pragma: no cover


def count_text(value: int | None) -> str:
    """Thousands separated with a thin space so big numbers stay readable."""
    if value is None:
        return ""
    return f"{value:,}".replace(",", "\u202f")


BREAK_AFTER = "/\\_-.,;:=&?"
ZERO_WIDTH_SPACE = "\u200b"


def breakable(text: str, longest: int = 24) -> str:
    """``text`` with invisible break opportunities inside words longer than ``longest``
    (after '_', '-', '.', '/' … or every ``longest`` characters), so that a file name or a
    path wraps in a narrow pane instead of pushing it sideways."""
    words = text.split(" ")
    out: list[str] = []
    for word in words:
        if len(word) <= longest:
            out.append(word)
            continue
        pieces: list[str] = []
        run = 0
        for char in word:
            pieces.append(char)
            run += 1
            if char in BREAK_AFTER or run >= longest:
                pieces.append(ZERO_WIDTH_SPACE)
                run = 0
        out.append("".join(pieces).rstrip(ZERO_WIDTH_SPACE))
    return " ".join(out)
