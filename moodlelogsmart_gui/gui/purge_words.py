"""What Settings › Purge now says when it is done: what went and what it freed, or, when
nothing had expired, why not and how to delete a result now (instead of "0 jobs purged")."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication

from moodlelogsmart_gui.gui import formatting as fmt

CTX = "SettingsDialog"  # the translations were written for the dialog


def _tr(text: str, count: int) -> str:
    return QCoreApplication.translate(CTX, text, "", count)


def purge_text(report: Any, ttl_completed_hours: float) -> str:
    """The sentence for a purge report (jobs_purged, bytes_freed, errors)."""
    purged = int(getattr(report, "jobs_purged", 0))
    if purged:
        freed = fmt.size_text(int(getattr(report, "bytes_freed", 0)))
        text = _tr("%n job(s) purged, %1 freed.", purged).replace("%1", freed)
    else:
        minutes = round(ttl_completed_hours * 60)
        if minutes % 60 == 0:
            text = _tr(
                "Nothing has expired yet; finished results are kept for %n hour(s). "
                "Use Remove from history to delete one now.",
                minutes // 60,
            )
        else:  # 0.5 hours reads better as 30 minutes
            text = _tr(
                "Nothing has expired yet; finished results are kept for %n minute(s). "
                "Use Remove from history to delete one now.",
                minutes,
            )
    errors = list(getattr(report, "errors", []) or [])
    if errors:
        text += " " + _tr("%n item(s) could not be deleted (see the app log).", len(errors))
    return text
