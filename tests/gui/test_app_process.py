"""The window as a process: one per data folder (a second launch hands its files over and
exits 0), SIGTERM/SIGINT cancel and quit cleanly, the xcb check, the desktop entry."""

from __future__ import annotations

import fcntl
import os
import shlex
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from moodlelogsmart_gui.desktop_entry import desktop_entry_text
from moodlelogsmart_gui.jobs.queue import CLOSED_MESSAGE
from tests.gui.app_process import REPO, AppProcess, app_env
from tests.gui.conftest import write_log

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and sockets"),
]


@pytest.fixture
def first_window(app_home: Path) -> Iterator[AppProcess]:
    window = AppProcess(app_home)
    window.wait_for("ready")
    yield window
    window.stop()


def second_launch(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``moodlelogsmart-gui ARGS`` as a person types it (``python -m`` runs the same main)."""
    return subprocess.run(
        [sys.executable, "-m", "moodlelogsmart_gui", *args],
        cwd=REPO, env=app_env(home), capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_a_second_launch_hands_its_files_to_the_open_window(
    first_window: AppProcess, app_home: Path, tmp_path: Path
) -> None:
    log = write_log(tmp_path / "from the desktop", "course 1.csv")
    second = second_launch(app_home, str(log))
    assert second.returncode == 0, second.stderr
    assert "already" not in second.stdout + second.stderr
    first_window.wait_for("added course 1.csv")
    first_window.wait_for("state course 1.csv completed")
    assert first_window.process.poll() is None  # the first window is still open


def test_a_relative_path_is_resolved_in_the_second_launch_folder(
    first_window: AppProcess, app_home: Path, tmp_path: Path
) -> None:
    write_log(tmp_path, "here.csv")
    second = subprocess.run(
        [sys.executable, "-m", "moodlelogsmart_gui", "here.csv"],
        cwd=tmp_path, env=app_env(app_home), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    first_window.wait_for("added here.csv")


def test_another_data_folder_is_another_app(first_window: AppProcess, tmp_path: Path) -> None:
    other = AppProcess(tmp_path / "other-home", write_log(tmp_path, "other.csv"))
    try:
        other.wait_for("ready")
        other.wait_for("added other.csv")
    finally:
        other.stop()
    assert not any(line.startswith("added") for line in first_window.seen)


def _history(home: Path) -> list[tuple[str, str, str]]:
    db = sqlite3.connect(home / "history.sqlite3")
    try:
        return list(db.execute("SELECT input_name, state, message FROM jobs"))
    finally:
        db.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_quit_signal_cancels_the_running_job_and_exits_cleanly(
    app_home: Path, tmp_path: Path, signum: int
) -> None:
    log = write_log(tmp_path, "long.csv", f"HOLD {tmp_path / 'never'}")
    window = AppProcess(app_home, log)
    try:
        window.wait_for("ready")
        window.wait_for("state long.csv running")
        window.process.send_signal(signum)
        assert window.process.wait(30) == 0
    finally:
        window.stop()
    assert not (app_home / "history.sqlite3-wal").exists()  # checkpointed and closed
    assert _history(app_home) == [("long.csv", "cancelled", CLOSED_MESSAGE)]
    assert (app_home / "app.lock").read_text() == ""
    with open(app_home / "app.lock", "rb+") as lock:  # released: anyone may take it
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    workers = [
        pid
        for pid in os.listdir("/proc")
        if pid.isdigit() and str(app_home).encode() in _cmdline(pid)
    ]
    assert workers == []


def _cmdline(pid: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_the_desktop_entry_is_installed_for_the_user(tmp_path: Path, app_home: Path) -> None:
    data_home = tmp_path / "share"
    env = dict(app_env(app_home), XDG_DATA_HOME=str(data_home))
    done = subprocess.run(
        [sys.executable, "-m", "moodlelogsmart_gui", "--install-desktop-entry"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    entry = data_home / "applications" / "moodlelogsmart.desktop"
    text = entry.read_text(encoding="utf-8")
    assert "Name=MoodleLogSmart\n" in text and "Icon=moodlelogsmart\n" in text
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert exec_line.endswith(" %F")
    assert (data_home / "icons/hicolor/scalable/apps/moodlelogsmart.svg").is_file()
    assert (data_home / "icons/hicolor/256x256/apps/moodlelogsmart.png").is_file()
    assert str(entry) in done.stdout


def test_a_file_opened_with_the_desktop_entry_is_queued_by_the_open_window(
    first_window: AppProcess, tmp_path: Path, app_home: Path
) -> None:
    command = [sys.executable, "-m", "moodlelogsmart_gui"]
    exec_line = desktop_entry_text(command).split("Exec=", 1)[1].splitlines()[0]
    log = write_log(tmp_path / "Área de trabalho", "turma A.csv")
    argv = [str(log) if part == "%F" else part for part in shlex.split(exec_line)]
    assert argv[:3] == command
    opened = subprocess.run(
        argv, cwd=REPO, env=app_env(app_home), capture_output=True, text=True, timeout=60
    )
    assert opened.returncode == 0, opened.stderr
    first_window.wait_for("added turma A.csv")
