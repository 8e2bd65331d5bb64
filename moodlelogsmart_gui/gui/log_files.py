"""How the window words what the intake (:mod:`moodlelogsmart_gui.jobs.intake`) refused."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from moodlelogsmart_gui.jobs.intake import LOG_SUFFIXES, Refusal, Refused


def _tr(text: str) -> str:
    return QCoreApplication.translate("LogFiles", text)


def file_dialog_filter() -> str:
    """The name filter of the 'Add files…' dialog."""
    patterns = " ".join(f"*{suffix}" for suffix in LOG_SUFFIXES)
    return f"{_tr('Moodle logs')} ({patterns});;{_tr('All files')} (*)"


def refusal_text(refusal: Refusal) -> tuple[str, str]:
    """(name, short translated reason) for the 'Not added' notice."""
    why = refusal.why
    if why is Refused.NOT_LOG_TYPE:
        kind = refusal.detail or _tr("no extension")
        reason = _tr("not a log file type (%1)").replace("%1", kind)
    elif why is Refused.TOO_MANY_IN_FOLDER:
        reason = _tr("more than %1 log files; only the first %1 were added").replace(
            "%1", refusal.detail
        )
    else:
        reason = {
            Refused.MISSING: _tr("cannot be found or opened"),
            Refused.UNREADABLE: _tr("cannot be read (no permission?)"),
            Refused.FOLDER: _tr("a folder"),
            Refused.FOLDER_UNREADABLE: _tr("cannot be read (no permission?)"),
            Refused.NOT_REGULAR: _tr("not a regular file"),
            Refused.EMPTY: _tr("the file is empty"),
            Refused.NO_LOGS_IN_FOLDER: _tr("the folder holds no log files"),
        }[why]
    return refusal.path.name, reason
