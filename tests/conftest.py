"""Every test runs offscreen, in its own data folder, never touching the real home."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh MOODLELOGSMART_HOME per test; administrator presets cleared."""
    home = tmp_path / "mls-home"
    monkeypatch.setenv("MOODLELOGSMART_HOME", str(home))
    for key in list(os.environ):
        if key.startswith("MOODLELOGSMART_") and key != "MOODLELOGSMART_HOME":
            monkeypatch.delenv(key, raising=False)
    yield home
