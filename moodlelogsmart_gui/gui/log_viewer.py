"""A read-only viewer for a job's log (read off the GUI thread, the last 1 MB at most)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from moodlelogsmart_gui.gui.background import BackgroundRunner

TAIL_BYTES = 1_000_000


def read_log_tail(path: Path, limit: int = TAIL_BYTES) -> str:
    """The end of the log as text; undecodable bytes are replaced, never fatal."""
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - limit))
        data = handle.read()
    text = data.decode("utf-8", errors="replace")
    return text if size <= limit else "…\n" + text


class LogViewer(QDialog):
    """Shows one job.log; a button opens it in the system's own viewer."""

    def __init__(
        self, title: str, path: Path, runner: BackgroundRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("logViewer")
        self.setWindowTitle(self.tr("Log of %1").replace("%1", title))
        self.resize(760, 460)
        self._path = path
        layout = QVBoxLayout(self)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setPlainText(self.tr("Loading…"))
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Close"))
        open_button = QPushButton(self.tr("Open in another program"))
        open_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._path)))
        )
        buttons.addButton(open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        runner.run(lambda: read_log_tail(path), self._loaded)

    def _loaded(self, text: Any, error: BaseException | None) -> None:
        if error is not None:
            shown = self.tr("The log could not be read (it may have been cleaned up already).")
        else:
            shown = str(text) or self.tr("The log is empty: the job wrote nothing to it.")
        with contextlib.suppress(RuntimeError):
            self.text.setPlainText(shown)
            self.text.moveCursor(self.text.textCursor().MoveOperation.End)
