"""Saving many results into one folder: unique names, never a person's file overwritten."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from moodlelogsmart_gui.jobs import results
from moodlelogsmart_gui.jobs.results import save_new


def _zip(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "job" / "result.zip"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    return path


def test_names_are_numbered_and_existing_files_stay_as_they_were(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.zip").write_bytes(b"mine")
    first = save_new(_zip(tmp_path, b"PK1"), out, "a.zip")
    second = save_new(_zip(tmp_path, b"PK2"), out, "a.zip")
    assert (first.name, second.name) == ("a_2.zip", "a_3.zip")
    assert (out / "a.zip").read_bytes() == b"mine"
    assert first.read_bytes() == b"PK1" and second.read_bytes() == b"PK2"
    assert sorted(p.name for p in out.iterdir()) == ["a.zip", "a_2.zip", "a_3.zip"]


def test_a_file_appearing_while_copying_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    real = results.unused_path
    calls: list[Path] = []

    def late_arrival(folder: Path, name: str) -> Path:
        chosen = real(folder, name)
        if not calls:  # someone else writes the free name after it was looked up
            chosen.write_bytes(b"theirs")
        calls.append(chosen)
        return chosen

    monkeypatch.setattr(results, "unused_path", late_arrival)
    saved = save_new(_zip(tmp_path, b"PK"), out, "r.zip")
    assert saved.name == "r_2.zip" and saved.read_bytes() == b"PK"
    assert (out / "r.zip").read_bytes() == b"theirs"
    assert sorted(p.name for p in out.iterdir()) == ["r.zip", "r_2.zip"]


def test_without_hard_links_the_name_is_claimed_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(*_: object) -> None:
        raise OSError(errno.EPERM, "links not supported here")

    monkeypatch.setattr(os, "link", no_links)
    out = tmp_path / "out"
    out.mkdir()
    (out / "r.zip").write_bytes(b"mine")
    saved = save_new(_zip(tmp_path, b"PK"), out, "r.zip")
    assert saved.name == "r_2.zip" and saved.read_bytes() == b"PK"
    assert (out / "r.zip").read_bytes() == b"mine"
    assert sorted(p.name for p in out.iterdir()) == ["r.zip", "r_2.zip"]


def test_a_failed_copy_leaves_nothing_in_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(OSError):
        save_new(tmp_path / "missing.zip", out, "r.zip")
    assert list(out.iterdir()) == []
