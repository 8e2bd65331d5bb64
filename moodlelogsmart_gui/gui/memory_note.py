"""The settings panel's warning when jobs at the same time x "Memory for one job" exceed the
machine's memory (hidden otherwise)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from PySide6.QtWidgets import QLabel, QWidget

from moodlelogsmart_gui.settings import machine_memory_bytes, memory_warning


class _Validating(Protocol):
    def validate(self) -> tuple[Any, str | None]: ...


class MemoryNote(QLabel):
    """One wrapped line under the job settings; ``refresh`` reads the two fields."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("memoryWarning")
        self.setWordWrap(True)
        self.hide()

    def refresh(self, fields: Mapping[str, _Validating]) -> None:
        values = []
        for key in ("concurrent_jobs", "job_memory_mb"):
            value, error = fields[key].validate()
            values.append(None if error else value)
        jobs, memory = values
        text = None
        if jobs is not None and memory is not None:
            text = memory_warning(int(jobs), int(memory), machine_memory_bytes())
        self.setText(text or "")
        self.setVisible(text is not None)
