"""The settings editor for "Files in the result": one tick box per ZIP member."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QWidget

from moodlelogsmart_gui.members import ALWAYS


class OutputChoice(QWidget):
    """Tick boxes for ``names``; ``text()`` is the comma-separated choice ("" = every one)."""

    changed = Signal()

    def __init__(self, names: Sequence[str], value: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        chosen = {part.strip() for part in value.split(",") if part.strip()}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(2)
        self.boxes: dict[str, QCheckBox] = {}
        for index, name in enumerate(names):
            box = QCheckBox(name)
            box.setObjectName(f"output_{name}")
            box.setChecked(not chosen or name in chosen or name == ALWAYS)
            box.setEnabled(name != ALWAYS)
            if name == ALWAYS:
                box.setToolTip(self.tr("Always written: it says what was found."))
            box.toggled.connect(self.changed)
            grid.addWidget(box, index // 2, index % 2)
            self.boxes[name] = box

    def text(self) -> str:
        ticked = [name for name, box in self.boxes.items() if box.isChecked()]
        if len(ticked) == len(self.boxes):
            return ""
        return ",".join(ticked)
