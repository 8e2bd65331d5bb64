"""The drop area: large and inviting on first launch, a slim band once there are jobs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QLabel,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from moodlelogsmart_gui.gui.icons import app_icon
from moodlelogsmart_gui.gui.wrapped_label import WrappedLabel
from moodlelogsmart_gui.jobs.intake import LOG_SUFFIXES

STYLE = """
QFrame#dropZone {
    border: 2px dashed palette(mid);
    border-radius: 10px;
    background: palette(base);
}
QFrame#dropZone[hover="true"] {
    border-color: palette(highlight);
    background: palette(alternate-base);
}
"""


def local_paths(mime: QMimeData) -> list[Path]:
    """The local files and folders in a drag (URLs that are not local files are ignored)."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class DropZone(QFrame):
    """Says what to drop and offers a button; emits the dropped paths."""

    paths_dropped = Signal(list)
    add_files_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self.setStyleSheet(STYLE)
        self._title = QLabel(self)
        self._title.setObjectName("dropTitle")
        self._title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._title.setWordWrap(True)
        self._hint = WrappedLabel("", self)
        self._hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._hint.setWordWrap(True)
        self._hint.setMinimumWidth(560)
        self._hint.setMaximumWidth(620)
        self._icon = QLabel(self)
        self._icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._icon.setPixmap(app_icon().pixmap(QSize(96, 96)))
        self.add_button = QPushButton(self.tr("Add files…"), self)
        self.add_button.setObjectName("addFilesButton")
        self.add_button.clicked.connect(self.add_files_requested)
        self._layout = QBoxLayout(QBoxLayout.Direction.TopToBottom, self)
        self._compact = True
        self.set_compact(False)

    def set_compact(self, compact: bool) -> None:
        """Large (nothing queued yet) or a slim band above the job table."""
        if compact == self._compact:
            return
        self._compact = compact
        layout = self._layout
        while layout.count():
            layout.takeAt(0)
        if compact:
            layout.setDirection(QBoxLayout.Direction.LeftToRight)
            layout.setContentsMargins(14, 6, 8, 6)
            self._title.setText(self.tr("Drop more Moodle log files anywhere in this window."))
            self._title.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            self._title.setStyleSheet("")
            self.add_button.setStyleSheet("")
            self._hint.hide()
            self._icon.hide()
            layout.addWidget(self._title, 1)
            layout.addWidget(self.add_button)
            self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        else:
            layout.setDirection(QBoxLayout.Direction.TopToBottom)
            layout.setContentsMargins(40, 40, 40, 40)
            self._title.setText(
                self.tr("Drop Moodle log files here (%1), or choose files…").replace(
                    "%1", ", ".join(LOG_SUFFIXES)
                )
            )
            self._title.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._title.setStyleSheet("font-size: 17pt; font-weight: 600;")
            self.add_button.setStyleSheet("padding: 6px 22px; font-size: 11pt;")
            self._hint.setText(
                self.tr(
                    "Export the log from Moodle (Reports › Logs › Download). Each file becomes "
                    "a job; when it is done you choose where to save the enriched ZIP "
                    "(CSV and XES, every event classified by Bloom's taxonomy). Folders work too."
                )
            )
            self._hint.show()
            self._icon.show()
            layout.addStretch(2)
            layout.addWidget(self._icon)
            layout.addSpacing(12)
            layout.addWidget(self._title)
            layout.addSpacing(8)
            layout.addWidget(self._hint, 0, Qt.AlignmentFlag.AlignHCenter)
            layout.addSpacing(18)
            layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignHCenter)
            layout.addStretch(3)
            self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)

    def is_compact(self) -> bool:
        return self._compact

    def set_drop_target(self, on: bool) -> None:
        """Highlighted while files are dragged anywhere over the window."""
        self._set_hover(on)

    def _set_hover(self, hover: bool) -> None:
        if bool(self.property("hover")) == hover:
            return
        self.setProperty("hover", hover)
        self.style().unpolish(self)
        self.style().polish(self)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()
            self._set_hover(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()

    def dragLeaveEvent(self, event: object) -> None:
        self._set_hover(False)

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_hover(False)
        paths = local_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.paths_dropped.emit(paths)
