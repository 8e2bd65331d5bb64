"""A dialog body that scrolls while the dialog's buttons stay in sight, and a fixed dialog
size that fits the screen (a 1366x768 laptop included)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QFrame,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

# fits a 768 px screen with the window's title bar and a desktop panel
MAX_HEIGHT = 640
SCREEN_ROOM = 60  # what the title bar and a panel take from the screen's available height


def scrolling_body(dialog: QDialog) -> tuple[QScrollArea, QWidget, QVBoxLayout]:
    """A frameless vertical scroll area and the layout to put the dialog's body in."""
    scroll = QScrollArea(dialog)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    content = QWidget(scroll)
    inner = QVBoxLayout(content)
    inner.setContentsMargins(0, 0, 0, 0)
    return scroll, content, inner


def fix_to_screen(dialog: QDialog, scroll: QScrollArea, content: QWidget) -> None:
    """A fixed size (nothing grows while typing): as tall as the body needs, but at most
    MAX_HEIGHT and what the screen leaves; the body scrolls beyond that. The width leaves
    room for the scroll bar, so the body is never narrower than it asked."""
    content.adjustSize()
    bar = scroll.verticalScrollBar().sizeHint().width()
    width = max(dialog.minimumWidth(), content.sizeHint().width()) + bar
    natural = dialog.sizeHint().height() - scroll.sizeHint().height()
    natural += content.sizeHint().height()
    screen = dialog.screen() or QGuiApplication.primaryScreen()
    room = screen.availableGeometry().height() - SCREEN_ROOM if screen is not None else MAX_HEIGHT
    dialog.setFixedSize(width, max(360, min(natural, MAX_HEIGHT, room)))


class WheelScrollsBody(QObject):
    """The mouse wheel over a spin box or a list the user has not clicked scrolls the body
    instead of changing the setting (a value must never change while scrolling past it)."""

    def __init__(self, scroll: QScrollArea) -> None:
        super().__init__(scroll)
        self._scroll = scroll

    def watch(self, content: QWidget) -> None:
        for editor in content.findChildren(QAbstractSpinBox) + content.findChildren(QComboBox):
            editor.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            editor.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        wheel = event.type() == QEvent.Type.Wheel
        if wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            QApplication.sendEvent(self._scroll.verticalScrollBar(), event)
            return True
        return False
