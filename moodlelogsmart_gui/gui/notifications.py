"""Telling people things without getting in their way: a notice bar and desktop notifications."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSystemTrayIcon,
    QToolButton,
    QWidget,
)


class NoticeBar(QFrame):
    """A dismissible yellow band under the table (refused files and similar news).

    It never goes away by itself and sits below the table, so neither its coming nor its
    going moves a row under the pointer; it closes on a click on ✕.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBar")
        self.setStyleSheet(
            "QFrame#noticeBar { background: #fff4ce; border: 1px solid #f0d58c;"
            " border-radius: 6px; } QFrame#noticeBar QLabel { color: #4d3b00; }"
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel()
        self.label.setObjectName("noticeText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        row.addWidget(self.label, 1)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip(self.tr("Dismiss"))
        close.setObjectName("noticeClose")
        close.clicked.connect(self.hide)
        row.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.close_button = close
        self.hide()

    def show_notice(self, text: str) -> None:
        self.label.setText(text)
        self.show()


class Notifier:
    """A tray message where the platform has a tray; otherwise the taskbar alert and title."""

    def __init__(self, window: QWidget, icon: QIcon) -> None:
        self._window = window
        self._tray: QSystemTrayIcon | None = None
        self._unseen = 0
        self._base_title = window.windowTitle()
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray = QSystemTrayIcon(icon, window)
            self._tray.setToolTip(window.windowTitle())
            self._tray.messageClicked.connect(self._raise_window)
            self._tray.activated.connect(lambda _reason: self._raise_window())

    @property
    def unseen(self) -> int:
        return self._unseen

    def notify(self, title: str, message: str) -> None:
        """Only called while the window is in the background."""
        self._unseen += 1
        if self._tray is not None:
            self._tray.show()
            self._tray.showMessage(title, message, QSystemTrayIcon.MessageIcon.Information, 8000)
        QApplication.alert(self._window, 0)
        self._window.setWindowTitle(f"({self._unseen}) {self._base_title}")

    def seen(self) -> None:
        """The window is active again: clear the count in the title."""
        if self._unseen:
            self._unseen = 0
            self._window.setWindowTitle(self._base_title)

    def _raise_window(self) -> None:
        self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()
